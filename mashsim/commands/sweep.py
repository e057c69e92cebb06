"""``mashsim sweep``: run an experiment file's design points and replications into a results folder."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mashsim.commands.common import (EXIT_INTERRUPTED, EXIT_OK, Progress, positive_int, stop_on_sigterm,
                                     writable_folder)
from mashsim.commands.ensemble_options import add_ensemble_arguments, wanted
from mashsim.commands.kinds import check_kind
from mashsim.scenario import ScenarioError
from mashsim.scenario.load import parse_assignment

if TYPE_CHECKING:
    from mashsim.experiment.stability import Stability

NAME = "sweep"
HELP = "run an experiment (design points x replications) into a results folder"
EXIT_FAILURES = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", metavar="EXPERIMENT", type=Path,
                        help="experiment TOML file or shipped experiment name (e.g. staffing-grid)")
    parser.add_argument("--engine", choices=["local", "dask"], default="local",
                        help="local: a process pool on this machine (default); dask: a Dask cluster")
    parser.add_argument("--address", metavar="ADDRESS",
                        help="Dask scheduler, e.g. tcp://host:8786 (default: $DASK_SCHEDULER_ADDRESS, "
                             "else a local Dask cluster)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="worker processes (default: every core); results do not depend on it")
    parser.add_argument("--out", type=Path, metavar="DIR", help="results folder (default: results/<experiment name>)")
    parser.add_argument("--resume", action="store_true",
                        help="go on with an interrupted sweep: what is stored is not run again")
    parser.add_argument("--force", action="store_true", help="delete the results already in DIR and start again")
    parser.add_argument("--json", action="store_true", help="print one JSON summary on stdout and nothing else")
    parser.add_argument("--dry-run", action="store_true",
                        help="check the experiment and print its size (design points, replications) without "
                             "running or writing anything")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                        help="add to the experiment's set table, e.g. run.horizon_days=28 for a quick look "
                             "(repeatable; part of the experiment, so --resume needs the same)")
    add_ensemble_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from mashsim.atomic import writing
    from mashsim.experiment.engines import open_engine
    from mashsim.experiment.plan import make_plan
    from mashsim.experiment.sweep import run_sweep
    from mashsim.report.terminal import console as Console, styled  # markup off: user text shown as it is

    try:
        plan = make_plan(args.experiment, [parse_assignment(text) for text in args.overrides])
    except ScenarioError as error:
        raise check_kind(error, args.experiment, "experiment") from None
    out = args.out or Path("results") / plan.experiment.name
    task = {}
    if wanted(args):  # every design point over the same members, replication r on member r % M
        from mashsim.commands.ensemble_options import sweep_over_ensemble

        plan, task["task"], warnings = sweep_over_ensemble(args, plan)
        for warning in warnings if not args.json else []:
            print(f"warning: {warning}", file=sys.stderr)
    if args.dry_run:
        _print_size(plan, out, args.json)
        return EXIT_OK
    writable_folder(out)
    err = Console(stderr=True)
    talk = not args.json
    with open_engine(args.engine, args.workers, args.address) as engine:
        if talk:
            rule = plan.replications
            reps = f"{rule.n} replications" if rule.fixed else \
                f"replications until {rule.metric} is within {rule.relative_half_width:.0%} (at most {rule.max})"
            err.print(f"sweep {plan.experiment.name}: {len(plan.points)} design points x {reps}, "
                      f"seed {plan.seed}, on {engine.describe()} -> {out}")
        bar = Progress(err, 0) if talk and err.is_terminal else None
        try:
            with stop_on_sigterm(), writing(out, "--out", _on_write_error(args, out), only_inside=True):
                summary = run_sweep(plan, out, engine, resume=args.resume, force=args.force,
                                    progress=bar.update if bar else None, **task)
        finally:
            if bar:
                bar.stop()
    if summary.interrupted:
        print(f"interrupted: {summary.rows_stored} rows are stored in {out}, every file whole. "
              f"To go on: {_again(args, out)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    verdicts = _stability(out)
    unstable = [point for point, verdict in verdicts.items() if not verdict.stable]
    if args.json:
        print(json.dumps({**summary.to_dict(), "experiment": plan.experiment.name,
                          "experiment_hash": plan.experiment_hash, "unstable_points": unstable,
                          **({"ensemble": plan.ensemble} if plan.ensemble else {})}))
    else:
        _print_summary(err, summary, out)
        if unstable:
            # the console shows text as written (markup off): the colour goes on as a style
            from mashsim.experiment.stability import unstable_points

            err.print(styled("unstable", "red"), f"design point(s) {unstable_points(verdicts)}: the backlog grows "
                      "over the window (in brackets, the hubs whose own backlog grows), so their delays and breaches "
                      "depend on the horizon (see `mashsim report`)")
    return EXIT_FAILURES if summary.failures else EXIT_OK


def _stability(out: Path) -> dict[int, Stability]:
    """Each design point's stability verdict (mashsim.experiment.stability), from the stored rows."""
    from mashsim.report.analysis import point_stability
    from mashsim.report.sweep_data import load_sweep

    try:
        data = load_sweep(out)
    except ScenarioError:  # nothing readable stored (every task failed): nothing to judge
        return {}
    return point_stability(data)


def _print_size(plan, out: Path, as_json: bool) -> None:
    """What ``--dry-run`` prints: the checked experiment's size, and where its results would go."""
    size = {"experiment": plan.experiment.name, "experiment_hash": plan.experiment_hash, "source": plan.source,
            "design": plan.experiment.design.describe(), "points": len(plan.points),
            "factors": {f.path: len(f.values) if f.values is not None else list(f.bounds or ())
                        for f in plan.factors},
            "replications": plan.replications.describe(), "replications_at_most": plan.replications_at_most,
            "seed": plan.seed, "base_scenarios": [base.describe() for base in plan.bases.values()],
            "out": str(out)}
    if as_json:
        print(json.dumps(size))
        return
    rule = plan.replications
    each = f"{rule.n} per point" if rule.fixed else \
        f"until {rule.metric} is within {rule.relative_half_width:.0%}, {rule.min} to {rule.max} per point"
    print(f"{plan.source}: ok ({plan.experiment.name}, experiment hash {plan.experiment_hash})")
    print(f"  design {plan.experiment.design.kind}: {len(plan.points):,} points over {len(plan.factors)} factors")
    print(f"  replications: {each}; at most {plan.replications_at_most:,} in all")
    print(f"  seed {plan.seed}; base scenario(s): " + ", ".join(
        f"{b['value']} ({'' if b['value'] == b['name'] else b['name'] + ', '}hash {b['hash']})"
        for b in size["base_scenarios"]))
    print(f"  results would go to {out}/ (nothing run, nothing written)")

def _again(args: argparse.Namespace, out: Path) -> str:
    """The command that goes on with this sweep."""
    again = ["mashsim", "sweep", str(args.experiment), "--resume"] + (["--out", str(out)] if args.out else []) \
        + [f"--set={text}" for text in args.overrides] \
        + ([f"--ensemble={args.ensemble}"] if args.ensemble else []) \
        + ([f"--members={args.members}"] if args.members else [])
    return shlex.join(again)


def _on_write_error(args: argparse.Namespace, out: Path) -> str:
    return f"; every file stored there is whole: make room, then go on with {_again(args, out)}"


def _print_summary(err, summary, out: Path) -> None:
    lines = [f"{summary.points} points, {summary.rows_stored} rows stored ({summary.rows_written} new), "
             f"{len(summary.failures)} failed tasks, {summary.seconds:.1f} s"]
    if summary.precision:
        p = summary.precision
        lines.append(f"precision met at {p['converged']} points; cap reached at {p['capped']}")
    for failure in summary.failures[:5]:
        lines.append(f"failed twice: point {failure['point']} replications {failure['replications'][0]}-"
                     f"{failure['replications'][-1]}: {failure['error']}")
    if summary.failures:
        lines.append(f"details in {out / 'failures.jsonl'}; --resume runs them again")
    lines.append(f"results: {out}/ (rows: pandas.read_parquet('{out / 'rows'}'); report: mashsim report {out})")
    for line in lines:
        err.print(line, highlight=False, soft_wrap=True)
