"""The ``mashsim`` command line: parses, calls the library, formats. No model logic here.

Exit codes: 0 success, 1 the operating system refused a file operation, 2 bad input (with every
problem listed), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from mashsim._version import __version__
from mashsim.scenario import Problem, Scenario, ScenarioError, load_scenario, scenario_hash

EXIT_OK, EXIT_INPUT, EXIT_INTERRUPTED = 0, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mashsim",
        description="Simulate a Multi-Agency Safeguarding Hub: missed signals, delays and staffing.",
        epilog="SCENARIO is a TOML file or the name of a shipped scenario (e.g. london-borough).",
    )
    parser.add_argument("--version", action="version", version=f"mashsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_scenario(p: argparse.ArgumentParser) -> None:
        p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file or shipped scenario name")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                       help="override a field by its dotted path, e.g. roles.screeners.staff=4 (repeatable)")

    run = sub.add_parser("run", help="run replications and print the metrics with 95%% CIs")
    with_scenario(run)
    run.add_argument("-r", "--replications", type=_positive_int, help="number of replications (default: scenario's run.replications)")
    run.add_argument("--seed", type=_non_negative_int, help="base seed (default: scenario's run.seed)")
    run.add_argument("--workers", type=_positive_int, default=None,
                     help="processes to use (default: every core); results do not depend on it")
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout and nothing else")
    run.add_argument("--out", type=Path, metavar="DIR",
                     help="write summary.json, scenario.json, replications.parquet and per-contact records.parquet")

    validate = sub.add_parser("validate", help="check a scenario: exit 0, or 2 with the problems listed")
    with_scenario(validate)

    show = sub.add_parser("show", help="the resolved scenario (defaults filled), its sources of evidence and network")
    with_scenario(show)
    show.add_argument("--json", action="store_true", help="print the resolved scenario as JSON")

    sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    return parser


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more (got {text})")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more (got {text})")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except ScenarioError as error:
        print(error.report(), file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        # the reader (e.g. `| head`) went away: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again
        return EXIT_OK
    except OSError as error:
        print(f"mashsim: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: any result file already written is complete; the rest were not written",
              file=sys.stderr)
        return EXIT_INTERRUPTED


def _load(args: argparse.Namespace) -> Scenario:
    return load_scenario(args.scenario, args.overrides)


def _cmd_run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from mashsim.experiment import run_replications
    from mashsim.report.files import write_results
    from mashsim.report.table import summary_table

    scenario = _load(args)
    if args.out is not None:
        # find an unusable --out before the run, not after it
        if args.out.exists() and not args.out.is_dir():
            raise ScenarioError([Problem("--out", "exists and is not a folder", str(args.out))], "--out")
        try:
            args.out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ScenarioError([Problem("--out", f"cannot create the folder ({error.strerror})",
                                          str(args.out))], "--out") from None
        if not os.access(args.out, os.W_OK):
            raise ScenarioError([Problem("--out", "the folder is not writable", str(args.out))], "--out")
    n = args.replications or scenario.run.replications
    err = Console(stderr=True)
    show_progress = not args.json and err.is_terminal
    progress_bar = _Progress(err, n) if show_progress else None
    try:
        result = run_replications(scenario, args.replications, args.seed, workers=args.workers,
                                  record=args.out is not None,
                                  progress=progress_bar.update if progress_bar else None)
    finally:
        if progress_bar:
            progress_bar.stop()
    if args.out is not None:
        written = write_results(result, args.out)
        if not args.json:
            err.print(f"wrote {', '.join(str(p) for p in written)}")
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        Console().print(summary_table(result))
    return EXIT_OK


class _Progress:
    """A rich progress bar on stderr for replications."""

    def __init__(self, console, total: int) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("replications"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                             TimeRemainingColumn(), console=console, transient=True)
        self._task = self._bar.add_task("run", total=total)
        self._bar.start()

    def update(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done, total=total)

    def stop(self) -> None:
        self._bar.stop()


def _cmd_validate(args: argparse.Namespace) -> int:
    from mashsim.model.network import build_network, check_network

    scenario = _load(args)
    warnings = check_network(build_network(scenario))
    for warning in warnings:
        print(f"{args.scenario}: warning: {warning}", file=sys.stderr)
    print(f"{args.scenario}: ok ({scenario.name}, {len(scenario.arrivals.sources)} sources, "
          f"{len(scenario.agencies)} agencies, hash {scenario_hash(scenario)})")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    from mashsim.report.show import print_scenario

    scenario = _load(args)
    if args.json:
        print(json.dumps(scenario.model_dump(mode="json"), indent=2))
    else:
        print_scenario(scenario)
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return EXIT_OK


_COMMANDS = {"run": _cmd_run, "validate": _cmd_validate, "show": _cmd_show, "schema": _cmd_schema}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
