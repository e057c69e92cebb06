"""``mashsim compare``: the same children under the scenario as it is and with a change, child by child.

Example: mashsim compare london-borough --set agencies.police.staff=4 --replications 10

Both runs use the same seeds, so they see the same children (common random numbers); what changed
for each child is listed (signals that now reach the decision, by agency; outcomes; deadline
breaches avoided or caused), with totals per replication and their 95% CIs, and a few children's
cases narrated in both runs. The totals add up to the paired difference of the aggregate metrics.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mashsim.commands.common import (EXIT_OK, Progress, load, positive_int, replications_option, seed_option,
                                     engine_for, stop_on_sigterm)
from mashsim.experiment.marginal import DEFAULT_METRICS, DEFAULT_REPLICATIONS
from mashsim.scenario import Problem, ScenarioError, load_scenario

NAME = "compare"
HELP = "the same children with and without a change: who is helped and harmed, with 95%% CIs"

#: Fields a change may not touch: they change which children arrive (or when), so the two runs
#: would not see the same children. ``--base-set`` sets them for both runs.
_SAME_CHILDREN = ("run.", "calendar.start_date", "calendar.periods", "calendar.bank_holidays")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # SCENARIO as every command takes it; --set here is the change, so it says so
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file or shipped scenario name")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                        help="the change: a field set in the alternative only, e.g. agencies.police.staff=4 "
                             "(repeatable)")
    parser.add_argument("--base-set", dest="base_overrides", action="append", default=[], metavar="PATH=VALUE",
                        help="override a field in both runs (the baseline the change starts from), "
                             "e.g. run.horizon_days=91 (repeatable)")
    parser.add_argument("-r", "--replications", type=replications_option,
                        help="number of paired replications (default: scenario's run.replications)")
    parser.add_argument("--seed", type=seed_option, help="base seed (default: scenario's run.seed)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="processes to use (default: every core); results do not depend on it")
    parser.add_argument("--engine", choices=("local", "dask", "serial"), default="local",
                        help="where replications run (default local); results do not depend on it")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout and nothing else")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write children.parquet/.csv (every child that changed), totals.parquet, "
                             "accounting.csv, summary.json and summary.md (with the narrated children); "
                             "with --per-fte: per_fte.csv, per_fte.png, summary.json and summary.md")
    fte = parser.add_argument_group("marginal value of staff (instead of one change)")
    fte.add_argument("--per-fte", action="store_true",
                     help="give each desk 1, 2, ... more FTE alone (no --set) and show each effect against the "
                          "baseline as a curve, and per £100k a year where the scenario gives annual_cost; "
                          f"{DEFAULT_REPLICATIONS} replications unless --replications")
    fte.add_argument("--max-fte", type=positive_int, default=2, metavar="K", help="up to K more FTE (default 2)")
    fte.add_argument("--metric", action="append", default=[], metavar="METRIC",
                     help="an effect to show (repeatable; default: " + ", ".join(DEFAULT_METRICS) + ")")
    fte.add_argument("--desk", action="append", default=[], metavar="DESK",
                     help="only this desk, e.g. agencies.police (repeatable; default: every staffed desk)")


def _scenarios(args: argparse.Namespace):
    """The baseline and the alternative; every problem with the change in one error (exit 2)."""
    problems = []
    if not args.overrides:
        problems.append(Problem("--set", "compare needs a change: give the alternative with --set PATH=VALUE, "
                                         "e.g. --set agencies.police.staff=4", ""))
    for option, given in (("--metric", args.metric), ("--desk", args.desk)):
        if given:
            problems.append(Problem(option, "goes with --per-fte (the marginal value of staff)", " ".join(given)))
    for text in args.overrides:
        path = text.partition("=")[0].strip()
        if path.startswith(_SAME_CHILDREN) or ".arrivals" in f".{path}":
            problems.append(Problem("--set", f"{path} changes which children arrive, so the two runs would not "
                                             "see the same children; set it for both runs with --base-set", text))
    if problems:
        raise ScenarioError(problems, f"mashsim compare {args.scenario}")
    base_args = argparse.Namespace(scenario=args.scenario, overrides=args.base_overrides)
    base = load(base_args)
    try:
        alt = load_scenario(args.scenario, [*args.base_overrides, *args.overrides])
    except ScenarioError as error:
        raise ScenarioError(error.problems, "--set") from None
    return base, alt


def run(args: argparse.Namespace) -> int:
    if args.per_fte:
        from mashsim.commands.per_fte import run_per_fte

        return run_per_fte(args)
    from mashsim.experiment.children import NotTheSameChildren
    from mashsim.experiment.compare import compare
    from mashsim.report.compare_text import narrate, totals_table, write_compare
    from mashsim.atomic import check_output_folder
    from mashsim.report.compare_text import is_compare_file
    from mashsim.report.terminal import console as Console
    from mashsim.trace import trace_run

    base, alt = _scenarios(args)
    if args.out is not None:
        check_output_folder(args.out, is_compare_file)  # before the runs; nothing is made until they are whole
    n = args.replications or base.run.replications
    seed = base.run.seed if args.seed is None else args.seed
    err = Console(stderr=True)
    bar = Progress(err, n, "paired replications") if not args.json and err.is_terminal else None
    with engine_for(args.engine, args.workers, bar) as engine:
        try:
            result = compare(base, alt, args.overrides, n, seed,
                             executor=None if engine.name == "serial" else engine.executor,
                             slots=engine.slots, progress=bar.update if bar else None)
        except NotTheSameChildren as error:
            raise ScenarioError([Problem("--set", str(error), " ".join(args.overrides))], "--set") from None
    # the picked children's cases: their replications run again, traced (the very same runs)
    picks = result.picks()
    chosen = sorted(set(picks["replication"])) if not picks.empty else []
    traces = {(int(r), side): trace_run(s, seed, int(r)) for r in chosen for side, s in (("base", base), ("alt", alt))}
    narration = narrate(result, traces)
    if args.out is not None:
        with stop_on_sigterm():
            written = write_compare(result, narration, args.out)
        if not args.json:
            err.print(f"wrote {', '.join(str(p) for p in written)}")
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        Console().print(totals_table(result))
        print()
        print(narration, end="")
    return EXIT_OK
