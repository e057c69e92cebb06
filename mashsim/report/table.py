"""The terminal summary of a run: the headline metrics with their 95% confidence intervals."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from mashsim.experiment.runner import RunResult
from mashsim.experiment.stats import Interval
from mashsim.metrics.catalogue import AXIS_WORDS, COUNT, is_censorable, is_growth, is_share, table_rows, unit_of
from mashsim.report.terminal import PlainTable, console as plain_console, styled
from mashsim.scenario.schema import HUB_ROLES


def format_value(name: str, value: float) -> str:
    """A metric's value as tables show it, by its unit in the catalogue: shares as percentages,
    counts whole, the rest (hours, time-averages) to 0.1."""
    if value is None or math.isnan(value):
        return "-"
    if is_share(name):
        return f"{value:.1%}"
    if is_growth(name):
        return f"{value if round(value, 3) else 0.0:+.1%}"  # never "-0.0%"
    if unit_of(name) == COUNT:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def format_difference(name: str, value: float, unit: bool = True) -> str:
    """A difference in a metric, always signed: rates in percentage points (``−1.74 pts``), counts
    whole, the rest to 0.01 (a difference is often much smaller than the values it comes from)."""
    if value is None or math.isnan(value):
        return "-"
    size, rate = abs(value), is_share(name) or is_growth(name)
    if rate:
        text = f"{size * 100:.2f}" + (" pts" if unit else "")
    elif unit_of(name) == COUNT:
        text = f"{size:,.0f}"
    else:
        text = f"{size:,.2f}"
    return ("+" if value >= 0 else "−") + text


def format_difference_interval(name: str, low: float, high: float) -> str:
    """``low to high``, each signed (never cut: a difference may be negative), the unit once at the
    end; ``-`` when undefined."""
    if math.isnan(low):
        return "-"
    return f"{format_difference(name, low, unit=False)} to {format_difference(name, high)}"


def excludes_zero(low: float, high: float) -> bool:
    """Whether an interval lies clear of zero: a difference the replications show (False when undefined)."""
    return not math.isnan(low) and not math.isnan(high) and not low <= 0 <= high


def clip_interval(name: str, low: float, high: float) -> tuple[float, float]:
    """The interval cut to what the metric can be (rates in [0, 1], counts and times >= 0).

    The cut interval covers the true value whenever the uncut one does, so the
    confidence level is unchanged; the JSON output keeps the uncut interval.
    """
    if is_share(name):
        return max(low, 0.0), min(high, 1.0)
    if is_growth(name):
        return low, high
    return max(low, 0.0), high


def format_interval(name: str, low: float, high: float) -> str:
    """``low – high`` cut to what the metric can be, or ``-`` when undefined."""
    low, high = clip_interval(name, low, high)
    return "-" if math.isnan(low) else f"{format_value(name, low)} – {format_value(name, high)}"


def _rows(result: RunResult) -> list[tuple[str, str | None]]:
    """(metric name, section heading or None) in the order people read them (the catalogue's table)."""
    s = result.scenario
    return table_rows(s.agencies, [*HUB_ROLES, *s.agencies], s.pools)


def summary_table(result: RunResult, level: float = 0.95) -> Table:
    """A rich table of the run's headline metrics."""
    summary = result.summary(level)
    n = len(result.replications)
    censored = any(v > 0 for v in result.values("contacts_censored")) if "contacts_censored" in summary else False
    table = PlainTable(
        title=f"{result.scenario.name} · {n} replication{'s' if n != 1 else ''} · seed {result.seed}",
        caption=f"scenario {result.scenario_hash} · mashsim {result.version}"
                f"{' (compiled core)' if result.core == 'compiled' else ''} · "
                f"{result.scenario.run.horizon_days:g} days after {result.scenario.run.warmup_days:g} warm-up · "
                f"{level:.0%} CI (t)",
    )
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column(f"{level:.0%} CI", justify="right")
    stability = result.stability(level)
    if stability.growths:  # the first line: whether the hub keeps up at all
        table.add_row(styled(stability.message(), "bold" if stability.stable else "bold red"), "", "")
    for name, heading in _rows(result):
        interval: Interval | None = summary.get(name)
        if interval is None:
            continue
        if heading:
            table.add_section()
            table.add_row(styled(heading, "bold"), "", "")
        ci = format_interval(name, interval.ci_low, interval.ci_high)
        # with contacts censored, a delay statistic is a lower bound: some are still waiting
        bound = "≥ " if censored and is_censorable(name) else ""
        table.add_row(_label(name), bound + format_value(name, interval.mean), ci)
    return table


def _label(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 1:
        return name
    # the breakdowns' words (by_agency, by_rag ...) are dropped; a value such as by_policy is kept
    rest = " ".join(p for p in parts[1:] if p not in AXIS_WORDS)
    if parts[0] in ("utilisation", "queue_length"):
        rest = f"{rest} {parts[0].replace('_', ' ')}"
    if parts[0] in _NAMED:  # breakdown rows that follow another family's in their section: say whose
        rest = f"{_NAMED[parts[0]]} {rest}"
    return "  " + rest


_NAMED = {"high_risk_child_hours_to_referral": "hours to referral,", "unmatched_rate": "unmatched:"}


def print_summary(result: RunResult, console: Console | None = None) -> None:
    from mashsim.report.concern_table import concern_table  # it formats values with this module's

    console = console or plain_console()
    console.print(summary_table(result))
    by_concern = concern_table(result)
    if by_concern is not None:
        console.print(by_concern)
