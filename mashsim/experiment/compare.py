"""``compare``: a baseline and an alternative scenario run on the same seeds, child by child.

Replication ``r`` of both runs uses the seed sequence ``(seed, r)``, so both see the same children
(common random numbers). Each replication is one task (both runs, then the join of
:func:`mashsim.experiment.children.paired_children`), so a task's result does not depend on which
worker ran it: the same children, the same totals, on any number of workers and on any engine.

The totals of a replication add up the children's changes; the accounting (:meth:`CompareResult.accounting`)
rebuilds each headline metric from the children of each run and sets it beside the collector's, so
the children's totals are the paired difference of the aggregate metrics, replication by replication.

Nothing here prints or reads files.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd

from mashsim._version import __version__
from mashsim.experiment.children import COUNTS, HIGH_RISKS, SIDES, measures, paired_children, rebuilt_metrics, totals
from mashsim.experiment.stats import Interval, t_interval
from mashsim.replication import simulate
from mashsim.scenario.load import scenario_hash
from mashsim.scenario.schema import Scenario

#: Totals shown first (the rest: by agency, and the net change of each count, are in the files).
HEADLINE_TOTALS = ("children_helped", "children_harmed", "children_mixed", "high_risk_helped", "high_risk_harmed",
                   "signals_gained", "signals_lost", "rag_breaches_avoided", "rag_breaches_caused",
                   "day_breaches_avoided", "day_breaches_caused", "outcome_changed", "high_risk_now_referred",
                   "high_risk_no_longer_referred")
#: How close a rebuilt metric must be to the collector's: the same sums in another order.
ACCOUNTING_TOLERANCE = 1e-9


@dataclass
class PairedReplication:
    """One replication of both runs: the children that changed, the totals over every child, and the
    headline metrics as the collector gave them and as rebuilt from the children (``base``, ``alt``)."""

    replication: int
    changed: pd.DataFrame
    totals: dict[str, float]
    collector: dict[str, dict[str, float]]
    rebuilt: dict[str, dict[str, float]]


def compare_replication(base: Scenario, alt: Scenario, seed: int, replication: int) -> PairedReplication:
    """Replication ``replication`` of both scenarios from ``seed``, joined child by child (a worker's task)."""
    agencies = _agencies(base)
    runs = [simulate(s, seed, replication, record=True) for s in (base, alt)]
    children = paired_children(runs[0].records or [], runs[1].records or [], agencies)
    # each run's headline metrics rebuilt from the same per-contact counts the join adds up
    rebuilt = {side: rebuilt_metrics(measures(r.records or [], agencies), agencies) for side, r in zip(SIDES, runs)}
    collector = {side: {name: r.metrics[name] for name in rebuilt[side]} for side, r in zip(SIDES, runs)}
    moved = children.filter(regex=r"^(d_|gained_|lost_|outcome_changed)").ne(0).any(axis=1)
    changed = children.loc[moved].copy()
    changed.insert(0, "replication", replication)
    return PairedReplication(replication, changed, totals(children, agencies), collector, rebuilt)


def _agencies(scenario: Scenario) -> list[str]:
    """The agencies of the scenario's hubs, each once, in the order the records name them."""
    names: list[str] = []
    for _, settings in scenario.hub_list():
        names += [a for a in settings.agencies if a not in names]
    return names


def _batch(base: Scenario, alt: Scenario, seed: int, replications: list[int]) -> list[PairedReplication]:
    return [compare_replication(base, alt, seed, r) for r in replications]


@dataclass
class CompareResult:
    """Both runs of every replication, with what made them: scenarios, hashes, seed, version, the change."""

    base: Scenario
    alt: Scenario
    seed: int
    changes: list[str]
    replications: list[PairedReplication]
    version: str = __version__
    hashes: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.hashes = {"base": scenario_hash(self.base), "alt": scenario_hash(self.alt)}

    @property
    def agencies(self) -> list[str]:
        return _agencies(self.base)

    def provenance(self) -> dict[str, Any]:
        return {"scenario": {"name": self.base.name, "hash": self.hashes["base"]},
                "alternative": {"changes": self.changes, "hash": self.hashes["alt"]},
                "seed": self.seed, "replications": len(self.replications), "mashsim_version": self.version}

    def totals_frame(self) -> pd.DataFrame:
        """One row per replication: its totals over every child."""
        return pd.DataFrame([{"replication": p.replication, **p.totals} for p in self.replications])

    def children_frame(self) -> pd.DataFrame:
        """Every child that changed, in every replication (``replication`` and the child's key first)."""
        frames = [p.changed for p in self.replications]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def intervals(self, level: float = 0.95) -> dict[str, Interval]:
        """Mean and t-interval over replications of every total."""
        frame = self.totals_frame()
        return {name: t_interval(frame[name].to_numpy(dtype=float), level)
                for name in frame.columns if name != "replication"}

    def accounting(self) -> pd.DataFrame:
        """Per replication and headline metric: the collector's value in each run, the paired difference,
        the same rebuilt from the children, and whether they agree (``balanced``)."""
        rows = []
        for p in self.replications:
            for metric in p.collector["base"]:
                base, alt = p.collector["base"][metric], p.collector["alt"][metric]
                rebuilt = p.rebuilt["alt"][metric] - p.rebuilt["base"][metric]
                rows.append({"replication": p.replication, "metric": metric, "base": base, "alt": alt,
                             "difference": alt - base, "from_children": rebuilt,
                             "balanced": all(_agree(p.rebuilt[s][metric], p.collector[s][metric])
                                             for s in SIDES)})
        return pd.DataFrame(rows)

    def differences(self, level: float = 0.95) -> dict[str, Interval]:
        """The paired difference (alternative minus baseline) of each headline metric, over replications."""
        frame = self.accounting()
        return {metric: t_interval(group["difference"].to_numpy(dtype=float), level)
                for metric, group in frame.groupby("metric", sort=False)}

    def picks(self, helped: int = 3, harmed: int = 2) -> pd.DataFrame:
        """The children with the largest change to narrate: the ``helped`` most helped and the ``harmed``
        most harmed (by score, then high risk first, then the earliest replication and arrival)."""
        children = self.children_frame()
        if children.empty:
            return children
        # a child in both runs (with [children], one whose window holds only returns can be in one)
        children = children[(children["contact_id_base"] >= 0) & (children["contact_id_alt"] >= 0)]
        children = children.assign(high=children["true_risk"].isin(HIGH_RISKS))
        best = children[children["effect"] == "helped"].sort_values(
            ["score", "high", "replication", "arrived_h"], ascending=[False, False, True, True], kind="stable")
        worst = children[children["effect"] == "harmed"].sort_values(
            ["score", "high", "replication", "arrived_h"], ascending=[True, False, True, True], kind="stable")
        return pd.concat([best.head(helped), worst.head(harmed)]).drop(columns="high")

    def to_dict(self, level: float = 0.95) -> dict[str, Any]:
        """The JSON form: provenance, totals and metric differences with their intervals, the accounting."""
        accounting = self.accounting()
        return {
            **self.provenance(), "confidence_level": level,
            "totals": {name: _interval_dict(i, self.totals_frame()[name]) for name, i in self.intervals(level).items()},
            "metric_differences": {name: _interval_dict(i) for name, i in self.differences(level).items()},
            "balanced": bool(accounting["balanced"].all()) if len(accounting) else True,
        }


def _agree(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= ACCOUNTING_TOLERANCE * max(1.0, abs(b))


def _clean(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _interval_dict(interval: Interval, values: pd.Series | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"mean": _clean(interval.mean), "ci_low": _clean(interval.ci_low),
                           "ci_high": _clean(interval.ci_high)}
    if values is not None:
        out["values"] = [_clean(v) for v in values]
    return out


def compare(base: Scenario, alt: Scenario, changes: list[str], replications: int, seed: int, *,
            executor: Executor | None = None, slots: int = 1,
            progress: Callable[[int, int], None] | None = None) -> CompareResult:
    """Run ``replications`` paired replications of ``base`` and ``alt`` from ``seed``: in this process,
    or over ``executor`` (``slots`` workers) a few replications a task, with the same results."""
    done: list[PairedReplication] = []
    if executor is None:
        for r in range(replications):
            done.append(compare_replication(base, alt, seed, r))
            if progress:
                progress(r + 1, replications)
    else:
        size = max(1, replications // (4 * max(1, slots)))
        batches = [list(range(i, min(i + size, replications))) for i in range(0, replications, size)]
        futures = [executor.submit(_batch, base, alt, seed, batch) for batch in batches]
        for future in as_completed(futures):
            done.extend(future.result())
            if progress:
                progress(len(done), replications)
        done.sort(key=lambda p: p.replication)
    return CompareResult(base, alt, seed, list(changes), done)


__all__ = ["COUNTS", "CompareResult", "HEADLINE_TOTALS", "PairedReplication", "compare", "compare_replication"]
