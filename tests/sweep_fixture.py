"""Sweep results folders for the report tests, written by the real sweep (``run_sweep``) from small
experiment files over the small test scenario, cut to five measured days so they run in moments."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import experiments
from mashsim.experiment.engines import Engine
from mashsim.experiment.plan import make_plan
from mashsim.experiment.runner import run_batch
from mashsim.experiment.sweep import run_sweep

SEED = 11
SHORT = 'set = { "run.horizon_days" = 5, "run.warmup_days" = 1 }\n'
ESTIMATES = {"screening.under_rating": "bounds = [0.0, 0.3]", "agencies.police.match_failure": "bounds = [0.0, 0.3]"}


def experiment(name: str, factors: dict[str, str], design: str, replications: str) -> str:
    """An experiment file's text over the small scenario: ``factors`` maps a path to its TOML lines."""
    text = f'name = "{name}"\nscenario = "small.toml"\nseed = {SEED}\n{SHORT}'
    text += "".join(f'\n[[factors]]\npath = "{path}"\n{lines}\n' for path, lines in factors.items())
    return text + f"\n[design]\n{design}\n\n[replications]\n{replications}\n"


def sweep(folder: Path, text: str, task: Callable[..., list] = run_batch) -> Path:
    """Run the experiment ``text`` with ``mashsim sweep``'s machinery into ``folder/results``."""
    folder.mkdir(parents=True, exist_ok=True)
    plan = make_plan(experiments.write_experiment(folder, text))
    with Engine() as engine:
        run_sweep(plan, folder / "results", engine, task=task)
    return folder / "results"


def grid_text(replications: str) -> str:
    """The sweep tests' grid, police researchers 1 or 2 × decide at the deadline or wait for all,
    cut short."""
    assert f"seed = {SEED}\n" in experiments.GRID and "n = 3" in experiments.GRID
    return experiments.GRID.replace(f"seed = {SEED}\n", f"seed = {SEED}\n{SHORT}").replace("n = 3", replications)


def grid_results(folder: Path, replications: int = 3, task: Callable[..., list] = run_batch) -> Path:
    """The grid's four points, ``replications`` each."""
    return sweep(folder, grid_text(f"n = {replications}"), task)


def precision_results(folder: Path, task: Callable[..., list]) -> Path:
    """The grid with replications until all_signals_missed_rate is known to 10%: a different number at each point."""
    return sweep(folder, grid_text('metric = "all_signals_missed_rate"\nrelative_half_width = 0.1\nmax = 200'), task)


def salib_results(folder: Path, kind: str, n: int) -> Path:
    """A Morris (``n`` trajectories) or Sobol (``n`` base samples) design over two estimates."""
    design = f'kind = "morris"\ntrajectories = {n}' if kind == "morris" else f'kind = "sobol"\nn = {n}'
    return sweep(folder, experiment(kind, ESTIMATES, design, "n = 1"))


def lhs_results(folder: Path) -> Path:
    """Six Latin hypercube points over an estimate and a whole number of police researchers."""
    factors = {"screening.under_rating": "bounds = [0.0, 0.3]", "agencies.police.staff": "bounds = [1, 3]\ninteger = true"}
    return sweep(folder, experiment("lhs", factors, 'kind = "lhs"\nn = 6', "n = 2"))
