"""Interrupted sweeps: killed (SIGKILL) or stopped (Ctrl-C) mid-way, then resumed.

Each test starts the real command in its own process group, stops it once some part files are
stored, resumes, and checks that every (point, replication) row is there exactly once and equal,
bit for bit, to an uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pandas as pd
import pytest

from experiments import GRID, write_experiment
from mashsim.cli import main
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


def start(experiment: Path, out: Path) -> subprocess.Popen:
    """The sweep command in its own process group; stderr to a file (a pipe would be held open by
    worker processes that outlive it, and reading it would wait for them)."""
    log = (out.parent / "stderr.txt").open("w")
    return subprocess.Popen([sys.executable, "-m", "mashsim.cli", "sweep", str(experiment), "--out", str(out),
                             "--workers", "2"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=log,
                            start_new_session=True)


def stderr_of(out: Path) -> str:
    return (out.parent / "stderr.txt").read_text()


def children(pid: int) -> list[int]:
    listing = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(line) for line in listing.stdout.split()]


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


def uninterrupted(experiment: Path, out: Path) -> pd.DataFrame:
    with Engine() as engine:
        run_sweep(make_plan(experiment), out, engine)
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


def test_a_killed_sweep_resumes_and_stores_every_row_exactly_once(tmp_path):
    experiment = write_experiment(tmp_path, SLOW)
    out = tmp_path / "out"
    process = start(experiment, out)
    try:
        stored = wait_for_parts(out, 1, process)
        workers = children(process.pid)
        process.kill()  # SIGKILL to the command alone, mid-write or not, as the out-of-memory killer would
        process.wait(timeout=30)
        assert workers, "the sweep had no worker processes"
        # its worker processes notice and end (a forked worker left alone would block for ever)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in workers), "worker processes outlived the killed sweep"
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert stored < POINTS * REPLICATIONS, "the sweep finished before it could be killed"
    # what a kill can leave: a partly written file under a temporary name, which must not be read
    (out / "rows" / ".point-3-reps-5-5.parquet.abc123.part").write_bytes(b"PAR1 half a file")

    assert main(["sweep", str(experiment), "--out", str(out), "--resume", "--workers", "2", "--json"]) == 0
    assert_complete_and_exactly_once(out, uninterrupted(experiment, tmp_path / "straight"))


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_the_sweep_keeps_what_is_stored_and_says_how_to_resume(tmp_path, stop):
    experiment = write_experiment(tmp_path, SLOW)
    out = tmp_path / "out"
    process = start(experiment, out)
    try:
        wait_for_parts(out, 1, process)
        process.send_signal(stop)  # to the command only, as Ctrl-C reaches the sweep
        process.wait(timeout=60)
        err = stderr_of(out)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, err
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err
    stored = read_rows(out)
    assert 0 < len(stored) < POINTS * REPLICATIONS

    assert main(["sweep", str(experiment), "--out", str(out), "--resume", "--workers", "1", "--json"]) == 0
    assert_complete_and_exactly_once(out, uninterrupted(experiment, tmp_path / "straight"))
