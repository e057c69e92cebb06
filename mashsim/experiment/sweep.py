"""Running a sweep: every design point's replications, on an engine, streamed to a results folder.

A task is a batch of replications of one design point (:func:`mashsim.experiment.runner.run_batch`).
Tasks are submitted a few per worker at a time and their rows written to disk as each finishes,
so memory stays flat however large the sweep.  Replication ``r`` of every point uses seed
``(experiment seed, r)``: common random numbers across points, and the same results on any
engine and any number of workers.

- ``resume``: the (point, replication) pairs already stored are not run again.
- A task that fails is retried once (on a fresh pool if a worker process died), then recorded
  in failures.jsonl with its seed and error; the sweep goes on.
- Replications by precision (Hoad, Robinson & Davies 2010): each point gets batches until the
  rule is met for the chosen metric, or its cap is reached.
- Ctrl-C stops at once; every part file already written is kept, whole.
"""

from __future__ import annotations

import math
import time
import traceback
from collections import deque
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from mashsim.experiment.engines import Engine
from mashsim.experiment.plan import Plan
from mashsim.experiment.precision import ReplicationsRule
from mashsim.experiment.runner import chunks, run_batch
from mashsim.experiment.store import ResultsFolder

Progress = Callable[[int, int], None]
TASKS_PER_SLOT = 8  # tasks per worker a fixed sweep is cut into: enough to balance the load
IN_FLIGHT_PER_SLOT = 2  # tasks queued per worker: keeps workers busy, memory flat


@dataclass
class Task:
    """Replications ``replications`` of design point ``point``; ``attempt`` 2 is the retry."""

    point: int
    replications: list[int]
    attempt: int = 1


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


class FixedWork:
    """A fixed number of replications per point: the missing ones, in batches."""

    def __init__(self, plan: Plan, stored: dict[int, set[int]], slots: int) -> None:
        n = plan.replications.n or 0
        self._missing = {p: [r for r in range(n) if r not in stored.get(p, ())] for p in range(len(plan.points))}
        self.total = sum(map(len, self._missing.values()))
        # several tasks per worker balance the load; more only adds overhead
        batch = plan.replications.batch or min(n, max(1, math.ceil(self.total / (slots * TASKS_PER_SLOT))))
        self._tasks = self._generate(batch)

    def _generate(self, batch: int) -> Iterator[Task]:
        for point, missing in self._missing.items():
            for run in _consecutive(missing):
                for replications in chunks(run, batch):
                    yield Task(point, replications)

    def next(self) -> Task | None:
        return next(self._tasks, None)

    def completed(self, task: Task, values: list[float]) -> None:
        pass

    def failed(self, task: Task) -> None:
        pass

    def report(self) -> dict[str, int] | None:
        return None


class PrecisionWork:
    """Batches per point until the replications rule is met for the metric, or the cap."""

    def __init__(self, plan: Plan, stored: dict[int, dict[int, float]], batch: int | None) -> None:
        rule = plan.replications
        self._batch = batch or 1
        self._values = {p: dict(stored.get(p, {})) for p in range(len(plan.points))}
        self._rules = {p: ReplicationsRule(rule.relative_half_width or 0.0, min_replications=rule.min,
                                           look_ahead=rule.look_ahead, max_replications=rule.max)
                       for p in self._values}
        self._failed: set[int] = set()
        self._ready: deque[Task] = deque()
        self.total = 0
        for point in self._values:
            self._advance(point)

    def _advance(self, point: int) -> None:
        """Feed the rule what is stored, in replication order; queue the next batch if it wants more."""
        rule, values = self._rules[point], self._values[point]
        while True:
            while not rule.done and rule.n in values:
                rule.add(values[rule.n])
            if rule.done:
                return
            end = min(rule.n + max(rule.wanted(), self._batch), rule.max_replications)
            todo = [r for r in range(rule.n, end) if r not in values]
            if todo:
                self.total += len(todo)
                self._ready.append(Task(point, todo[: _run_length(todo)]))
                return

    def next(self) -> Task | None:
        return self._ready.popleft() if self._ready else None

    def completed(self, task: Task, values: list[float]) -> None:
        self._values[task.point].update(zip(task.replications, values))
        self._advance(task.point)

    def failed(self, task: Task) -> None:
        self._failed.add(task.point)

    def report(self) -> dict[str, int]:
        done = [r for p, r in self._rules.items() if p not in self._failed]
        return {"converged": sum(r.converged for r in done),
                "capped": sum(r.done and not r.converged for r in done),
                "unfinished": sum(not r.done for r in done), "failed": len(self._failed)}


def _consecutive(indices: list[int]) -> Iterator[list[int]]:
    """Runs of consecutive integers: [0, 1, 4, 5] -> [0, 1], [4, 5] (a part file holds one run)."""
    start = 0
    for i in range(1, len(indices) + 1):
        if i == len(indices) or indices[i] != indices[i - 1] + 1:
            if i > start:
                yield indices[start:i]
            start = i


def _run_length(indices: list[int]) -> int:
    return len(next(_consecutive(indices)))


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
    done_reps = 0

    def submit(task: Task) -> None:
        executor = engine.executor
        scenario = plan.scenario_at(task.point)
        try:
            future = executor.submit(task_fn, scenario, plan.seed, task.replications)
        except BrokenExecutor:
            # the pool broke after the last wait returned (its failed futures come back later, and
            # are retried then): this task goes to a fresh pool now
            engine.recover(executor)
            executor = engine.executor
            future = executor.submit(task_fn, scenario, plan.seed, task.replications)
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
                    results = future.result()
                    summary.rows_written += store.write_part(task.point, results)
                    done_reps += len(results)
                    metric = plan.replications.metric
                    work.completed(task, [r.metrics.get(metric, math.nan) if metric else math.nan for r in results])
                elif task.attempt == 1:
                    if isinstance(error, BrokenExecutor):
                        engine.recover(executor)
                    submit(Task(task.point, task.replications, 2))
                else:
                    store.record_failure(task.point, task.replications, _describe(error))
                    summary.failures.append({"point": task.point, "replications": task.replications,
                                             "error": _first_line(error)})
                    work.failed(task)
                    done_reps += len(task.replications)
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
