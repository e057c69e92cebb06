"""Writing results to a folder: each file appears whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from mashsim.atomic import atomic_write, write_json
from mashsim.experiment.runner import RunResult

__all__ = ["atomic_write", "write_json", "write_results"]


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
