"""What a sweep runs next: its replications cut into tasks for the engine's workers.

A task is one or more *pieces*, each consecutive replications of one design point (a piece is
stored as one part file).  How big a task is trades two costs: every task costs the sweep's own
process a dispatch and a part-file write (milliseconds), so many tiny tasks leave the workers
waiting on it; a few big ones leave workers idle at the end while the last big task finishes.

So a fixed sweep cuts its tasks by *guided self-scheduling* (Polychronopoulos & Kuck 1987, in the
gentler form of Hummel, Schonberg & Flynn's factoring, 1992): each task takes about the
replications not yet handed out divided by twice the workers.  Early tasks are big (few
dispatches and files), and they shrink as the work runs out, to one replication at the tail, so
the workers finish together.  A task may span several design points (a calibration wave of a
thousand points of one replication each is run in a few hundred tasks, not a thousand).

Where the experiment names ``replications.batch``, every task is one piece of that many
replications of one point, as asked.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Iterator

from mashsim.experiment.plan import Plan
from mashsim.experiment.precision import ReplicationsRule

Piece = tuple[int, list[int]]  # (design point, consecutive replications)
SHARES_PER_SLOT = 2  # a task takes 1/(2 x workers) of what is left: Hummel et al.'s factoring ratio
MAX_TASK_REPLICATIONS = 32  # a bound on what a killed sweep loses and on a task's memory


@dataclass
class Task:
    """Pieces run by one worker call; ``attempt`` 2 is the retry (one piece a task)."""

    pieces: list[Piece]
    attempt: int = 1

    @property
    def size(self) -> int:
        return sum(len(replications) for _, replications in self.pieces)


def task_size(left: int, slots: int) -> int:
    """Replications for the next task when ``left`` are still to hand out to ``slots`` workers."""
    return max(1, min(MAX_TASK_REPLICATIONS, math.ceil(left / (SHARES_PER_SLOT * max(1, slots)))))


class FixedWork:
    """A fixed number of replications per point: the missing ones, in guided-size tasks."""

    def __init__(self, plan: Plan, stored: dict[int, set[int]], slots: int) -> None:
        n = plan.replications.n or 0
        missing = {p: [r for r in range(n) if r not in stored.get(p, ())] for p in range(len(plan.points))}
        self.total = self._left = sum(map(len, missing.values()))
        self._slots = slots
        self._batch = plan.replications.batch
        self._runs: deque[Piece] = deque((p, run) for p, reps in missing.items() for run in consecutive(reps))

    def next(self) -> Task | None:
        if not self._runs:
            return None
        if self._batch:  # as the experiment asks: one point, ``batch`` replications
            point, run = self._runs.popleft()
            self._take(point, run, self._batch)
            return Task([(point, run[: self._batch])])
        size, pieces = task_size(self._left, self._slots), []
        while size and self._runs:
            point, run = self._runs.popleft()
            pieces.append((point, run[:size]))
            size -= self._take(point, run, size)
        return Task(pieces)

    def _take(self, point: int, run: list[int], size: int) -> int:
        """Hand out the first ``size`` replications of ``run``; the rest stays first in line."""
        if len(run) > size:
            self._runs.appendleft((point, run[size:]))
        taken = min(size, len(run))
        self._left -= taken
        return taken

    def completed(self, point: int, replications: list[int], values: list[float]) -> None:
        pass

    def failed(self, point: int) -> None:
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
                self._ready.append(Task([(point, next(consecutive(todo)))]))
                return

    def next(self) -> Task | None:
        return self._ready.popleft() if self._ready else None

    def completed(self, point: int, replications: list[int], values: list[float]) -> None:
        self._values[point].update(zip(replications, values))
        self._advance(point)

    def failed(self, point: int) -> None:
        self._failed.add(point)

    def report(self) -> dict[str, int]:
        done = [r for p, r in self._rules.items() if p not in self._failed]
        return {"converged": sum(r.converged for r in done),
                "capped": sum(r.done and not r.converged for r in done),
                "unfinished": sum(not r.done for r in done), "failed": len(self._failed)}


def consecutive(indices: list[int]) -> Iterator[list[int]]:
    """Runs of consecutive integers: [0, 1, 4, 5] -> [0, 1], [4, 5] (a part file holds one run)."""
    start = 0
    for i in range(1, len(indices) + 1):
        if i == len(indices) or indices[i] != indices[i - 1] + 1:
            if i > start:
                yield indices[start:i]
            start = i
