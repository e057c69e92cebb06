"""Reading a sweep results folder (as `mashsim sweep` writes it) and summarising it per design point.

The folder holds ``experiment.json``, ``points.parquet`` (one row per design point), ``rows/``
(Parquet part files, one row per design point × replication) and, if any task failed,
``failures.jsonl``. Part files still being written have dot-prefixed names and are never read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
from scipy import stats
from mashsim.scenario.errors import Problem, ScenarioError

ID_COLUMNS = ("point", "replication", "seed", "scenario_name", "scenario_hash", "mashsim_version")


@dataclass
class SweepData:
    """One results folder, read: the experiment, its design points, every finished row, failures."""

    folder: Path
    meta: dict[str, Any]
    points: pd.DataFrame
    rows: pd.DataFrame
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def factors(self) -> list[str]:
        """The factors' columns (a factor's name, else its dotted path), in the experiment's order."""
        return [f.get("name", f["path"]) for f in self.meta.get("factors", [])]

    @property
    def design_kind(self) -> str:
        return str(self.meta.get("design", {}).get("kind", "grid"))

    @property
    def metrics(self) -> list[str]:
        """Every metric column of the rows, in the order the model reports them."""
        skip = {*ID_COLUMNS, *self.factors}
        return [c for c in self.rows.columns if c not in skip and pd.api.types.is_numeric_dtype(self.rows[c])]

    @property
    def seed(self) -> Any:
        return self.meta.get("seed")

    @property
    def versions(self) -> list[str]:
        """Every mashsim version that wrote rows (more than one if a sweep was resumed after an upgrade)."""
        found = self.rows["mashsim_version"].dropna().unique() if "mashsim_version" in self.rows else []
        return sorted({str(v) for v in found} | {str(self.meta.get("mashsim_version", "?"))})

    def factor_values(self, factor: str) -> list[Any]:
        """The distinct values ``factor`` takes over the design points, sorted."""
        return sorted(self.points[factor].dropna().unique().tolist())


def _problem(folder: Path, where: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(where, message)], str(folder))


def load_sweep(folder: str | Path) -> SweepData:
    """Read the results folder ``folder``.

    Raises :class:`ScenarioError` naming the folder and the file when ``folder`` is not a results
    folder, a file in it cannot be read, or no replication has finished yet.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise _problem(folder, "DIR", "no such folder" if not folder.exists() else "is a file, not a results folder")
    meta_path = folder / "experiment.json"
    if not meta_path.is_file():
        raise _problem(folder, "experiment.json", "missing: this is not a sweep results folder "
                                                  "(`mashsim sweep EXPERIMENT.toml` writes one)")
    try:
        meta = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _problem(folder, "experiment.json", f"not valid JSON ({error})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("factors", []), list):
        raise _problem(folder, "experiment.json", "not a sweep's experiment record (no factors list)")
    points = _read_parquet(folder, "points.parquet")
    rows_dir = folder / "rows"
    if not rows_dir.is_dir() or not any(p.suffix == ".parquet" and not p.name.startswith((".", "_"))
                                        for p in rows_dir.iterdir()):
        raise _problem(folder, "rows/", "no finished replications yet: run or resume the sweep "
                                        "(`mashsim sweep EXPERIMENT.toml --resume`)")
    rows = _read_parquet(folder, "rows")
    if rows.empty:
        raise _problem(folder, "rows/", "no finished replications yet")
    missing = [c for c in ("point", "replication") if c not in rows]
    if missing:
        raise _problem(folder, "rows/", f"rows lack the column(s) {', '.join(missing)}")
    rows = rows.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)
    data = SweepData(folder, meta, points, rows, _read_failures(folder))
    absent = [f for f in data.factors if f not in points]
    if absent:
        raise _problem(folder, "points.parquet", f"lacks the factor column(s) {', '.join(absent)}")
    return data


def _read_parquet(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    if not path.exists():
        raise _problem(folder, name, "missing")
    try:
        return pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several kinds for a damaged file
        raise _problem(folder, name, f"cannot be read as Parquet ({error})") from None


def _read_failures(folder: Path) -> list[dict[str, Any]]:
    path = folder / "failures.jsonl"
    if not path.exists():
        return []
    failures = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            failures.append(json.loads(line))
        except json.JSONDecodeError:
            raise _problem(folder, f"failures.jsonl line {number}", "not valid JSON") from None
    return failures


def point_summary(data: SweepData, metrics: Iterable[str], level: float = 0.95) -> pd.DataFrame:
    """Mean and ``level`` t-interval of each metric at each design point.

    One row per point × metric (points in order, metrics in the order given): ``point``, the
    factor values, ``metric``, ``n`` (replications where the metric is defined), ``mean``,
    ``ci_low``, ``ci_high`` — what :func:`~mashsim.experiment.stats.t_interval` gives for the
    point's replications, computed for all points at once. Replication ``r`` of every point ran on
    the same seed (common random numbers).
    """
    metrics = list(metrics)
    grouped = data.rows[["point", *metrics]].groupby("point", sort=True)
    n = grouped.count()
    mean = grouped.mean()
    sd = grouped.std(ddof=1)
    t = stats.t.ppf(0.5 + level / 2.0, (n - 1).clip(lower=1))
    half = pd.DataFrame(t, index=n.index, columns=n.columns) * sd / np.sqrt(n)
    half = half.where(n >= 2)
    long = pd.DataFrame({
        "n": n.stack(), "mean": mean.where(n >= 1).stack(future_stack=True),
        "ci_low": (mean - half).stack(future_stack=True), "ci_high": (mean + half).stack(future_stack=True),
    }).rename_axis(["point", "metric"]).reset_index()
    order = {m: i for i, m in enumerate(metrics)}
    long = long.sort_values(["point", "metric"], key=lambda c: c.map(order) if c.name == "metric" else c, kind="stable")
    factors = data.points[["point", *data.factors]]
    merged = long.merge(factors, on="point", how="left")
    columns = ["point", *data.factors, "metric", "n", "mean", "ci_low", "ci_high"]
    return merged[columns].reset_index(drop=True)
