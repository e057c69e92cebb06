"""Helpers for the tests that run a sweep in its own process and stop part of it mid-way
(test_sweep_interrupted.py, test_dask_cluster.py): the slow grid, starting the command, waiting
for its first part files, and checking that every row is stored exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pandas as pd

from experiments import GRID
from mashsim.experiment.engines import Engine
from mashsim.experiment.plan import make_plan
from mashsim.experiment.sweep import run_sweep
from support import REPO

POINTS, REPLICATIONS = 4, 12
# one replication per task and a horizon long enough (about 0.1 s a replication on the development
# machine, ~2.5 s for the whole sweep on two workers) that the sweep is still running when stopped
# just after its first rows are stored, even on a loaded machine
SLOW = GRID.replace("n = 3", f"n = {REPLICATIONS}\nbatch = 1").replace(
    "seed = 11", 'seed = 11\nset = { "run.horizon_days" = 120 }')


def start(experiment: Path, out: Path, *options: str) -> subprocess.Popen:
    """The sweep command in its own process group; stderr to a file (a pipe would be held open by
    worker processes that outlive it, and reading it would wait for them)."""
    log = (out.parent / "stderr.txt").open("w")
    return subprocess.Popen([sys.executable, "-m", "mashsim.cli", "sweep", str(experiment), "--out", str(out),
                             *(options or ("--workers", "2"))], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=log, start_new_session=True)


def stderr_of(out: Path) -> str:
    return (out.parent / "stderr.txt").read_text()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped) has ended
    with suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    return True


def wait_for_parts(out: Path, at_least: int, process: subprocess.Popen, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        parts = len(list((out / "rows").glob("point-*.parquet"))) if (out / "rows").is_dir() else 0
        if parts >= at_least:
            return parts
        assert process.poll() is None, stderr_of(out)
        time.sleep(0.01)
    raise AssertionError("the sweep stored nothing in time")


def uninterrupted(experiment: Path, out: Path, engine: Engine | None = None) -> pd.DataFrame:
    with engine or Engine() as running:
        run_sweep(make_plan(experiment), out, running)
    return read_rows(out)


def read_rows(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "rows").sort_values(["point", "replication"]).reset_index(drop=True)


def assert_complete_and_exactly_once(out: Path, expected: pd.DataFrame) -> None:
    table = read_rows(out)
    pairs = list(zip(table["point"], table["replication"]))
    assert len(pairs) == len(set(pairs)) == POINTS * REPLICATIONS
    assert set(pairs) == {(p, r) for p in range(POINTS) for r in range(REPLICATIONS)}
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
    assert not [p.name for p in (out / "rows").iterdir() if p.name.startswith(".")]
