"""How many contacts one replication of a scenario simulates, in expectation, before running it.

A shared server uses this to refuse a run too big for it (see :mod:`mashsim.app.limits`): the
work and the memory of a run grow with its contacts. The count is the integral of the same hourly
arrival rates the run draws from (:func:`~mashsim.model.arrivals.hourly_rates`: day and hour
profiles, bank holidays, calendar periods), over warm-up and horizon, plus each surge inject's
extra (or missing) arrivals and every initial backlog; with children, each first contact counts with
its expected returns. It is exact but for overlapping surges
below 1, which thin one another in the run and are subtracted one by one here.

The cost is a few operations per simulated day and source: check the run's length first when it
comes from someone you do not trust.
"""

from __future__ import annotations

import math

import numpy as np

from mashsim.model.arrivals import hourly_rates
from mashsim.model.calendar import HOURS_PER_DAY, CalendarView
from mashsim.model.children import first_contact_share
from mashsim.scenario.injects import SurgeInject
from mashsim.scenario.schema import HubSettings, Scenario


def run_hours(scenario: Scenario) -> float:
    """Simulated hours of one replication: warm-up and horizon."""
    return (scenario.run.warmup_days + scenario.run.horizon_days) * HOURS_PER_DAY


def expected_contacts(scenario: Scenario) -> float:
    """Expected contacts of one replication: arrivals over warm-up and horizon, surges, initial backlogs."""
    view = CalendarView(scenario.calendar)
    end = run_hours(scenario)
    days = math.ceil(end / HOURS_PER_DAY)
    total = 0.0
    for hub, settings in scenario.hub_list():
        surges = [i for i in scenario.injects if isinstance(i, SurgeInject) and i.acts_on(hub)]
        for name, source in settings.arrivals.sources.items():
            cumulative = _cumulative(hourly_rates(settings, source, view, 0, days))
            # the rates are of first contacts: with children, their returns come on top (see first_contact_share)
            each = 1.0 / first_contact_share(settings, source)
            total += each * _between(cumulative, 0.0, end)
            for surge in (s for s in surges if s.source in (None, name)):
                stop = min(surge.end_hours, end)
                if stop > surge.start_hours:
                    total += each * (surge.factor - 1.0) * _between(cumulative, surge.start_hours, stop)
        total += _backlog(settings)
    return max(total, 0.0)


def _backlog(settings: HubSettings) -> int:
    return sum(role.initial_backlog for role in settings.staffed_roles().values())


def _cumulative(rates: np.ndarray) -> np.ndarray:
    """Expected arrivals before each whole hour: ``C[h]`` over hours ``[0, h)``."""
    return np.concatenate(([0.0], np.cumsum(rates)))


def _between(cumulative: np.ndarray, start: float, stop: float) -> float:
    """Expected arrivals over hours ``[start, stop)``, the rate constant within each hour."""
    return _at(cumulative, stop) - _at(cumulative, start)


def _at(cumulative: np.ndarray, hour: float) -> float:
    last = cumulative.size - 1
    whole = min(int(hour), last)
    if whole == last:
        return float(cumulative[last])
    return float(cumulative[whole] + (hour - whole) * (cumulative[whole + 1] - cumulative[whole]))
