"""Scheduling a plain callback on SimPy's event queue, without a ``Timeout``.

Most of the model's events are "call this function in ``delay`` hours" (a
task finishes, a request reaches a desk, a cut-off falls due).  Written as
``env.timeout(delay).callbacks.append(fn)`` each costs a full ``Timeout``
(an ``Event`` with its value, its defused flag, its own ``schedule`` call).
:func:`call_later` puts a three-slot object on the same queue, with the same
``(time, priority, sequence)`` key ``env.timeout`` would give it, so events
run in exactly the order they would with timeouts and SimPy processes,
conditions and ``env.run(until=...)`` mix with them freely.

It relies on two attributes of ``simpy.Environment`` that have been stable
since SimPy 3 (``_queue``, the heap, and ``_eid``, the sequence counter);
``tests/test_events.py`` checks the ordering against real timeouts.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any, Callable

import simpy
from simpy.events import NORMAL, URGENT


class Call:
    """What SimPy's ``Environment.step`` needs of an event: its callbacks and an ok flag."""

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, callback: Callable[[Any], None]) -> None:
        self.callbacks: Any = [callback]  # SimPy sets None once it has run
        self._ok = True
        self._value = None


def call_later(env: simpy.Environment, delay: float, callback: Callable[[Any], None]) -> None:
    """Call ``callback(event)`` ``delay`` hours from now, ordered as ``env.timeout(delay)`` would be."""
    queue: list[Any] = env._queue
    heappush(queue, (env._now + delay, NORMAL, next(env._eid), Call(callback)))


def call_at(env: simpy.Environment, time: float, event: Any, priority: int = NORMAL) -> None:
    """Put ``event`` (anything with ``callbacks`` and ``_ok``, such as a :class:`Call`, a running
    job or an arrival feed) on the queue to be processed at ``time``, ordered as a timeout made now
    for that time would be (``priority=URGENT``: before the normal events of that instant)."""
    queue: list[Any] = env._queue
    heappush(queue, (time, priority, next(env._eid), event))


class _Stop:
    """The end-of-run marker :func:`run` puts on the queue."""

    __slots__ = ()


def run(env: simpy.Environment, until: float) -> None:
    """Process events up to ``until``, exactly as ``env.run(until=until)`` would.

    The loop of ``Environment.step`` without its per-event method call and
    exception handling (a London year is millions of events).  The stop marker
    is scheduled as SimPy schedules its own (urgent, at ``until``), so the same
    events run in the same order and the clock ends at ``until``.  A failed
    SimPy event that nothing handled is raised, as SimPy raises it.
    """
    if until <= env._now:  # as SimPy
        raise ValueError(f"until ({until}) must be after the current time ({env._now})")
    queue: list[Any] = env._queue
    stop = _Stop()
    heappush(queue, (until, URGENT, next(env._eid), stop))
    while True:
        event: Any
        env._now, _, _, event = heappop(queue)
        if event is stop:
            return
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc
