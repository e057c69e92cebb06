"""The headline figures of a run, the full metric table, and A/B paired differences."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from mashsim.app import state, words
from mashsim.experiment import Interval, RunResult, t_interval
from mashsim.metrics.catalogue import AVERAGE, COUNT, GROWTH, HOURS, SHARE
from mashsim.metrics.catalogue import unit_of as catalogue_unit
from mashsim.report.table import clip_interval
from mashsim.scenario import Scenario


@dataclass(frozen=True)
class Kpi:
    """A headline figure: its metric, its label in the page, and what it means."""

    metric: str
    label: str
    help: str

    @property
    def unit(self) -> str:
        return unit_of(self.metric)


KPIS = (
    Kpi("high_risk_missed_rate.avoidable", "Avoidable misses, high/critical risk",
        "share of the information agencies held about high- or critical-risk children that missed the "
        "decision when staffing, sharing or screening could have brought it (late, unmatched, lost, desk "
        "down, or the child under-rated)"),
    Kpi("high_risk_missed_rate.by_policy", "Misses by policy, high/critical risk",
        "share of that information the policy did not seek: desks the correct RAG does not ask"),
    Kpi("under_triage_rate", "Under-triage",
        "high- or critical-risk children given a lower outcome than the correct RAG would have given"),
    Kpi("rag_breach_rate.by_rag.red", "Red deadline breaches",
        "Red contacts decided after their deadline, on the clock the hub works to"),
    Kpi("decision_delay_hours.by_rag.red.mean", "Red: hours to decision",
        "mean time from contact to decision for contacts screened Red"),
    Kpi("decision_delay_hours.mean", "Hours to decision", "mean time from contact to decision"),
    Kpi("all_signals_missed_rate", "All signals missed (incl. by policy)",
        "share of all information agencies held that did not reach the decision, mostly by policy "
        "(Blue contacts' records, desks a RAG does not ask): a breakdown, not a measure of loss"),
    Kpi("contacts_open_at_end", "Open at the end",
        "contacts that arrived in the measured days and were not decided by their end"),
    Kpi("children_repeat_unreferred", "Children back, not referred",
        "children with two or more contacts in the measured days and no referral (s17 or s47) from any "
        "(scenarios with children)"),
    Kpi("high_risk_child_hours_to_referral.median", "High-risk child: hours to referral",
        "median hours from a high- or critical-risk child's first contact to the first referral about them; "
        "children never referred count to the end of the run-out (a lower bound)"),
)


def format_value(value: float, unit: str) -> str:
    """A figure as the page shows it: ``73.6%``, ``8.3 h``, ``12``; ``–`` when undefined."""
    if value is None or math.isnan(value):
        return "–"
    if unit == "%":
        return f"{100 * value:.1f}%"
    if unit == "h":
        return f"{value:.1f} h"
    if unit == "contacts":
        return f"{format_value(value, '')} contacts"
    return f"{value:,.1f}" if abs(value) < 100 and value != round(value) else f"{value:,.0f}"


def format_interval(metric: str, interval: Interval, level: float = 0.95) -> str:
    """``95% CI 73.4% – 73.8%`` (cut to what the metric can be, as in the terminal table), or why there is none."""
    if math.isnan(interval.ci_low):
        return "no CI (needs 2 or more replications)" if interval.n < 2 else "no CI"
    unit = unit_of(metric)
    low, high = clip_interval(metric, interval.ci_low, interval.ci_high)
    return f"{level:.0%} CI {format_value(low, unit)} – {format_value(high, unit)}"


def unit_of(metric: str) -> str:
    """The unit a metric is shown in (``%``, ``h``, ``contacts`` or none), from its unit in the catalogue."""
    unit = catalogue_unit(metric) or ""
    if unit in (COUNT, AVERAGE) and metric.startswith("contacts_"):
        return "contacts"
    return {SHARE: "%", GROWTH: "%", HOURS: "h"}.get(unit, "")


def censored(result: RunResult) -> bool:
    """Whether any replication cut contacts off at the run-out's cap: its delays are then lower bounds."""
    return "contacts_censored" in result.metric_names and any(v > 0 for v in result.values("contacts_censored"))


def metrics_table(result: RunResult) -> pd.DataFrame:
    """Every metric with its unit (as the reference gives it), mean and 95% CI, formatted for reading."""
    rows = []
    for name, interval in result.summary().items():
        unit = unit_of(name)
        rows.append({"metric": name, "unit": catalogue_unit(name) or "", "mean": format_value(interval.mean, unit),
                     "95% CI": format_interval(name, interval).removeprefix("95% CI ")})
    return pd.DataFrame(rows)


def paired_differences(a: RunResult, b: RunResult, metrics: list[str] | None = None) -> pd.DataFrame:
    """B − A for each metric, paired replication by replication, with a 95% CI of the mean difference.

    Pairing is valid because replication ``i`` from the same seed sees the same children in both
    runs (common random numbers); it uses the replications both runs have. Runs from different
    seeds have nothing to pair: a :class:`ValueError` says so.
    """
    if a.seed != b.seed:
        raise ValueError(f"A was run from seed {a.seed} and B from seed {b.seed}: paired differences "
                         "need the same seed")
    n = min(len(a.replications), len(b.replications))
    names = metrics if metrics is not None else [k.metric for k in KPIS]
    rows = []
    for name in names:
        unit = unit_of(name)
        va, vb = a.values(name)[:n], b.values(name)[:n]
        diff = paired_interval(a, b, name)
        rows.append({
            "metric": name,
            "A": format_value(t_interval(va).mean, unit),
            "B": format_value(t_interval(vb).mean, unit),
            "B − A": format_change(diff.mean, unit),
            "95% CI of B − A": _change_interval(diff, unit),
            "clear difference": _clear(diff),
        })
    return pd.DataFrame(rows)


def format_change(value: float, unit: str) -> str:
    """A difference with its sign; a difference of shares in percentage points (``+2.7 points``)."""
    text = f"{100 * value:.1f} points" if unit == "%" and not math.isnan(value) else format_value(value, unit)
    return text if text.startswith("-") or text == "–" else f"+{text}"


def _change_interval(interval: Interval, unit: str) -> str:
    if math.isnan(interval.ci_low):
        return "–"
    return f"{format_change(interval.ci_low, unit)} to {format_change(interval.ci_high, unit)}"


def paired_interval(a: RunResult, b: RunResult, name: str) -> Interval:
    """B − A of one metric, replication by replication (the runs' common replications), with its 95% CI."""
    n = min(len(a.replications), len(b.replications))
    return t_interval([y - x for x, y in zip(a.values(name)[:n], b.values(name)[:n])])


def is_clear(interval: Interval) -> bool:
    """Whether the CI of a difference leaves out zero (no CI: not clear)."""
    return not math.isnan(interval.ci_low) and (interval.ci_low > 0 or interval.ci_high < 0)


def _clear(interval: Interval) -> str:
    if math.isnan(interval.ci_low):
        return "–"
    return "yes" if is_clear(interval) else "no"


@dataclass(frozen=True)
class Change:
    """A headline figure's change from run A: its text, and whether it is clear.

    Clear only when the paired CI of the change (same seed: the same children) leaves out zero;
    with other seeds there is nothing to pair, and the change is shown as the means' difference,
    never as clear. Every headline figure is better lower, so a clear fall is better."""

    mean: float
    text: str
    clear: bool

    @property
    def better(self) -> bool | None:
        """True for a clear fall, False for a clear rise, None when not clear."""
        return None if not self.clear else self.mean < 0


def headline_change(kpi: Kpi, a: RunResult, b: RunResult, b_interval: Interval | None = None) -> Change | None:
    """The change of ``kpi`` from run ``a`` to run ``b`` as the dashboard and the run page show it;
    None when A has no such metric."""
    if kpi.metric not in a.metric_names:
        return None
    paired = paired_interval(a, b, kpi.metric) if a.seed == b.seed else None
    if paired is not None:
        mean = paired.mean
    else:
        mean = (b_interval or b.summary()[kpi.metric]).mean - a.summary()[kpi.metric].mean
    clear = paired is not None and is_clear(paired)
    text = f"{format_change(mean, kpi.unit)} vs A" + ("" if clear else " (no clear change)")
    return Change(mean, text, clear)


def comparison_table(a: RunResult, b: RunResult) -> pd.DataFrame:
    """The A/B table of the headline figures and every role's utilisation, labelled in words (a
    :class:`ValueError` when the seeds differ: nothing to pair)."""
    metrics = [k.metric for k in KPIS] + [m for m in b.metric_names if m.startswith("utilisation.")]
    table = paired_differences(a, b, metrics)
    labels = {k.metric: k.label for k in KPIS}
    table["metric"] = [labels.get(m) or words.name(m).replace(".", " › ") for m in table["metric"]]
    return table


def setting_rows(a: Scenario, b: Scenario, cell: int = 120) -> list[dict[str, str]]:
    """What differs between two set-ups, one row per field in words (setting, A, B), each value cut to
    ``cell`` characters; the events listed with their clock times."""
    start = b.calendar.start_date

    def shown(path: str, value: Any) -> str:
        text = words.value(path, value, lambda inject: state.describe_inject(inject, start))
        return text if len(text) <= cell else text[:cell - 1] + "…"

    return [{"setting": words.field_label(path), "A": shown(path, va), "B": shown(path, vb)}
            for path, va, vb in scenario_changes(a, b)]


def scenario_changes(a: Scenario, b: Scenario) -> list[tuple[str, Any, Any]]:
    """``(path, value in A, value in B)`` for every field that differs between two scenarios."""
    flat_a, flat_b = _flatten(a.model_dump(mode="json")), _flatten(b.model_dump(mode="json"))
    return [(path, flat_a.get(path), flat_b.get(path))
            for path in sorted(set(flat_a) | set(flat_b)) if flat_a.get(path) != flat_b.get(path)]


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict) and node:
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): node}
