"""Checks of the scenario's size as a whole: what each field's bound cannot see alone.

Each number is bounded by its type (:mod:`mashsim.scenario.bounds`); these
checks bound what they make together: the contacts one replication must
simulate (volumes x scale x multipliers x run length, surges and backlogs
included), the staff-days it draws presence for (every role and desk of every
hub and pool), and the dates the run and its look-ahead reach.
"""

from __future__ import annotations

import datetime as dt
import math

from mashsim.scenario.bounds import CONTACTS_PER_RUN, LOOKAHEAD_DAYS, STAFF_DAYS
from mashsim.scenario.errors import Problem
from mashsim.scenario.injects import SurgeInject
from mashsim.scenario.schema import HubSettings, Scenario

DAYS_PER_YEAR = 365.25


def check_size(scenario: Scenario) -> list[Problem]:
    """Problems of a scenario too big to simulate, or whose dates run past the calendar's end."""
    return _dates(scenario) + _contacts(scenario) + _staff_days(scenario)


def run_days(scenario: Scenario) -> float:
    return scenario.run.warmup_days + scenario.run.horizon_days


def _dates(scenario: Scenario) -> list[Problem]:
    start = scenario.calendar.start_date
    last_day = dt.date.max.toordinal() - start.toordinal() - LOOKAHEAD_DAYS
    if run_days(scenario) <= last_day:
        return []
    latest = dt.date.max - dt.timedelta(days=LOOKAHEAD_DAYS + int(run_days(scenario)) + 1)
    return [Problem("calendar.start_date",
                    f"the run (warm-up + horizon, {run_days(scenario):g} days) and the {LOOKAHEAD_DAYS // 366} "
                    f"years after it that deadlines may reach must end by {dt.date.max} (the last date a "
                    f"calendar can hold); allowed: a start date up to {latest}", start.isoformat())]


def expected_contacts(scenario: Scenario) -> float:
    """About how many contacts one replication makes: arrivals over the run (with calendar periods and
    surges), and every initial backlog."""
    total = 0.0
    for name, hub in scenario.hub_list():
        surges = [i for i in scenario.injects if isinstance(i, SurgeInject) and i.acts_on(name)]
        total += _hub_contacts(scenario, hub, surges)
        total += sum(role.initial_backlog for role in hub.staffed_roles().values())
    return total


def _hub_contacts(scenario: Scenario, hub: HubSettings, surges: list[SurgeInject]) -> float:
    days = run_days(scenario)
    start = scenario.calendar.start_date
    total = 0.0
    for source_name, source in hub.arrivals.sources.items():
        per_day = source.annual_contacts * hub.arrivals.scale / DAYS_PER_YEAR
        extra_days = 0.0  # days' worth of arrivals the periods add (or take away)
        for period_name, period in scenario.calendar.periods.items():
            multiplier = source.period_multipliers.get(period_name, period.multiplier)
            for first, last in period.dates:
                overlap = min((last - start).days + 1, days) - max((first - start).days, 0)
                extra_days += (multiplier - 1.0) * max(overlap, 0)
        for surge in surges:
            if surge.source in (None, source_name) and surge.factor > 1.0:
                extra_days += (surge.factor - 1.0) * surge.hours / 24.0
        total += per_day * max(days + extra_days, 0.0)
    return total


def _contacts(scenario: Scenario) -> list[Problem]:
    contacts = expected_contacts(scenario)
    if contacts <= CONTACTS_PER_RUN.high:
        return []
    path = "hubs" if scenario.hubs else "arrivals.sources"
    return [Problem(path, f"one replication would simulate about {contacts:,.0f} contacts (volumes x scale x "
                          f"multipliers x {run_days(scenario):g} days, surges and backlogs included); "
                          f"{CONTACTS_PER_RUN.message()}: shorten the run or lower the volumes")]


def staff_days(scenario: Scenario) -> float:
    """Staff (at the most a role ever has, with its out-of-hours cover) x days of the run, summed over
    every role and desk of every hub and every pool: the presence draws one replication makes."""
    roles = [role for _, hub in scenario.hub_list() for role in hub.staffed_roles().values()]
    roles += list(scenario.pools.values())
    slots = sum(math.ceil(role.max_staff()) + role.out_of_hours_staff for role in roles)
    return slots * math.ceil(run_days(scenario))


def _staff_days(scenario: Scenario) -> list[Problem]:
    total = staff_days(scenario)
    if total <= STAFF_DAYS.high:
        return []
    path = "hubs" if scenario.hubs else "roles"
    return [Problem(path, f"one replication would draw the presence of about {total:,.0f} staff-days (staff of "
                          f"every role and desk x {run_days(scenario):g} days); {STAFF_DAYS.message()}: "
                          "shorten the run or lower the staff")]
