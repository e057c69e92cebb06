"""The terminal summary of a sweep report: each design point's factors and headline intervals, and
the paired differences."""

from __future__ import annotations

from rich.text import Text

from mashsim.metrics.names import short_form
from mashsim.report.analysis import SweepReport
from mashsim.report.paired import comparison_label, short_path
from mashsim.report.terminal import PlainTable, styled
from mashsim.report.table import (excludes_zero, format_difference, format_difference_interval, format_interval,
                                  format_value)

TERMINAL_METRICS = 4  # more do not fit a terminal; the page and the CSV files hold every one
TERMINAL_POINTS = 40


def format_factor(value: object) -> str:
    """A factor's value for a table: floats to four significant figures, the rest as they are."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def sweep_table(report: SweepReport) -> PlainTable:
    """A rich table: one row per design point, the first few metrics as ``mean (CI)``."""
    data = report.data
    shown = report.metrics[:TERMINAL_METRICS]
    reps = report.replications
    name = data.meta.get("experiment", {}).get("name") or data.folder.name
    more = len(report.metrics) - len(shown)
    points = sorted(report.summary["point"].unique())
    hidden = len(points) - TERMINAL_POINTS
    table = PlainTable(
        title=f"{name} · {len(data.points)} design points · {int(reps.sum())} replications · seed {data.seed}",
        caption=f"mean, below it the {report.level:.0%} CI · common random numbers: replication r used the same seed at every "
                f"point" + (f" · {more} more metric(s) in the report" if more else "")
                + (f" · {hidden} more point(s) in the report" if hidden > 0 else ""),
    )
    table.add_column("point", justify="right", overflow="fold")
    for factor in data.factors:
        table.add_column(_header(short_path(factor)), justify="right", overflow="fold")
    table.add_column("n", justify="right", overflow="fold")
    if report.stability:
        table.add_column("stable", overflow="fold")
    for metric in shown:
        table.add_column(_header(short_form(metric)), justify="right", overflow="fold")
    wide = report.summary.set_index(["point", "metric"])
    factor_values = data.points.set_index("point")
    for point in points[:TERMINAL_POINTS]:
        cells = [str(point), *(format_factor(factor_values.loc[point, f]) for f in data.factors), str(int(reps.get(point, 0)))]
        if report.stability:
            verdict = report.stability.get(int(point))
            cells.append("-" if verdict is None else "yes" if verdict.stable else styled(verdict.cell(), "bold red"))
        for metric in shown:
            r = wide.loc[(point, metric)]
            interval = format_interval(metric, r["ci_low"], r["ci_high"]).replace(" – ", "–")
            cells.append(Text.assemble(format_value(metric, r["mean"]), "\n", (interval, "dim")))
        table.add_row(*cells)
    return table


def differences_table(report: SweepReport) -> PlainTable | None:
    """A rich table of the paired differences: one row per comparison (what minus what, below it at
    which values of the other factors), the first few metrics as the mean difference over its CI,
    ``*`` where the CI excludes 0.
    None when the report has no comparisons."""
    comparisons = report.comparisons
    if comparisons.empty:
        return None
    shown = [m for m in report.metrics if m in set(comparisons["metric"])][:TERMINAL_METRICS]
    keys = ["factor", "point_a", "point_b"]
    groups = list(comparisons.groupby(keys, sort=False))
    hidden = len(groups) - TERMINAL_POINTS
    more = len(report.metrics) - len(shown)
    table = PlainTable(
        title="Paired differences · replication by replication on the same seeds",
        caption=f"mean difference, below it the {report.level:.0%} CI · * the CI excludes 0: a difference the "
                f"replications show · rates in percentage points (pts)"
                + (f" · {more} more metric(s) in the report" if more else "")
                + (f" · {hidden} more comparison(s) in the report" if hidden > 0 else ""),
    )
    table.add_column(Text.assemble("difference\n", ("at", "dim")), overflow="fold")
    table.add_column("pairs", justify="right")
    for metric in shown:
        table.add_column(_header(short_form(metric)), justify="right", overflow="fold")
    for _, group in groups[:TERMINAL_POINTS]:
        by_metric = group.set_index("metric")
        first = group.iloc[0]
        at = ("\n", (str(first["at"]), "dim")) if first["at"] else ()
        cells = [Text.assemble(comparison_label(first), *at), str(int(group["n"].max()))]
        for metric in shown:
            if metric not in by_metric.index:
                cells.append("-")
                continue
            r = by_metric.loc[metric]
            shows = excludes_zero(r["ci_low"], r["ci_high"])
            mean = format_difference(metric, r["mean"]) + (" *" if shows else "")
            interval = format_difference_interval(metric, r["ci_low"], r["ci_high"])
            cells.append(Text.assemble((mean, "bold" if shows else ""), "\n", (interval, "dim")))
        table.add_row(*cells)
    return table


def _header(name: str) -> str:
    """A dotted name that may wrap at its dots in a narrow column."""
    return name.replace(".", "\n.")
