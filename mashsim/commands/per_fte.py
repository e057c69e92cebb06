"""``mashsim compare --per-fte``: the marginal value of one more FTE at each desk, as a curve.

Each desk is given 1, 2, ... ``--max-fte`` more FTE alone, and each chosen metric's paired
difference against the baseline is shown with its 95% CI (and per £100k a year where the scenario
gives the desk's ``annual_cost``). A first look, cheap by default: desks x K x 3 replications.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mashsim._version import __version__
from mashsim.commands.common import EXIT_OK, Progress, engine_for, load, stop_on_sigterm
from mashsim.experiment.marginal import DEFAULT_METRICS, DEFAULT_REPLICATIONS
from mashsim.scenario import Problem, ScenarioError, load_scenario


def _inputs(args: argparse.Namespace):
    """The baseline, the desks, the metrics; every problem in one error (exit 2)."""
    from mashsim.experiment import limits
    from mashsim.experiment.marginal import desks
    from mashsim.metrics.names import metric_names, resolve_metrics

    problems = []
    if args.overrides:
        problems.append(Problem("--set", "--per-fte varies each desk's staff itself; set the baseline for every "
                                         "run with --base-set", " ".join(args.overrides)))
    base = load(argparse.Namespace(scenario=args.scenario, overrides=args.base_overrides))
    every = desks(base)
    names = [d.name for d in every]
    unknown = [d for d in args.desk if d not in names]
    for desk in unknown:
        problems.append(Problem("--desk", f"not a staffed desk of the scenario; allowed: {', '.join(names)}", desk))
    chosen = [d for d in every if not args.desk or d.name in args.desk]
    n = args.replications or DEFAULT_REPLICATIONS
    runs = (1 + len(chosen) * args.max_fte) * n
    too_many = limits.RUNS.refuse(runs, f"{len(chosen)} desks x {args.max_fte} FTE x {n} replications = {runs:,}")
    if too_many:
        problems.append(Problem("--max-fte", too_many, args.max_fte))
    if problems:
        raise ScenarioError(problems, f"mashsim compare --per-fte {args.scenario}")
    metrics = resolve_metrics(args.metric or DEFAULT_METRICS, metric_names(base), "--metric")
    return base, chosen, metrics, n


def run_per_fte(args: argparse.Namespace) -> int:
    from mashsim.atomic import check_output_folder, write_folder
    from mashsim.experiment.marginal import marginal_values
    from mashsim.report.compare_text import is_compare_file
    from mashsim.report.marginal import marginal_markdown, marginal_plot, marginal_tables
    from mashsim.report.terminal import console as Console
    from mashsim.scenario import scenario_hash

    base, chosen, metrics, n = _inputs(args)
    if args.out is not None:
        check_output_folder(args.out, is_compare_file)
    seed = base.run.seed if args.seed is None else args.seed
    err = Console(stderr=True)
    total = (1 + len(chosen) * args.max_fte) * n
    bar = Progress(err, total, "runs") if not args.json and err.is_terminal else None

    def make(path: str, staff: float):
        return load_scenario(args.scenario, [*args.base_overrides, (path, staff)])

    with engine_for(args.engine, args.workers, bar) as engine:
        frame = marginal_values(base, make, chosen, args.max_fte, metrics, n, seed,
                                executor=None if engine.name == "serial" else engine.executor,
                                slots=engine.slots, progress=bar.update if bar else None)
    provenance = {"scenario": {"name": base.name, "hash": scenario_hash(base)}, "seed": seed, "replications": n,
                  "mashsim_version": __version__}
    title = f"{base.name} · one more FTE at a time · {n} replications · seed {seed}"
    caption = (f"scenario {provenance['scenario']['hash']} · mashsim {__version__} · {total:,} runs · paired "
               "differences against the baseline, 95% CI (t); cost from each desk's annual_cost")
    if args.out is not None:
        def write(folder: Path) -> list[str]:
            stamped = frame.assign(scenario=base.name, scenario_hash=provenance["scenario"]["hash"], seed=seed,
                                   mashsim_version=__version__)
            stamped.to_csv(folder / "per_fte.csv", index=False)
            marginal_plot(frame, folder / "per_fte.png", title)
            (folder / "summary.json").write_text(json.dumps(_to_dict(frame, provenance), indent=2) + "\n")
            (folder / "summary.md").write_text(marginal_markdown(frame, title, caption) +
                                               "\n![the curve](per_fte.png)\n", encoding="utf-8")
            return ["per_fte.csv", "per_fte.png", "summary.json", "summary.md"]

        with stop_on_sigterm():
            written = write_folder(args.out, write, is_compare_file)
        if not args.json:
            err.print(f"wrote {', '.join(str(args.out / name) for name in written)}")
    if args.json:
        print(json.dumps(_to_dict(frame, provenance)))
    else:
        console = Console()
        for table in marginal_tables(frame, title, caption):
            console.print(table)
    return EXIT_OK


def _to_dict(frame, provenance: dict) -> dict:
    import math

    rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]
    return {**provenance, "confidence_level": 0.95, "per_fte": rows}
