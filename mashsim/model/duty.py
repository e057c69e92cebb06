"""Who is on duty: headcount changes, daily absence, working hours, out-of-hours cover."""

from __future__ import annotations

import math
from typing import Any, Iterator, Protocol

import simpy
from simpy.events import URGENT

from mashsim.model.calendar import HOURS_PER_DAY, CalendarView
from mashsim.model.events import Call, call_at
from mashsim.model.roles import Role
from mashsim.model.streams import Streams
from mashsim.scenario.schema import HoursPattern, Staffing

_DRAW_DAYS = 64  # absence uniforms drawn per slot at a time


class Staffable(Protocol):
    """What a rota sets: a role, or something standing in front of one (an inject's switch)."""

    def set_staffing(self, capacity: int, urgent_only: bool) -> None: ...


class Presence:
    """How many of a role's staff are at work each day, and for how much of it.

    Each FTE "slot" has its own stream of one uniform a day, so adding a person
    leaves everyone else's absences as they were (common random numbers); a
    person is away for whole days (``absence_rate``).  A slot worth a fraction
    ``f`` of an FTE (the last one: 0.5 of a 1.5 FTE desk) works a share ``f`` of
    each day's hours, at its start or end as ``part_time`` says, so a 0.5 FTE
    desk is staffed every working day; with ``part_time = "whole_days"`` it
    works whole days on a share ``f`` of days instead.
    """

    def __init__(self, staffing: Staffing, streams: Streams, name: str) -> None:
        self._staffing = staffing
        self._by_hours = staffing.part_time != "whole_days"
        self.mornings = staffing.part_time != "afternoons"  # a part-timer works the start of the day
        slots = math.ceil(staffing.max_staff())
        self._rngs = [streams.rng("absence", name, str(i)) for i in range(slots)]
        self._first_day = 0  # of the block of draws below
        self._draws: list[list[float]] | None = None  # per slot, one uniform a day from _first_day

    def at_work(self, day: int) -> tuple[int, float]:
        """Staff at work all day on ``day``, and the share of the day a part-time one works (0 if none);
        days must be asked in increasing order."""
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
        whole = int(staff)
        share = staff - whole
        if not self._by_hours or share == 0.0:  # a fractional slot, if any, works whole days at random
            return sum(1 for i, draws in enumerate(self._draws) if draws[k] < min(1.0, staff - i) * present), 0.0
        count = sum(1 for i in range(whole) if self._draws[i][k] < present)
        return count, share if self._draws[whole][k] < present else 0.0


class DutyRota:
    """Sets a role's staffing at the start and end of each duty period, day after day.

    A role with work waiting has its staffing changed by a scheduled call at
    each opening and closing hour: whoever comes on duty starts on the queue.
    A role with nothing waiting does not need those calls: the rota goes
    quiet, and the changes it skipped are applied, each at its own time, when
    work next reaches the role (:meth:`catch_up`, called by the role before any
    change of its state).  The role's totals are the same either way (it
    observes each change at its time), but an idle hub or desk costs no events.
    A rota in front of something other than a plain role (an inject's switch)
    never goes quiet.

    Changes are urgent events: at an hour when staff change, the change comes
    before any work at that very hour, whether the rota was quiet or not.  The
    first (out-of-hours cover) is made when the run starts.
    """

    def __init__(self, env: simpy.Environment, role: Staffable, view: CalendarView, pattern: HoursPattern,
                 presence: Presence, out_of_hours: int) -> None:
        self._env = env
        self._role = role
        self._changes = _changes(env._now, view, pattern, presence, out_of_hours)
        self._next = next(self._changes)
        self._quiet_role: Any = role if isinstance(role, Role) else None  # the role, when the rota may rest
        if self._quiet_role is not None:
            self._quiet_role.rota = self
        self._schedule()

    def _fire(self, _event) -> None:
        """The next change is due: make it (and any due at the same time), then wait for the next."""
        now = self._env._now
        while self._next[0] <= now:
            _, capacity, urgent_only = self._next
            self._next = next(self._changes)
            self._role.set_staffing(capacity, urgent_only)
        role = self._quiet_role
        if role is not None and not role.waiting:
            role.rota_due = self._next[0]  # quiet until work comes: see catch_up and wake
        else:
            self._schedule()

    def catch_up(self, now: float) -> None:
        """Apply, at their own times, the changes skipped while quiet, up to ``now``."""
        role = self._quiet_role
        while self._next[0] <= now:
            at, capacity, urgent_only = self._next
            self._next = next(self._changes)
            role.staff_at(at, capacity, urgent_only)
        role.rota_due = self._next[0]

    def wake(self) -> None:
        """Work is waiting: make the next change (and the ones after) with scheduled calls again."""
        self._quiet_role.rota_due = math.inf
        self._schedule()

    def _schedule(self) -> None:
        # urgent: a change of staff at an hour comes before any work at that very hour, as it does
        # when a quiet rota catches up (and whatever was scheduled first)
        call_at(self._env, self._next[0], Call(self._fire), URGENT)


class DutyHours:
    """When a role is on duty for a task: its hours pattern and out-of-hours cover.

    Kept on the role (``Role.duty_hours``) so that the hub can say, in a trace, that the role taking
    a case's next step is off duty for it and until when, from the very calendar its rota follows.
    """

    def __init__(self, view: CalendarView, pattern: HoursPattern, out_of_hours: int) -> None:
        self.view = view
        self.pattern = pattern
        self.out_of_hours = out_of_hours

    def off_duty_until(self, t: float, urgent: bool) -> float | None:
        """None if the role takes this work at ``t`` (urgent work has out-of-hours cover where there
        is any); else when it next comes on duty (inf: not within a year)."""
        if urgent and self.out_of_hours > 0:
            return None
        return next_on_duty(self.view, self.pattern, t)


def next_on_duty(view: CalendarView, pattern: HoursPattern, t: float) -> float | None:
    """None if ``pattern`` is on duty at ``t``; else when it next comes on duty (inf: not within a year).

    The rota's own reading of the calendar, so a trace can say until when a role is off duty
    without working the pattern out again outside the model.
    """
    day = int(t // HOURS_PER_DAY)
    for d in range(day, day + 366):
        interval = view.duty_interval(pattern, d)
        if interval is None:
            continue
        start = d * HOURS_PER_DAY + interval[0]
        end = d * HOURS_PER_DAY + interval[1]
        if t < start:
            return start
        if t < end:
            return None
    return math.inf


def _changes(start: float, view: CalendarView, pattern: HoursPattern, presence: Presence,
             out_of_hours: int) -> Iterator[tuple[float, int, bool]]:
    """Each staffing change, in time order: ``(time, staff, urgent_only)``, for ever.

    A part-timer at work comes with the others and leaves after their share of
    the day's hours (``presence.mornings``), or comes that long before the end and
    leaves with them; leaving, they finish the task in hand (the same shift).

    Times are reached as a process waiting ``opens - now`` would reach them
    (``now + (opens - now)``, which can differ from ``opens`` in the last bit),
    so a rota gives the same times whether its calls are made or skipped.
    """
    now = start
    mornings = presence.mornings
    yield now, out_of_hours, True
    day = 0
    while True:
        interval = view.duty_interval(pattern, day)
        if interval is not None:
            begin, end = interval
            opens = day * HOURS_PER_DAY + begin
            if opens > now:
                now = now + (opens - now)
            staff, share = presence.at_work(day)
            if share == 0.0:
                yield now, staff, False
            else:
                split = begin + (share if mornings else 1.0 - share) * (end - begin)
                yield now, staff + 1 if mornings else staff, False
                now = now + (day * HOURS_PER_DAY + split - now)
                yield now, staff if mornings else staff + 1, False
            now = now + (day * HOURS_PER_DAY + end - now)
            follows = view.duty_interval(pattern, day + 1)
            if not (end == HOURS_PER_DAY and follows is not None and follows[0] == 0.0):
                yield now, out_of_hours, True
        day += 1
