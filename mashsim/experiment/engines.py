"""Where a sweep's tasks run, behind one ``concurrent.futures.Executor`` seam.

- ``serial``: in this process, one task after another (no worker processes).
- ``local``: the standard library's process pool over the machine's cores.
- ``dask``: ``dask.distributed`` — a LocalCluster when no address is given, else the scheduler at
  ``address`` or ``$DASK_SCHEDULER_ADDRESS``.  ``Client.get_executor()`` gives the same
  Executor API, so the sweep does not know which engine it runs on.

Results do not depend on the engine: every task carries its seeds.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any, Callable

from mashsim.scenario.errors import Problem, ScenarioError

ENGINES = ("local", "dask", "serial")
DASK_ADDRESS_VARIABLE = "DASK_SCHEDULER_ADDRESS"
ORPHAN_CHECK_SECONDS = 1.0
WARM_UP_SECONDS = 0.2  # each worker's warm-up task outlasts the others' start, so none takes two


class InlineExecutor(Executor):
    """An Executor that runs each task at once, in the calling thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # KeyboardInterrupt goes on up: the sweep stops
            future.set_exception(error)
        return future


class Engine:
    """An executor, how many tasks it runs at once, and how to stop it."""

    name = "serial"

    def __init__(self) -> None:
        self.executor: Executor = InlineExecutor()
        self.slots = 1

    def describe(self) -> str:
        return f"{self.name}, {self.slots} worker{'s' if self.slots != 1 else ''}"

    def warm_up(self) -> int:
        """Start every worker and import the model there, so that the first tasks do not wait for it
        (a benchmark times start-up apart from the work); returns the worker processes that answered."""
        return 1

    def recover(self, executor: Executor) -> None:
        """Replace ``executor`` if it broke (a worker process was killed); the sweep resubmits."""

    def stop_now(self) -> None:
        """Stop at once (Ctrl-C): drop queued tasks and stop running ones without waiting."""
        self.executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self.executor.shutdown(wait=True)

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _start_worker(parent: int) -> None:
    """Set up a local worker process: Ctrl-C is the sweep's, and the worker ends with the sweep."""
    # Ctrl-C goes to the sweep, which stops the workers itself; a worker that took it would
    # print a traceback and break the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The sweep stops its workers with SIGTERM: a forked worker would otherwise run the handler it
    # inherited from the command (SIGTERM as Ctrl-C) and print a traceback as it ends.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A sweep killed outright (SIGKILL, out of memory) cannot stop its workers, and a forked
    # worker left behind blocks for ever writing its result to a pipe its siblings hold open.
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(1)


def _warm(seconds: float) -> int:
    """A worker's first task: import the model, and stay busy a moment so each worker gets one."""
    import mashsim.replication  # noqa: F401

    time.sleep(seconds)
    return os.getpid()


def local_process_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers leave Ctrl-C to their parent and end when it is killed."""
    return ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(os.getpid(),))


class LocalEngine(Engine):
    """A process pool with ``workers`` processes (default: every core)."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.slots = workers or os.cpu_count() or 1
        self.executor = self._pool()

    def _pool(self) -> ProcessPoolExecutor:
        return local_process_pool(self.slots)

    def warm_up(self) -> int:
        # a pool starts its processes as tasks arrive: one task a worker starts them all
        futures = [self.executor.submit(_warm, WARM_UP_SECONDS) for _ in range(self.slots)]
        return len({future.result() for future in futures})

    def recover(self, executor: Executor) -> None:
        if executor is self.executor:
            executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self._pool()

    def stop_now(self) -> None:
        pool = self.executor
        terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
        if terminate is not None:
            terminate()
            return
        # before 3.14 the pool has no public way to stop a running task: end its processes
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()


class DaskEngine(Engine):
    """A Dask client's executor: a LocalCluster of ``workers`` processes, or an existing scheduler."""

    name = "dask"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ScenarioError([Problem("--engine", "the dask engine needs dask.distributed, which is not "
                                                     "installed: pip install 'mashsim[dask]'", "dask")],
                                "--engine") from None
        address = address or os.environ.get(DASK_ADDRESS_VARIABLE) or None
        self.cluster = None
        if address:
            try:
                self.client = Client(address, timeout="15s")
            except (OSError, TimeoutError) as error:
                raise ScenarioError([Problem("--address", f"cannot reach a Dask scheduler there ({error})",
                                             address)], "--address") from None
            self.address = address
        else:
            self.cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                        processes=True, dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
            self.address = "a local cluster"
        # pure=False: a retried task must run again, not return the failed result Dask kept
        self.executor = self.client.get_executor(pure=False)
        self.slots = max(1, sum(self.client.nthreads().values()))

    def warm_up(self) -> int:
        return len(self.client.run(_warm, 0.0))  # on every worker at once

    def describe(self) -> str:
        return f"dask ({self.address}), {self.slots} worker thread{'s' if self.slots != 1 else ''}"

    def stop_now(self) -> None:
        self.close()

    def close(self) -> None:
        if self.client.status == "closed":
            return
        try:
            self.executor.shutdown(wait=False)
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def open_engine(kind: str = "local", workers: int | None = None, address: str | None = None) -> Engine:
    """The engine named ``kind``; ``workers`` 1 on the local engine runs serially, in this process."""
    if address and kind != "dask":
        raise ScenarioError([Problem("--address", "goes with --engine dask", address)], "--address")
    if kind == "serial" or (kind == "local" and workers == 1):
        return Engine()
    if kind == "local":
        return LocalEngine(workers)
    if kind == "dask":
        return DaskEngine(workers, address)
    raise ScenarioError([Problem("--engine", f"unknown engine; allowed: {', '.join(ENGINES)}", kind)], "--engine")
