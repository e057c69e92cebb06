"""Who is on duty: headcount changes, daily absence, working hours, out-of-hours cover."""

from __future__ import annotations

import math
from heapq import heappush
from typing import Protocol

import simpy
from simpy.events import URGENT

from mashsim.model.calendar import HOURS_PER_DAY, CalendarView
from mashsim.model.events import Call, call_later
from mashsim.model.streams import Streams
from mashsim.scenario.schema import HoursPattern, Staffing

_DRAW_DAYS = 64  # absence uniforms drawn per slot at a time


class Staffable(Protocol):
    """What a rota sets: a role, or something standing in front of one (an inject's switch)."""

    def set_staffing(self, capacity: int, urgent_only: bool) -> None: ...


class Presence:
    """How many of a role's staff are at work each day.

    Each FTE "slot" has its own stream of one uniform a day, so adding a person
    leaves everyone else's absences as they were (common random numbers).  A
    slot worth a fraction ``f`` of an FTE works on a share ``f`` of days.
    """

    def __init__(self, staffing: Staffing, streams: Streams, name: str) -> None:
        self._staffing = staffing
        slots = math.ceil(staffing.max_staff())
        self._rngs = [streams.rng("absence", name, str(i)) for i in range(slots)]
        self._first_day = 0  # of the block of draws below
        self._draws: list[list[float]] | None = None  # per slot, one uniform a day from _first_day

    def count(self, day: int) -> int:
        """Staff at work on ``day``; days must be asked in increasing order."""
        # one draw per slot per day, worked or not, in blocks of days (the very same uniforms as
        # one at a time); every block is drawn, even one with no day asked, so day d always gets
        # each slot's d-th uniform
        while True:
            if self._draws is None:
                self._draws = [rng.random(_DRAW_DAYS).tolist() for rng in self._rngs]
            if day < self._first_day + _DRAW_DAYS:
                break
            self._first_day += _DRAW_DAYS
            self._draws = None
        k = day - self._first_day
        staff = self._staffing.staff_on_day(day)
        present = 1.0 - self._staffing.absence_rate
        return sum(1 for i, draws in enumerate(self._draws) if draws[k] < min(1.0, staff - i) * present)


class DutyRota:
    """Sets a role's staffing at the start and end of each duty period, day after day.

    A chain of scheduled calls, ordered exactly as the SimPy process it replaced:
    the first step runs when the run starts (an urgent event at time 0, as a
    process's start is), each later one at the opening or closing hour.
    """

    def __init__(self, env: simpy.Environment, role: Staffable, view: CalendarView, pattern: HoursPattern,
                 presence: Presence, out_of_hours: int) -> None:
        self._env = env
        self._role = role
        self._view = view
        self._pattern = pattern
        self._presence = presence
        self._out_of_hours = out_of_hours
        self._day = 0
        self._end = 0.0
        heappush(env._queue, (env._now, URGENT, next(env._eid), Call(self._begin)))

    def _begin(self, _event) -> None:
        self._role.set_staffing(self._out_of_hours, urgent_only=True)
        self._next_period()

    def _next_period(self) -> None:
        view, pattern = self._view, self._pattern
        interval = view.duty_interval(pattern, self._day)
        while interval is None:
            self._day += 1
            interval = view.duty_interval(pattern, self._day)
        start, end = interval
        opens = self._day * HOURS_PER_DAY + start
        self._end = end
        now = self._env._now
        if opens > now:
            call_later(self._env, opens - now, self._open)
        else:
            self._open(None)

    def _open(self, _event) -> None:
        self._role.set_staffing(self._presence.count(self._day), urgent_only=False)
        call_later(self._env, self._day * HOURS_PER_DAY + self._end - self._env._now, self._close)

    def _close(self, _event) -> None:
        follows = self._view.duty_interval(self._pattern, self._day + 1)
        if not (self._end == HOURS_PER_DAY and follows is not None and follows[0] == 0.0):
            self._role.set_staffing(self._out_of_hours, urgent_only=True)
        self._day += 1
        self._next_period()
