"""The brief's charts, drawn off-screen as the report's are (:mod:`mashsim.report.plots`): figures
with their 95% intervals as bars a committee reads at a glance, one chart a section."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from mashsim.report.plots import _save

GOOD, BAD, NEUTRAL = "#2a9d8f", "#e76f51", "#457b9d"


def _figure(rows: int, width: float = 7.5, left: float = 2.6) -> tuple[Figure, Any]:
    height = 0.9 + 0.32 * max(rows, 3)
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=left / width, right=0.96, top=1 - 0.35 / height, bottom=0.55 / height)
    return fig, fig.subplots()


def interval_bars(rows: Sequence[tuple[str, Any]], path: Path, xlabel: str, share: bool = True) -> Path:
    """One bar per ``(label, interval)`` (anything with mean, ci_low, ci_high), top to bottom, with its CI."""
    fig, ax = _figure(len(rows), left=3.2)
    y = list(range(len(rows)))[::-1]
    means = [_num(i.mean) for _, i in rows]
    low = [max(0.0, m - _num(i.ci_low, m)) for m, (_, i) in zip(means, rows)]
    high = [max(0.0, _num(i.ci_high, m) - m) for m, (_, i) in zip(means, rows)]
    ax.barh(y, means, xerr=[low, high], color=NEUTRAL, capsize=3, height=0.6)
    ax.set_yticks(y, [label for label, _ in rows], fontsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    if share:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(left=0)
    ax.tick_params(axis="x", labelsize=8)
    return _save(fig, path)


def mixes_chart(result: Any, roles: Sequence[str], path: Path) -> Path:
    """Every mix the staffing search ran: its yearly cost, marked by whether it meets the timescales."""
    mixes = sorted(result.evaluated, key=lambda r: (r.cost, r.mix))
    fig, ax = _figure(len(mixes), left=2.8)
    y = list(range(len(mixes)))[::-1]
    colours = [GOOD if r.met else BAD for r in mixes]
    ax.barh(y, [r.cost for r in mixes], color=colours, height=0.6)
    labels = [", ".join(f"{role} {v}" for role, v in zip(roles, r.mix)) + (" (chosen)" if r is result.chosen else "")
              for r in mixes]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("cost of the searched roles, £ a year (green: meets every timescale; red: does not, or not "
                  "shown to)", fontsize=8)
    ax.xaxis.set_major_formatter(lambda v, _: f"£{v / 1000:,.0f}k")
    ax.tick_params(axis="x", labelsize=8)
    return _save(fig, path)


def fte_chart(drawn: Sequence[tuple[str, dict, float | None]], path: Path, horizon: float) -> Path:
    """Each desk's one more FTE: children better off and worse off in the window, with their CIs."""
    fig, ax = _figure(2 * len(drawn), left=2.4)
    n = len(drawn)
    y = [float(k) for k in range(n)][::-1]
    for key, offset, colour, text in (("children_helped", 0.2, GOOD, "better off"),
                                      ("children_harmed", -0.2, BAD, "worse off")):
        figures = [values[key] for _, values, _ in drawn]
        means = [_num(f.value) for f in figures]
        low = [max(0.0, m - _num(f.ci_low, m)) for m, f in zip(means, figures)]
        high = [max(0.0, _num(f.ci_high, m) - m) for m, f in zip(means, figures)]
        ax.barh([v + offset for v in y], means, xerr=[low, high], height=0.38, color=colour, capsize=2, label=text)
    ax.set_yticks(y, [who for who, _, _ in drawn], fontsize=8)
    ax.set_xlabel(f"children per {horizon:g}-day window", fontsize=8)
    ax.set_xlim(left=0)
    ax.legend(fontsize=8, loc="lower right")
    ax.tick_params(axis="x", labelsize=8)
    return _save(fig, path)


def rank_chart(labels: Sequence[str], values: Sequence[float], lows: Sequence[float], highs: Sequence[float],
               path: Path, xlabel: str) -> Path:
    """Inputs ranked by their share of the answer's variation, largest first, with their intervals."""
    labels = [textwrap.fill(label, 42) for label in labels]  # long labels on two lines, never cut off
    fig, ax = _figure(int(len(labels) * 1.6), width=9.0, left=3.8)
    y = list(range(len(labels)))[::-1]
    means = [_num(v) for v in values]
    low = [max(0.0, m - _num(lo, m)) for m, lo in zip(means, lows)]
    high = [max(0.0, _num(hi, m) - m) for m, hi in zip(means, highs)]
    ax.barh(y, means, xerr=[low, high], color=NEUTRAL, capsize=3, height=0.6)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(left=0)
    ax.tick_params(axis="x", labelsize=8)
    return _save(fig, path)


def _num(value: Any, default: float = 0.0) -> float:
    return default if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
