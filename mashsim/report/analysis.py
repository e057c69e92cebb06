"""What a sweep report holds: the metrics shown, per-point intervals, paired differences and
sensitivity indices, computed from a results folder (no files written here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import pandas as pd

from mashsim.experiment.stability import Stability, growth_metrics, judge_stability, unstable_points
from mashsim.metrics.catalogue import headline_metrics
from mashsim.metrics.names import resolve_metrics
from mashsim.report.paired import factor_comparisons, point_comparisons, two_level_factors, value_comparisons
from mashsim.report.sensitivity import SensitivityUnavailable, morris_indices, sobol_indices
from mashsim.report.sweep_data import SweepData, point_summary
from mashsim.scenario.errors import Problem, ScenarioError

__all__ = ["SweepReport", "analyse", "headline_metrics"]


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
    stability: dict[int, Stability] = field(default_factory=dict)  # per design point (none: no growth measured)

    @property
    def replications(self) -> pd.Series:
        """Finished replications per design point."""
        return self.data.rows.groupby("point").size()


Side = int | str  # a design point, or "FACTOR=VALUE": every point where the factor has that value


def analyse(data: SweepData, metrics: Iterable[str] = (), compare: Iterable[tuple[Side, Side]] = (),
            level: float = 0.95) -> SweepReport:
    """Analyse ``data`` for ``metrics`` (names or short forms; default :func:`headline_metrics`).

    ``compare`` adds paired differences ``b`` minus ``a``: of two design points ``(a, b)``, or of
    one factor's two values ``("F=x", "F=y")`` at every combination of the other factors (which
    then replaces the automatic comparison of ``F``, if it takes two values). A factor that takes
    two values is compared automatically, the second minus the first as the experiment file lists them.
    Raises :class:`~mashsim.scenario.ScenarioError` for an unknown metric, design point, factor or value.
    """
    chosen = resolve_metrics(metrics, data.metrics, "--metric") or headline_metrics(data.metrics)
    pairs, choices = _split_compare(data, list(compare))
    summary = point_summary(data, chosen, level)
    automatic = [f for f in two_level_factors(data) if f not in {factor for factor, _, _ in choices}]
    frames = [value_comparisons(data, choices, chosen, level), factor_comparisons(data, chosen, automatic, level),
              point_comparisons(data, pairs, chosen, level)]
    filled = [frame for frame in frames if not frame.empty]
    comparisons = pd.concat(filled, ignore_index=True) if filled else frames[0]
    stability = point_stability(data, level)
    summary["stable"] = summary["point"].map(lambda p: stability[p].stable if p in stability else None)
    report = SweepReport(data, chosen, level, summary, comparisons, notes=list(data.notes), stability=stability)
    unstable = unstable_points(stability)
    if unstable:
        report.notes.append(f"Unstable design point(s) {unstable}: the backlog grows over the window "
                            f"(backlog_growth; in brackets, the hubs whose own backlog grows), so their delays and "
                            f"breaches depend on the horizon.")
    if data.failures:
        report.notes.append(f"{len(data.failures)} task(s) failed after a retry; their replications are missing "
                            f"(see Failures).")
    if "member" in data.rows:  # sweep --ensemble: say which intervals these are
        members = data.rows["member"].nunique()
        report.notes.append(f"Run over a parameter ensemble ({members} members, file hash "
                            f"{data.rows['ensemble_hash'].iloc[0]}): every interval and paired difference is over "
                            f"the members' means ({members - 1} degrees of freedom), so it covers the figures we do "
                            f"not know as well as chance; param_share in point_summary.csv is the parameters' share.")
    expected = set(range(len(data.points)))
    missing = expected - set(data.rows["point"].unique())
    if missing:
        report.notes.append(f"{len(missing)} design point(s) have no finished replication yet.")
    _add_sensitivity(report)
    return report


def point_stability(data: SweepData, level: float = 0.95) -> dict[int, Stability]:
    """Whether each design point's backlog grows (:mod:`mashsim.experiment.stability`), from its
    replications' growth metrics; empty for a folder that recorded none (an older version's)."""
    names = growth_metrics(data.metrics)
    if not names:
        return {}
    return {int(point): judge_stability({name: group[name].tolist() for name in names}, level)
            for point, group in data.rows.groupby("point")}


def _split_compare(data: SweepData, compare: list[tuple[Side, Side]],
                   ) -> tuple[list[tuple[int, int]], list[tuple[str, Any, Any]]]:
    """``--compare`` pairs of design points, and pairs of one factor's values ``(factor, a, b)``."""
    known = set(data.points["point"].astype(int))
    pairs, choices, bad = [], [], []
    for a, b in compare:
        if isinstance(a, int) and isinstance(b, int):
            bad += [Problem("--compare", f"no design point {p}; points are 0 to {len(known) - 1}", p)
                    for p in (a, b) if p not in known]
            pairs.append((a, b))
        elif isinstance(a, str) and isinstance(b, str):
            (fa, va), (fb, vb) = a.partition("=")[::2], b.partition("=")[::2]
            if fa != fb:
                bad.append(Problem("--compare", f"compare two values of one factor: FACTOR=A FACTOR=B "
                                                f"(got {fa} and {fb})", f"{a} {b}"))
            elif fa not in data.factors:
                bad.append(Problem("--compare", f"no factor '{fa}'; factors are {', '.join(data.factors)}", a))
            else:
                values = data.factor_values(fa)
                found = [_value(values, v) for v in (va, vb)]
                bad += [Problem("--compare", f"{fa} never takes this value; it takes "
                                             f"{', '.join(map(str, values))}", f"{fa}={v}")
                        for v, match in zip((va, vb), found) if match is _NONE]
                if _NONE not in found:
                    choices.append((fa, *found))
        else:
            bad.append(Problem("--compare", "give two design points (0 3) or two values of one factor "
                                            "(FACTOR=A FACTOR=B), not one of each", f"{a} {b}"))
    if bad:
        raise ScenarioError(bad, "--compare")
    return pairs, choices


_NONE = object()


def _value(values: list[Any], text: str) -> Any:
    """The one of ``values`` that ``text`` (from the command line) writes; _NONE if none."""
    for value in values:
        if str(value) == text or (str(value).lower() == text.lower() and isinstance(value, bool)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                if float(text) == value:
                    return value
            except ValueError:
                pass
    return _NONE


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
