"""Staffed roles: a pool of people whose number on duty changes over time, and their queue.

SimPy's ``Resource`` has a fixed capacity and its ``PriorityResource``
re-sorts the whole queue on every request, so long queues make a run
quadratic.  A role here keeps two FIFO queues (urgent = Red, routine) as
deques: every operation is O(1) however long the backlog, and the number on
duty can be set at any time.  Work is not pre-empted: when staff go off duty
they finish the task in hand (overtime) and take no new one.
"""

from __future__ import annotations

from collections import deque
from typing import Callable

import simpy

QUEUED, RUNNING, DONE, CANCELLED = range(4)


class Job:
    """One task for a role: a contact, its priority and its duration in hours."""

    __slots__ = ("role", "contact", "urgent", "hours", "done", "seq", "state", "queued_at", "started_at")

    def __init__(self, role: "Role", contact, urgent: bool, hours: float, done: Callable[["Job"], None], seq: int):
        self.role = role
        self.contact = contact
        self.urgent = urgent
        self.hours = hours
        self.done = done
        self.seq = seq
        self.state = QUEUED
        self.queued_at = role.env.now
        self.started_at: float | None = None

    def __call__(self, _event: simpy.Event) -> None:
        self.role._finish(self)


class RoleStats:
    """Time-weighted totals of one role, accumulated as its state changes."""

    __slots__ = ("since", "last", "queue_area", "busy_area", "duty_busy_area", "duty_capacity_area",
                 "started", "waited", "wait_total")

    def __init__(self, now: float) -> None:
        self.reset(now)

    def reset(self, now: float) -> None:
        self.since = now
        self.last = now
        self.queue_area = 0.0
        self.busy_area = 0.0
        self.duty_busy_area = 0.0
        self.duty_capacity_area = 0.0
        self.started = 0
        self.waited = 0  # tasks that queued before service: P(wait) of queueing theory
        self.wait_total = 0.0


class Role:
    """A pool of staff serving jobs, Red first when ``red_priority`` is on."""

    def __init__(self, env: simpy.Environment, name: str, red_priority: bool = True) -> None:
        self.env = env
        self.name = name
        self.red_priority = red_priority
        self.capacity = 0
        self.urgent_only = True  # off duty: only out-of-hours cover, for urgent work
        self.busy = 0
        self.waiting = 0
        self._urgent: deque[Job] = deque()
        self._routine: deque[Job] = deque()
        self._seq = 0
        self.stats = RoleStats(env.now)

    # ------------------------------------------------------------------ public
    def submit(self, contact, urgent: bool, hours: float, done: Callable[[Job], None]) -> Job:
        """Queue a task; ``done(job)`` is called when it is finished."""
        self._observe()
        self._seq += 1
        job = Job(self, contact, urgent, hours, done, self._seq)
        (self._urgent if urgent else self._routine).append(job)
        self.waiting += 1
        self._dispatch()
        return job

    def cancel(self, job: Job) -> None:
        """Withdraw a queued task (it is skipped when reached); a running one is left to finish."""
        if job.state == QUEUED:
            self._observe()
            job.state = CANCELLED
            self.waiting -= 1

    def set_staffing(self, capacity: int, urgent_only: bool) -> None:
        """Change the number on duty; with ``urgent_only`` they take urgent work only."""
        self._observe()
        self.capacity = capacity
        self.urgent_only = urgent_only
        self._dispatch()

    def reset_stats(self) -> None:
        self._observe()
        self.stats.reset(self.env.now)

    def close_stats(self) -> None:
        self._observe()

    # ----------------------------------------------------------------- internal
    def _observe(self) -> None:
        now = self.env.now
        stats = self.stats
        elapsed = now - stats.last
        if elapsed > 0.0:
            stats.queue_area += self.waiting * elapsed
            stats.busy_area += self.busy * elapsed
            if not self.urgent_only:
                stats.duty_busy_area += self.busy * elapsed
                stats.duty_capacity_area += max(self.capacity, self.busy) * elapsed
            stats.last = now

    def _dispatch(self) -> None:
        while self.busy < self.capacity:
            job = self._next_job()
            if job is None:
                return
            self._start(job)

    def _next_job(self) -> Job | None:
        urgent, routine = self._urgent, self._routine
        while urgent and urgent[0].state == CANCELLED:
            urgent.popleft()
        while routine and routine[0].state == CANCELLED:
            routine.popleft()
        if urgent and (self.red_priority or self.urgent_only or not routine or urgent[0].seq < routine[0].seq):
            return urgent.popleft()
        if routine and not self.urgent_only:
            return routine.popleft()
        return None

    def _start(self, job: Job) -> None:
        now = self.env.now
        job.state = RUNNING
        job.started_at = now
        self.waiting -= 1
        self.busy += 1
        self.stats.started += 1
        self.stats.waited += now > job.queued_at
        self.stats.wait_total += now - job.queued_at
        self.env.timeout(job.hours).callbacks.append(job)

    def _finish(self, job: Job) -> None:
        self._observe()
        job.state = DONE
        self.busy -= 1
        job.done(job)
        self._dispatch()
