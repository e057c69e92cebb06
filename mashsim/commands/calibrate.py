"""``mashsim calibrate``: history matching of a scenario's estimates to a table of published figures.

Each wave runs design points x replications as a sweep (on the same engines, stored and
resumable the same way), fits Gaussian-process emulators, and rules out the parameters whose
implausibility against a target is above the cutoff.  Writes the parameter ensemble
(ensemble.parquet), every run (waves.parquet), summary.md, calibration.json and plots/ into the
output folder, and checks the targets kept back against the ensemble.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from mashsim.commands.common import EXIT_INTERRUPTED, EXIT_OK, Progress, positive_int, stop_on_sigterm, \
    writable_folder
from mashsim.scenario.load import parse_assignment

NAME = "calibrate"
HELP = "history matching: find the estimates that reproduce a table of published figures"
EXIT_EMPTY = 1  # no parameters are non-implausible: the targets conflict (said which)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file or shipped name (london-borough)")
    parser.add_argument("targets", metavar="TARGETS", type=Path,
                        help="targets file (TOML): published figures, the parameters and their ranges; or the "
                             "shipped one by name (targets: london-borough's)")
    parser.add_argument("--range", dest="ranges", action="append", default=[], metavar="PATH=LO..HI",
                        help="calibrate PATH over LO..HI (adds to or replaces the file's [parameters]; repeatable)")
    parser.add_argument("--allow-untagged", action="store_true",
                        help="allow parameters the scenario does not tag E (an estimate)")
    parser.add_argument("--waves", type=positive_int, help="at most this many waves (default: the file's)")
    parser.add_argument("--points", type=positive_int, help="design points per wave (default: the file's)")
    parser.add_argument("--replications", type=positive_int, help="replications per point (default: the file's)")
    parser.add_argument("--engine", choices=["local", "dask"], default="local",
                        help="local: a process pool on this machine (default); dask: a Dask cluster")
    parser.add_argument("--address", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--workers", type=positive_int, default=None, help="worker processes (default: every core)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: results/calibrate-<scenario>)")
    parser.add_argument("--resume", action="store_true", help="go on with an interrupted calibration")
    parser.add_argument("--force", action="store_true", help="delete what DIR holds and start again")
    parser.add_argument("--no-plots", action="store_true", help="write no plots")
    parser.add_argument("--json", action="store_true", help="print one JSON summary on stdout and nothing else")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                        help="change the base scenario for every run, e.g. run.horizon_days=91 (repeatable)")


def run(args: argparse.Namespace) -> int:
    from mashsim.atomic import writing
    from mashsim.experiment.engines import open_engine
    from mashsim.history_matching import calibrate, prepare
    from mashsim.history_matching.targets import parse_range
    from mashsim.report.terminal import console as Console

    calibration = prepare(args.targets, args.scenario, [parse_range(text) for text in args.ranges],
                          [parse_assignment(text) for text in args.overrides], args.allow_untagged)
    given = {k: getattr(args, k) for k in ("waves", "points", "replications") if getattr(args, k) is not None}
    if given:
        calibration.table = calibration.table.model_copy(update={"calibrate": _settings(calibration.settings, given)})
    out = args.out or Path("results") / f"calibrate-{Path(args.scenario).stem}"
    writable_folder(out)
    err = Console(stderr=True)
    talk = not args.json
    s = calibration.settings
    with open_engine(args.engine, args.workers, args.address) as engine:
        if talk:
            err.print(f"calibrate {args.scenario}: {len(calibration.parameters)} parameters, "
                      f"{len(calibration.matched)} targets matched, {len(calibration.kept_back)} kept back; "
                      f"up to {s.waves} waves of {s.points} points x {s.replications} replications, seed "
                      f"{calibration.seed}, on {engine.describe()} -> {out}", highlight=False, soft_wrap=True)
        bar = Progress(err, 0) if talk and err.is_terminal else None
        update = (lambda wave, done, total: bar.update(done, total, f"wave {wave}")) if bar else None
        try:
            with stop_on_sigterm(), writing(out, "--out", only_inside=True):
                outcome, info = calibrate(calibration, out, engine, resume=args.resume, force=args.force,
                                          progress=update, plots=not args.no_plots)
        finally:
            if bar:
                bar.stop()
    if info is None:
        again = ["mashsim", "calibrate", args.scenario, str(args.targets), "--resume"] + \
            (["--out", str(out)] if args.out else []) + [f"--range={r}" for r in args.ranges] + \
            [f"--set={o}" for o in args.overrides]
        print(f"interrupted after {len(outcome.waves)} whole wave(s); every file stored is whole. To go on: "
              f"{shlex.join(again)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.json:
        print(json.dumps(info))
    else:
        for line in _closing(info, out):
            err.print(line, highlight=False, soft_wrap=True)
    return EXIT_EMPTY if outcome.stop == "empty" else EXIT_OK


def _settings(settings, given: dict):
    """The file's settings with the command line's, checked as the file's are."""
    from pydantic import ValidationError

    from mashsim.scenario import ScenarioError
    from mashsim.scenario.errors import Problem

    try:
        return type(settings).model_validate({**settings.model_dump(), **given})
    except ValidationError as error:
        raise ScenarioError([Problem(f"--{item['loc'][0]}", item["msg"], given.get(item["loc"][0]))
                             for item in error.errors(include_url=False)], "command line") from None


def _closing(info: dict, out: Path) -> list[str]:
    lines = [f"wave {w['wave']}: {w['points']} points, {w['non_implausible_runs']} non-implausible by their runs; "
             f"space kept {w['share_before']:.1%} -> {w['share_after']:.1%}" for w in info["waves_run"]]
    lines.append(f"stopped: {info['stop_reason']} ({info['seconds']:.0f} s)")
    for line in info["conflict"] or []:
        lines.append(f"conflict: {line}")
    lines.append(f"ensemble: {info['ensemble']['members']} members")
    for path, (low, high) in info["ensemble"]["ranges"].items():
        lines.append(f"  {path}: {low:.4g} to {high:.4g}")
    for check in info["kept_back"]:
        if not check["members"]:
            lines.append(f"kept back: {check['target']}: not checked (no ensemble members)")
            continue
        lines.append(f"kept back: {check['target']}: ensemble {check['min']:.4g} to {check['max']:.4g} "
                     f"{check['unit']} against {check['band'][0]:g} to {check['band'][1]:g}: "
                     f"{check['members_within']} of {check['members']} members within ({check['verdict']})")
    lines.append(f"results: {out}/ (ensemble.parquet, waves.parquet, summary.md, plots/)")
    return lines
