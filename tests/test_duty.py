"""Duty rotas: who is on duty when, and each day's absences."""

from __future__ import annotations

import numpy as np
import simpy
from hypothesis import given
from hypothesis import strategies as st

from mashsim import load_scenario
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
