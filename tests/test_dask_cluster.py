"""A sweep on a real Dask cluster: a scheduler and two workers started as separate processes on
127.0.0.1 (as on several machines, with ``dask scheduler`` and ``dask worker``), reached through
``--address``.  One worker is killed (SIGKILL) mid-sweep: the scheduler gives its tasks to the
other, and every row is stored exactly once, identical to the local engine's.

Without dask.distributed the test is skipped, saying why, except under CI=true, where it fails:
CI installs the dask extra.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Iterator

import pytest

from experiments import write_experiment
from mashsim.experiment.engines import open_engine
from support import REPO
from sweep_processes import (POINTS, REPLICATIONS, SLOW, alive, assert_complete_and_exactly_once, start,
                             stderr_of, uninterrupted, wait_for_parts)

START_SECONDS = 60  # for the scheduler and the workers to come up on a loaded machine


def _need_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        reason = "dask.distributed is not installed (pip install 'mashsim[dask]')"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the cluster test must run)")
        pytest.skip(reason)


class Cluster:
    """A scheduler and its workers, each a process in its own process group, logging to ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.scheduler_file = folder / "scheduler.json"
        self.processes: list[subprocess.Popen] = []
        # the workers unpickle mashsim's tasks: they import it from this checkout
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                                              os.environ.get("PYTHONPATH")]))}

    def _start(self, name: str, *arguments: str) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("w")
        process = subprocess.Popen([sys.executable, "-m", "dask", *arguments], cwd=REPO, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def start_scheduler(self) -> str:
        """Start the scheduler on a free port of 127.0.0.1; its address, read from the scheduler file."""
        self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(self.scheduler_file))
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            with suppress(OSError, ValueError, KeyError):
                return json.loads(self.scheduler_file.read_text())["address"]
            assert self.processes[0].poll() is None, self.log("scheduler")
            time.sleep(0.1)
        raise AssertionError(f"the scheduler wrote no address in time\n{self.log('scheduler')}")

    def start_worker(self, name: str) -> subprocess.Popen:
        """A worker of one thread, without a nanny: killed, it stays dead (a nanny would restart it)."""
        return self._start(name, "worker", "--scheduler-file", str(self.scheduler_file), "--host", "127.0.0.1",
                           "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", name)

    def wait_for_workers(self, address: str, n: int) -> None:
        from distributed import Client

        with Client(address, timeout=f"{START_SECONDS}s") as client:
            client.wait_for_workers(n, timeout=START_SECONDS)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def tear_down(self) -> None:
        for process in reversed(self.processes):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)


@pytest.fixture
def cluster(tmp_path) -> Iterator[tuple[str, Cluster, list[subprocess.Popen]]]:
    """A scheduler and two workers on 127.0.0.1: (address, the cluster, the workers' processes)."""
    _need_dask()
    folder = tmp_path / "cluster"
    folder.mkdir()
    running = Cluster(folder)
    try:
        address = running.start_scheduler()
        workers = [running.start_worker(f"worker-{i}") for i in (1, 2)]
        running.wait_for_workers(address, 2)
        yield address, running, workers
    finally:
        running.tear_down()


def test_a_sweep_on_a_cluster_survives_a_killed_worker_and_stores_every_row_once(tmp_path, cluster):
    address, running, (doomed, survivor) = cluster
    experiment = write_experiment(tmp_path, SLOW)
    out = tmp_path / "out"
    process = start(experiment, out, "--engine", "dask", "--address", address)
    try:
        stored = wait_for_parts(out, 2, process)
        doomed.send_signal(signal.SIGKILL)  # the worker alone, mid-task, as a lost machine would be
        doomed.wait(timeout=30)
        assert process.wait(timeout=120) == 0, stderr_of(out)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert stored < POINTS * REPLICATIONS, "the sweep finished before a worker could be killed"
    assert not alive(doomed.pid) and survivor.poll() is None
    assert f"dask ({address})" in " ".join(stderr_of(out).split())  # the console wraps lines
    assert not (out / "failures.jsonl").exists(), (out / "failures.jsonl").read_text()
    assert_complete_and_exactly_once(out, uninterrupted(experiment, tmp_path / "local", open_engine("local", 2)))


def test_a_calibration_wave_on_a_cluster_stores_every_row_once_as_the_local_engine_does(tmp_path, cluster):
    # one wave of history matching through --address: its runs are a sweep on the same engine
    pytest.importorskip("sklearn")
    import pandas as pd
    from calibration_files import desk_files
    from mashsim.cli import main
    from sweep_processes import read_rows

    address, _, _ = cluster
    _, targets = desk_files(tmp_path)
    scenario = str(tmp_path / "desk.toml")
    for engine, out in ((["--engine", "dask", "--address", address], "dask"), (["--workers", "1"], "local")):
        assert main(["calibrate", scenario, str(targets), "--waves", "1", "--no-plots", "--out",
                     str(tmp_path / out), *engine]) == 0
    rows = read_rows(tmp_path / "dask" / "wave-1")
    pairs = list(zip(rows["point"], rows["replication"]))
    assert len(pairs) == len(set(pairs)) == 8 * 3
    pd.testing.assert_frame_equal(rows, read_rows(tmp_path / "local" / "wave-1"), check_exact=True)
    ensemble = [(tmp_path / out / "ensemble.parquet").read_bytes() for out in ("dask", "local")]
    assert ensemble[0] == ensemble[1]
