"""The marginal value of staff as people read it: a table (terminal and markdown) and a chart."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter
from rich.table import Table

from mashsim.report.plots import _panels, _save, _y_axis
from mashsim.report.table import format_difference, format_difference_interval
from mashsim.report.terminal import PlainTable


def _pounds(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"£{value:,.0f}"


def marginal_rows(frame: pd.DataFrame, metric: str) -> list[list[str]]:
    """One metric's rows as text: desk, FTE added, cost a year, change, its CI, change per £100k a year."""
    rows = []
    for _, r in frame[frame["metric"] == metric].iterrows():
        per = "-" if math.isnan(r["per_100k_mean"]) else format_difference(metric, r["per_100k_mean"])
        rows.append([r["label"], f"+{r['added_fte']}", _pounds(r["cost"]), format_difference(metric, r["mean"]),
                     format_difference_interval(metric, r["ci_low"], r["ci_high"]), per])
    return rows


HEADERS = ["desk", "FTE", "cost a year", "change", "95% CI", "per £100k"]


def _metrics(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["metric"]))


def marginal_tables(frame: pd.DataFrame, title: str, caption: str) -> list[Table]:
    """One table per metric: each desk given 1, 2, ... more FTE, the change and its CI, and per £100k."""
    tables: list[Table] = []
    for metric in _metrics(frame):
        table = PlainTable(title=f"{title}\n{metric}", caption=caption)
        for header in HEADERS:
            table.add_column(header, justify="left" if header == "desk" else "right")
        previous = None
        for row in marginal_rows(frame, metric):
            if previous is not None and row[0] != previous:
                table.add_section()
            previous = row[0]
            table.add_row(*row)
        tables.append(table)
    return tables


def marginal_markdown(frame: pd.DataFrame, title: str, caption: str) -> str:
    lines = [f"# {title}", "", caption]
    for metric in _metrics(frame):
        lines += ["", f"## {metric}", "", "| " + " | ".join(HEADERS) + " |", "|---|" + "---:|" * (len(HEADERS) - 1)]
        lines += ["| " + " | ".join(row) + " |" for row in marginal_rows(frame, metric)]
    return "\n".join(lines) + "\n"


def marginal_plot(frame: pd.DataFrame, path: Path, title: str) -> Path:
    """One panel per metric: each desk's change against the FTE added (0 at 0), with its 95% CI band;
    where every desk has a cost, a second row of panels against the pounds a year spent."""
    metrics = _metrics(frame)
    costed = bool(frame["cost"].notna().all())
    axes_x = [("added_fte", "FTE added")] + ([("cost", "£ a year")] if costed else [])
    fig, axes = _panels(len(metrics) * len(axes_x), head=1.1)
    for j, (column, label) in enumerate(axes_x):
        for ax, metric in zip(axes[j * len(metrics):], metrics):
            for desk, group in frame[frame["metric"] == metric].groupby("label", sort=False):
                x = np.concatenate([[0.0], group[column].to_numpy(dtype=float)])
                mean, low, high = (np.concatenate([[0.0], group[c].to_numpy(dtype=float)])
                                   for c in ("mean", "ci_low", "ci_high"))
                (line,) = ax.plot(x, mean, marker="o", markersize=3, label=str(desk))
                ax.fill_between(x, low, high, alpha=0.15, color=line.get_color(), linewidth=0)
            ax.axhline(0.0, color="grey", linewidth=0.6)
            if column == "added_fte":
                ax.set_xticks(range(int(frame["added_fte"].max()) + 1))
            else:
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"£{v / 1000:,.0f}k"))
            ax.set_title(f"{metric}, change", fontsize=9)
            ax.set_xlabel(label, fontsize=8)
            _y_axis(ax, metric)
    if axes:
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.55 / fig.get_figheight()),
                   ncol=min(len(names), 5), fontsize=8, frameon=False)
    fig.suptitle(f"{title}\nchange against the baseline, mean and 95% CI (bands); same seeds throughout", fontsize=9)
    return _save(fig, path)
