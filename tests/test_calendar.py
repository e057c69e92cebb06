"""The calendar: weekdays, bank holidays, duty intervals and working-hour clocks."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mashsim.model.calendar import CalendarView, WorkingClock
from mashsim.scenario.schema import Calendar, HoursPattern

MONDAY = dt.date(2025, 1, 6)  # time 0 is 00:00 on this Monday
OFFICE = HoursPattern(days=["mon", "tue", "wed", "thu", "fri"], start=9, end=17)
ALWAYS = HoursPattern(days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start=0, end=24, bank_holidays=True)


def at(day: int, hour: float) -> float:
    """Simulated time of ``hour`` o'clock on day ``day`` (day 0 = Monday 6 January 2025)."""
    return day * 24.0 + hour


def office_clock(*bank_holidays: dt.date, pattern: HoursPattern = OFFICE) -> WorkingClock:
    view = CalendarView(Calendar(start_date=MONDAY, bank_holidays=list(bank_holidays)))
    return view.clock(pattern)


FRIDAY, SATURDAY, MONDAY2, TUESDAY2 = 4, 5, 7, 8


def test_friday_afternoon_plus_two_working_hours_is_monday_morning():
    assert office_clock().add(at(FRIDAY, 16), 2) == at(MONDAY2, 10)


def test_a_bank_holiday_monday_is_skipped():
    holiday = MONDAY + dt.timedelta(days=MONDAY2)
    assert office_clock(holiday).add(at(FRIDAY, 16), 2) == at(TUESDAY2, 10)


def test_a_pattern_that_works_bank_holidays_does_not_skip_them():
    holiday = MONDAY + dt.timedelta(days=MONDAY2)
    pattern = HoursPattern(days=["mon", "tue", "wed", "thu", "fri"], start=9, end=17, bank_holidays=True)
    assert office_clock(holiday, pattern=pattern).add(at(FRIDAY, 16), 2) == at(MONDAY2, 10)


@pytest.mark.parametrize("start, hours, expected", [
    (at(0, 7), 1, at(0, 10)),              # before opening: the clock starts at 09:00
    (at(1, 20), 1, at(2, 10)),             # evening: next morning
    (at(SATURDAY, 12), 1, at(MONDAY2, 10)),  # weekend: Monday
    (at(6, 23.5), 0.5, at(MONDAY2, 9.5)),  # late Sunday
    (at(0, 9), 8, at(0, 17)),              # a whole working day, same day
    (at(0, 12), 8, at(1, 12)),             # a whole working day from midday: next midday
    (at(0, 9), 40, at(FRIDAY, 17)),        # a working week
    (at(FRIDAY, 16), 1, at(FRIDAY, 17)),   # lands exactly on closing time
])
def test_out_of_hours_and_boundary_starts(start, hours, expected):
    assert office_clock().add(start, hours) == pytest.approx(expected, abs=1e-9)


def test_adding_nothing_or_less_returns_the_same_time():
    clock = office_clock()
    assert clock.add(at(SATURDAY, 3), 0) == at(SATURDAY, 3)
    assert clock.add(at(1, 3), -2) == at(1, 3)


def test_an_always_clock_counts_elapsed_hours():
    clock = office_clock(MONDAY, pattern=ALWAYS)
    assert clock.add(at(3, 5.25), 100) == pytest.approx(at(3, 5.25) + 100)
    assert clock.hours_per_day == 24


def test_working_before_counts_only_duty_hours():
    clock = office_clock()
    assert clock.working_before(at(0, 8)) == 0
    assert clock.working_before(at(0, 10.5)) == 1.5
    assert clock.working_before(at(0, 20)) == 8
    assert clock.working_before(at(SATURDAY, 12)) == 40
    assert clock.working_before(at(MONDAY2, 9)) == 40


def test_calendar_view_weekdays_holidays_and_periods():
    christmas = dt.date(2025, 12, 25)
    calendar = Calendar.model_validate({
        "start_date": "2025-01-06",
        "bank_holidays": [christmas],
        "periods": {"holiday": {"dates": [["2025-01-08", "2025-01-09"]], "multiplier": 0.5}},
    })
    view = CalendarView(calendar)
    assert [view.weekday(d) for d in range(8)] == [0, 1, 2, 3, 4, 5, 6, 0]
    assert [view.periods_on(d) for d in range(1, 5)] == [[], ["holiday"], ["holiday"], []]
    day = (christmas - MONDAY).days
    assert view.duty_interval(OFFICE, day) is None
    assert view.duty_interval(ALWAYS, day) == (0, 24)
    assert view.duty_interval(OFFICE, SATURDAY) is None
    assert view.duty_interval(OFFICE, 0) == (9, 17)


# a random office-hours week pattern with random bank holidays: add() is the inverse of
# working_before() and never lands outside duty hours
patterns = st.builds(
    lambda days, start, length: HoursPattern(days=sorted(set(days)), start=start, end=min(24.0, start + length)),
    st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1, max_size=7),
    st.sampled_from([0.0, 7.0, 8.5, 9.0, 20.0]),
    st.sampled_from([0.5, 4.0, 8.0, 12.0, 24.0]),
)


@given(pattern=patterns,
       holidays=st.lists(st.integers(0, 60), max_size=5),
       start=st.floats(0, 24 * 40),
       hours=st.floats(0.01, 200))
def test_add_reaches_exactly_the_target_working_time_and_no_sooner(pattern, holidays, start, hours):
    clock = office_clock(*(MONDAY + dt.timedelta(days=d) for d in holidays), pattern=pattern)
    end = clock.add(start, hours)
    assert end > start
    assert clock.working_before(end) == pytest.approx(clock.working_before(start) + hours, abs=1e-6)
    # the end is inside (or at the close of) a duty interval of its day...
    day = int(end // 24)
    interval = clock._view.duty_interval(pattern, day)
    if interval is None or not interval[0] < end - 24 * day <= interval[1] + 1e-9:
        # ...or exactly at midnight closing the previous day's duty
        previous = clock._view.duty_interval(pattern, day - 1)
        assert end == 24 * day and previous is not None and previous[1] == 24.0
    # ...and a moment earlier the target had not been reached
    assert clock.working_before(end - 1e-3) < clock.working_before(start) + hours
