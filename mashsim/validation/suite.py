"""The whole verification and validation run: which checks, how big, in what order.

:func:`plan` lists the steps (each adds to a :class:`Report`) so that a
caller can show progress; :func:`run_all` runs them.  The full run takes a
couple of minutes of one core; ``fast`` runs a subset sized for CI (seconds):
two Erlang C points, one tandem, M/D/1, a short Ciw comparison, the extreme
values and Little's law on a quarter of the default, without calibration or
output analysis.  Every step has a fixed seed derived from ``Options.seed``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from typing import Callable

from mashsim._version import __version__
from mashsim.experiment.runner import RunResult, run_replications
from mashsim.scenario import load_scenario
from mashsim.validation import queueing
from mashsim.validation.analysis import PrecisionStudy, WarmupStudy, replications_study, warmup_study
from mashsim.validation.calibration import CalibrationRow, calibrate
from mashsim.validation.checks import FAIL, SKIP, Check
from mashsim.validation import ciw_compare
from mashsim.validation.ciw_compare import ciw_checks
from mashsim.validation.configs import DEFAULT_SCENARIO, ReducedMash
from mashsim.validation.extremes import extreme_checks
from mashsim.validation.little import little_check

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Options:
    """What to run: the fast subset or everything, the base seed, worker processes (None: every core)."""

    fast: bool = False
    seed: int = 2024
    workers: int | None = 1


@dataclass(frozen=True)
class Sizes:
    """Run sizes of one mode (full or fast)."""

    budget: queueing.Budget
    erlang_grid: tuple
    tandems: tuple
    pk_cases: tuple
    ciw: ReducedMash
    ciw_replications: int
    extremes: tuple[int, float, float]  # replications, horizon days, warm-up days
    default_run: tuple[int | None, float | None, float | None]  # None: the scenario's own
    warmup: tuple[int, float] | None  # replications, days
    precision: bool


FULL = Sizes(queueing.FULL, queueing.ERLANG_GRID, queueing.TANDEMS, queueing.PK_CASES, ReducedMash(), 10,
             (3, 91.0, 14.0), (None, None, None), (5, 182.0), True)
FAST = Sizes(queueing.FAST, queueing.ERLANG_GRID_FAST, queueing.TANDEMS_FAST, queueing.PK_CASES_FAST,
             replace(ReducedMash(), horizon_days=20.0, warmup_days=2.0), 5,
             (2, 14.0, 3.0), (5, 91.0, 14.0), None, False)


@dataclass
class Report:
    """Everything a run found; :mod:`mashsim.validation.document` writes it out."""

    options: Options
    sizes: Sizes
    version: str = __version__
    checks: list[Check] = field(default_factory=list)
    default_run: RunResult | None = None
    calibration: list[CalibrationRow] = field(default_factory=list)
    warmup: WarmupStudy | None = None
    precision: list[PrecisionStudy] = field(default_factory=list)
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    @property
    def skipped(self) -> list[Check]:
        return [c for c in self.checks if c.status == SKIP]

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Step:
    label: str
    run: Callable[[Report], None]


def _checks(make: Callable[..., list[Check]], *args) -> Callable[[Report], None]:
    """A step that adds ``make(*args)``'s checks to the report (arguments bound now, not when run)."""
    return lambda report: report.checks.extend(make(*args))


def plan(options: Options) -> list[Step]:
    """The steps of a run, in order."""
    sizes = FAST if options.fast else FULL
    seed, workers, budget = options.seed, options.workers, sizes.budget
    steps: list[Step] = []

    family = queueing.ERLANG_MEASURES * len(sizes.erlang_grid)
    steps += [Step(f"Erlang C: M/M/{c} at ρ = {rho:g}",
                   _checks(queueing.erlang_point, c, rho, budget, family, seed + i, workers))
              for i, (c, rho) in enumerate(sizes.erlang_grid)]
    family = queueing.TANDEM_MEASURES * len(sizes.tandems)
    steps += [Step(f"Jackson tandem {i + 1}",
                   _checks(queueing.tandem_case, lam, first, second, budget, family, seed + 100 + i, workers))
              for i, (lam, first, second) in enumerate(sizes.tandems)]
    family = queueing.PK_MEASURES * len(sizes.pk_cases)
    steps += [Step(f"Pollaczek–Khinchine: {name}",
                   _checks(queueing.pk_case, name, lam, service, budget, family, seed + 200 + i, workers))
              for i, (name, lam, service) in enumerate(sizes.pk_cases)]
    steps.append(Step("Ciw: reduced MASH network",
                      _checks(ciw_checks, sizes.ciw, sizes.ciw_replications, seed + 300, workers)))
    cases, priority_budget = ((queueing.PRIORITY_CASES_FAST, queueing.PRIORITY_FAST) if options.fast
                              else (queueing.PRIORITY_CASES, queueing.PRIORITY_FULL))
    family = queueing.PRIORITY_MEASURES * len(cases)
    steps += [Step(f"non-preemptive priority: M/M/{c} at ρ = {rho:g}",
                   _checks(queueing.priority_case, c, rho, shares, priority_budget, family, seed + 500 + i, workers))
              for i, (c, rho, shares) in enumerate(cases)]
    rota, rota_replications = ((ciw_compare.ROTA_FAST, ciw_compare.ROTA_REPLICATIONS_FAST) if options.fast
                               else (ciw_compare.ROTA, ciw_compare.ROTA_REPLICATIONS))
    steps.append(Step("Ciw: a rota with out-of-hours cover",
                      _checks(ciw_compare.rota_checks, rota, rota_replications, seed + 350, workers)))
    steps.append(Step("extreme values", _checks(extreme_checks, seed + 400, *sizes.extremes, workers)))
    steps.append(Step(f"{DEFAULT_SCENARIO}: replications", lambda r: _default_run(r, sizes, workers)))
    steps.append(Step("Little's law", lambda r: r.checks.append(little_check(r.default_run))))
    if not options.fast:
        steps.append(Step("calibration", lambda r: r.calibration.extend(calibrate(r.default_run))))
    if sizes.warmup is not None:
        replications, days = sizes.warmup
        steps.append(Step("warm-up: MSER-5 and Welch", lambda r: setattr(r, "warmup", warmup_study(
            r.default_run.scenario, replications, days, r.default_run.seed, workers=workers))))
    if sizes.precision:
        steps.append(Step("replications needed (Hoad et al.)", _precision))
    return steps


def _default_run(report: Report, sizes: Sizes, workers: int | None) -> None:
    replications, horizon, warm = sizes.default_run
    overrides = [] if horizon is None else [f"run.horizon_days={horizon}", f"run.warmup_days={warm}"]
    scenario = load_scenario(DEFAULT_SCENARIO, overrides)
    report.default_run = run_replications(scenario, replications, workers=workers)


def _precision(report: Report) -> None:
    run = report.default_run
    cache = {r.replication: r.metrics for r in run.replications}
    report.precision = replications_study(run.scenario, run.seed, cache)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished worker processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run_all(options: Options = Options(), progress: Progress | None = None) -> Report:
    """Run every step of :func:`plan`; ``progress(done, total, label)`` is called before each step and at the end."""
    steps = plan(options)
    report = Report(options, FAST if options.fast else FULL)
    cpu, wall = _cpu_seconds(), time.perf_counter()
    for done, step in enumerate(steps):
        if progress:
            progress(done, len(steps), step.label)
        step.run(report)
    if progress:
        progress(len(steps), len(steps), "done")
    report.cpu_seconds = _cpu_seconds() - cpu
    report.wall_seconds = time.perf_counter() - wall
    return report
