"""The sweep report as one self-contained HTML page (styles inline, charts embedded as base64 PNG)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from mashsim.report.analysis import SweepReport
from mashsim.report.sweep_table import format_factor
from mashsim.report.table import (excludes_zero, format_difference, format_difference_interval, format_interval,
                                  format_value)

MANY_POINTS = 100  # a longer table of points starts folded
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; vertical-align: top; }
th { background: #f3f3f3; } td.text, th.text { text-align: left; }
small { color: #666; } .note { background: #fff6dd; padding: 0.5em 1em; border-left: 4px solid #e0b000; }
.scroll { overflow-x: auto; } img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; } dt { font-weight: bold; }
code, pre { background: #f6f6f6; } pre { padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], text_columns: int = 0) -> str:
    """An HTML table; cells are already-escaped HTML; the first ``text_columns`` align left."""
    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(f'<{tag}{" class=text" if i < text_columns else ""}>{v}</{tag}>' for i, v in enumerate(values))

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f'<div class="scroll"><table><tr>{cells("th", [_e(h) for h in headers])}</tr>{body}</table></div>'


def _interval_cell(metric: str, mean: float, low: float, high: float, n: Any = None) -> str:
    extra = f" · n={n}" if n is not None else ""
    return f"{_e(format_value(metric, mean))}<br><small>{_e(format_interval(metric, low, high))}{extra}</small>"


def _experiment(report: SweepReport) -> str:
    meta = report.data.meta
    bases = meta.get("base_scenarios") or [meta.get("base_scenario", {})]
    factors = []
    for f in meta.get("factors", []):
        values = f.get("values") if f.get("kind") == "values" else f"{f.get('bounds', ['?', '?'])[0]} to " \
                                                                    f"{f.get('bounds', ['?', '?'])[1]}"
        label = f.get("name", f["path"])
        paths = f["path"] if isinstance(f["path"], list) else [f["path"]]
        sets = f" (sets {', '.join(f'<code>{_e(p)}</code>' for p in paths)})" if paths != [label] else ""
        factors.append(f"<code>{_e(label)}</code>{sets}{' × base value' if f.get('scale') else ''}: {_e(values)}"
                       f"{' (whole numbers)' if f.get('integer') else ''}")
    reps = report.replications
    items = {
        "design": _e(json.dumps(meta.get("design", {}))),
        "factors": "<br>".join(factors) or "none",
        "design points": f"{len(report.data.points)} ({reps.size} with finished replications)",
        "replications": f"{_e(json.dumps(meta.get('replications', {})))} — finished per point: "
                        f"{int(reps.min()) if reps.size else 0} to {int(reps.max()) if reps.size else 0}, "
                        f"{int(reps.sum())} in all",
        "base scenario" if len(bases) == 1 else "base scenarios": "<br>".join(
            f"{_e(base.get('name', '?'))} · hash <code>{_e(base.get('hash', '?'))}</code>" for base in bases),
        "experiment hash": f"<code>{_e(meta.get('experiment_hash', '?'))}</code>",
        "seed": _e(meta.get("seed", "?")),
        "mashsim version": _e(", ".join(report.data.versions)),
        "random numbers": (
            "Common random numbers: replication <i>r</i> of every design point ran on the experiment "
            f"seed {_e(meta.get('seed', '?'))} with replication index <i>r</i>, so every point saw the same "
            "contacts and differences between points are not noise in the arrivals. Differences are "
            "therefore compared replication by replication (paired)."
            if meta.get("crn", True) else "Independent random numbers at each design point."),
        "intervals": f"{report.level:.0%} Student-t intervals over replications; rates shown as percentages, "
                     "cut to 0–100% (the CSV files hold them uncut).",
    }
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in items.items()) + "</dl>"


def _points_table(report: SweepReport) -> str:
    factors = report.data.factors
    wide = report.summary.set_index(["point", "metric"])
    rows = []
    for point, group in report.summary.groupby("point", sort=True):
        first = group.iloc[0]
        cells = [_e(point), *(_e(format_factor(first[f])) for f in factors)]
        for metric in report.metrics:
            r = wide.loc[(point, metric)]
            cells.append(_interval_cell(metric, r["mean"], r["ci_low"], r["ci_high"], int(r["n"])))
        rows.append(cells)
    return _table(["point", *factors, *report.metrics], rows, text_columns=1 + len(factors))


def _comparisons_table(report: SweepReport) -> str:
    rows = []
    for _, r in report.comparisons.iterrows():
        ci = format_difference_interval(r["metric"], r["ci_low"], r["ci_high"])
        rows.append([_e(r["factor"]), _e(r["difference"]), _e(r["at"]), _e(r["metric"]),
                     _e(format_difference(r["metric"], r["mean"])),
                     _e(ci) + (" *" if excludes_zero(r["ci_low"], r["ci_high"]) else ""), _e(r["n"])])
    return _table(["factor", "difference", "at", "metric", "mean difference", f"{report.level:.0%} CI", "pairs"],
                  rows, text_columns=4)


def _indices_table(frames: dict[str, pd.DataFrame], columns: Sequence[str]) -> str:
    rows = []
    for metric, frame in frames.items():
        for _, r in frame.iterrows():
            rows.append([_e(metric), _e(r["factor"]), *(_e(f"{r[c]:.4g}") for c in columns)])
    return _table(["metric", "factor", *columns], rows, text_columns=2)


def _image(title: str, path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<h3>{_e(title)}</h3><img alt="{_e(title)}" src="data:image/png;base64,{data}">'


def render(report: SweepReport, images: Sequence[tuple[str, Path]], csv_files: Sequence[str]) -> str:
    """The whole page: the experiment and its provenance, notes, the tables, the charts, failures."""
    meta = report.data.meta
    name = meta.get("experiment", {}).get("name") or report.data.folder.name
    parts = [f"<h1>Sweep report: {_e(name)}</h1>", _experiment(report)]
    parts += [f'<p class="note">{_e(note)}</p>' for note in report.notes]
    many = len(report.data.points) > MANY_POINTS
    parts += ["<h2>Each design point: mean and confidence interval</h2>",
              f"<p>Each cell: the mean over replications, below it the {report.level:.0%} CI and the number "
              "of replications where the metric is defined.</p>",
              f"<details{'' if many else ' open'}><summary>{len(report.data.points)} design points</summary>"
              + _points_table(report) + "</details>"]
    if not report.comparisons.empty:
        parts += ["<h2>Paired differences</h2>",
                  "<p>The change in each metric when one factor switches value and the others stay, computed "
                  "replication by replication on the same seeds: each row is the value named first minus the "
                  "value named second (a factor's second value minus its first, as the experiment file lists "
                  "them; B minus A for <code>--compare A B</code>); rates in percentage points (pts). "
                  "* marks an interval that excludes zero.</p>",
                  _comparisons_table(report)]
    if report.morris:
        parts += ["<h2>Morris screening</h2>", _indices_table(report.morris, ["mu", "mu_star", "sigma", "mu_star_conf"])]
    if report.sobol:
        parts += ["<h2>Sobol indices</h2>", _indices_table(report.sobol, ["S1", "S1_conf", "ST", "ST_conf"])]
    if images:
        parts += ["<h2>Charts</h2>", *(_image(title, path) for title, path in images)]
    if report.data.failures:
        rows = [[_e(f.get("point", "")), _e(f.get("replications", "")), _e(f.get("seed", "")),
                 f"<pre>{_e(f.get('error', ''))}</pre>"] for f in report.data.failures]
        parts += ["<h2>Failures</h2>", "<p>Tasks that failed after their retry; the sweep went on without them.</p>",
                  _table(["point", "replications", "seed", "error"], rows, text_columns=4)]
    parts += ["<h2>Files</h2>", "<p>Beside this page: " + ", ".join(f"<code>{_e(f)}</code>" for f in csv_files)
              + " and the charts as PNG files.</p>",
              "<details><summary>The experiment as resolved (experiment.json)</summary><pre>"
              + _e(json.dumps(meta.get("experiment", {}), indent=2)) + "</pre></details>"]
    return (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{_e(name)} · mashsim report</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")
