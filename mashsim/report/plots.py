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
from matplotlib.ticker import PercentFormatter

from mashsim.report.table import RATE_PREFIXES

MAX_LINES = 8  # more combinations of the other factors than this: points, not lines


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
    return metric.startswith(RATE_PREFIXES)


def _y_axis(ax, metric: str) -> None:
    if _is_rate(metric):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))


def _x_positions(values: pd.Series) -> tuple[np.ndarray, list[Any] | None]:
    """Numbers to plot a factor's values at, and tick labels when they are not numbers (bools, text)."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        levels = sorted(values.unique().tolist(), key=str)
        return values.map({v: i for i, v in enumerate(levels)}).to_numpy(dtype=float), levels
    return values.to_numpy(dtype=float), None


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=90)
    return path


def factor_plot(summary: pd.DataFrame, factor: str, others: Sequence[str], metrics: Sequence[str],
                path: Path, level: float = 0.95) -> Path:
    """Each metric's per-point mean against ``factor`` with its ``level`` CI: a line and band for
    each combination of the ``others`` factors' values, or points with error bars when there are
    more than a few combinations (as in a Latin hypercube)."""
    fig, axes = _panels(len(metrics), head=1.1)
    legend = False
    for ax, metric in zip(axes, metrics):
        rows = summary.loc[summary["metric"] == metric]
        groups = list(rows.groupby(list(others), sort=True, dropna=False)) if others else [((), rows)]
        as_lines = len(groups) <= MAX_LINES and all(len(g) == g[factor].nunique() for _, g in groups)
        labels = None
        for key, group in (groups if as_lines else [((), rows)]):
            group = group.sort_values(factor)
            x, labels = _x_positions(group[factor])
            mean, low, high = (group[c].to_numpy(dtype=float) for c in ("mean", "ci_low", "ci_high"))
            if as_lines:
                key = key if isinstance(key, tuple) else (key,)
                name = ", ".join(f"{_short(o)}={v}" for o, v in zip(others, key)) or None
                (line,) = ax.plot(x, mean, marker="o", label=name)
                ax.fill_between(x, low, high, alpha=0.2, color=line.get_color(), linewidth=0)
            else:
                ax.errorbar(x, mean, yerr=[mean - low, high - mean], fmt="o", markersize=3, capsize=2)
        if labels is not None:
            ax.set_xticks(range(len(labels)), [str(v) for v in labels])
        elif rows[factor].nunique() <= 12:
            ax.set_xticks(sorted(rows[factor].unique().tolist()))
        ax.set_title(metric, fontsize=9)
        ax.set_xlabel(factor, fontsize=8)
        _y_axis(ax, metric)
        if as_lines and others and not legend:
            handles, names = ax.get_legend_handles_labels()
            fig.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.5 / fig.get_figheight()),
                       ncol=min(len(names), 4), fontsize=8, frameon=False)
            legend = True
    fig.suptitle(f"Mean and {level:.0%} CI against {factor} (bands: CI; same seeds at every point)", fontsize=10)
    return _save(fig, path)


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
            ax.annotate(_short(row["factor"]), (row["mu_star"], row["sigma"]), fontsize=7,
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
        ax.set_xticks(x, [_short(f) for f in frame["factor"]], rotation=20, fontsize=7)
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
        ax.set_yticks(y, [_comparison_label(r) for _, r in rows.iterrows()], fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(metric, fontsize=9)
        if _is_rate(metric):
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    fig.suptitle(f"Paired differences (replication by replication) with {level:.0%} CI", fontsize=10)
    return _save(fig, path)


def _count(comparisons: pd.DataFrame, metrics: list[str]) -> int:
    return int(comparisons.loc[comparisons["metric"] == metrics[0]].shape[0]) if metrics else 0


def _comparison_label(row: pd.Series) -> str:
    head = f"{_short(row['factor'])}: {row['from']} → {row['to']}" if row["factor"] != "points" \
        else f"{row['from']} → {row['to']}"
    return f"{head}\n{row['at']}" if row["at"] else head


def _short(path: str) -> str:
    """The last two parts of a dotted path: ``agencies.police.staff`` → ``police.staff``."""
    return ".".join(str(path).split(".")[-2:])
