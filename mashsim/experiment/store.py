"""The results folder of a sweep: what is stored, and writing more of it safely.

Layout (read by ``mashsim report``; see docs/reference.md#sweep-results)::

    DIR/experiment.json      the resolved experiment, its hash, seed, versions (written first)
    DIR/points.parquet       one row per design point: its factor values, scenario name and hash
    DIR/rows/point-<p>-reps-<r0>-<r1>.parquet
                             one row per design point x replication (r0..r1 inclusive)
    DIR/failures.jsonl       tasks that failed twice: point, replications, seed, error

Every file is written under a dot-prefixed temporary name and renamed when complete, so a file
that is still being written (or was, when the process was killed) is never read as data.
"""

from __future__ import annotations

import json
import math
import re
from contextlib import suppress
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from mashsim._version import __version__
from mashsim.atomic import atomic_write, write_json
from mashsim.experiment.plan import Plan
from mashsim.replication import ReplicationResult
from mashsim.scenario.errors import Problem, ScenarioError

EXPERIMENT_FILE, POINTS_FILE, ROWS_FOLDER, FAILURES_FILE = "experiment.json", "points.parquet", "rows", "failures.jsonl"
SALIB_PREFIX = "salib_sample."
_PART = re.compile(r"^point-(\d+)-reps-(\d+)-(\d+)\.parquet$")


def part_name(point: int, replications: list[int]) -> str:
    return f"point-{point}-reps-{replications[0]}-{replications[-1]}.parquet"


class ResultsFolder:
    """One sweep's results folder, bound to the plan whose results it holds."""

    def __init__(self, path: Path, plan: Plan) -> None:
        self.path = Path(path)
        self.rows = self.path / ROWS_FOLDER
        self.plan = plan
        self.columns = factor_columns(plan)
        self.schema = _row_schema(plan, self.columns)
        # the name of the scenario each point ran (its base scenario's: factors do not rename it)
        self._names = [plan.base_at(point).scenario.name for point in range(len(plan.points))]
        self._lock: Any = None

    # ---------------------------------------------------------------- opening
    def open(self, *, resume: bool, force: bool) -> None:
        """Check the folder may take this sweep, lock it, and write experiment.json and points.parquet.

        A folder holding another experiment's results (a different hash or mashsim version) is
        refused unless ``force``, which deletes them; one holding this experiment's results is
        refused unless ``resume`` (keep them and go on) or ``force`` (start again).
        """
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.path)
        previous = self._previous()
        if previous is not None and not force:
            self._refuse_unless_resumable(previous, resume)
        if force or not resume:
            self._clear()
        (self.path / FAILURES_FILE).unlink(missing_ok=True)  # what failed before is tried again
        self.rows.mkdir(exist_ok=True)
        for leftover in self.rows.glob(".point-*"):  # partial files of a run that was killed
            leftover.unlink(missing_ok=True)
        if previous is None or force or not resume:
            write_json(self.path / EXPERIMENT_FILE, self.plan.describe())
        if not (self.path / POINTS_FILE).exists():
            atomic_write(self.path / POINTS_FILE, lambda p: pq.write_table(self.points_table(), p))

    def _previous(self) -> dict[str, Any] | None:
        file = self.path / EXPERIMENT_FILE
        if file.exists():
            try:
                return json.loads(file.read_text())
            except (ValueError, OSError):
                return {}
        return {} if any(self.rows.glob("point-*.parquet")) else None

    def _refuse_unless_resumable(self, previous: dict[str, Any], resume: bool) -> None:
        here = str(self.path)
        name = previous.get("experiment", {}).get("name", "?")
        if not previous:
            why = "holds sweep results without a readable experiment.json"
        elif previous.get("experiment_hash") != self.plan.experiment_hash:
            why = (f"holds the results of another experiment ('{name}', hash {previous.get('experiment_hash')}; "
                   f"this one is '{self.plan.experiment.name}', hash {self.plan.experiment_hash})")
        elif previous.get("mashsim_version") != __version__:
            why = (f"holds results written by mashsim {previous.get('mashsim_version')}; this is {__version__}, "
                   f"and a sweep does not mix versions")
        elif not resume and self.stored_parts():
            why = "already holds results of this experiment: add --resume to go on with them"
        else:
            return
        raise ScenarioError([Problem("--out", f"{why}. Choose another --out, or add --force to delete those "
                                              f"results and start again", here)], "--out")

    def _clear(self) -> None:
        for name in (EXPERIMENT_FILE, POINTS_FILE, FAILURES_FILE):
            (self.path / name).unlink(missing_ok=True)
        if self.rows.is_dir():
            for file in self.rows.iterdir():
                if _PART.match(file.name) or file.name.startswith(".point-"):
                    file.unlink()
            with suppress(OSError):
                self.rows.rmdir()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # ---------------------------------------------------------------- reading
    def stored_parts(self) -> list[Path]:
        """The complete part files (never a dot-prefixed temporary one)."""
        return sorted(p for p in self.rows.glob("point-*.parquet") if _PART.match(p.name)) \
            if self.rows.is_dir() else []

    def count_rows(self) -> int:
        """Rows stored, from the part files' footers (no data is read)."""
        return sum(pq.ParquetFile(part).metadata.num_rows for part in self.stored_parts())

    def stored(self, metric: str | None = None) -> Iterator[tuple[int, int, float]]:
        """``(point, replication, metric value or NaN)`` of every stored row, a file at a time."""
        columns = ["point", "replication"] + ([metric] if metric else [])
        for part in self.stored_parts():
            table = pq.read_table(part, columns=columns).to_pydict()
            values = table[metric] if metric else [math.nan] * len(table["point"])
            yield from zip(table["point"], table["replication"], (math.nan if v is None else v for v in values))

    # ---------------------------------------------------------------- writing
    def points_table(self) -> pa.Table:
        plan = self.plan
        data: dict[str, Any] = {"point": pa.array(range(len(plan.points)), pa.int64())}
        for path, (kind, values) in self.columns.items():
            data[path] = pa.array(values, kind)
        data["scenario_name"] = pa.array(self._names, pa.string())
        data["scenario_hash"] = pa.array(plan.point_hashes, pa.string())
        if plan.design.salib_sample is not None:
            for j, factor in enumerate(plan.factors):
                data[SALIB_PREFIX + factor.path] = pa.array(plan.design.salib_sample[:, j], pa.float64())
        return pa.table(data)

    def write_part(self, point: int, results: list[ReplicationResult]) -> int:
        """Store one task's replications of ``point`` as one part file; returns the rows written."""
        plan = self.plan
        n = len(results)
        data: dict[str, list[Any]] = {
            "point": [point] * n,
            "replication": [r.replication for r in results],
            "seed": [plan.seed] * n,
        }
        for path, (_, values) in self.columns.items():
            data[path] = [values[point]] * n
        for name in plan.metrics:
            data[name] = [r.metrics.get(name, math.nan) for r in results]
        data["scenario_name"] = [self._names[point]] * n
        data["scenario_hash"] = [plan.point_hashes[point]] * n
        data["mashsim_version"] = [__version__] * n
        if plan.ensemble is not None:  # replication r ran member r % M (mashsim.experiment.ensemble_run)
            members = plan.ensemble["members_run"]
            data["member"] = [members[r.replication % len(members)] for r in results]
            data["ensemble_hash"] = [plan.ensemble["hash"]] * n
        table = pa.table(data, schema=self.schema)
        atomic_write(self.rows / part_name(point, [r.replication for r in results]),
                     lambda p: pq.write_table(table, p))
        return n

    def record_failure(self, point: int, replications: list[int], error: str) -> None:
        """Append one failed task to failures.jsonl (one JSON object a line, flushed at once)."""
        entry = {"point": point, "replications": replications, "seed": self.plan.seed,
                 "factors": self.plan.points[point], "error": error}
        with (self.path / FAILURES_FILE).open("a") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")


def factor_columns(plan: Plan) -> dict[str, tuple[pa.DataType, list[Any]]]:
    """Each factor's column: one Arrow type for every point, so all part files share a schema.

    Numbers are int64 when all whole, else float64; text and booleans keep their type; anything
    else (lists, tables) is stored as JSON text.
    """
    columns = {}
    for factor in plan.factors:
        values = [point[factor.path] for point in plan.points]
        columns[factor.path] = _column(values)
    return columns


def _column(values: list[Any]) -> tuple[pa.DataType, list[Any]]:
    if all(isinstance(v, bool) for v in values):
        return pa.bool_(), values
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64(), values
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pa.float64(), [float(v) for v in values]
    if all(isinstance(v, str) for v in values):
        return pa.string(), values
    return pa.string(), [json.dumps(v, sort_keys=True, default=str) for v in values]


def _row_schema(plan: Plan, columns: dict[str, tuple[pa.DataType, list[Any]]]) -> pa.Schema:
    fields = [pa.field("point", pa.int64()), pa.field("replication", pa.int64()), pa.field("seed", pa.int64())]
    fields += [pa.field(path, kind) for path, (kind, _) in columns.items()]
    fields += [pa.field(name, pa.float64()) for name in plan.metrics]
    fields += [pa.field(name, pa.string()) for name in ("scenario_name", "scenario_hash", "mashsim_version")]
    if plan.ensemble is not None:
        fields += [pa.field("member", pa.int64()), pa.field("ensemble_hash", pa.string())]
    return pa.schema(fields)


def _lock(folder: Path) -> Any:
    """Hold an exclusive lock on the folder while the sweep writes; refuse if another sweep holds it.

    The operating system releases it when the process ends, however it ends.
    """
    handle = (folder / ".sweep.lock").open("a")
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one sweep per folder is then up to the user
        return handle
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ScenarioError([Problem("--out", "another sweep is writing into this folder now", str(folder))],
                            "--out") from None
    return handle

