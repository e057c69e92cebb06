"""Running a sweep: every design point's replications, on an engine, streamed to a results folder.

A task is one or more batches of replications of design points (:mod:`mashsim.experiment.work`
cuts them: big tasks first, single replications at the tail, so the workers finish together).
Tasks are submitted a few per worker at a time and their rows written to disk as each finishes,
so memory stays flat however large the sweep.  Replication ``r`` of every point uses seed
``(experiment seed, r)``: common random numbers across points, and the same results on any
engine and any number of workers.

- ``resume``: the (point, replication) pairs already stored are not run again.
- A task that fails is retried once, a design point at a time (on a fresh pool if a worker process
  died), then recorded in failures.jsonl with its seed and error; the sweep goes on.  (On Dask a
  worker that dies is the scheduler's to handle: it runs the lost tasks on the other workers.)
- Replications by precision (Hoad, Robinson & Davies 2010): each point gets batches until the
  rule is met for the chosen metric, or its cap is reached.
- Ctrl-C stops at once; every part file already written is kept, whole.
"""

from __future__ import annotations

import math
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mashsim.experiment.engines import Engine
from mashsim.experiment.plan import Plan
from mashsim.experiment.runner import run_batch, run_batches
from mashsim.experiment.store import ResultsFolder
from mashsim.experiment.work import FixedWork, PrecisionWork, Task

Progress = Callable[[int, int], None]
IN_FLIGHT_PER_SLOT = 2  # tasks queued per worker: keeps workers busy, memory flat


@dataclass
class SweepSummary:
    """What a sweep did: for the closing message and ``--json``."""

    folder: Path
    engine: str
    points: int
    rows_written: int = 0
    rows_stored: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    precision: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "engine": self.engine, "points": self.points,
                "rows_written": self.rows_written, "rows_stored": self.rows_stored,
                "failures": self.failures, "seconds": round(self.seconds, 3),
                "interrupted": self.interrupted, "precision": self.precision}


def run_sweep(plan: Plan, folder: Path, engine: Engine, *, resume: bool = False, force: bool = False,
              progress: Progress | None = None, task: Callable[..., list] = run_batch) -> SweepSummary:
    """Run ``plan`` on ``engine`` into ``folder``; returns what was done (``interrupted`` on Ctrl-C).

    ``task(scenario, seed, replications)`` runs one batch (a replacement is for tests).
    """
    started = time.perf_counter()
    store = ResultsFolder(folder, plan)
    store.open(resume=resume, force=force)
    summary = SweepSummary(Path(folder), engine.describe(), len(plan.points))
    try:
        work = _work(plan, store, engine.slots)
        summary.interrupted = not _drive(plan, store, engine, work, summary, progress, task)
        summary.precision = work.report()
        summary.rows_stored = store.count_rows()
    finally:
        store.close()
        summary.seconds = time.perf_counter() - started
    return summary


def _work(plan: Plan, store: ResultsFolder, slots: int) -> FixedWork | PrecisionWork:
    rule = plan.replications
    if rule.fixed:
        stored: dict[int, set[int]] = {}
        for point, replication, _ in store.stored():
            stored.setdefault(point, set()).add(replication)
        return FixedWork(plan, stored, slots)
    values: dict[int, dict[int, float]] = {}
    for point, replication, value in store.stored(rule.metric):
        values.setdefault(point, {})[replication] = value
    return PrecisionWork(plan, values, rule.batch)


def _drive(plan: Plan, store: ResultsFolder, engine: Engine, work: FixedWork | PrecisionWork,
           summary: SweepSummary, progress: Progress | None, task_fn: Callable[..., list]) -> bool:
    """Submit, collect, store and retry until the work is done; False if interrupted."""
    in_flight: dict[Future, tuple[Task, Executor]] = {}
    window = max(1, engine.slots * IN_FLIGHT_PER_SLOT)
    metric = plan.replications.metric
    done_reps = 0

    def submit(task: Task) -> None:
        executor = engine.executor
        # each piece carries its scenario and the seeds: any worker gives the same rows
        args = (task_fn, plan.seed, [(plan.scenario_at(point), reps) for point, reps in task.pieces])
        try:
            future = executor.submit(run_batches, *args)
        except BrokenExecutor:
            # the pool broke after the last wait returned (its failed futures come back later, and
            # are retried then): this task goes to a fresh pool now
            engine.recover(executor)
            executor = engine.executor
            future = executor.submit(run_batches, *args)
        in_flight[future] = (task, executor)

    try:
        if progress:
            progress(0, work.total)
        while True:
            while len(in_flight) < window and (task := work.next()) is not None:
                submit(task)
            if not in_flight:
                return True
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in finished:
                task, executor = in_flight.pop(future)
                error = future.exception()
                if error is None:
                    for (point, replications), results in zip(task.pieces, future.result()):
                        summary.rows_written += store.write_part(point, results)
                        work.completed(point, replications,
                                       [r.metrics.get(metric, math.nan) if metric else math.nan for r in results])
                    done_reps += task.size
                elif task.attempt == 1:
                    if isinstance(error, BrokenExecutor):
                        engine.recover(executor)
                    for piece in task.pieces:  # one piece a retry: a failing point fails alone
                        submit(Task([piece], 2))
                else:
                    (point, replications), = task.pieces
                    store.record_failure(point, replications, _describe(error))
                    summary.failures.append({"point": point, "replications": replications,
                                             "error": _first_line(error)})
                    work.failed(point)
                    done_reps += task.size
            if progress:
                progress(done_reps, work.total)
    except KeyboardInterrupt:
        for future in in_flight:
            future.cancel()
        engine.stop_now()
        return False
    except BaseException:
        # e.g. the disk is full: what is queued is dropped, what runs is let finish, the error is raised
        for future in in_flight:
            future.cancel()
        raise


def _first_line(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip().splitlines()[-1]


def _describe(error: BaseException) -> str:
    """The error and, from a worker process, its traceback there."""
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    remote = error.__cause__
    return f"{text}\n{remote}".strip() if remote is not None else text
