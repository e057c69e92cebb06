"""The report's charts (matplotlib, drawn off-screen): metric against a factor with its CI band,
a two-factor heatmap, Morris and Sobol charts, and paired differences with their CIs.

Each function draws one PNG at ``path`` and draws one panel per metric, so a report has a few
figures rather than one per metric. Figures are built without pyplot (no global state, no display).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import PercentFormatter

from mashsim.metrics.catalogue import is_share
from mashsim.report.factor_charts import CATEGORIES, LINES, POINTS, FactorChart
from mashsim.report.paired import comparison_label, short_path


def _panels(n: int, width: float = 4.2, height: float = 3.2, head: float = 0.8, left: float = 0.8,
            sharey: bool = False) -> tuple[Figure, list[Any]]:
    """A figure of ``n`` panels, three a row, with ``head`` inches above them for titles and
    ``left`` inches on the left for labels."""
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    total = height * rows + head + 0.5
    wide = width * cols + left
    # fixed margins: a constrained layout would double the drawing time of a many-panel figure
    fig = Figure(figsize=(wide, total))
    fig.subplots_adjust(left=left / wide, right=0.97, bottom=0.5 / total, top=1 - head / total,
                        hspace=0.55, wspace=0.15 if sharey else 0.3)
    axes = fig.subplots(rows, cols, squeeze=False, sharey=sharey).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _is_rate(metric: str) -> bool:
    return is_share(metric)


def _y_axis(ax, metric: str) -> None:
    if _is_rate(metric):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))


def literal_text(fig: Figure) -> Figure:
    """Show every text of ``fig`` as written: a factor value or label such as ``$x^{2$`` is not read as
    mathtext (which draws it wrongly, or fails to draw at all). Call it when the figure is complete."""
    for text in fig.findobj(Text):
        text.set_parse_math(False)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    literal_text(fig).savefig(path, dpi=90)
    return path


def factor_plot(summary: pd.DataFrame, chart: FactorChart, metrics: Sequence[str], path: Path,
                level: float = 0.95) -> Path:
    """Draw :func:`factor_figure` at ``path``."""
    return _save(factor_figure(summary, chart, metrics, level), path)


def factor_figure(summary: pd.DataFrame, chart: FactorChart, metrics: Sequence[str], level: float = 0.95) -> Figure:
    """Each metric's per-point mean with its ``level`` CI, drawn as ``chart`` says: a line and band
    for each key along a numeric axis, points with error bars when there are too many keys, or
    points with error bars side by side at each category of a categorical axis (never joined)."""
    fig, axes = _panels(len(metrics), head=1.1)
    for ax, metric in zip(axes, metrics):
        rows = summary.loc[summary["metric"] == metric]
        if chart.kind == CATEGORIES:
            _categories(ax, rows, chart)
        elif chart.kind == LINES:
            for key in chart.keys:
                group = _matching(rows, chart.series, key).sort_values(chart.x)
                x, (mean, low, high) = group[chart.x].to_numpy(dtype=float), _interval(group)
                (line,) = ax.plot(x, mean, marker="o", label=_key_label(chart.series, key))
                ax.fill_between(x, low, high, alpha=0.2, color=line.get_color(), linewidth=0)
        else:
            mean, low, high = _interval(rows)
            ax.errorbar(rows[chart.x].to_numpy(dtype=float), mean, yerr=[mean - low, high - mean], fmt="o",
                        markersize=3, capsize=2)
        if chart.kind != CATEGORIES and rows[chart.x].nunique() <= 12:
            ax.set_xticks(sorted(rows[chart.x].unique().tolist()))
        ax.set_title(metric, fontsize=9)
        ax.set_xlabel(chart.x, fontsize=8)
        _y_axis(ax, metric)
    if chart.kind != POINTS and chart.series and axes:
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.55 / fig.get_figheight()),
                   ncol=min(len(names), 4), fontsize=8, frameon=False)
    what = "error bars" if chart.kind != LINES else "bands"
    fig.suptitle(f"{chart.title}\nmean and {level:.0%} CI ({what}); same seeds at every point", fontsize=9)
    return literal_text(fig)


def _categories(ax, rows: pd.DataFrame, chart: FactorChart) -> None:
    """Each key's mean and CI at each category, the keys side by side within a category's slot."""
    width = 0.6
    for j, key in enumerate(chart.keys):
        group = _matching(rows, chart.series, key)
        offset = (j - (len(chart.keys) - 1) / 2) * width / max(len(chart.keys), 1)
        position = {value: i + offset for i, value in enumerate(chart.categories or ())}
        x = group[chart.x].map(position).to_numpy(dtype=float)
        mean, low, high = _interval(group)
        ax.errorbar(x, mean, yerr=[mean - low, high - mean], fmt="o", markersize=4, capsize=3, linestyle="none",
                    label=_key_label(chart.series, key))
    labels = [str(v) for v in chart.categories or ()]
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlim(-0.5, len(labels) - 0.5)


def _matching(rows: pd.DataFrame, series: Sequence[str], key: tuple) -> pd.DataFrame:
    """The rows whose ``series`` factors take the values ``key``."""
    chosen = pd.Series(True, index=rows.index)
    for factor, value in zip(series, key):
        chosen &= rows[factor] == value
    return rows.loc[chosen]


def _interval(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(rows[c].to_numpy(dtype=float) for c in ("mean", "ci_low", "ci_high"))  # type: ignore[return-value]


def _key_label(series: Sequence[str], key: tuple) -> str | None:
    return ", ".join(f"{short_path(f)}={v}" for f, v in zip(series, key)) or None


def heatmap(summary: pd.DataFrame, x: str, y: str, metrics: Sequence[str], path: Path,
            averaged: Sequence[str] = ()) -> Path:
    """Each metric's mean over the grid of two factors (averaged over any other factors), with the
    value written in each cell."""
    fig, axes = _panels(len(metrics), width=4.4, height=3.6, head=0.8, left=0.9)
    for ax, metric in zip(axes, metrics):
        rows = summary.loc[summary["metric"] == metric]
        grid = rows.pivot_table(index=y, columns=x, values="mean", aggfunc="mean").sort_index(ascending=False)
        values = grid.to_numpy(dtype=float)
        image = ax.imshow(values, aspect="auto", cmap="viridis")
        ax.set_xticks(range(grid.shape[1]), [str(v) for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [str(v) for v in grid.index])
        ax.set_xlabel(x, fontsize=8)
        ax.set_ylabel(y, fontsize=8)
        ax.set_title(metric, fontsize=9)
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        if _is_rate(metric):
            bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        low, high = np.nanmin(values), np.nanmax(values)
        for (i, j), value in np.ndenumerate(values):
            if not math.isnan(value):
                text = f"{value:.1%}" if _is_rate(metric) else f"{value:.3g}"
                # dark text on the light (upper) half of the colour map, light text on the dark half
                light = high > low and (value - low) / (high - low) > 0.6
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color="black" if light else "white")
    over = f" (averaged over {', '.join(averaged)})" if averaged else ""
    fig.suptitle(f"Mean over replications: {y} against {x}{over}", fontsize=10)
    return _save(fig, path)


def morris_chart(indices: dict[str, pd.DataFrame], path: Path) -> Path:
    """Morris screening, one panel per metric: mu* (importance) against sigma (interaction or
    non-linearity), each factor labelled, with mu*'s 95% bootstrap interval."""
    fig, axes = _panels(len(indices))
    for ax, (metric, frame) in zip(axes, indices.items()):
        ax.errorbar(frame["mu_star"], frame["sigma"], xerr=frame["mu_star_conf"], fmt="o", capsize=2)
        for _, row in frame.iterrows():
            ax.annotate(short_path(row["factor"]), (row["mu_star"], row["sigma"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
        top = max(float(frame["mu_star"].max()), float(frame["sigma"].max()), 1e-12)
        ax.plot([0, top], [0, top], linestyle=":", color="grey", linewidth=0.8)
        ax.set_xlabel("μ* (mean |elementary effect|)", fontsize=8)
        ax.set_ylabel("σ", fontsize=8)
        ax.set_title(metric, fontsize=9)
    fig.suptitle("Morris screening: far right = influential; high σ = interactions or non-linear", fontsize=10)
    return _save(fig, path)


def sobol_chart(indices: dict[str, pd.DataFrame], path: Path) -> Path:
    """Sobol first-order (S1) and total (ST) indices as bars with 95% bootstrap intervals."""
    fig, axes = _panels(len(indices))
    for ax, (metric, frame) in zip(axes, indices.items()):
        x = np.arange(len(frame))
        ax.bar(x - 0.2, frame["S1"], 0.4, yerr=frame["S1_conf"], capsize=2, label="S1 (first order)")
        ax.bar(x + 0.2, frame["ST"], 0.4, yerr=frame["ST_conf"], capsize=2, label="ST (total)")
        ax.set_xticks(x, [short_path(f) for f in frame["factor"]], rotation=20, fontsize=7)
        ax.set_title(metric, fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("Sobol indices: share of the output's variance due to each factor", fontsize=10)
    return _save(fig, path)


def differences_chart(comparisons: pd.DataFrame, path: Path, level: float = 0.95) -> Path:
    """Paired differences with their ``level`` CIs, one panel per metric, one row per comparison;
    a CI clear of the zero line is a difference the replications show."""
    metrics = list(dict.fromkeys(comparisons["metric"]))
    # every panel lists the same comparisons, so they share one set of labels on the left
    fig, axes = _panels(len(metrics), width=3.6, height=0.5 + 0.4 * max(3, _count(comparisons, metrics)),
                        left=2.6, sharey=True)
    for ax, metric in zip(axes, metrics):
        rows = comparisons.loc[comparisons["metric"] == metric].reset_index(drop=True)
        y = np.arange(len(rows))[::-1]
        mean = rows["mean"].to_numpy(dtype=float)
        err = [mean - rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float) - mean]
        ax.errorbar(mean, y, xerr=err, fmt="o", capsize=3)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_yticks(y, [comparison_label(r) + (f"\n{r['at']}" if r["at"] else "") for _, r in rows.iterrows()],
                      fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(metric, fontsize=9)
        if _is_rate(metric):
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    fig.suptitle(f"Paired differences (replication by replication) with {level:.0%} CI; each row: "
                 f"the first named minus the second", fontsize=10)
    return _save(fig, path)


def _count(comparisons: pd.DataFrame, metrics: list[str]) -> int:
    return int(comparisons.loc[comparisons["metric"] == metrics[0]].shape[0]) if metrics else 0
