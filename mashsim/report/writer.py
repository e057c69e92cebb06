"""Writing a sweep report folder: report.html, the tables as CSV, the charts as PNG.

The folder is built beside its destination under a temporary name and renamed into place when
complete, so a reader never finds half a report; a previous report there is replaced whole.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pandas as pd

from mashsim.report import plots
from mashsim.report.analysis import SweepReport
from mashsim.report.factor_charts import FactorChart, factor_chart
from mashsim.report.html import render
from mashsim.report.sweep_data import point_summary
from mashsim.scenario.errors import Problem, ScenarioError

PAGE = "report.html"


def check_report_folder(out: Path, field: str = "--out") -> None:
    """Refuse (exit 2) an ``out`` that would overwrite something other than an earlier report."""
    if out.exists() and not out.is_dir():
        raise ScenarioError([Problem(field, "exists and is not a folder", str(out))], field)
    if out.is_dir() and any(out.iterdir()) and not (out / PAGE).exists():
        raise ScenarioError([Problem(field, f"is a folder that holds other files (no {PAGE}); the report "
                                            "replaces its folder whole, so name a new or empty one", str(out))], field)


def write_report(report: SweepReport, out: Path) -> list[Path]:
    """Write the report into folder ``out`` (replacing an earlier report there); the files written."""
    out = Path(out)
    check_report_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = _new_folder(out.parent / f".{out.name}.{secrets.token_hex(4)}.part")
    try:
        names = _write_files(report, staging)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / name for name in names]


def _write_files(report: SweepReport, folder: Path) -> list[str]:
    csv_files = _write_tables(report, folder)
    images, copies = _draw(report, folder)
    page = render(report, [(title, folder / name) for title, name in images], csv_files)
    (folder / PAGE).write_text(page, encoding="utf-8")
    return [PAGE, *csv_files, *(name for _, name in images), *copies]


def _write_tables(report: SweepReport, folder: Path) -> list[str]:
    tables = {"point_summary.csv": report.summary,
              "all_metrics.csv": point_summary(report.data, report.data.metrics, report.level)}
    if not report.comparisons.empty:
        tables["paired_differences.csv"] = report.comparisons
    for name, frames in (("morris.csv", report.morris), ("sobol.csv", report.sobol)):
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

    if data.design_kind in ("grid", "lhs"):
        shown: list[tuple[FactorChart, list[str]]] = []  # each picture drawn, and the files that hold it
        for chart in factor_charts(report, varied):
            name = f"vs-{chart.factor}.png"
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
        add(f"Heatmap: {y} against {x}", "heatmap.png",
            lambda p: plots.heatmap(report.summary, x, y, metrics, p, averaged=varied[2:]))
    if not report.comparisons.empty:
        add("Paired differences", "paired-differences.png",
            lambda p: plots.differences_chart(report.comparisons, p, level))
    if report.morris:
        add("Morris screening", "morris.png", lambda p: plots.morris_chart(report.morris, p))
    if report.sobol:
        add("Sobol indices", "sobol.png", lambda p: plots.sobol_chart(report.sobol, p))
    return images, copies


def factor_charts(report: SweepReport, varied: list[str]) -> list[FactorChart]:
    """The chart against each varied factor (see :mod:`mashsim.report.factor_charts`): in a grid,
    the other factors tell lines apart; in a Latin hypercube every point differs, so none do."""
    data = report.data
    points = report.summary.drop_duplicates("point")
    order = {f: data.factor_values(f) for f in varied}
    return [factor_chart(points, factor, [f for f in varied if f != factor] if data.design_kind == "grid" else [],
                         order) for factor in varied]


def _new_folder(path: Path) -> Path:
    path.mkdir()  # with the umask's permissions, as any folder the user makes
    return path


def _swap(staging: Path, out: Path) -> None:
    """Put ``staging`` where ``out`` is, replacing an earlier report there."""
    if not out.exists():
        staging.rename(out)
        return
    old = out.parent / f".{out.name}.{secrets.token_hex(4)}.old"
    out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
