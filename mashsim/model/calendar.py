"""Simulated time and the calendar: days, duty hours, bank holidays, working-hour clocks.

Simulated time is in hours; time 0 is midnight at the start of
``calendar.start_date``.  Day ``d`` covers hours ``[24 d, 24 d + 24)``.
"""

from __future__ import annotations

import bisect
import math
import datetime as dt
from typing import Iterable

import numpy as np

from mashsim.scenario.bounds import DAY_INDEX, LOOKAHEAD_DAYS
from mashsim.scenario.schema import WEEKDAYS, Calendar, HoursPattern

HOURS_PER_DAY = 24.0
_HORIZON_LIMIT_DAYS = LOOKAHEAD_DAYS - 366  # working-hour sums further out than this are "never"


class CalendarView:
    """Answers calendar questions by day index: weekday, holidays, periods, duty hours."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        # by day index, without making a date: asked for every role, every day of a run
        self._first_weekday = calendar.start_date.weekday()
        self._holiday_days = {(d - calendar.start_date).days for d in calendar.bank_holidays}
        self._period_days: dict[int, list[str]] = {}  # by day index
        self._days_of_period: dict[str, list[int]] = {}
        for name, period in calendar.periods.items():
            days = self._days_of_period.setdefault(name, [])
            for first, last in period.dates:
                # only the days a run can reach: a period may span centuries of dates
                first_day = max((first - calendar.start_date).days, 0)
                last_day = min((last - calendar.start_date).days, int(DAY_INDEX.high))
                for day in range(first_day, last_day + 1):
                    self._period_days.setdefault(day, []).append(name)
                    days.append(day)

    def date(self, day: int) -> dt.date:
        return self.calendar.start_date + dt.timedelta(days=day)

    def weekday(self, day: int) -> int:
        """0 for Monday ... 6 for Sunday."""
        return (self._first_weekday + day) % 7

    def is_bank_holiday(self, day: int) -> bool:
        return day in self._holiday_days

    def periods_on(self, day: int) -> list[str]:
        return self._period_days.get(day, [])

    # The same answers for days 0 .. days - 1 at once, as arrays (for the arrival rates of a whole run).
    def weekdays(self, days: int) -> np.ndarray:
        """The weekday of each day, 0 for Monday ... 6 for Sunday."""
        return (self._first_weekday + np.arange(days)) % 7

    def bank_holiday_mask(self, days: int) -> np.ndarray:
        return self._mask(self._holiday_days, days)

    def period_mask(self, name: str, days: int) -> np.ndarray:
        """Whether each day is in period ``name``."""
        return self._mask(self._days_of_period.get(name, []), days)

    @staticmethod
    def _mask(day_indices: Iterable[int], days: int) -> np.ndarray:
        mask = np.zeros(days, dtype=bool)
        inside = [d for d in day_indices if 0 <= d < days]
        mask[inside] = True
        return mask

    def duty_interval(self, pattern: HoursPattern, day: int) -> tuple[float, float] | None:
        """Hours of day ``day`` (from its midnight) when ``pattern`` is on duty, or None."""
        if WEEKDAYS[(self._first_weekday + day) % 7] not in pattern.days:
            return None
        if day in self._holiday_days and not pattern.bank_holidays:
            return None
        return pattern.start, pattern.end

    def clock(self, pattern: HoursPattern) -> "WorkingClock":
        return WorkingClock(self, pattern)


class WorkingClock:
    """Converts between elapsed hours and the working hours of one duty pattern."""

    def __init__(self, view: CalendarView, pattern: HoursPattern) -> None:
        self._view = view
        self._pattern = pattern
        self._cumulative = [0.0]  # working hours before day d
        self._open: list[float] = []
        self.hours_per_day = pattern.hours_per_day

    def _extend(self, days: int) -> None:
        while len(self._open) < days:
            day = len(self._open)
            interval = self._view.duty_interval(self._pattern, day)
            start, end = interval if interval else (0.0, 0.0)
            self._open.append(start)
            self._cumulative.append(self._cumulative[-1] + end - start)

    def working_before(self, t: float) -> float:
        """Working hours elapsed from time 0 up to ``t``."""
        day = int(t // HOURS_PER_DAY)
        if day >= len(self._open):
            self._extend(day + 1)
        start = self._open[day]
        length = self._cumulative[day + 1] - self._cumulative[day]
        into = t - day * HOURS_PER_DAY - start
        return self._cumulative[day] + (0.0 if into < 0.0 else length if into > length else into)

    def next_day_start(self, t: float) -> float:
        """When the next working day after ``t`` starts (a school's next day, for a notice due before
        it): today's start if ``t`` is before it, else the next working day's; ``math.inf`` if none
        comes within the horizon limit."""
        day = int(t // HOURS_PER_DAY)
        self.working_before(t)  # the days up to t's known
        if self._cumulative[day + 1] <= self._cumulative[day] or t >= day * HOURS_PER_DAY + self._open[day]:
            day += 1
        while day <= _HORIZON_LIMIT_DAYS:
            if day >= len(self._open):
                self._extend(day + 366)
            if self._cumulative[day + 1] > self._cumulative[day]:
                return day * HOURS_PER_DAY + self._open[day]
            day += 1
        return math.inf

    def add(self, t: float, hours: float) -> float:
        """The time at which ``hours`` working hours have passed after ``t``."""
        if hours <= 0:
            return t
        cumulative = self._cumulative
        target = self.working_before(t) + hours
        day = int(t // HOURS_PER_DAY)
        if target > cumulative[day + 1]:  # not later the same day: find the day (the common case is above)
            while cumulative[-1] < target:
                if len(self._open) > _HORIZON_LIMIT_DAYS:
                    if cumulative[-1] == 0.0:
                        raise ValueError("this hours pattern has no working time")
                    return math.inf  # beyond any run: never reached
                self._extend(len(self._open) + 366)
            day = bisect.bisect_left(cumulative, target, day + 1) - 1
        return day * HOURS_PER_DAY + self._open[day] + (target - cumulative[day])
