"""Duty rotas: who is on duty when, and each day's absences."""

from __future__ import annotations

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from mashsim import load_scenario, simulate
from mashsim.model.calendar import CalendarView
from mashsim.model.duty import DutyRota, Presence, next_on_duty
from mashsim.model.streams import Streams
from mashsim.scenario.schema import Staffing


class Recorder:
    """Stands in for a role: remembers each staffing it is given, with the time."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.changes: list[tuple[float, int, bool]] = []

    def set_staffing(self, capacity: int, urgent_only: bool) -> None:
        self.changes.append((self.env.now, capacity, urgent_only))


@given(st.lists(st.integers(0, 400), min_size=1, max_size=40, unique=True), st.floats(0.0, 0.5),
       st.sampled_from(["mornings", "whole_days"]))
def test_each_day_gets_each_slots_own_uniform_however_the_days_are_asked(days, absence, part_time):
    """Day d's count uses the d-th uniform of every slot's stream, also when days are skipped."""
    staffing = Staffing(staff=3.5, absence_rate=absence, part_time=part_time)
    presence = Presence(staffing, Streams(5, 1), "screeners")
    rngs = [Streams(5, 1).rng("absence", "screeners", str(i)) for i in range(4)]
    uniforms = np.array([rng.random(401) for rng in rngs])  # slot x day
    for day in sorted(days):
        if part_time == "whole_days":  # the half slot works on half the days, whole days
            expected = (sum(1 for i in range(4) if uniforms[i, day] < min(1.0, 3.5 - i) * (1.0 - absence)), 0.0)
        else:  # the half slot works half of each day it is not absent
            expected = (sum(1 for i in range(3) if uniforms[i, day] < 1.0 - absence),
                        0.5 if uniforms[3, day] < 1.0 - absence else 0.0)
        assert presence.at_work(day) == expected


def _rota_changes(staffing: Staffing, days: int, seed: int = 1) -> list[tuple[float, int, bool]]:
    scenario = load_scenario("london-borough")
    env = simpy.Environment()
    role = Recorder(env)
    DutyRota(env, role, CalendarView(scenario.calendar), scenario.calendar.hours["office"],
             Presence(staffing, Streams(seed), "housing"), staffing.out_of_hours_staff)
    env.run(until=24 * days)
    return role.changes


def test_a_half_time_desk_works_half_of_every_working_day_mornings_or_afternoons():
    mornings = _rota_changes(Staffing(staff=0.5), 2)
    assert mornings == [(0.0, 0, True), (9.0, 1, False), (13.0, 0, False), (17.0, 0, True),
                        (33.0, 1, False), (37.0, 0, False), (41.0, 0, True)]
    afternoons = _rota_changes(Staffing(staff=1.5, out_of_hours_staff=1, part_time="afternoons"), 1)
    assert afternoons == [(0.0, 1, True), (9.0, 1, False), (13.0, 2, False), (17.0, 1, True)]
    quarter = _rota_changes(Staffing(staff=2.25), 1)
    assert quarter == [(0.0, 0, True), (9.0, 3, False), (11.0, 2, False), (17.0, 0, True)]


def _empty_working_days(staffing: Staffing, days: int, seed: int) -> tuple[int, int]:
    """(working days on which nobody is on duty at any hour, working days)."""
    changes = _rota_changes(staffing, days, seed)
    opened: dict[int, int] = {}
    for time, staff, urgent_only in changes:
        if not urgent_only:
            day = int(time // 24)
            opened[day] = max(opened.get(day, 0), staff)
    return sum(1 for staff in opened.values() if staff == 0), len(opened)


def test_a_half_time_desk_is_empty_only_on_the_days_its_one_person_is_absent():
    """Housing's 0.5 FTE at 10% absence: nobody on duty on ~10% of working days, not ~55% as when the half
    slot worked half of the days. Binomial, over ~1,025 working days (four years, less bank holidays):
    the 99.9% interval (3.29 sd) is 6.9%-13.1% around 10% and 50%-60% around 55%, far apart (power ~1)."""
    empty, working = _empty_working_days(Staffing(staff=0.5, absence_rate=0.1), 4 * 364, seed=11)
    assert working > 1000
    assert 0.069 < empty / working < 0.131
    old_empty, old_working = _empty_working_days(
        Staffing(staff=0.5, absence_rate=0.1, part_time="whole_days"), 4 * 364, seed=11)
    assert 0.50 < old_empty / old_working < 0.60  # 1 - 0.5 x 0.9 = 55%, as the whole-days pattern gives


def test_adding_a_person_leaves_the_others_absences_alone():
    """Common random numbers: the slots a 1.5 FTE role and a 2.5 FTE one share draw the same days off."""
    one = Presence(Staffing(staff=1.5, absence_rate=0.2), Streams(9), "x")
    two = Presence(Staffing(staff=2.5, absence_rate=0.2), Streams(9), "x")
    rngs = [Streams(9).rng("absence", "x", str(i)) for i in range(3)]
    uniforms = np.array([rng.random(200) for rng in rngs])
    for day in range(200):
        (a, share_a), (b, share_b) = one.at_work(day), two.at_work(day)
        first_in = uniforms[0, day] < 0.8
        assert a == int(first_in) and share_a == (0.5 if uniforms[1, day] < 0.8 else 0.0)
        assert b == int(first_in) + int(uniforms[1, day] < 0.8)  # the second slot, now whole, keeps its days
        assert share_b == (0.5 if uniforms[2, day] < 0.8 else 0.0)


def test_an_office_rota_opens_at_nine_and_closes_at_five_on_working_days_only():
    scenario = load_scenario("london-borough")
    view = CalendarView(scenario.calendar)
    env = simpy.Environment()
    role = Recorder(env)
    staffing = Staffing(staff=4, out_of_hours_staff=1)
    pattern = scenario.calendar.hours["office"]
    DutyRota(env, role, view, pattern, Presence(staffing, Streams(1), "x"), staffing.out_of_hours_staff)
    assert role.changes == []  # nothing happens before the run starts, as with a SimPy process
    env.run(until=24 * 8)  # Monday 6 January 2025 to the next Tuesday morning
    start, end = pattern.start, pattern.end
    working = [d for d in range(8) if view.duty_interval(pattern, d) is not None]
    assert working == [0, 1, 2, 3, 4, 7]  # Saturday and Sunday off
    expected = [(0.0, 1, True)]
    for d in working:
        expected += [(24.0 * d + start, 4, False), (24.0 * d + end, 1, True)]
    assert role.changes == expected


class PassOn:
    """Forwards a rota's changes to a role: a rota in front of anything but a plain role never rests."""

    def __init__(self, role) -> None:
        self.role = role

    def set_staffing(self, capacity: int, urgent_only: bool) -> None:
        self.role.set_staffing(capacity, urgent_only)


def _office_role(always_on: bool):
    from mashsim.model.roles import Role

    scenario = load_scenario("london-borough")
    env = simpy.Environment()
    role = Role(env, "screeners")
    staffing = Staffing(staff=3.5, absence_rate=0.2, out_of_hours_staff=1)
    DutyRota(env, PassOn(role) if always_on else role, CalendarView(scenario.calendar),
             scenario.calendar.hours["office"], Presence(staffing, Streams(3), "screeners"), 1)
    return env, role


def test_a_rota_with_no_work_waiting_makes_no_events_and_still_counts_every_duty_hour():
    quiet_env, quiet = _office_role(always_on=False)
    busy_env, busy = _office_role(always_on=True)
    for env, role in ((quiet_env, quiet), (busy_env, busy)):
        env.run(until=24 * 365)
        role.close_stats()
    assert next(quiet_env._eid) < 5 < 500 < next(busy_env._eid)
    assert quiet.stats.duty_capacity_area == busy.stats.duty_capacity_area > 0
    assert (quiet.capacity, quiet.urgent_only) == (busy.capacity, busy.urgent_only)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_rotas_that_rest_give_the_very_results_of_rotas_that_never_do(seed):
    """Every staffing change skipped while a role had nothing waiting is made later at its own time:
    the run is the same, bit for bit."""
    import mashsim.replication as replication

    scenario = load_scenario("understaffed-police", ["run.horizon_days=20", "run.warmup_days=3"])
    rested = simulate(scenario, seed=seed).metrics
    original = replication.DutyRota
    try:
        replication.DutyRota = lambda env, role, *rest: original(env, PassOn(role), *rest)
        never = simulate(scenario, seed=seed).metrics
    finally:
        replication.DutyRota = original
    assert rested.keys() == never.keys()
    assert all(rested[k] == never[k] or (rested[k] != rested[k] and never[k] != never[k]) for k in rested)


# ---------------------------------------------------------------- next_on_duty
def _office_view() -> tuple[CalendarView, "HoursPattern"]:
    import datetime as dt

    from mashsim.scenario.schema import Calendar, HoursPattern

    office = HoursPattern(days=["mon", "tue", "wed", "thu", "fri"], start=9, end=17)
    return CalendarView(Calendar(start_date=dt.date(2025, 1, 6), bank_holidays=[dt.date(2025, 1, 13)])), office


def test_next_on_duty_names_the_next_opening_skipping_weekends_and_holidays():
    view, office = _office_view()
    assert next_on_duty(view, office, 10.0) is None            # Monday 10:00: on duty
    assert next_on_duty(view, office, 8.0) == 9.0              # Monday 08:00: opens at 09:00
    assert next_on_duty(view, office, 17.0) == 24.0 + 9.0      # Monday 17:00: Tuesday 09:00
    assert next_on_duty(view, office, 4 * 24 + 18.0) == 8 * 24 + 9.0  # Friday evening: the bank-holiday Monday is skipped


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.0, max_value=60 * 24.0))
def test_next_on_duty_is_the_first_on_duty_time(t: float):
    """Off duty at ``t``: the answer is on duty, and nothing in between is (checked each quarter hour)."""
    view, office = _office_view()

    def on(time: float) -> bool:
        interval = view.duty_interval(office, int(time // 24))
        return interval is not None and interval[0] <= time % 24 < interval[1]

    opens = next_on_duty(view, office, t)
    assert (opens is None) == on(t)
    if opens is not None:
        assert opens > t and on(opens)
        step = t
        while step + 0.25 < opens:
            step += 0.25
            assert not on(step)
