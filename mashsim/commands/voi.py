"""``mashsim voi``: which unmeasured figure, if measured, would most change the staffing answer.

Each estimate (tag E) of the scenario, or each --param, is varied over ±--spread of its value (or
the calibration ensemble's 5th to 95th percentile) and ranked by its share of the answer's
variation: swing (one at a time, common random numbers; 2 x figures x R runs) or sobol (total-order
indices; N x (figures + 2) x R runs).

Example: mashsim voi london-borough --horizon-days 91 -r 3 --out results/voi
         mashsim voi london-borough --set roles.screeners.staff=6 --param roles.managers.task_minutes
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mashsim.commands.common import (EXIT_OK, Progress, add_scenario_arguments, engine_for, horizon_days_option, load,
                                     positive_int, replications_option, seed_option)

NAME = "voi"
HELP = "rank the estimates by how much measuring each would change the answer (value of information)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)  # --set changes the scenario before the figures and their ranges are read
    parser.add_argument("--answer", metavar="METRIC",
                        help="the metric the staffing answer turns on (default: working_day_breach_rate)")
    parser.add_argument("--param", action="append", metavar="PATH",
                        help="a figure to vary, by its dotted path (repeatable; default: every estimate, tag E, "
                             "that can be varied)")
    parser.add_argument("--ensemble", type=Path, metavar="FILE",
                        help="a calibration ensemble (Parquet): its columns range over its members' 5th to 95th "
                             "percentile")
    parser.add_argument("--method", choices=("swing", "sobol"), default="swing",
                        help="swing: one figure at a time (cheap); sobol: total-order indices (default: swing)")
    parser.add_argument("--spread", type=float, default=0.25,
                        help="range of a figure without an ensemble: its value x (1 - spread) to x (1 + spread) "
                             "(default: 0.25)")
    parser.add_argument("-n", "--base-samples", type=positive_int, default=16, metavar="BASE",
                        help="sobol's base samples N (default: 16)")
    parser.add_argument("-r", "--replications", type=replications_option, default=2, metavar="R",
                        help="replications of every run (default: 2)")
    parser.add_argument("--seed", type=seed_option, default=42, help="base seed (default: 42)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="processes to use (default: every core); results do not depend on it")
    parser.add_argument("--horizon-days", type=horizon_days_option, metavar="D",
                        help="measured days of every run (default: the scenario's run.horizon_days)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="write voi.json and voi.png there")


def run(args: argparse.Namespace) -> int:
    from mashsim.atomic import check_output_folder, write_folder
    from mashsim.experiment.value_of_information import value_of_information
    from mashsim.report.terminal import console as Console
    from mashsim.report.voi import is_voi_file, voi_dict, voi_plot, voi_table

    scenario = load(args)  # an unknown scenario or a bad --set: exit 2 before anything runs
    if args.out is not None:
        check_output_folder(args.out, is_voi_file)
    err = Console(stderr=True)
    bar = Progress(err, 1, "runs") if err.is_terminal else None
    with engine_for("local", args.workers, bar) as engine:
        result = value_of_information(
            scenario, answer=args.answer, paths=args.param, ensemble=args.ensemble, method=args.method,
            spread=args.spread, base_samples=args.base_samples, replications=args.replications, seed=args.seed,
            workers=engine.slots, horizon_days=args.horizon_days, progress=bar.update if bar else None,
            source=args.scenario, engine=engine, overrides=args.overrides)
    for warning in result.warnings:
        err.print(f"warning: {warning}")
    Console().print(voi_table(result))
    if args.out is not None:
        def write(folder: Path) -> list[str]:
            (folder / "voi.json").write_text(json.dumps(voi_dict(result), indent=2) + "\n", encoding="utf-8")
            voi_plot(result, folder / "voi.png")
            return ["voi.json", "voi.png"]

        written = write_folder(args.out, write, is_voi_file)
        err.print(f"wrote {', '.join(str(args.out / name) for name in written)}")
    return EXIT_OK
