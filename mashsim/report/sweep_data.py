"""Reading a sweep results folder (as `mashsim sweep` writes it) and summarising it per design point.

The folder holds ``experiment.json``, ``points.parquet`` (one row per design point), ``rows/``
(Parquet part files, one row per design point × replication) and, if any task failed,
``failures.jsonl``. Part files still being written have dot-prefixed names and are never read.

A folder resumed after an upgrade can hold part files with different columns (a column the older
version did not write, such as ``scenario_name``): they are read against the union of their
columns, and the scenario name is filled in (see :func:`load_sweep`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
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
    notes: list[str] = field(default_factory=list)  # what reading the folder had to make good

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
        """The distinct values ``factor`` takes over the design points, in the order the experiment
        file lists them (``values = [baseline, alternative]``); sorted where the file gives bounds
        instead (a Latin hypercube), and after the listed ones for any value it does not list."""
        found = self.points[factor].dropna().unique().tolist()
        listed = next((f.get("values") for f in self.meta.get("factors", []) if f.get("name", f["path"]) == factor),
                      None) or []
        taken = [False] * len(found)
        ordered = []
        for written in listed:
            for i, value in enumerate(found):
                if not taken[i] and _writes(written, value):
                    taken[i] = True
                    ordered.append(value)
        return ordered + sorted(value for i, value in enumerate(found) if not taken[i])


def _writes(written: Any, stored: Any) -> bool:
    """Whether the experiment file's value ``written`` is the column value ``stored`` (whole numbers
    may be stored as floats; lists and tables as JSON text, as the results folder keeps them)."""
    if isinstance(stored, str) and not isinstance(written, str):
        return stored == json.dumps(written, sort_keys=True, default=str)
    return isinstance(written, bool) == isinstance(stored, bool) and written == stored


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
    rows = _read_rows(folder)
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
    _fill_scenario_names(data)
    return data


def _read_rows(folder: Path) -> pd.DataFrame:
    """Every finished part file in ``rows/``, read against the union of their columns: a column some
    files lack (written by an older version) is missing (null) in their rows, not dropped from all."""
    parts = sorted(p for p in (folder / "rows").iterdir() if p.suffix == ".parquet" and not p.name.startswith((".", "_")))
    try:
        schema = pa.unify_schemas([pq.read_schema(part) for part in parts])
        return ds.dataset(parts, schema=schema, format="parquet").to_table().to_pandas()
    except Exception as error:  # pyarrow raises several kinds for a damaged file or clashing column types
        raise _problem(folder, "rows", f"cannot be read as Parquet ({error})") from None


def _fill_scenario_names(data: SweepData) -> None:
    """Give every point and row its scenario's name where a version older than the ``scenario_name``
    column wrote them (a sweep resumed after an upgrade mixes the two kinds of part file).

    The name is known, not guessed: the experiment's one base scenario (a version without the
    column could not choose the scenario per point, and factors do not rename a scenario), then
    each row's point's. Without a single base scenario to take it from, the folder is refused.
    """
    points, rows = data.points, data.rows
    for frame in (points, rows):
        if "scenario_name" not in frame:
            frame["scenario_name"] = pd.Series(None, index=frame.index, dtype=object)
    if points["scenario_name"].notna().all() and rows["scenario_name"].notna().all():
        return
    base = _only_base_name(data.meta)
    if points["scenario_name"].isna().any():
        if base is None:
            raise _problem(data.folder, "points.parquet", "lacks scenario_name (written by an older mashsim) and the "
                                                          "experiment has no single base scenario to take it from: "
                                                          "sweep again into a new --out, or with --force")
        points["scenario_name"] = points["scenario_name"].fillna(base)
    gaps = rows["scenario_name"].isna()
    rows.loc[gaps, "scenario_name"] = rows.loc[gaps, "point"].map(points.set_index("point")["scenario_name"])
    for frame in (points, rows):  # text as the other text columns are read, as if written so
        if "scenario_hash" in frame:
            frame["scenario_name"] = frame["scenario_name"].astype(frame["scenario_hash"].dtype)
    if gaps.any():
        names = ", ".join(sorted(set(rows.loc[gaps, "scenario_name"].dropna().astype(str))))
        data.notes.append(f"{int(gaps.sum())} row(s) were written by a mashsim older than the scenario_name column; "
                          f"it is filled in with their design point's scenario ({names}).")


def _only_base_name(meta: dict[str, Any]) -> str | None:
    """The name of the experiment's base scenario, if it has exactly one."""
    bases = meta.get("base_scenarios") or ([meta["base_scenario"]] if isinstance(meta.get("base_scenario"), dict) else [])
    names = {b.get("name") for b in bases if isinstance(b, dict)} - {None}
    return str(next(iter(names))) if len(names) == 1 else None


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
    the same seed (common random numbers). In a sweep over an ensemble (rows with ``member``) the
    interval is over the members' means instead, with ``members`` and ``param_share`` added.
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
    extra: list[str] = []
    if "member" in data.rows:  # a sweep over an ensemble: intervals over member means (both uncertainties)
        long, extra = _over_members(data.rows, long, level), ["members", "param_share"]
    factors = data.points[["point", *data.factors]]
    merged = long.merge(factors, on="point", how="left")
    columns = ["point", *data.factors, "metric", "n", "mean", "ci_low", "ci_high", *extra]
    return merged[columns].reset_index(drop=True)


def _over_members(rows: pd.DataFrame, long: pd.DataFrame, level: float) -> pd.DataFrame:
    """``long`` with each point's mean and interval over its members' means (the two-level design of
    :mod:`mashsim.experiment.two_level`), and the members and the parameters' share of the variance."""
    from mashsim.experiment.two_level import two_level_by

    by_point = {point: group for point, group in rows.groupby("point", sort=False)}
    figures = [two_level_by(by_point[p][m].to_numpy(dtype=float), by_point[p]["member"].to_numpy(), level)
               for p, m in zip(long["point"], long["metric"])]
    return long.assign(mean=[f.mean for f in figures], ci_low=[f.ci_low for f in figures],
                       ci_high=[f.ci_high for f in figures], members=[f.members for f in figures],
                       param_share=[f.param_share for f in figures])
