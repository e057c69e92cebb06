"""Many replications of one scenario: serially or over a process pool, with the same results."""

from __future__ import annotations

import math
import os
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from mashsim._version import __version__
from mashsim.compiled import current
from mashsim.experiment.engines import local_process_pool
from mashsim.experiment.stability import Stability, growth_metrics, judge_stability
from mashsim.experiment.stats import Interval, t_interval
from mashsim.replication import ReplicationResult, simulate
from mashsim.scenario.load import scenario_hash
from mashsim.scenario.schema import Scenario

Progress = Callable[[int, int], None]


@dataclass
class RunResult:
    """Replications of one scenario, with what made them: scenario, hash, seed, version.

    ``core`` is the build of the model core that ran them (``"pure"`` or ``"compiled"``): the
    results are the same in both, so it is recorded for information, not part of any hash.
    """

    scenario: Scenario
    seed: int
    replications: list[ReplicationResult]
    version: str = __version__
    core: str = field(default_factory=lambda: current().kind)
    scenario_hash: str = field(init=False)

    def __post_init__(self) -> None:
        self.scenario_hash = scenario_hash(self.scenario)

    @property
    def metric_names(self) -> list[str]:
        return list(self.replications[0].metrics) if self.replications else []

    def values(self, metric: str) -> list[float]:
        """The metric's value in each replication, in replication order."""
        return [r.metrics[metric] for r in self.replications]

    def stability(self, level: float = 0.95) -> Stability:
        """Whether the backlog grows over the window (:mod:`mashsim.experiment.stability`)."""
        return judge_stability({name: self.values(name) for name in growth_metrics(self.metric_names)}, level)

    def summary(self, level: float = 0.95) -> dict[str, Interval]:
        """Mean and confidence interval of every metric."""
        return {name: t_interval(self.values(name), level) for name in self.metric_names}

    def frame(self):
        """The per-replication metrics as a pandas DataFrame, one row per replication."""
        import pandas as pd

        rows = [{"replication": r.replication, "seed": r.seed, **r.metrics} for r in self.replications]
        return pd.DataFrame(rows)

    def records_frame(self):
        """Per-contact records of every replication (run with ``record=True``) as a DataFrame."""
        import pandas as pd

        rows = [{"replication": r.replication, **row} for r in self.replications for row in (r.records or [])]
        return pd.DataFrame(rows)

    def series_frame(self):
        """Hourly series of every replication (run with ``series=True``) in long form:
        columns ``replication``, ``time_hours``, ``name``, ``value``."""
        import pandas as pd

        frames = []
        for r in self.replications:
            if not r.series:
                continue
            wide = pd.DataFrame(r.series)
            long = wide.melt(id_vars="time_hours", var_name="name", value_name="value")
            long.insert(0, "replication", r.replication)
            frames.append(long)
        if not frames:
            return pd.DataFrame(columns=["replication", "time_hours", "name", "value"])
        return pd.concat(frames, ignore_index=True)

    def to_dict(self, level: float = 0.95) -> dict[str, Any]:
        """The JSON form: scenario, seed, replications, version, and nested metrics."""
        summary = self.summary(level)
        stability = self.stability(level)
        metrics: dict[str, Any] = {}
        for name, interval in summary.items():
            node = metrics
            for part in name.split("."):
                node = node.setdefault(part, {})
            node.update({
                "mean": _clean(interval.mean),
                "ci_low": _clean(interval.ci_low),
                "ci_high": _clean(interval.ci_high),
                "values": [_clean(v) for v in self.values(name)],
            })
        return {
            "scenario": {"name": self.scenario.name, "hash": self.scenario_hash},
            "seed": self.seed,
            "replications": len(self.replications),
            "version": self.version,
            "core": self.core,
            "confidence_level": level,
            "stable": stability.stable,
            "stability": stability.to_dict(),
            "metrics": metrics,
        }


def _clean(value: float) -> float | None:
    return None if value is None or math.isnan(value) else value


def run_batch(scenario: Scenario, seed: int, indices: Sequence[int], record: bool = False,
              series: bool = False) -> list[ReplicationResult]:
    """Replications ``indices`` of ``scenario`` from base ``seed``: one task for a worker.

    Seeds come from the caller (replication ``i`` uses ``(seed, i)``), never from the worker, so a
    batch gives the same results whichever process or machine runs it.
    """
    return [simulate(scenario, seed, i, record=record, series=series) for i in indices]


def run_batches(task: Callable[..., list], seed: int,
                pieces: Sequence[tuple[Scenario, Sequence[int]]]) -> list[list[ReplicationResult]]:
    """``task(scenario, seed, replications)`` for each piece, in order: a sweep's task on a worker,
    which may cover several design points (``task`` is :func:`run_batch`, or a test's stand-in)."""
    return [task(scenario, seed, replications) for scenario, replications in pieces]


def chunks(indices: Sequence[int], size: int) -> list[list[int]]:
    """``indices`` cut into consecutive batches of at most ``size``."""
    return [list(indices[start:start + size]) for start in range(0, len(indices), size)]


def run_replications(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    *,
    workers: int | None = 1,
    record: bool = False,
    progress: Progress | None = None,
    executor: Executor | None = None,
    series: bool = False,
    task: Callable[..., list[ReplicationResult]] = run_batch,
) -> RunResult:
    """Run ``replications`` replications (default: the scenario's) from base ``seed``.

    Replication ``i`` always uses the seed sequence ``(seed, i)``, so the result is
    the same whatever ``workers`` is (``None``: every core).  ``progress(done, total)``
    is called as replications finish. ``series=True`` keeps each replication's hourly
    series (see :meth:`RunResult.series_frame`). ``task(scenario, seed, indices, record, series)``
    runs a batch: :func:`run_batch`, or one that runs each replication on an ensemble member
    (:class:`mashsim.experiment.ensemble_run.MemberBatch`).
    """
    n = scenario.run.replications if replications is None else replications
    base = scenario.run.seed if seed is None else seed
    if n < 1:
        raise ValueError("replications must be at least 1")
    workers = (os.cpu_count() or 1) if workers is None else workers
    results: list[ReplicationResult] = []
    if executor is None and (workers <= 1 or n == 1):
        for i in range(n):
            results += task(scenario, base, [i], record, series)
            if progress:
                progress(i + 1, n)
        return RunResult(scenario, base, results)

    # a few batches per worker: low overhead, yet progress moves and the load balances
    size = max(1, n // (workers * 4))
    batches = chunks(range(n), size)
    own = executor is None
    pool = executor or local_process_pool(min(workers, len(batches)))
    try:
        futures = [pool.submit(task, scenario, base, batch, record, series) for batch in batches]
        done = 0
        for future in as_completed(futures):
            batch_results = future.result()
            results.extend(batch_results)
            done += len(batch_results)
            if progress:
                progress(done, n)
    finally:
        if own:
            pool.shutdown(cancel_futures=True)
    results.sort(key=lambda r: r.replication)
    return RunResult(scenario, base, results)
