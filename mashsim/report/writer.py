"""Writing a sweep report folder: report.html, the tables as CSV, the charts as PNG.

The files are written together (:func:`mashsim.atomic.write_folder`): a reader never finds half a
report, and a previous report there is replaced whole; a folder that holds anything else is refused.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd

from mashsim.atomic import check_output_folder, write_folder
from mashsim.report import plots
from mashsim.report.analysis import SweepReport
from mashsim.report.factor_charts import FactorChart, factor_chart
from mashsim.report.html import render
from mashsim.report.sweep_data import point_summary

PAGE = "report.html"
TABLES = ("point_summary.csv", "all_metrics.csv", "paired_differences.csv", "morris.csv", "sobol.csv")
CHARTS = ("heatmap.png", "paired-differences.png", "morris.png", "sobol.png")
_FACTOR_CHART = re.compile(r"vs-.+\.png")  # one chart per factor, named after it
_SAFE = re.compile(r"[^A-Za-z0-9._-]")  # a factor's name in a file name: no '/' or other surprises


def is_report_file(name: str) -> bool:
    """Whether a file of that name is one a report writes (and may replace)."""
    return name == PAGE or name in TABLES or name in CHARTS or _FACTOR_CHART.fullmatch(name) is not None


def check_report_folder(out: Path, field: str = "--out") -> None:
    """Refuse (exit 2) an ``out`` that holds anything but an earlier report: mashsim never deletes
    what it did not write."""
    check_output_folder(Path(out), is_report_file, field)


def write_report(report: SweepReport, out: Path) -> list[Path]:
    """Write the report into folder ``out`` (replacing an earlier report there); the files written."""
    out = Path(out)
    return [out / name for name in write_folder(out, lambda staging: _write_files(report, staging), is_report_file)]


def _write_files(report: SweepReport, folder: Path) -> list[str]:
    csv_files = _write_tables(report, folder)
    images, copies = _draw(report, folder)
    page = render(report, [(title, folder / name) for title, name in images], csv_files)
    (folder / PAGE).write_text(page, encoding="utf-8")
    return [PAGE, *csv_files, *(name for _, name in images), *copies]


def _write_tables(report: SweepReport, folder: Path) -> list[str]:
    summary, everything, differences, morris, sobol = TABLES
    tables = {summary: report.summary,
              everything: point_summary(report.data, report.data.metrics, report.level)}
    if not report.comparisons.empty:
        tables[differences] = report.comparisons
    for name, frames in ((morris, report.morris), (sobol, report.sobol)):
        if frames:
            tables[name] = pd.concat([f.assign(metric=m) for m, f in frames.items()], ignore_index=True)
    for name, frame in tables.items():
        frame.to_csv(folder / name, index=False)
    return list(tables)


def _draw(report: SweepReport, folder: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """Draw every chart the design supports: (title, file name) of each chart for the page, and
    the names of files that repeat one of them under another factor's name."""
    data, metrics, level = report.data, report.metrics, report.level
    varied = [f for f in data.factors if len(data.factor_values(f)) > 1]
    images: list[tuple[str, str]] = []
    copies: list[str] = []

    def add(title: str, name: str, draw) -> None:
        draw(folder / name)
        images.append((title, name))

    heatmap, differences, morris, sobol = CHARTS
    if data.design_kind in ("grid", "lhs"):
        shown: list[tuple[FactorChart, list[str]]] = []  # each picture drawn, and the files that hold it
        for chart in factor_charts(report, varied):
            name = f"vs-{_SAFE.sub('_', chart.factor)}.png"
            twin = next((files for earlier, files in shown if earlier.same_drawing(chart)), None)
            if twin is None:
                plots.factor_plot(report.summary, chart, metrics, folder / name, level)
                shown.append((chart, [name]))
            else:  # the same picture as another factor's: a file under each name, shown once
                shutil.copyfile(folder / twin[0], folder / name)
                twin.append(name)
                copies.append(name)
        images += [(chart.title + (f" ({', '.join(files)})" if len(files) > 1 else ""), files[0])
                   for chart, files in shown]
    if data.design_kind == "grid" and len(varied) >= 2:
        x, y = varied[0], varied[1]
        add(f"Heatmap: {y} against {x}", heatmap,
            lambda p: plots.heatmap(report.summary, x, y, metrics, p, averaged=varied[2:]))
    if not report.comparisons.empty:
        add("Paired differences", differences,
            lambda p: plots.differences_chart(report.comparisons, p, level))
    if report.morris:
        add("Morris screening", morris, lambda p: plots.morris_chart(report.morris, p))
    if report.sobol:
        add("Sobol indices", sobol, lambda p: plots.sobol_chart(report.sobol, p))
    return images, copies


def factor_charts(report: SweepReport, varied: list[str]) -> list[FactorChart]:
    """The chart against each varied factor (see :mod:`mashsim.report.factor_charts`): in a grid,
    the other factors tell lines apart; in a Latin hypercube every point differs, so none do."""
    data = report.data
    points = report.summary.drop_duplicates("point")
    order = {f: data.factor_values(f) for f in varied}
    return [factor_chart(points, factor, [f for f in varied if f != factor] if data.design_kind == "grid" else [],
                         order) for factor in varied]

