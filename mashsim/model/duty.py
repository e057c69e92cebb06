"""Who is on duty: headcount changes, daily absence, working hours, out-of-hours cover."""

from __future__ import annotations

import math
from typing import Generator

import simpy

from mashsim.model.calendar import HOURS_PER_DAY, CalendarView
from mashsim.model.roles import Role
from mashsim.model.streams import Streams
from mashsim.scenario.schema import HoursPattern, Staffing


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
        self._next_day = 0
        self._today: list[float] = []

    def count(self, day: int) -> int:
        while self._next_day <= day:  # one draw per slot per day, worked or not
            self._today = [rng.random() for rng in self._rngs]
            self._next_day += 1
        staff = self._staffing.staff_on_day(day)
        present = 1.0 - self._staffing.absence_rate
        return sum(1 for i, u in enumerate(self._today) if u < min(1.0, staff - i) * present)


def duty_rota(env: simpy.Environment, role: Role, view: CalendarView, pattern: HoursPattern,
              presence: Presence, out_of_hours: int) -> Generator[simpy.Event, None, None]:
    """A SimPy process that sets the role's staffing at the start and end of each duty period."""
    role.set_staffing(out_of_hours, urgent_only=True)
    day = 0
    while True:
        interval = view.duty_interval(pattern, day)
        if interval is not None:
            start, end = interval
            opens = day * HOURS_PER_DAY + start
            if opens > env.now:
                yield env.timeout(opens - env.now)
            role.set_staffing(presence.count(day), urgent_only=False)
            yield env.timeout(day * HOURS_PER_DAY + end - env.now)
            follows = view.duty_interval(pattern, day + 1)
            if not (end == HOURS_PER_DAY and follows is not None and follows[0] == 0.0):
                role.set_staffing(out_of_hours, urgent_only=True)
        day += 1
