"""What a calibration leaves in its folder, each file written whole or not at all.

- ``waves.parquet``: every point run, in every wave: its parameters, each target's mean figure and
  the variance of that mean, each matched target's implausibility, the judged one, and whether the
  point is non-implausible.
- ``ensemble.parquet``: the parameter ensemble, one row per member: the last wave's points found
  non-implausible by their own runs and inside the region the emulators keep.  One float column per parameter, named by its dotted ``--set``
  path, and ``member`` (int); the Parquet key-value metadata ``mashsim`` holds JSON with the
  scenario, its hash, the mashsim version, the targets file's name, the waves and the seed.
- ``summary.md``: for a person: the waves, why it stopped, the ensemble, the kept-back targets.
- ``calibration.json``: the same for a program.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mashsim._version import __version__
from mashsim.atomic import atomic_write, write_json
from mashsim.history_matching.problem import Calibration
from mashsim.history_matching.summary import markdown
from mashsim.history_matching.waves import STOPS, Outcome
from mashsim.scenario.load import build_scenario, read_scenario_file, scenario_hash

ENSEMBLE_FILE, WAVES_FILE, SUMMARY_FILE, JSON_FILE = "ensemble.parquet", "waves.parquet", "summary.md", \
    "calibration.json"
METADATA_KEY = b"mashsim"


@dataclass(frozen=True)
class Check:
    """A kept-back target against the ensemble: the members' mean figures and how many fall in its band."""

    name: str
    band: tuple[float, float]
    unit: str
    low: float
    median: float
    high: float
    within: int
    members: int

    @property
    def verdict(self) -> str:
        if not self.members:
            return "no members"
        share = self.within / self.members
        return "consistent" if share >= 0.5 else "partly consistent" if share > 0 else "not reproduced"

    def to_dict(self) -> dict[str, Any]:
        def clean(v: float) -> float | None:
            return None if math.isnan(v) else v  # JSON has no NaN: no members, no figure

        return {"target": self.name, "band": list(self.band), "unit": self.unit, "min": clean(self.low),
                "median": clean(self.median), "max": clean(self.high), "members_within": self.within,
                "members": self.members, "verdict": self.verdict}


def kept_back(calibration: Calibration, outcome: Outcome) -> list[Check]:
    """Each kept-back target checked on the ensemble members' runs."""
    wave = outcome.final
    chosen = outcome.members()
    checks = []
    for t, target in enumerate(calibration.targets):
        if target.calibrates:
            continue
        values = wave.means[chosen, t] if wave is not None else np.array([])
        values = values[np.isfinite(values)]
        low, high = target.spec.band
        stats = (float(values.min()), float(np.median(values)), float(values.max())) if len(values) else \
            (math.nan,) * 3
        checks.append(Check(target.name, (low, high), target.spec.unit, *stats,
                            int(((values >= low) & (values <= high)).sum()), len(values)))
    return checks


def metadata(calibration: Calibration, outcome: Outcome) -> dict[str, Any]:
    """What every output records: scenario, its hash, version, targets file, waves and seed."""
    base = build_scenario(read_scenario_file(calibration.scenario_file), str(calibration.scenario_file))
    return {"scenario": base.name, "scenario_hash": scenario_hash(base), "version": __version__,
            "targets": Path(calibration.source).name, "waves": len(outcome.waves), "seed": calibration.seed}


def write_all(out: Path, calibration: Calibration, outcome: Outcome) -> dict[str, Any]:
    """Write waves.parquet, ensemble.parquet, calibration.json and summary.md; returns the JSON summary."""
    meta = metadata(calibration, outcome)
    atomic_write(out / WAVES_FILE, lambda p: pq.write_table(waves_table(calibration, outcome), p))
    atomic_write(out / ENSEMBLE_FILE, lambda p: pq.write_table(ensemble_table(calibration, outcome, meta), p))
    checks = kept_back(calibration, outcome)
    info = describe(calibration, outcome, meta, checks)
    write_json(out / JSON_FILE, info)
    text = markdown(calibration, outcome, meta, checks)
    atomic_write(out / SUMMARY_FILE, lambda p: None if p.write_text(text) else None)
    return info


def waves_table(calibration: Calibration, outcome: Outcome) -> pa.Table:
    matched = [t.name for t in calibration.matched]
    columns: dict[str, list[Any]] = {"wave": [], "point": []}
    for p in calibration.parameters:
        columns[p.path] = []
    for target in calibration.targets:
        columns[f"{target.name}.mean"], columns[f"{target.name}.variance"] = [], []
    for name in matched:
        columns[f"{name}.implausibility"] = []
    columns["implausibility"], columns["non_implausible"], columns["in_region"] = [], [], []
    for wave in outcome.waves:
        n = len(wave.values)
        columns["wave"] += [wave.number] * n
        columns["point"] += list(range(n))
        for j, p in enumerate(calibration.parameters):
            columns[p.path] += wave.values[:, j].tolist()
        for t, target in enumerate(calibration.targets):
            columns[f"{target.name}.mean"] += wave.means[:, t].tolist()
            columns[f"{target.name}.variance"] += wave.variances[:, t].tolist()
        for k, name in enumerate(matched):
            columns[f"{name}.implausibility"] += wave.implausibility[:, k].tolist()
        columns["implausibility"] += wave.judged.tolist()
        columns["non_implausible"] += wave.non_implausible.tolist()
        # inside the region every wave's emulator keeps, at the end
        columns["in_region"] += outcome.test(wave.unit).tolist() if outcome.test is not None else [True] * n
    return pa.table(columns)


def ensemble_table(calibration: Calibration, outcome: Outcome, meta: dict[str, Any]) -> pa.Table:
    wave = outcome.final
    chosen = outcome.members()
    data: dict[str, Any] = {"member": pa.array(range(len(chosen)), pa.int64())}
    for j, p in enumerate(calibration.parameters):
        values = wave.values[chosen, j] if wave is not None else np.array([])
        data[p.path] = pa.array(values.astype(float), pa.float64())
    table = pa.table(data)
    return table.replace_schema_metadata({METADATA_KEY: json.dumps(meta).encode()})


def describe(calibration: Calibration, outcome: Outcome, meta: dict[str, Any], checks: list[Check]) -> dict[str, Any]:
    wave = outcome.final
    chosen = outcome.members()
    return {
        **meta, "targets_file": calibration.source, "stop": outcome.stop, "stop_reason": STOPS[outcome.stop],
        "seconds": round(outcome.seconds, 1),
        "settings": calibration.settings.model_dump(mode="json"),
        "parameters": {p.path: [p.low, p.high] for p in calibration.parameters},
        "untagged_parameters": calibration.untagged,
        "waves_run": [{"wave": w.number, "points": len(w.values), "rows": w.rows,
                       "share_before": w.share_before, "share_after": w.share_after,
                       "non_implausible_runs": int(w.non_implausible.sum())} for w in outcome.waves],
        "ensemble": {"members": len(chosen),
                     "ranges": {p.path: [float(wave.values[chosen, j].min()), float(wave.values[chosen, j].max())]
                                for j, p in enumerate(calibration.parameters)} if len(chosen) else {}},
        "conflict": outcome.conflict.describe() if outcome.conflict else None,
        "kept_back": [c.to_dict() for c in checks],
    }
