"""The marginal value of staff: each desk given 1, 2, ... more FTE alone, against the baseline.

Every variant runs replications ``0..n-1`` on the baseline's seed, so replication ``r`` of every
variant saw the same children as the baseline's: each effect is a paired difference, replication by
replication, with its t-interval. Where the scenario gives a desk's ``annual_cost`` (one more FTE a
year), the same effect is given per £100,000 a year spent.

Every (variant, replication batch) is submitted at once, so the workers stay busy across variants;
the result does not depend on the number of workers. Nothing here prints or reads files.
"""

from __future__ import annotations

from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from mashsim.experiment.runner import chunks, run_batch
from mashsim.experiment.staffing import staff_fields
from mashsim.experiment.stats import t_interval
from mashsim.replication import ReplicationResult
from mashsim.scenario.schema import Scenario, Staffing

#: The effects the curve shows unless others are asked for: missed high-risk signals and breaches.
DEFAULT_METRICS = ("high_risk_missed_rate", "rag_breach_rate", "working_day_breach_rate")
PER_POUNDS = 100_000.0  # effects per £100,000 a year: about one and a half FTE, a size people budget in
#: Replications per variant unless asked: the curve is a first look, cheap (desks x FTE x 3 runs).
DEFAULT_REPLICATIONS = 3


@dataclass(frozen=True)
class Desk:
    """A staffed desk the curve varies: its ``staff`` field's path, its staff now and one FTE's yearly cost."""

    path: str
    staff: float
    annual_cost: float | None

    @property
    def name(self) -> str:
        return self.path.removesuffix(".staff")

    @property
    def label(self) -> str:
        """A short name for tables: ``police``, ``barnet: police``, ``pool met_police``."""
        parts = self.name.split(".")
        if parts[0] == "pools":
            return f"pool {parts[1]}"
        return f"{parts[1]}: {parts[-1]}" if parts[0] == "hubs" else parts[-1]


def desks(scenario: Scenario) -> list[Desk]:
    """Every role, agency desk and pool the scenario staffs (the ``staff`` fields a search may vary)."""
    out = []
    for path in staff_fields(scenario):
        if path.endswith(".staff") and not path.endswith("out_of_hours_staff"):
            staffing = _staffing(scenario, path)
            out.append(Desk(path, staffing.staff, staffing.annual_cost))
    return out


def _staffing(scenario: Scenario, path: str) -> Staffing:
    """The role, desk or pool whose field ``path`` names (``agencies.police.staff`` → the police desk)."""
    node: Any = scenario
    for part in path.split(".")[:-1]:
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def marginal_values(base: Scenario, make: Callable[[str, float], Scenario], chosen: Sequence[Desk], max_fte: int,
                    metrics: Sequence[str], replications: int, seed: int, *, executor: Executor | None = None,
                    slots: int = 1, progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """For each desk and ``k`` in 1..``max_fte``: ``make(path, staff + k)`` against ``base``, the paired
    difference of each metric over ``replications`` replications from ``seed``.

    One row per desk, k and metric: ``desk``, ``path``, ``added_fte``, ``staff``, ``annual_cost``,
    ``cost`` (k x annual cost, NaN without one), ``metric``, ``n``, ``mean``, ``ci_low``, ``ci_high`` and
    the same three per £100,000 a year (``per_100k_mean``, ...)."""
    variants: list[tuple[Desk | None, int, Scenario]] = [(None, 0, base)]
    variants += [(d, k, make(d.path, d.staff + k)) for d in chosen for k in range(1, max_fte + 1)]
    runs = _run_all([s for _, _, s in variants], replications, seed, executor, slots, progress)
    baseline = runs[0]
    rows = []
    for (desk, k, _), results in zip(variants[1:], runs[1:]):
        assert desk is not None
        cost = k * desk.annual_cost if desk.annual_cost else float("nan")
        for metric in metrics:
            diff = [alt.metrics[metric] - b.metrics[metric] for alt, b in zip(results, baseline)]
            i = t_interval(np.asarray(diff, dtype=float))
            scale = PER_POUNDS / cost if cost == cost else float("nan")
            rows.append({"desk": desk.name, "label": desk.label, "path": desk.path, "added_fte": k,
                         "staff": desk.staff + k, "annual_cost": desk.annual_cost, "cost": cost, "metric": metric, "n": i.n,
                         "mean": i.mean, "ci_low": i.ci_low, "ci_high": i.ci_high, "per_100k_mean": i.mean * scale,
                         "per_100k_low": i.ci_low * scale, "per_100k_high": i.ci_high * scale})
    return pd.DataFrame(rows)


def _run_all(scenarios: list[Scenario], replications: int, seed: int, executor: Executor | None, slots: int,
             progress: Callable[[int, int], None] | None) -> list[list[ReplicationResult]]:
    """Replications ``0..replications-1`` of every scenario, in replication order per scenario."""
    total = len(scenarios) * replications
    out: list[list[ReplicationResult]] = [[] for _ in scenarios]
    if executor is None:
        for v, scenario in enumerate(scenarios):
            for r in range(replications):
                out[v] += run_batch(scenario, seed, [r])
                if progress:
                    progress(v * replications + r + 1, total)
        return out
    size = max(1, total // (4 * max(1, slots)) // len(scenarios)) if total else 1
    futures = {executor.submit(run_batch, scenario, seed, batch): v
               for v, scenario in enumerate(scenarios) for batch in chunks(range(replications), size)}
    done = 0
    for future in as_completed(futures):
        results = future.result()
        out[futures[future]] += results
        done += len(results)
        if progress:
            progress(done, total)
    for results in out:
        results.sort(key=lambda r: r.replication)
    return out
