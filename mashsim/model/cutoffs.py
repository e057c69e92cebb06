"""Research cut-offs: when a researched contact goes to decision with whatever has come back.

Every researched contact has a cut-off, but most are decided before it, when
the last return arrives.  Scheduling one event per contact would fill SimPy's
queue with thousands of events that do nothing when they fire (a London-wide
run keeps ~5,000 of them pending).  Cut-offs of one hub and RAG fall due in
the order the contacts were rated (the same clock and the same allowance), so
they wait here in a FIFO with only the earliest on the event queue; contacts
decided meanwhile are skipped without an event.  A cut-off earlier than the
last one queued (the allowance changed mid-run) is scheduled on its own.
"""

from __future__ import annotations

from collections import deque
from typing import Callable

import simpy

from mashsim.model.contact import Contact
from mashsim.model.events import Call, call_at


class CutoffQueue:
    """The pending cut-offs of one hub and RAG; ``due(contact)`` is called at each contact's cut-off."""

    def __init__(self, env: simpy.Environment, due: Callable[[Contact], None]) -> None:
        self._env = env
        self._due = due
        self._queue: deque[tuple[float, Contact]] = deque()

    def add(self, time: float, contact: Contact) -> None:
        queue = self._queue
        if queue and time < queue[-1][0]:
            call_at(self._env, time, Call(lambda _e: self._due(contact)))
            return
        queue.append((time, contact))
        if len(queue) == 1:
            call_at(self._env, time, Call(self._fire))

    def _fire(self, _event) -> None:
        queue, now = self._queue, self._env._now
        while queue and queue[0][0] <= now:
            self._due(queue.popleft()[1])
        while queue and queue[0][1].sent_at is not None:  # decided before its cut-off: nothing to do
            queue.popleft()
        if queue:
            call_at(self._env, queue[0][0], Call(self._fire))
