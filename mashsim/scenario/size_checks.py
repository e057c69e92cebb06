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

from mashsim.model.workload import expected_contacts  # the same count a shared server limits runs by
from mashsim.scenario.bounds import CONTACTS_PER_RUN, LOOKAHEAD_DAYS, STAFF_DAYS
from mashsim.scenario.errors import Problem
from mashsim.scenario.schema import Scenario


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
