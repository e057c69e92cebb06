"""Helpers for the sweep tests: tiny experiment files over the small scenario, and fake batch tasks.

The experiments use the small test scenario (``bad_inputs.SMALL_TOML``: ten measured days, a
replication in a few hundredths of a second) written next to the experiment file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest

from bad_inputs import SMALL_TOML
from mashsim.cli import main
from mashsim.experiment.plan import make_plan
from mashsim.replication import ReplicationResult, simulate
from mashsim.scenario import Scenario, ScenarioError

GRID = """\
name = "tiny-grid"
scenario = "small.toml"
seed = 11

[[factors]]
path = "agencies.police.staff"
values = [1, 2]

[[factors]]
path = "policy.decide_at_deadline"
values = [true, false]

[replications]
n = 3
"""


def write_experiment(folder: Path, text: str = GRID, name: str = "experiment.toml") -> Path:
    """Write ``text`` as an experiment file in ``folder``, with the small scenario beside it."""
    (folder / "small.toml").write_text(SMALL_TOML)
    path = folder / name
    path.write_text(text)
    return path


def assert_refused(path: Path, field: str, fragment: str) -> None:
    """Resolving the experiment at ``path`` fails with a report naming the file, and a problem at
    ``field`` whose message holds ``fragment``."""
    with pytest.raises(ScenarioError) as caught:
        make_plan(path)
    report = caught.value.report()
    assert report.startswith(str(path))
    assert any(p.path == field and fragment in p.message for p in caught.value.problems), report


def assert_sweep_refused(capsys, path: Path, out: Path, field: str, fragment: str) -> None:
    """``mashsim sweep path --out out`` exits 2 naming the file, the field and the problem, and writes nothing."""
    code = main(["sweep", str(path), "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err and field in err and fragment in err
    assert "Traceback" not in err
    assert not out.exists()


# ---------------------------------------------------------------- fake tasks (module level: picklable)

KNOWN_SD = 3.0


def known_variance_batch(scenario: Scenario, seed: int, indices: Sequence[int]) -> list[ReplicationResult]:
    """A model with a known answer: all_signals_missed_rate ~ Normal(5 x police staff, 3), CRN by replication."""
    mean = 5.0 * scenario.agencies["police"].staff
    return [ReplicationResult(seed, i, {"all_signals_missed_rate": mean + KNOWN_SD * _z(seed, i)}) for i in indices]


def _z(seed: int, replication: int) -> float:
    return float(np.random.default_rng([seed, replication]).standard_normal())


def failing_point_batch(scenario: Scenario, seed: int, indices: Sequence[int]) -> list[ReplicationResult]:
    """Fails every time for police staff 2; otherwise a real batch."""
    if scenario.agencies["police"].staff == 2:
        raise RuntimeError("a deliberate failure")
    return [simulate(scenario, seed, i) for i in indices]


def kill_worker_once_batch(scenario: Scenario, seed: int, indices: Sequence[int]) -> list[ReplicationResult]:
    """The first call of all (marked by a file named in $MASHSIM_TEST_MARKER) kills its worker process."""
    marker = Path(os.environ["MASHSIM_TEST_MARKER"])
    try:
        marker.touch(exist_ok=False)
    except FileExistsError:
        return [simulate(scenario, seed, i) for i in indices]
    os._exit(9)  # as if the worker had been killed
