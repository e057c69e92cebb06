"""Staffed roles: a pool of people whose number on duty changes over time, and their queue.

SimPy's ``Resource`` has a fixed capacity and its ``PriorityResource``
re-sorts the whole queue on every request, so long queues make a run
quadratic.  A role here keeps its queue in an order (a *queue discipline*)
at O(1) or O(log n) an operation however long the backlog, and the number
on duty can be set at any time.  Work is not pre-empted: a task once started
runs to its end.

The orders (``Role.order``; the hub sets it from ``policy.queue_discipline``
and ``policy.red_priority``):

* ``ONE_QUEUE`` -- first come, first served (two deques, the older head first);
* ``RED_FIRST`` -- urgent (Red) work first, then the rest first come, first served;
* ``BY_RAG`` -- Red, then Amber, then the rest (Green, or not yet rated), first
  come, first served within each: one deque per class;
* ``BY_DEADLINE`` -- earliest deadline first (ties: first come): a heap keyed
  by ``(deadline, sequence)`` for urgent work and one for the rest.

Shifts: when the day staff go off duty (and the out-of-hours cover comes on)
or the cover goes off (and the day staff come on), whoever is busy finishes
the task in hand in overtime, beside the staff now on duty rather than in
their place: the cover is capacity of its own, as a separate server in Ciw's
schedules.  A change of headcount within the same duty (absence, an inject)
is not a change of shift: it waits for enough to finish.

Urgent work is always in a queue of its own (the first deque, or the first
heap), so the out-of-hours cover, which takes urgent work only, finds it at
once.  Cancelled jobs stay where they are and are skipped when they reach a
head (all dropped at once when nothing live is waiting).
"""

from __future__ import annotations

import math
from collections import deque
from heapq import heappop, heappush
from typing import Any, Callable

import simpy

from mashsim.model.contact import queue_deadline, queue_rank
from mashsim.model.events import call_at
from mashsim.scenario.schema import Policy

QUEUED, RUNNING, DONE, CANCELLED = range(4)
ONE_QUEUE, RED_FIRST, BY_RAG, BY_DEADLINE = range(4)
ORDERS = ("one_queue", "red_first", "by_rag", "by_deadline")
_BY_DISCIPLINE = {"fifo": RED_FIRST, "rag": BY_RAG, "deadline": BY_DEADLINE}  # policy.queue_discipline's


def queue_order(policy: Policy) -> int:
    """The order every queue of a hub keeps under ``policy``.

    ``red_priority = false`` (the older switch) turns every priority off: one
    first-come-first-served queue, whatever the discipline; so ``fifo`` with
    ``red_priority`` is the order mashsim always had, Red first.
    """
    return _BY_DISCIPLINE[policy.queue_discipline] if policy.red_priority else ONE_QUEUE


class Job:
    """One queued or running task for a role: a contact, its priority and its duration in hours.

    ``rank`` (0 urgent, 1 Amber, 2 the rest) and ``due`` (a deadline) are the
    keys of the ``BY_RAG`` and ``BY_DEADLINE`` orders.  A running job is its
    own completion event on SimPy's queue (it has the ``callbacks`` and
    ``_ok`` an event needs): one object per task, not two.
    """

    __slots__ = ("role", "contact", "urgent", "rank", "due", "hours", "done", "seq", "state", "queued_at",
                 "shift", "callbacks", "_ok", "_value")

    def __init__(self, role: "Role", contact, urgent: bool, hours: float, done: Callable[[Any], None],
                 seq: int, now: float, state: int = QUEUED, rank: int = 0, due: float = 0.0):
        self.role = role
        self.contact = contact
        self.urgent = urgent
        self.rank = rank
        self.due = due
        self.hours = hours
        self.done = done
        self.seq = seq
        self.state = state
        self.queued_at = now
        self.shift = 0  # the role's shift when it started (see Role.shift)
        self._ok = True
        self._value = None
        self.callbacks: Any = None  # set when it runs: then it is its own completion event


class RoleStats:
    """Time-weighted totals of one role, accumulated as its state changes."""

    __slots__ = ("since", "last", "queue_area", "duty_busy_area", "duty_capacity_area",
                 "started", "waited", "wait_total")

    def __init__(self, now: float) -> None:
        self.reset(now)

    def reset(self, now: float) -> None:
        self.since = now
        self.last = now
        self.queue_area = 0.0
        self.duty_busy_area = 0.0
        self.duty_capacity_area = 0.0
        self.started = 0
        self.waited = 0  # tasks that queued before service: P(wait) of queueing theory
        self.wait_total = 0.0


class Role:
    """A pool of staff serving jobs in the order ``order`` (see the module's docstring).

    Every change of state first brings the time-weighted totals up to now
    (``_observe``), so they are exact without sampling.  The methods below are
    the model's innermost loop: they read ``env._now`` rather than the
    ``env.now`` property, and skip ``_observe`` when no time has passed.
    """

    def __init__(self, env: simpy.Environment, name: str, order: int = RED_FIRST) -> None:
        self.env = env
        self.name = name
        self.order = order
        self.capacity = 0
        self.urgent_only = True  # off duty: only out-of-hours cover, for urgent work
        self.busy = 0  # tasks in hand, overtime included
        self.overtime = 0  # of them, those started by staff whose shift has ended
        self.shift = 0  # counts the changes of shift (between duty and out-of-hours cover)
        self.waiting = 0
        # the FIFO queues (urgent, routine[, routine Green]) and the deadline heaps (urgent, routine)
        self._queues: list[deque[Job]] = [deque(), deque(), deque()]
        self._heaps: list[list[tuple[float, int, Job]]] = [[], []]
        self._seq = 0
        self._finish_callbacks = [self._finish]  # every running job's, shared: one list, not one per job
        self.stats = RoleStats(env.now)
        self.rota: Any = None  # the duty rota, when it may go quiet (mashsim.model.duty.DutyRota)
        self.rota_due = math.inf  # while the rota is quiet: when its next staffing change falls due
        self.duty_hours: Any = None  # when it is on duty, for traces (mashsim.model.duty.DutyHours)

    # ------------------------------------------------------------------ public
    def submit(self, contact: Any, urgent: bool, hours: float, done: Callable[[Any], None],
               rank: int = -1, due: float | None = None) -> Job | None:
        """Queue a task; ``done(contact)`` is called when it is finished.

        ``rank`` (0 for urgent work, 1 Amber, 2 the rest) and ``due`` (its
        deadline) place it in the ``BY_RAG`` and ``BY_DEADLINE`` orders; by
        default the contact's own (:func:`queue_rank`, :func:`queue_deadline`),
        worked out only if the task has to wait.
        Returns the job, to :meth:`cancel` it while it waits, or None for an
        instant task (no time) that was done at once.
        """
        env = self.env
        now = env._now
        if now >= self.rota_due:
            self.rota.catch_up(now)
        stats = self.stats
        if not self.waiting and self.busy - self.overtime < self.capacity and (urgent or not self.urgent_only):
            # someone free and nobody waiting: start now, what _dispatch would pick
            stats.started += 1
            if hours > 0.0:
                if now != stats.last:
                    self._observe(now)
                self.busy += 1
                job = Job(self, contact, urgent, hours, done, 0, now, RUNNING)
                job.shift = self.shift
                job.callbacks = self._finish_callbacks
                call_at(env, now + hours, job)
                return job
            done(contact)  # an instant task: no job, no event, and no change to the role's state
            return None
        if now != stats.last:
            self._observe(now)
        self._seq += 1
        job = Job(self, contact, urgent, hours, done, self._seq, now, QUEUED,
                  queue_rank(contact, urgent) if rank < 0 else rank, queue_deadline(contact) if due is None else due)
        self.waiting += 1
        if self.rota_due != math.inf:  # work now waits for staff: the rota must make its changes on time
            self.rota.wake()
        self._enqueue(job)
        if self.busy - self.overtime < self.capacity:  # routine work waits off duty, but this one may be urgent
            self._dispatch()
        return job

    def cancel(self, job: Job) -> None:
        """Withdraw a queued task (it is skipped when reached); a running one is left to finish."""
        if job.state == QUEUED:
            self._catch_up()
            self._observe(self.env._now)
            job.state = CANCELLED
            self.waiting -= 1
            if not self.waiting:  # only cancelled jobs are left in the queues: drop them now
                self._clear()

    def set_order(self, order: int) -> None:
        """Serve the queue in ``order`` from now on; waiting work is put in the new order."""
        if order == self.order:
            return
        self._catch_up()
        live = self.queued()
        self._clear()
        self.order = order
        for job in live:
            self._enqueue(job)
        self._dispatch()

    def queued(self) -> list[Job]:
        """The jobs waiting (not started, not cancelled), in the order they were submitted."""
        live = [job for queue in self._queues for job in queue if job.state == QUEUED]
        live += [job for heap in self._heaps for _, _, job in heap if job.state == QUEUED]
        live.sort(key=_seq_of)
        return live

    def set_staffing(self, capacity: int, urgent_only: bool) -> None:
        """Change the number on duty; with ``urgent_only`` they take urgent work only."""
        self._observe(self.env._now)
        self._staff(capacity, urgent_only)
        self._dispatch()

    def staff_at(self, time: float, capacity: int, urgent_only: bool) -> None:
        """A staffing change at ``time`` (not after now), made late by a quiet rota: no work was waiting."""
        if time != self.stats.last:
            self._observe(time)
        self._staff(capacity, urgent_only)

    def _staff(self, capacity: int, urgent_only: bool) -> None:
        if urgent_only != self.urgent_only:  # a change of shift: whoever is busy finishes in overtime
            self.shift += 1
            self.overtime = self.busy
        self.capacity = capacity
        self.urgent_only = urgent_only

    def reset_stats(self) -> None:
        self._catch_up()
        self._observe(self.env._now)
        self.stats.reset(self.env._now)

    def close_stats(self) -> None:
        self._catch_up()
        self._observe(self.env._now)

    # ----------------------------------------------------------------- internal
    def _catch_up(self) -> None:
        if self.env._now >= self.rota_due:
            self.rota.catch_up(self.env._now)

    def _observe(self, now: float) -> None:
        stats = self.stats
        elapsed = now - stats.last
        if elapsed > 0.0:
            busy = self.busy
            stats.queue_area += self.waiting * elapsed
            if not self.urgent_only:
                stats.duty_busy_area += busy * elapsed
                # staff finishing a task after their shift, or after their number on duty was cut, count
                # as capacity while they do
                on_duty = busy - self.overtime
                stats.duty_capacity_area += ((on_duty if on_duty > self.capacity else self.capacity)
                                             + self.overtime) * elapsed
            stats.last = now

    def _enqueue(self, job: Job) -> None:
        order = self.order
        if order == BY_DEADLINE:
            heappush(self._heaps[0 if job.urgent else 1], (job.due, job.seq, job))
        elif order == BY_RAG:
            self._queues[0 if job.urgent else job.rank].append(job)
        else:
            self._queues[0 if job.urgent else 1].append(job)

    def _clear(self) -> None:
        for queue in self._queues:
            queue.clear()
        for heap in self._heaps:
            heap.clear()

    def _dispatch(self) -> None:
        """Start waiting jobs while someone is free, in the role's order, skipping cancelled ones."""
        order = self.order
        if order == BY_DEADLINE:
            self._dispatch_by_deadline()
            return
        if order == BY_RAG:
            self._dispatch_by_rank()
            return
        urgent, routine = self._queues[0], self._queues[1]
        first = order == RED_FIRST
        while self.busy - self.overtime < self.capacity:
            while urgent and urgent[0].state == CANCELLED:
                urgent.popleft()
            while routine and routine[0].state == CANCELLED:
                routine.popleft()
            if urgent and (first or self.urgent_only or not routine or urgent[0].seq < routine[0].seq):
                job = urgent.popleft()
            elif routine and not self.urgent_only:
                job = routine.popleft()
            else:
                return
            self._start(job, self.env._now)

    def _dispatch_by_rank(self) -> None:
        """``BY_RAG``: the head of the first class with live work (urgent only, off duty)."""
        queues = self._queues
        while self.busy - self.overtime < self.capacity:
            job: Job | None = None
            for queue in queues:
                while queue and queue[0].state == CANCELLED:
                    queue.popleft()
                if queue:
                    job = queue.popleft()
                    break
                if self.urgent_only:
                    break
            if job is None:
                return
            self._start(job, self.env._now)

    def _dispatch_by_deadline(self) -> None:
        """``BY_DEADLINE``: the earlier of the two heaps' heads (the urgent one only, off duty)."""
        urgent, routine = self._heaps[0], self._heaps[1]
        while self.busy - self.overtime < self.capacity:
            while urgent and urgent[0][2].state == CANCELLED:
                heappop(urgent)
            while routine and routine[0][2].state == CANCELLED:
                heappop(routine)
            if urgent and (self.urgent_only or not routine or urgent[0] < routine[0]):
                job = heappop(urgent)[2]
            elif routine and not self.urgent_only:
                job = heappop(routine)[2]
            else:
                return
            self._start(job, self.env._now)

    def _start(self, job: Job, now: float) -> None:
        job.state = RUNNING
        job.shift = self.shift
        self.waiting -= 1
        self.busy += 1
        stats = self.stats
        stats.started += 1
        stats.waited += now > job.queued_at
        stats.wait_total += now - job.queued_at
        if job.hours > 0.0:
            job.callbacks = self._finish_callbacks
            call_at(self.env, now + job.hours, job)
        else:  # an instant task ends now, without an event; the caller's loop dispatches next
            self._end(job)

    def _finish(self, job: Job) -> None:
        """The job's completion event: free its worker, hand the contact on, start the next job."""
        now = self.env._now
        if now >= self.rota_due:
            self.rota.catch_up(now)
        if now != self.stats.last:
            self._observe(now)
        job.state = DONE
        self.busy -= 1
        if job.shift != self.shift:
            self.overtime -= 1
        job.done(job.contact)
        if self.waiting:
            self._dispatch()

    def _end(self, job: Job) -> None:  # an instant task: it ends in the shift it started
        job.state = DONE
        self.busy -= 1
        job.done(job.contact)


def _seq_of(job: Job) -> int:
    return job.seq
