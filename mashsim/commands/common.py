"""Argument types and small helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import math
import os
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from mashsim.scenario import Problem, Scenario, ScenarioError, load_scenario
from mashsim.scenario.bounds import REPLICATIONS, RUN_DAYS, SEED, Bound

if TYPE_CHECKING:
    from mashsim.experiment.engines import Engine

EXIT_OK, EXIT_INPUT, EXIT_INTERRUPTED = 0, 2, 130


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """The SCENARIO positional and the repeatable ``--set PATH=VALUE``."""
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file or shipped scenario name")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                        help="override a field by its dotted path, e.g. roles.screeners.staff=4 (repeatable)")


def load(args: argparse.Namespace) -> Scenario:
    """The scenario named on the command line, with its ``--set`` overrides applied."""
    from mashsim.commands.kinds import check_kind

    try:
        return load_scenario(args.scenario, args.overrides)
    except ScenarioError as error:
        raise check_kind(error, args.scenario, "scenario") from None


def positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more (got {text})")
    return value


def non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more (got {text})")
    return value


def seed_option(text: str) -> int:
    """A ``--seed``: whole, from 0 to the bound of ``run.seed``."""
    return _bounded_int(text, 0, SEED)


def replications_option(text: str) -> int:
    """A number of replications: from 1 to the bound of ``run.replications``."""
    return _bounded_int(text, 1, REPLICATIONS)


def replication_option(text: str) -> int:
    """Which replication (numbered from 0): below the bound of ``run.replications``."""
    return _bounded_int(text, 0, REPLICATIONS, offset=-1)


def horizon_days_option(text: str) -> float:
    """A ``--horizon-days``: days measured, more than 0 and within the bound of ``run.horizon_days``
    (one check and one message for every command that takes it, before anything runs)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of days (got {text!r})") from None
    if not (math.isfinite(value) and 0 < value <= RUN_DAYS.high):
        raise argparse.ArgumentTypeError(f"must be more than 0 days and {RUN_DAYS.message()} (got {text})")
    return value


def _bounded_int(text: str, low: int, bound: Bound, offset: int = 0) -> int:
    value = _int(text)
    high = int(bound.high) + offset
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be from {low} to {high:,} (got {text}): {bound.why}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None


def writable_folder(path: Path, field: str = "--out") -> None:
    """Create ``path`` if needed; a clear input error (exit 2) if it cannot be used for output.

    Called before long work, so that an unusable folder is found before the run, not after it.
    """
    if path.exists() and not path.is_dir():
        raise ScenarioError([Problem(field, "exists and is not a folder", str(path))], field)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ScenarioError([Problem(field, f"cannot create the folder ({error.strerror})", str(path))],
                            field) from None
    if not os.access(path, os.W_OK):
        raise ScenarioError([Problem(field, "the folder is not writable", str(path))], field)


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM (a job manager's stop) interrupts as Ctrl-C does, so that what is
    being written is cleaned up rather than left half-made."""
    def interrupt(signum, frame) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (an embedding program): leave its signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def engine_for(kind: str, workers: int | None, shown: Any = None) -> Iterator["Engine"]:
    """An engine (:func:`mashsim.experiment.engines.open_engine`) for the block, SIGTERM taken as Ctrl-C:
    on either the workers are stopped at once rather than left to finish their replications;
    ``shown`` (a :class:`Progress` bar, or None) is stopped when the block ends, however it ends."""
    from mashsim.experiment.engines import open_engine

    with stop_on_sigterm(), open_engine(kind, workers) as engine:
        try:
            yield engine
        except KeyboardInterrupt:
            engine.stop_now()
            raise
        finally:
            if shown is not None:
                shown.stop()


class Progress:
    """A transient rich progress bar with ETA on stderr; ``update(done, total)`` moves it."""

    def __init__(self, console, total: int, label: str = "replications") -> None:
        from rich.progress import BarColumn, Progress as RichProgress, TextColumn, TimeRemainingColumn

        self._bar = RichProgress(TextColumn("{task.description}", markup=False), BarColumn(),
                                 TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(),
                                 console=console, transient=True)
        self._task = self._bar.add_task(label, total=total)
        self._bar.start()

    def update(self, done: int, total: int, label: str | None = None) -> None:
        """Move the bar to ``done`` of ``total``; ``label`` replaces the text before it."""
        if label is None:
            self._bar.update(self._task, completed=done, total=total)
        else:
            self._bar.update(self._task, completed=done, total=total, description=label)

    def stop(self) -> None:
        self._bar.stop()
