"""Output analysis of a scenario: how long a warm-up (MSER-5, Welch) and how many replications (Hoad et al.).

* :func:`warmup_study` runs replications that start empty with no warm-up,
  takes each contact's time to decision in arrival order, averages the
  replications contact by contact, and applies MSER-5 to that series
  (:func:`mashsim.experiment.warmup.mser`); Welch's moving average of the
  same series is kept for the plot.  The truncation point, a contact index,
  is turned into days by the mean arrival time of that contact.
* :func:`replications_study` runs Hoad, Robinson & Davies' replications
  algorithm (:func:`mashsim.experiment.precision.replications_needed`) for a
  few headline metrics, reusing replications already run (same seed, same
  replication index: the very same runs).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Mapping, MutableMapping, Sequence

import numpy as np

from mashsim.experiment.precision import PrecisionResult, replications_needed
from mashsim.experiment.runner import run_replications
from mashsim.experiment.warmup import MserResult, mser, welch
from mashsim.replication import simulate
from mashsim.scenario import Scenario, load_scenario
from mashsim.scenario.load import apply_overrides

HOURS_PER_DAY = 24.0

# (metric, relative precision wanted): the half-width of the 95% CI within this share of the mean
PRECISION_TARGETS: tuple[tuple[str, float], ...] = (
    ("decision_delay_hours.mean", 0.05),
    ("all_signals_missed_rate", 0.01),
    ("referral_rate", 0.02),
    ("rag_breach_rate.by_rag.red", 0.25),
)


@dataclass(frozen=True)
class WarmupStudy:
    """MSER-5 and Welch on per-contact times to decision, from an empty start."""

    scenario: str
    replications: int
    days: float
    seed: int
    delays: np.ndarray  # replications x contacts, hours, arrival order
    arrival_days: np.ndarray  # mean arrival day of each contact index
    result: MserResult
    window: int
    smoothed: np.ndarray  # Welch's moving average, one value per contact index up to len - window
    current_days: float

    @property
    def recommended_days(self) -> float:
        """Arrival day of the first contact MSER-5 keeps, rounded up to whole days."""
        if self.result.truncation == 0:
            return 0.0
        return float(math.ceil(self.arrival_days[self.result.truncation - 1]))


def warmup_study(scenario: Scenario, replications: int = 5, days: float = 182, seed: int = 42,
                 window: int = 250, workers: int | None = 1) -> WarmupStudy:
    """Run ``replications`` of ``days`` with no warm-up and find the truncation point by MSER-5."""
    raw = apply_overrides(scenario.model_dump(mode="python"),
                          [("run.warmup_days", 0.0), ("run.horizon_days", days)])
    cold = load_scenario(raw)
    result = run_replications(cold, replications, seed, workers=workers, record=True)
    series, arrivals = [], []
    for rep in result.replications:
        rows = sorted((r for r in rep.records if not r["backlog"]), key=lambda r: r["arrived_h"])
        series.append([r["decision_delay_h"] for r in rows])
        arrivals.append([r["arrived_h"] for r in rows])
    # align contact by contact, up to the first contact still open in any replication (censored)
    length = min(next((i for i, d in enumerate(s) if d is None), len(s)) for s in series)
    delays = np.array([s[:length] for s in series], dtype=float)
    arrival_days = np.array([a[:length] for a in arrivals], dtype=float).mean(axis=0) / HOURS_PER_DAY
    mean_series = delays.mean(axis=0)
    found = mser(mean_series, batch_size=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        smoothed = welch(delays, min(window, (length - 1) // 2))
    return WarmupStudy(scenario.name, replications, days, seed, delays, arrival_days, found, window, smoothed,
                       scenario.run.warmup_days)


@dataclass(frozen=True)
class PrecisionStudy:
    """Replications needed for one metric at one relative precision."""

    metric: str
    target: float
    result: PrecisionResult


def replications_study(scenario: Scenario, seed: int, runs: MutableMapping[int, Mapping[str, float]],
                       targets: Sequence[tuple[str, float]] = PRECISION_TARGETS,
                       max_replications: int = 40) -> list[PrecisionStudy]:
    """Hoad-Robinson-Davies for each ``(metric, precision)``; ``runs`` caches replications' metrics by index
    (pass those of a run already made with the same scenario and seed) and gains any new ones."""

    def metric_of(name: str):
        def run_one(i: int) -> float:
            if i not in runs:
                runs[i] = simulate(scenario, seed, i).metrics
            return runs[i][name]
        return run_one

    return [PrecisionStudy(name, target, replications_needed(metric_of(name), target,
                                                             max_replications=max_replications))
            for name, target in targets]
