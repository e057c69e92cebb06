"""Writing results to a folder: each file appears whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from mashsim.experiment.runner import RunResult


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through a temporary file in the same folder, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def write_results(result: RunResult, folder: Path) -> list[Path]:
    """Write ``summary.json``, ``replications.parquet``, ``records.parquet`` and ``scenario.json``."""
    folder = Path(folder)
    summary = result.to_dict()
    written = []
    targets: list[tuple[str, Callable[[Path], None]]] = [
        ("scenario.json", lambda p: p.write_text(json.dumps(
            {"hash": result.scenario_hash, "scenario": result.scenario.model_dump(mode="json")}, indent=2) + "\n")),
        ("replications.parquet", lambda p: _with_provenance(result.frame(), result).to_parquet(p, index=False)),
        ("summary.json", lambda p: p.write_text(json.dumps(summary, indent=2) + "\n")),
    ]
    if any(r.records is not None for r in result.replications):
        targets.insert(1, ("records.parquet",
                           lambda p: _with_provenance(result.records_frame(), result).to_parquet(p, index=False)))
    for name, write in targets:
        atomic_write(folder / name, write)
        written.append(folder / name)
    return written


def _with_provenance(frame, result: RunResult):
    frame = frame.copy()
    frame["scenario"] = result.scenario.name
    frame["scenario_hash"] = result.scenario_hash
    if "seed" not in frame:
        frame["seed"] = result.seed
    frame["mashsim_version"] = result.version
    return frame
