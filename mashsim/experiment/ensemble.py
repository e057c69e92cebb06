"""Parameter ensembles: a Parquet file of plausible parameter sets, read, checked and written.

An ensemble (from ``mashsim calibrate``, or written by hand) says what we do not know about a
scenario's figures: each row is one *member*, a set of values that fit what was observed as
well as any other. The file is:

- one float column per parameter, named by its dotted ``--set`` path
  (``roles.managers.task_minutes.mode``: the same paths an experiment's factors use);
- optionally an int column ``member``: the members' own numbers (else the row numbers, from 0);
- the Parquet key-value metadata key ``mashsim``: JSON ``{"scenario", "scenario_hash",
  "version", "targets", "waves", "seed"}`` saying where the ensemble came from.

Reading refuses (exit 2, naming the file and the column) an unreadable file, no rows, no
parameter column, a column that is not numbers or holds NaN or infinity, a path the scenario
does not have, a ``member`` column that is not unique whole numbers, and metadata that is not a
JSON object. A file made for another scenario (the metadata's ``scenario`` is not the one run)
is *warned* about, not refused: applying one borough's calibration to a variant of it (another
staffing, a pooled team) is what the ensemble is for, and the scenario names differ then.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from mashsim.experiment.paths import locate
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.schema import Scenario

MEMBER = "member"
METADATA_KEY = b"mashsim"
#: the seed stream that chooses members is apart from every replication's (mashsim.model.streams)
_CHOICE_STREAM = 0x656E73  # "ens"


@dataclass(frozen=True)
class Ensemble:
    """The members of an ensemble file: their numbers, and each one's ``(path, value)`` settings."""

    source: str                    # the file as named on the command line
    file_hash: str                 # sha256 of the file's bytes, first 16 hex digits
    paths: tuple[str, ...]         # the parameter columns, in the file's order
    ids: tuple[int, ...]           # each row's member number
    values: np.ndarray             # rows x paths, float
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def settings(self, row: int) -> list[tuple[str, float]]:
        """The ``(path, value)`` overrides that member ``row`` (a row number) makes."""
        return [(path, float(value)) for path, value in zip(self.paths, self.values[row])]

    def choose(self, members: int | None, seed: int) -> list[int]:
        """The rows to run: all of them (in file order) when ``members`` is None or at least the
        number of rows, else the first ``members`` of a permutation drawn from ``seed`` (the same
        seed chooses the same members, whatever else is run)."""
        if members is None or members >= len(self.ids):
            return list(range(len(self.ids)))
        order = np.random.default_rng([seed, _CHOICE_STREAM]).permutation(len(self.ids))
        return sorted(int(row) for row in order[:members])

    def describe(self) -> dict[str, Any]:
        """The ensemble as results record it (with the members run, see EnsembleResult)."""
        return {"file": self.source, "hash": self.file_hash, "rows": len(self.ids), "parameters": list(self.paths),
                "metadata": dict(self.metadata)}


def read_ensemble(path: str | Path) -> Ensemble:
    """The ensemble in Parquet file ``path``; ScenarioError (naming the file and column) if it is not one."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem("--ensemble", "no such file", source)], source) from None
    except OSError as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ScenarioError([Problem("--ensemble", f"cannot be read ({reason})", source)], source) from None
    return parse_ensemble(data, source)


def parse_ensemble(data: bytes, source: str) -> Ensemble:
    """The ensemble in ``data``, the bytes of a Parquet file (an upload); ``source`` names it in messages."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (OSError, pa.ArrowException) as error:
        raise ScenarioError([Problem("--ensemble", f"not a readable Parquet file ({error})", source)],
                            source) from None
    problems: list[Problem] = []
    metadata = _metadata(table.schema.metadata or {}, problems)
    if table.num_rows == 0:
        problems.append(Problem("(rows)", "the ensemble has no members: one row per member is needed"))
    ids = tuple(range(table.num_rows))
    if MEMBER in table.column_names:
        ids = _member_ids(table.column(MEMBER).to_pylist(), str(table.schema.field(MEMBER).type), problems) or ids
    paths = tuple(name for name in table.column_names if name != MEMBER)
    if not paths:
        problems.append(Problem("(columns)", "no parameter column: one float column per parameter is needed, "
                                             "named by its --set path, e.g. roles.managers.task_minutes.mode"))
    columns = []
    for name in paths:
        kind = table.schema.field(name).type
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
            problems.append(Problem(name, f"must be numbers (a float column); this column holds {kind}"))
            continue
        column = np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=float)
        bad = np.flatnonzero(~np.isfinite(column))
        if bad.size:
            problems.append(Problem(name, f"must be finite numbers; row {int(bad[0])} holds "
                                          f"{'nothing' if math.isnan(column[bad[0]]) else column[bad[0]]}"
                                          f"{f' (and {bad.size - 1} more rows)' if bad.size > 1 else ''}"))
        columns.append(column)
    if problems:
        raise ScenarioError(problems, source)
    values = np.column_stack(columns) if columns else np.empty((len(ids), 0))
    return Ensemble(source, hashlib.sha256(data).hexdigest()[:16], paths, ids, values, metadata)


def _metadata(raw: Mapping[bytes, bytes], problems: list[Problem]) -> dict[str, Any]:
    text = raw.get(METADATA_KEY)
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        problems.append(Problem("(metadata mashsim)", "must be JSON text"))
        return {}
    if not isinstance(value, dict):
        problems.append(Problem("(metadata mashsim)", "must be a JSON object: {\"scenario\": ..., \"seed\": ...}"))
        return {}
    return value


def _member_ids(values: list[Any], kind: str, problems: list[Problem]) -> tuple[int, ...] | None:
    if not kind.startswith(("int", "uint")) or any(v is None for v in values):
        problems.append(Problem(MEMBER, f"must be whole numbers, one a row (this column holds {kind}"
                                        f"{' with empty rows' if any(v is None for v in values) else ''})"))
        return None
    seen: set[int] = set()
    twice = [v for v in values if v in seen or seen.add(v)]  # type: ignore[func-returns-value]
    if twice:
        problems.append(Problem(MEMBER, f"must be unique: {twice[0]} is given more than once"))
        return None
    return tuple(int(v) for v in values)


def check_against(ensemble: Ensemble, scenario: Scenario, overrides: Sequence[str] = ()) -> list[str]:
    """Refuse (ScenarioError) a column that names no field of ``scenario`` or a field ``--set`` sets as
    well; return the warnings to show (an ensemble made for another scenario)."""
    dump = scenario.model_dump(mode="json")
    problems: list[Problem] = []
    for path in ensemble.paths:
        try:
            value = locate(dump, path)
        except LookupError as error:
            problems.append(Problem(path, f"is not a field of scenario '{scenario.name}': {error}"))
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(Problem(path, "names a table or a text field; a column must name one number, "
                                          "e.g. roles.managers.task_minutes.mode"))
    set_paths = {text.partition("=")[0].strip() for text in overrides}
    for path in sorted(set_paths & set(ensemble.paths)):
        problems.append(Problem(path, "is also set by --set, --vary or an experiment factor: set it in one place only"))
    if problems:
        raise ScenarioError(problems, ensemble.source)
    made_for = ensemble.metadata.get("scenario")
    if made_for is not None and made_for != scenario.name:
        return [f"{ensemble.source} was made for scenario '{made_for}', not '{scenario.name}': "
                "its members are applied all the same"]
    return []


def write_ensemble(path: str | Path, columns: Mapping[str, Sequence[float]], metadata: Mapping[str, Any] | None = None,
                   members: Sequence[int] | None = None) -> None:
    """Write an ensemble file: ``columns`` maps each ``--set`` path to one value a member; ``metadata``
    is stored as JSON under the key ``mashsim``; ``members`` gives the members' numbers (optional)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from mashsim.atomic import atomic_write

    arrays = {name: pa.array([float(v) for v in values], pa.float64()) for name, values in columns.items()}
    if members is not None:
        arrays = {MEMBER: pa.array([int(m) for m in members], pa.int64()), **arrays}
    table = pa.table(arrays)
    if metadata is not None:
        table = table.replace_schema_metadata({METADATA_KEY: json.dumps(dict(metadata)).encode()})
    atomic_write(Path(path), lambda tmp: pq.write_table(table, tmp))
