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

from heapq import heappush
from typing import Any, Callable

import simpy
from simpy.events import NORMAL


class Call:
    """What SimPy's ``Environment.step`` needs of an event: its callbacks and an ok flag."""

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, callback: Callable[[Any], None]) -> None:
        self.callbacks = [callback]
        self._ok = True
        self._value = None


def call_later(env: simpy.Environment, delay: float, callback: Callable[[Any], None]) -> None:
    """Call ``callback(event)`` ``delay`` hours from now, ordered as ``env.timeout(delay)`` would be."""
    heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), Call(callback)))


def call_at(env: simpy.Environment, time: float, event: Any) -> None:
    """Put ``event`` (anything with ``callbacks`` and ``_ok``, such as a :class:`Call`) on the
    queue to be processed at ``time``, ordered as a timeout made now for that time would be."""
    heappush(env._queue, (time, NORMAL, next(env._eid), event))
