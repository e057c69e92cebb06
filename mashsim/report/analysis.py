"""What a sweep report holds: the metrics shown, per-point intervals, paired differences and
sensitivity indices, computed from a results folder (no files written here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import pandas as pd

from mashsim.metrics.names import resolve_metrics
from mashsim.report.paired import factor_comparisons, point_comparisons
from mashsim.report.sensitivity import SensitivityUnavailable, morris_indices, sobol_indices
from mashsim.report.sweep_data import SweepData, point_summary
from mashsim.scenario.errors import Problem, ScenarioError

HEADLINE = ("missed_signal_rate", "rag_breach_rate.by_rag.red", "rag_breach_rate.by_rag.amber",
            "rag_breach_rate.by_rag.green", "decision_delay_hours.mean", "decision_delay_hours.by_rag.red.mean",
            "decision_delay_hours.by_rag.amber.mean", "decision_delay_hours.by_rag.green.mean")


def headline_metrics(available: Sequence[str]) -> list[str]:
    """The metrics a report shows by default: missed signals, RAG breaches and delays by RAG, and
    every role's utilisation (those the sweep recorded)."""
    chosen = [m for m in HEADLINE if m in available]
    return chosen + [m for m in available if m.startswith("utilisation.by_role.")]


@dataclass
class SweepReport:
    """The analysed sweep: everything the page, the CSV files and the terminal summary show."""

    data: SweepData
    metrics: list[str]
    level: float
    summary: pd.DataFrame
    comparisons: pd.DataFrame
    morris: dict[str, pd.DataFrame] = field(default_factory=dict)
    sobol: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def replications(self) -> pd.Series:
        """Finished replications per design point."""
        return self.data.rows.groupby("point").size()


def analyse(data: SweepData, metrics: Iterable[str] = (), compare: Iterable[tuple[int, int]] = (),
            level: float = 0.95) -> SweepReport:
    """Analyse ``data`` for ``metrics`` (names or short forms; default :func:`headline_metrics`).

    ``compare`` adds the paired difference of chosen design points ``(a, b)``: ``b`` minus ``a``.
    Raises :class:`~mashsim.scenario.ScenarioError` for an unknown metric or design point.
    """
    chosen = resolve_metrics(metrics, data.metrics, "--metric") or headline_metrics(data.metrics)
    _check_points(data, compare)
    summary = point_summary(data, chosen, level)
    frames = [factor_comparisons(data, chosen, level=level), point_comparisons(data, compare, chosen, level)]
    filled = [frame for frame in frames if not frame.empty]
    comparisons = pd.concat(filled, ignore_index=True) if filled else frames[0]
    report = SweepReport(data, chosen, level, summary, comparisons)
    if data.failures:
        report.notes.append(f"{len(data.failures)} task(s) failed after a retry; their replications are missing "
                            f"(see Failures).")
    expected = set(range(len(data.points)))
    missing = expected - set(data.rows["point"].unique())
    if missing:
        report.notes.append(f"{len(missing)} design point(s) have no finished replication yet.")
    _add_sensitivity(report)
    return report


def _check_points(data: SweepData, compare: Iterable[tuple[int, int]]) -> None:
    known = set(data.points["point"].astype(int))
    bad = [Problem("--compare", f"no design point {p}; points are 0 to {len(known) - 1}", p)
           for pair in compare for p in pair if p not in known]
    if bad:
        raise ScenarioError(bad, "--compare")


def _add_sensitivity(report: SweepReport) -> None:
    kind = report.data.design_kind
    if kind not in ("morris", "sobol"):
        return
    analyse_one = morris_indices if kind == "morris" else sobol_indices
    target = report.morris if kind == "morris" else report.sobol
    for metric in report.metrics:
        try:
            target[metric] = analyse_one(report.data, metric)
        except SensitivityUnavailable as why:
            report.notes.append(f"{kind.capitalize()} indices of {metric}: {why}")
            if "not installed" in str(why):
                break
