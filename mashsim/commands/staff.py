"""``mashsim staff``: the least-cost staffing mix whose targets hold with 95% confidence.

Example: mashsim staff london-borough --target 'rag_breach_rate.red<=0.05'
--vary agencies.police.staff=1..8 --vary roles.screeners.staff=2..6 --cost agencies.police.staff=45000
"""

from __future__ import annotations

import argparse
import difflib
import json
import re

from mashsim._version import __version__
from mashsim.commands.common import EXIT_OK, add_scenario_arguments, load, non_negative_int, positive_int
from mashsim.commands.ensemble_options import (add_ensemble_arguments, ensemble_provenance,
                                               wanted)
from mashsim.scenario import Problem, ScenarioError, load_scenario

NAME = "staff"
HELP = "find the least-cost staffing mix whose targets hold with 95%% confidence"

# at most 9 digits: a staff count past that is no staff count (and int() refuses 4,300 digits)
_RANGE = re.compile(r"^\s*(\d{1,9})\s*(?:\.\.\s*(\d{1,9})\s*)?$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument("--target", action="append", required=True, metavar="METRIC<=X",
                        help="a target the mix must meet: METRIC<=X, <, >= or >, e.g. 'rag_breach_rate.red<=0.05' "
                             "(repeatable; all must hold)")
    parser.add_argument("--vary", action="append", required=True, metavar="PATH=LO..HI",
                        help="a staffing field and its whole-number range, e.g. agencies.police.staff=1..8 (repeatable)")
    parser.add_argument("--cost", action="append", default=[], metavar="PATH=X",
                        help="cost of one unit of a varied field, e.g. agencies.police.staff=45000 (default 1)")
    parser.add_argument("-r", "--replications", type=positive_int,
                        help="replications first run at each mix (default: the scenario's run.replications)")
    parser.add_argument("--max-replications", type=positive_int,
                        help="cap when a decision is close (default: 4 times --replications)")
    parser.add_argument("--seed", type=non_negative_int, help="base seed (default: the scenario's run.seed)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="processes to use (default: every core); results do not depend on it")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout and nothing else")
    add_ensemble_arguments(parser)


def parse_levers(varies: list[str], costs: list[str], allowed: list[str]):
    """``--vary PATH=LO..HI`` and ``--cost PATH=X`` as levers; every problem found is reported at once."""
    from mashsim.experiment import limits
    from mashsim.experiment.staffing import Lever

    problems: list[Problem] = []
    ranges: dict[str, tuple[int, int]] = {}
    for text in varies:
        path, _, span = text.partition("=")
        path = path.strip()
        match = _RANGE.match(span)
        if path not in allowed:
            close = difflib.get_close_matches(path, allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(Problem("--vary", f"{path or '(no path)'} is not a staffing field of the scenario; {hint}"
                                              f"allowed: {', '.join(allowed)}", text))
        elif not match:
            problems.append(Problem("--vary", "expected PATH=LO..HI with whole numbers from 0 to 999999999, "
                                              "e.g. agencies.police.staff=1..8", text))
        elif path in ranges:
            problems.append(Problem("--vary", f"{path} is varied twice", text))
        else:
            low = int(match.group(1))
            high = int(match.group(2)) if match.group(2) is not None else low
            if high < low:
                problems.append(Problem("--vary", f"the range is reversed ({low}..{high}): write LO..HI with "
                                                  f"LO <= HI, e.g. {path}={high}..{low}", text))
            elif limits.LEVELS.refuse(high - low + 1):
                problems.append(Problem("--vary", limits.LEVELS.refuse(high - low + 1, f"the range holds "
                                                                                       f"{high - low + 1:,} values"),
                                        text))
            ranges[path] = (low, high)
    unit_costs: dict[str, float] = {}
    for text in costs:
        path, _, value = text.partition("=")
        path = path.strip()
        try:
            cost = float(value)
        except ValueError:
            cost = -1.0
        if path not in ranges:
            problems.append(Problem("--cost", f"{path} is not varied; a cost goes with a --vary path "
                                              f"({', '.join(ranges) or 'none given'})", text))
        elif not cost >= 0 or cost == float("inf"):
            problems.append(Problem("--cost", "expected PATH=X with X a number 0 or more, "
                                              "e.g. agencies.police.staff=45000", text))
        else:
            unit_costs[path] = cost
    if problems:
        raise ScenarioError(problems, "--vary/--cost")
    return [Lever(path, low, high, unit_costs.get(path, 1.0)) for path, (low, high) in ranges.items()]


def _inputs(args: argparse.Namespace):
    """The scenario, targets, levers and replications asked for; every problem in one error (exit 2)."""
    from mashsim.experiment import limits
    from mashsim.experiment.staffing import describe, most_mixes_run, staff_fields
    from mashsim.experiment.targets import parse_target
    from mashsim.metrics.names import metric_names

    base = load(args)
    known = metric_names(base)
    problems: list[Problem] = []
    targets, levers = [], []
    for text in args.target:
        try:
            targets.append(parse_target(text, known))
        except ScenarioError as error:
            problems += error.problems
    try:
        levers = parse_levers(args.vary, args.cost, staff_fields(base))
    except ScenarioError as error:
        problems += error.problems
    replications = args.replications or base.run.replications
    cap = args.max_replications or max(replications, min(4 * replications, limits.REPLICATIONS.high))
    if replications < 2:
        problems.append(Problem("--replications", "at least 2 are needed for a confidence interval", replications))
    too_many = limits.REPLICATIONS.refuse(replications) or limits.REPLICATIONS.refuse(cap)
    if too_many:
        option, count = ("--replications", replications) if limits.REPLICATIONS.refuse(replications) else \
            ("--max-replications", cap)
        problems.append(Problem(option, too_many, count))
    elif cap < replications:
        problems.append(Problem("--max-replications", f"must be at least --replications ({replications})", cap))
    elif levers:
        mixes = most_mixes_run(levers)
        too_many = limits.RUNS.refuse(mixes * cap, f"the search may run {mixes:,} mixes x {cap:,} replications "
                                                   f"(--max-replications) = {mixes * cap:,}")
        if too_many:
            problems.append(Problem("--vary", too_many, " ".join(args.vary)))
    seed = base.run.seed if args.seed is None else args.seed
    try:
        limits.check_seed(seed)
    except ValueError as error:
        problems.append(Problem("--seed", str(error), seed))
    if problems:
        raise ScenarioError(problems, "mashsim staff")
    # the ends of the ranges must make valid scenarios (a desk Green work goes to needs staff > 0)
    for corner in ({lv.path: lv.low for lv in levers}, {lv.path: lv.high for lv in levers}):
        try:
            _scenario(args, corner)
        except ScenarioError as error:
            raise ScenarioError(error.problems, f"--vary (at {describe(corner)})") from None
    return base, targets, levers, replications, cap


def _scenario(args: argparse.Namespace, settings: dict[str, int]):
    return load_scenario(args.scenario, [*args.overrides, *settings.items()])


def run(args: argparse.Namespace) -> int:
    from rich.text import Text

    from mashsim.commands.ensemble_options import staff_over_ensemble
    from mashsim.experiment.engines import open_engine
    from mashsim.experiment.staffing import SimulatedReplications, describe, search_staffing
    from mashsim.report.staffing_table import print_staffing
    from mashsim.report.terminal import console as Console  # markup off: user text shown as it is
    from mashsim.scenario import scenario_hash

    base, targets, levers, replications, cap = _inputs(args)
    seed = base.run.seed if args.seed is None else args.seed
    err = Console(stderr=True)
    status = err.status(Text("searching")) if not args.json and err.is_terminal else None

    def progress(settings: dict[str, int], n: int) -> None:
        if status:
            status.update(Text(f"running {describe(settings)}: {n} replications"))

    with open_engine("local", args.workers) as engine:
        try:
            if status:
                status.start()
            metrics = [t.metric for t in targets]
            search = {"replicate": SimulatedReplications(lambda settings: _scenario(args, settings), metrics,
                                                         seed, engine.executor, engine.slots),
                      "replications": replications, "max_replications": cap}
            if wanted(args):  # every mix over the same ensemble members, judged on the two-level interval
                search = staff_over_ensemble(args, base, seed, metrics, levers, engine.executor, engine.slots)
            choice = search.pop("ensemble", None)
            replicate = search.pop("replicate")
            result = search_staffing(levers, targets, replicate, seed=seed, progress=progress, **search)
        except KeyboardInterrupt:
            engine.stop_now()  # do not wait for the workers' replications
            raise
        finally:
            if status:
                status.stop()
    provenance = {"scenario": {"name": base.name, "hash": scenario_hash(base)}, "mashsim_version": __version__,
                  **ensemble_provenance(choice, args.json)}
    if args.json:
        print(json.dumps({**provenance, **result.to_dict()}))
    else:
        print_staffing(result, Console(), provenance)
    return EXIT_OK
