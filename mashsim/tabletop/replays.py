"""A team's replays worked out in the background, in worker processes, as soon as each decision is taken.

A team's score and its per-decision account need the week played with the first ``k`` decisions of
its log, for every ``k`` (:mod:`.scoring`): one replay each, about 0.4 s for the London exercise, so
ten teams' accounts asked for at the debrief took over a minute in the server's one process. A
replay with the first ``k`` decisions depends on nothing that comes later (the log only grows), so
it can start the moment decision ``k`` is logged, while the class plays on. :class:`Replays` does
that in a pool of worker processes (off the server's interpreter, so the teams' steps do not wait
for it) and keeps each replay by what fixes it: the scenario's hash, the seed and the decisions
themselves. The baseline (no decisions) is the same for every team of a room and is played once.

The replays are the same function a session calls itself (:func:`~mashsim.tabletop.session.play`),
so the results are identical; where no worker process can be started, they are played here.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Hashable

from mashsim.replication import ReplicationResult
from mashsim.scenario.load import scenario_hash
from mashsim.tabletop.session import Session, play

log = logging.getLogger(__name__)


def replay_key(session: Session, k: int) -> Hashable:
    """What fixes the replay with the first ``k`` decisions of ``session``'s log."""
    return (scenario_hash(session.scenario), session.seed,
            tuple(entry.model_dump_json() for entry in session.log[:k]))


class Replays:
    """Replays of decision logs in worker processes, started early and kept by log (thread-safe)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, os.cpu_count() or 1)
        self._pool: Executor | None = None
        self._futures: dict[Hashable, Future[ReplicationResult]] = {}
        self._lock = threading.Lock()
        self._failed = False

    def _executor(self) -> Executor | None:
        if self._pool is None and not self._failed:
            try:
                # spawned, not forked: the server runs a thread per browser, and a fork copies only one
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
                atexit.register(self.close)
            except (OSError, NotImplementedError, ValueError) as error:
                log.warning("replays are played in the server's process (no worker processes: %s)", error)
                self._failed = True
        return self._pool

    def submit(self, session: Session, k: int | None = None) -> Future[ReplicationResult] | None:
        """Start the replay with the first ``k`` decisions (default: the whole log) unless started
        already or kept by the session; None when played here on demand instead."""
        k = len(session.log) if k is None else k
        if session.has_result(k):
            return None
        key = replay_key(session, k)
        with self._lock:
            future = self._futures.get(key)
            if future is None:
                pool = self._executor()
                if pool is None:
                    return None
                future = self._futures[key] = pool.submit(play, session.scenario, session.seed, session.log[:k])
            return future

    def fill(self, session: Session, ks: list[int] | None = None) -> None:
        """Give ``session`` the replays it needs (``ks``, default every prefix of its log: the account),
        starting any missing at once, in parallel, and waiting for those in flight."""
        wanted = range(len(session.log) + 1) if ks is None else ks
        futures = {k: self.submit(session, k) for k in wanted}
        for k, future in futures.items():
            if future is not None:
                session.keep_result(k, future.result())
                if k:  # now kept by the session; the baseline stays here, for the room's other teams
                    with self._lock:
                        self._futures.pop(replay_key(session, k), None)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            self._futures.clear()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
