"""Duty rotas: who is on duty when, and each day's absences."""

from __future__ import annotations

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from mashsim import load_scenario, simulate
from mashsim.model.calendar import CalendarView
from mashsim.model.duty import DutyRota, Presence
from mashsim.model.streams import Streams
from mashsim.scenario.schema import Staffing


class Recorder:
    """Stands in for a role: remembers each staffing it is given, with the time."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.changes: list[tuple[float, int, bool]] = []

    def set_staffing(self, capacity: int, urgent_only: bool) -> None:
        self.changes.append((self.env.now, capacity, urgent_only))


@given(st.lists(st.integers(0, 400), min_size=1, max_size=40, unique=True), st.floats(0.0, 0.5))
def test_each_day_gets_each_slots_own_uniform_however_the_days_are_asked(days, absence):
    """Day d's count uses the d-th uniform of every slot's stream, also when days are skipped."""
    staffing = Staffing(staff=3.5, absence_rate=absence)
    presence = Presence(staffing, Streams(5, 1), "screeners")
    rngs = [Streams(5, 1).rng("absence", "screeners", str(i)) for i in range(4)]
    uniforms = np.array([rng.random(401) for rng in rngs])  # slot x day
    for day in sorted(days):
        expected = sum(1 for i in range(4) if uniforms[i, day] < min(1.0, 3.5 - i) * (1.0 - absence))
        assert presence.count(day) == expected


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
