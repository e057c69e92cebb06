"""Writing a run's results to a folder: the files together (see :func:`mashsim.atomic.write_folder`)."""

from __future__ import annotations

import json
from pathlib import Path

from mashsim.atomic import atomic_write, check_output_folder, write_folder, write_json
from mashsim.experiment.runner import RunResult

__all__ = ["RESULT_FILES", "atomic_write", "check_results_folder", "write_json", "write_results"]

RESULT_FILES = ("scenario.json", "records.parquet", "replications.parquet", "summary.json")


def is_result_file(name: str) -> bool:
    """Whether a file of that name is one ``write_results`` writes (and may replace)."""
    return name in RESULT_FILES


def check_results_folder(folder: Path, field: str = "--out") -> None:
    """Refuse (exit 2), before the run, a folder the results could not be written to."""
    check_output_folder(Path(folder), is_result_file, field)


def write_results(result: RunResult, folder: Path, field: str = "--out") -> list[Path]:
    """Write ``scenario.json``, ``replications.parquet``, ``records.parquet`` (when the run kept
    records) and ``summary.json`` into ``folder`` together, replacing an earlier run's there."""
    folder = Path(folder)
    return [folder / name for name in write_folder(folder, lambda staging: _write(result, staging),
                                                   is_result_file, field)]


def _write(result: RunResult, folder: Path) -> list[str]:
    (folder / "scenario.json").write_text(json.dumps(
        {"hash": result.scenario_hash, "scenario": result.scenario.model_dump(mode="json")}, indent=2) + "\n")
    names = ["scenario.json"]
    if any(r.records is not None for r in result.replications):
        _with_provenance(result.records_frame(), result).to_parquet(folder / "records.parquet", index=False)
        names.append("records.parquet")
    _with_provenance(result.frame(), result).to_parquet(folder / "replications.parquet", index=False)
    (folder / "summary.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    return [*names, "replications.parquet", "summary.json"]


def _with_provenance(frame, result: RunResult):
    frame = frame.copy()
    frame["scenario"] = result.scenario.name
    frame["scenario_hash"] = result.scenario_hash
    if "seed" not in frame:
        frame["seed"] = result.seed
    frame["mashsim_version"] = result.version
    return frame
