"""Interrupted sweeps: killed (SIGKILL) or stopped (Ctrl-C) mid-way, then resumed.

Each test starts the real command in its own process group, stops it once some part files are
stored, resumes, and checks that every (point, replication) row is there exactly once and equal,
bit for bit, to an uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import suppress

import pytest

from experiments import write_experiment
from mashsim.cli import main
from sweep_processes import (POINTS, REPLICATIONS, SLOW, alive, assert_complete_and_exactly_once, read_rows,
                             start, stderr_of, uninterrupted, wait_for_parts)


def children(pid: int) -> list[int]:
    listing = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(line) for line in listing.stdout.split()]


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
