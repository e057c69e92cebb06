"""A value-of-information ranking as people read it: a terminal table, a bar chart and its JSON."""

from __future__ import annotations

import dataclasses
import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from mashsim.experiment.value_of_information import ENSEMBLE_RANGE, InputRank, ValueOfInformation
from mashsim.report.plots import _save
from mashsim.report.table import format_difference, format_difference_interval
from mashsim.report.terminal import PlainTable

VOI_FILES = ("voi.json", "voi.png")
_LABEL_CHARS = 60  # a label on the chart is cut to this many characters


def is_voi_file(name: str) -> bool:
    return name in VOI_FILES


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def range_text(rank: InputRank) -> str:
    """``0.075 – 0.125``, or ``×0.75 – ×1.25`` for a table varied by one multiplier."""
    if rank.scaled:
        return f"×{rank.low:g} – ×{rank.high:g}"
    return f"{_number(rank.low)} – {_number(rank.high)}"


def share_text(rank: InputRank) -> str:
    if rank.index_low == 0 and rank.index_high == 0:
        return f"{rank.index:.0%}"
    return f"{rank.index:.0%} ({rank.index_low:.0%}–{rank.index_high:.0%})"


def voi_table(result: ValueOfInformation, top: int | None = None) -> Table:
    """Rank, figure, tag, range, share (95% CI) and swing (95% CI) in the answer's units, most important first."""
    title = (f"What to measure next · {result.scenario} (scenario {result.scenario_hash}) · seed {result.seed} · "
             f"mashsim {result.version}\nanswer: {result.answer} — {result.answer_label}")
    ranges = sorted({r.source_of_range for r in result.ranks if r.source_of_range != ENSEMBLE_RANGE})
    if any(r.source_of_range == ENSEMBLE_RANGE for r in result.ranks):
        ranges.append("the calibration ensemble's 5th to 95th percentile (ens.)")
    caption = (f"{result.method}; {result.runs:,} runs. Ranges: {', or '.join(ranges)}. "
               "Share: of the answer's variation over these ranges (not the decision's value, EVPPI).\n"
               f"Reproduce: {result.command}")
    table = PlainTable(title=title, caption=caption)
    for header, justify in (("#", "right"), ("figure", "left"), ("tag", "center"), ("range", "right"),
                            ("share (95% CI)", "right"), ("swing (95% CI)", "right")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for i, rank in enumerate(result.ranks[:top] if top else result.ranks, start=1):
        ensemble = " ens." if rank.source_of_range == ENSEMBLE_RANGE else ""
        interval = format_difference_interval(result.answer, rank.swing_low, rank.swing_high)
        table.add_row(str(i), f"{rank.label}\n{rank.path}", rank.tag or "-", range_text(rank) + ensemble,
                      share_text(rank), format_difference(result.answer, rank.swing) +
                      (f"\n({interval})" if interval != "-" else ""))
    return table


def voi_plot(result: ValueOfInformation, path: Path, top: int = 15) -> Path:
    """The ranks' shares as horizontal bars with their 95% CI whiskers, the most important on top."""
    from matplotlib.figure import Figure

    ranks = result.ranks[:top]
    fig = Figure(figsize=(9.0, 1.2 + 0.38 * max(1, len(ranks))))
    ax = fig.add_subplot()
    y = np.arange(len(ranks))[::-1]
    share = np.array([r.index for r in ranks])
    low = np.clip(share - np.array([r.index_low for r in ranks]), 0, None)
    high = np.clip(np.array([r.index_high for r in ranks]) - share, 0, None)
    whiskers = not all(r.index_low == 0 and r.index_high == 0 for r in ranks)
    ax.barh(y, share, xerr=np.vstack([low, high]) if whiskers else None, capsize=3, color="tab:blue")
    labels = [_short(f"[{r.tag or '-'}] {r.label}") for r in ranks]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlim(0, max(1.0, float(np.max(share + high)) if len(ranks) else 1.0))
    ax.set_xlabel(f"share of {result.answer}'s variation (95% CI)", fontsize=8)
    fig.suptitle(f"What to measure next · {result.scenario} · seed {result.seed} · mashsim {result.version}\n"
                 + textwrap.fill(result.method.split(";")[0], 110), fontsize=8)
    fig.subplots_adjust(left=0.45, right=0.97, top=1 - 0.75 / fig.get_figheight(), bottom=0.5 / fig.get_figheight())
    return _save(fig, path)


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[:_LABEL_CHARS - 1] + "…"


def voi_dict(result: ValueOfInformation) -> dict[str, Any]:
    """The JSON form: every field of the result, NaN as null."""
    return _clean(dataclasses.asdict(result))


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
