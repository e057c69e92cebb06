"""The page's checks of injected events, on top of the scenario's own.

The scenario format takes an event that starts inside the run, and an absence of any size: a file
may mean that. In a live exercise both are slips a trainer wants caught before the run, so the
page refuses an event that runs past the end of the run and an absence of more staff than the
role has (7 of 5 screeners off), and warns of an event that starts in the warm-up (its effect is
partly or wholly outside what the metrics count).
"""

from __future__ import annotations

import math

from mashsim.scenario import Problem, Scenario
from mashsim.scenario.inject_checks import inject_warnings
from mashsim.scenario.injects import HOURS_PER_DAY, AbsenceInject, inject_path


def problems(scenario: Scenario) -> list[Problem]:
    """Events the page refuses: past the end of the run, or more staff off than the role has."""
    found = []
    run_days = scenario.run.warmup_days + scenario.run.horizon_days
    staffed = scenario.staffed_roles()
    for i, inject in enumerate(scenario.injects):
        end_day = inject.end_hours / HOURS_PER_DAY
        if inject.start_hours < run_days * HOURS_PER_DAY < inject.end_hours:
            left = run_days * HOURS_PER_DAY - inject.start_hours
            found.append(Problem(inject_path(i, "hours"),
                                 f"runs past the end of the run (day {end_day:g} of {run_days:g}): allowed up to "
                                 f"{left:g} hours from its start, or lengthen the run", inject.hours))
        if isinstance(inject, AbsenceInject) and inject.role_name in staffed:
            has = staffed[inject.role_name].staff
            if inject.staff > math.ceil(has):
                found.append(Problem(inject_path(i, "staff"),
                                     f"more staff off than the role has ({has:g} FTE): allowed 1 to "
                                     f"{max(1, math.ceil(has))}", inject.staff))
    return found


def warnings(scenario: Scenario) -> list[Problem]:
    """Events that start in the warm-up: valid, but what they do is partly not measured."""
    return inject_warnings(scenario)
