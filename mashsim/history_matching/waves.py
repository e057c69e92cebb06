"""History matching, wave by wave, on the sweep engines.

Each wave runs its design points (a Latin hypercube of the ranges first, then space-filling samples
of the region left) as a sweep into ``OUT/wave-<k>/``, fits the emulators to every run so far,
and drops the part of the space they find implausible.  It stops when

- the region is empty (then it says which targets conflict),
- a wave cuts the region by less than ``stop_shrink`` of itself (it has stopped shrinking),
- or the budget (``waves``, ``max_runs``) is spent.

A wave's points depend only on the seed and the waves stored before it, so an interrupted
calibration started again with ``resume`` makes the same points and runs only what is missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow.parquet as pq

from mashsim.experiment.engines import Engine
from mashsim.experiment.plan import Plan
from mashsim.experiment.runner import run_batch
from mashsim.experiment.store import ROWS_FOLDER
from mashsim.experiment.sweep import run_sweep
from mashsim.history_matching.emulator import Emulator
from mashsim.history_matching.problem import WAVE_FOLDER, Calibration
from mashsim.history_matching.region import Conflict, Region, conflicts, implausibility, judged

WaveProgress = Callable[[int, int, int], None]  # wave, replications done, replications in all
STOPS = {"empty": "no point is non-implausible", "converged": "the region stopped shrinking",
         "waves": "the budget of waves is spent", "runs": "the budget of runs is spent",
         "interrupted": "interrupted"}


@dataclass
class Wave:
    """One wave's runs: each point's parameters, and each target's mean figure and its variance."""

    number: int
    values: np.ndarray  # points x parameters, in the parameters' own units
    unit: np.ndarray  # the same in the unit cube
    means: np.ndarray  # points x targets (every target, kept-back ones too)
    variances: np.ndarray  # variance of each mean over its replications
    implausibility: np.ndarray  # points x matched targets, from the runs (no emulator term)
    judged: np.ndarray  # per point
    rows: int
    share_before: float  # share of the space non-implausible when the wave was sampled
    share_after: float = math.nan  # ... after its emulator's cut

    @property
    def non_implausible(self) -> np.ndarray:
        return self.judged <= self.cutoff

    cutoff: float = 3.0


@dataclass
class Outcome:
    """What a calibration found: its waves, why it stopped, and (if the region emptied) the conflict."""

    waves: list[Wave]
    stop: str
    conflict: Conflict | None = None
    region: Region | None = None
    seconds: float = 0.0
    test: Callable[[np.ndarray], np.ndarray] | None = None  # unit points -> non-implausible under every wave

    @property
    def final(self) -> Wave | None:
        return self.waves[-1] if self.waves else None

    def members(self) -> np.ndarray:
        """The ensemble: indices of the final wave's points that are non-implausible by their own runs
        and inside the region every emulator keeps (a point whose replications disagree wildly, as
        where the backlog grows, can look plausible by its runs alone)."""
        wave = self.final
        if wave is None:
            return np.array([], dtype=int)
        inside = self.test(wave.unit) if self.test is not None else np.ones(len(wave.unit), dtype=bool)
        return np.flatnonzero(wave.non_implausible & inside)

    def non_implausible(self, calibration: Calibration, values: np.ndarray) -> np.ndarray:
        """Whether each row of ``values`` (parameters in their own units) is in the region left."""
        unit = np.column_stack([(values[:, j] - p.low) / (p.high - p.low)
                                for j, p in enumerate(calibration.parameters)])
        return self.test(unit) if self.test is not None else np.ones(len(values), dtype=bool)


class Matcher:
    """Observed values and fixed variances of the matched targets, and the implausibility rule."""

    def __init__(self, calibration: Calibration) -> None:
        matched = calibration.matched
        self.index = [calibration.targets.index(t) for t in matched]
        self.names = [t.name for t in matched]
        self.observed = np.array([t.spec.point for t in matched])
        self.fixed = np.array([t.spec.observation_sd ** 2 + t.spec.discrepancy ** 2 for t in matched])
        self.cutoff = calibration.settings.cutoff
        self.rule = calibration.settings.rule

    def of_runs(self, means: np.ndarray, variances: np.ndarray) -> np.ndarray:
        return implausibility(self.observed, self.fixed, means[:, self.index], variances[:, self.index])

    def of_emulator(self, emulator: Emulator, unit: np.ndarray) -> np.ndarray:
        mean, variance = emulator.predict(unit)
        return implausibility(self.observed, self.fixed + emulator.sim_variance, mean, variance)

    def passes(self, values: np.ndarray) -> np.ndarray:
        return judged(values, self.rule) <= self.cutoff


def history_match(calibration: Calibration, out: Path, engine: Engine, *, resume: bool = False,
                  force: bool = False, progress: WaveProgress | None = None,
                  task: Callable[..., list] = run_batch) -> Outcome:
    """Run the waves of ``calibration`` into ``out`` on ``engine`` (see the module's docstring)."""
    assert calibration.seed is not None, "prepare() resolves the seed"
    settings = calibration.settings
    matcher = Matcher(calibration)
    region = Region.whole_space(len(calibration.parameters), settings.candidates, calibration.seed)
    emulators: list[Emulator] = []
    waves: list[Wave] = []
    runs = 0
    per_wave = settings.points * settings.replications

    def passes_all(unit: np.ndarray) -> np.ndarray:
        ok = np.ones(len(unit), dtype=bool)
        for emulator in emulators:
            ok &= matcher.passes(matcher.of_emulator(emulator, unit))
        return ok

    for number in range(1, settings.waves + 1):
        if settings.max_runs is not None and runs + per_wave > settings.max_runs:
            return Outcome(waves, "runs", region=region, test=passes_all)
        points = None
        if number > 1:
            unit = region.sample(settings.points, passes_all)
            points = [{p.path: p.from_unit(u) for p, u in zip(calibration.parameters, row)} for row in unit]
        plan = calibration.plan(number, points)
        step = (lambda done, total, n=number: progress(n, done, total)) if progress else None
        summary = run_sweep(plan, out / WAVE_FOLDER.format(number), engine, resume=resume, force=force,
                            progress=step, task=task)
        if summary.interrupted:
            return Outcome(waves, "interrupted", region=region, test=passes_all)
        wave = read_wave(out / WAVE_FOLDER.format(number), plan, calibration, matcher, number, region.share)
        waves.append(wave)
        runs += wave.rows
        emulators.append(fit(calibration, matcher, waves))
        before = matcher.of_emulator(emulators[-1], region.candidates[region.kept])
        region.cut(matcher.passes(before))
        wave.share_after = region.share
        if region.share == 0.0:
            return Outcome(waves, "empty", conflicts(matcher.names, before, matcher.cutoff), region, test=passes_all)
        # from the second wave: the first emulator, fitted to one design, may yet learn more
        if number > 1 and wave.share_before - wave.share_after < settings.stop_shrink * wave.share_before:
            return Outcome(waves, "converged", region=region, test=passes_all)
    return Outcome(waves, "waves", region=region, test=passes_all)


def fit(calibration: Calibration, matcher: Matcher, waves: list[Wave]) -> Emulator:
    """The emulators of the matched targets, fitted to every run so far."""
    unit = np.vstack([w.unit for w in waves])
    means = np.vstack([w.means for w in waves])[:, matcher.index]
    variances = np.vstack([w.variances for w in waves])[:, matcher.index]
    return Emulator.fit(unit, means, variances, calibration.seed)


def read_wave(folder: Path, plan: Plan, calibration: Calibration, matcher: Matcher, number: int,
              share: float) -> Wave:
    """A stored wave's runs: each point's target figures over its replications (mean and its variance)."""
    parameters = calibration.parameters
    metrics = sorted({m for t in calibration.targets for m in t.figure.metrics})
    table = pq.read_table(folder / ROWS_FOLDER, columns=["point", *metrics]).to_pydict()
    count = len(plan.points)
    per_point: list[list[list[float]]] = [[[] for _ in calibration.targets] for _ in range(count)]
    for i, point in enumerate(table["point"]):
        row = {m: table[m][i] for m in metrics}
        for t, target in enumerate(calibration.targets):
            per_point[point][t].append(target.figure(row))
    means = np.full((count, len(calibration.targets)), np.nan)
    variances = np.full_like(means, np.nan)
    for p, figures in enumerate(per_point):
        for t, figure in enumerate(figures):
            finite = np.array([v for v in figure if v is not None and math.isfinite(v)])
            if len(finite):
                means[p, t] = finite.mean()
            if len(finite) >= 2:
                variances[p, t] = finite.var(ddof=1) / len(finite)
    values = np.array([[point[p.path] for p in parameters] for point in plan.points], dtype=float)
    unit = np.column_stack([[p.to_unit(x) for x in values[:, j]] for j, p in enumerate(parameters)])
    runs = matcher.of_runs(means, variances)
    return Wave(number, values, unit, means, variances, runs, judged(runs, matcher.rule), len(table["point"]),
                share, cutoff=matcher.cutoff)
