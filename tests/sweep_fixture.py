"""A small sweep results folder written exactly as the results-folder contract says `mashsim sweep`
writes one, from real replications of the small test scenario.

Used by the report tests: they need a results folder whose numbers they can check against the
rows, without depending on the sweep command itself.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from mashsim._version import __version__
from mashsim.replication import simulate
from mashsim.scenario import scenario_hash
from support import small_scenario

SEED = 11
SHORT = ("run.horizon_days=5", "run.warmup_days=1")


def _scenario(point_values: dict[str, Any]):
    return small_scenario(*SHORT, *((path, value) for path, value in point_values.items()))


def write_results(folder: Path, factors: dict[str, Sequence[Any]], replications: int | Sequence[int] = 3,
                  design: dict[str, Any] | None = None, points: list[dict[str, Any]] | None = None,
                  salib_problem: dict[str, Any] | None = None, failures: Sequence[dict] = (),
                  seed: int = SEED, part_size: int = 2) -> Path:
    """Write a results folder for ``factors`` (path → values): a full grid unless ``points`` is given.

    ``replications`` is one number for every point or one per point (as the precision rule gives).
    Rows go into part files of at most ``part_size`` replications, as a sweep's tasks write them.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = list(factors)
    if points is None:
        points = [dict(zip(paths, combo)) for combo in itertools.product(*factors.values())]
    base = small_scenario(*SHORT)
    design = design or {"kind": "grid"}
    meta = {
        "experiment": {"name": folder.name, "base": "small", "factors": {p: list(v) for p, v in factors.items()},
                       "design": design, "seed": seed},
        "experiment_hash": "0123456789abcdef",
        "base_scenario": {"name": base.name, "hash": scenario_hash(base)},
        "mashsim_version": __version__,
        "seed": seed,
        "design": design,
        "factors": [_factor(p, v) for p, v in factors.items()],
        "replications": {"fixed": replications} if isinstance(replications, int) else {"precision": "test"},
        "crn": True,
    }
    if salib_problem is not None:
        meta["salib_problem"] = salib_problem
    (folder / "experiment.json").write_text(json.dumps(meta, indent=2))

    point_rows = []
    rows_dir = folder / "rows"
    rows_dir.mkdir(exist_ok=True)
    counts = [replications] * len(points) if isinstance(replications, int) else list(replications)
    for p, (values, n) in enumerate(zip(points, counts)):
        scenario = _scenario(values)
        digest = scenario_hash(scenario)
        point_rows.append({"point": p, **values, "scenario_hash": digest})
        for r0 in range(0, n, part_size):
            r1 = min(r0 + part_size, n)
            rows = [{"point": p, "replication": r, "seed": seed, **values,
                     **simulate(scenario, seed, r).metrics, "scenario_hash": digest,
                     "mashsim_version": __version__} for r in range(r0, r1)]
            pd.DataFrame(rows).to_parquet(rows_dir / f"point-{p}-reps-{r0}-{r1 - 1}.parquet", index=False)
    pd.DataFrame(point_rows).to_parquet(folder / "points.parquet", index=False)
    # a part file still being written: the reader must never see it
    (rows_dir / ".point-0-reps-9-9.parquet.tmp").write_bytes(b"PAR1 half written")
    if failures:
        (folder / "failures.jsonl").write_text("".join(json.dumps(f) + "\n" for f in failures))
    return folder


def _factor(path: str, values: Sequence[Any]) -> dict[str, Any]:
    integer = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values)
    return {"path": path, "kind": "values", "values": list(values), "integer": integer}


def grid_results(folder: Path, replications: int = 3) -> Path:
    """Police researchers 1 or 2 × decide at the deadline or wait for all: four points."""
    return write_results(folder, {"agencies.police.staff": [1, 2], "policy.decide_at_deadline": [True, False]},
                         replications)


def salib_results(folder: Path, kind: str, n: int, replications: int = 1) -> Path:
    """A Morris or Sobol design over two estimated parameters, sampled with SALib."""
    problem = {"num_vars": 2, "names": ["screening.under_rating", "agencies.police.match_failure"],
               "bounds": [[0.0, 0.3], [0.0, 0.3]]}
    if kind == "morris":
        from SALib.sample import morris

        sample = morris.sample(problem, n, num_levels=4, seed=3)
        design = {"kind": "morris", "trajectories": n, "levels": 4}
    else:
        from SALib.sample import sobol

        sample = sobol.sample(problem, n, calc_second_order=False, seed=3)
        design = {"kind": "sobol", "n": n, "second_order": False}
    points = [{name: float(v) for name, v in zip(problem["names"], row)} for row in sample]
    factors = {name: [] for name in problem["names"]}
    folder = write_results(folder, factors, replications, design=design, points=points, salib_problem=problem)
    meta = json.loads((folder / "experiment.json").read_text())
    meta["factors"] = [{"path": name, "kind": "bounds", "bounds": b, "integer": False}
                       for name, b in zip(problem["names"], problem["bounds"])]
    (folder / "experiment.json").write_text(json.dumps(meta, indent=2))
    # the sweep keeps SALib's raw sample beside the values used (which integer factors round)
    points = pd.read_parquet(folder / "points.parquet")
    for j, name in enumerate(problem["names"]):
        points[f"salib_sample.{name}"] = sample[:, j]
    points.to_parquet(folder / "points.parquet", index=False)
    return folder
