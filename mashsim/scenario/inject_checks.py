"""Checks of the scenario's injects against the rest of it: names, hubs, pools and times.

In a scenario with hubs an inject acts on the hub its ``hub`` names, or on
every hub when it names none; each name it gives (a source, an agency, a
role) must then exist in every hub it acts on.  An outage or absence of a
team shared by hubs names the pool (``pool``) and no hub: a pooled desk
named through one hub would leave it unclear whether the whole team, or
one hub's share of it, is meant.  Problems carry paths such as
``injects[2].hub``.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable

from mashsim.scenario.errors import Problem
from mashsim.scenario.injects import (HOURS_PER_DAY, AbsenceInject, InjectBase, OutageInject, PolicyInject,
                                      SurgeInject, inject_path)
from mashsim.scenario.schema import HUB_ROLES, HubSettings, Scenario

Targets = list[tuple[str | None, HubSettings]]


def check_injects(scenario: Scenario) -> list[Problem]:
    """Problems with the names and times of the scenario's injects (paths ``injects[i].field``)."""
    problems = []
    run_days = scenario.run.warmup_days + scenario.run.horizon_days
    for i, inject in enumerate(scenario.injects):
        if inject.start_hours >= run_days * HOURS_PER_DAY:
            problems.append(Problem(
                inject_path(i, "start_day"),
                f"starts after the run ends (allowed: 0 <= start_day < {run_days:g}, "
                "days from time 0, warm-up included)", inject.start_day))
        placed = _where_problems(scenario, i, inject)
        problems += placed
        if not placed:  # with a bad hub or pool there is nothing to check the names against
            problems += _names(scenario, i, inject, acting_on(scenario, inject))
    return problems


def acting_on(scenario: Scenario, inject: InjectBase) -> Targets:
    """The hubs whose own roles or arrivals ``inject`` acts on (none for a pool's outage or absence)."""
    return [(name, hub) for name, hub in scenario.hub_list() if inject.acts_on(name)]


def inject_warnings(scenario: Scenario) -> list[Problem]:
    """Injects that are valid but partly outside the measured window (the metrics will not show them)."""
    warmup = scenario.run.warmup_days * HOURS_PER_DAY
    return [Problem(inject_path(i, "start_day"),
                    f"starts in the warm-up (before day {scenario.run.warmup_days:g}): metrics count only contacts "
                    "arriving after it", inject.start_day)
            for i, inject in enumerate(scenario.injects) if inject.start_hours < warmup]


def _where_problems(scenario: Scenario, i: int, inject: InjectBase) -> list[Problem]:
    """Problems with the hub or pool the inject names."""
    problems = []
    pool = getattr(inject, "pool", None)
    if inject.hub is not None:
        if not scenario.hubs:
            problems.append(Problem(inject_path(i, "hub"), "this scenario has one hub (no [hubs.*] tables): "
                                    "leave out hub", inject.hub))
        elif pool is not None:
            problems.append(Problem(inject_path(i, "hub"), "a pool's team is shared by its hubs: leave out hub "
                                    "when you name a pool (the inject acts on the whole team)", inject.hub))
        elif inject.hub not in scenario.hubs:
            problems.append(_unknown(inject_path(i, "hub"), "hub", inject.hub, list(scenario.hubs)))
    if pool is not None and pool not in scenario.pools:
        problems.append(_unknown(inject_path(i, "pool"), "pool", pool, list(scenario.pools)))
    return problems


def _names(scenario: Scenario, i: int, inject: InjectBase, where: Targets) -> list[Problem]:
    """Problems with the source, agency or role the inject names, in the hubs it acts on."""
    if isinstance(inject, SurgeInject) and inject.source is not None:
        return _missing(inject_path(i, "source"), "source", inject.source, where,
                        lambda hub: list(hub.arrivals.sources))
    if isinstance(inject, OutageInject) and inject.agency is not None:
        path = inject_path(i, "agency")
        return _missing(path, "agency", inject.agency, where, lambda hub: list(hub.agencies)) or \
            _pooled(path, inject.agency, inject.agency, where)
    if isinstance(inject, AbsenceInject) and inject.role is not None:
        path, name = inject_path(i, "role"), inject.role_name
        problems = _missing(path, "role", inject.role, where, _role_names, known=lambda hub: _is_role(hub, inject.role))
        return problems or _pooled(path, name, inject.role, where)
    if isinstance(inject, PolicyInject):
        problems = []
        if inject.ask is not None:
            for rag, names in inject.ask.model_dump(exclude_none=True).items():
                for j, agency in enumerate(names):
                    problems += _missing(inject_path(i, f"ask.{rag}.{j}"), "agency", agency, where,
                                         lambda hub: list(hub.agencies))
        for field in ("red_priority", "queue_discipline"):  # the fields that order a queue
            if getattr(inject, field) is not None and inject.hub is not None:
                problems += _shared_queue(scenario, i, inject.hub, field, getattr(inject, field))
        return problems
    return []


def _role_names(hub: HubSettings) -> list[str]:
    return [*HUB_ROLES, *(f"agencies.{a}" for a in hub.agencies)]


def _is_role(hub: HubSettings, role: str) -> bool:
    name = role.removeprefix("agencies.").removeprefix("roles.")
    return (name in HUB_ROLES and role in (name, f"roles.{name}")) or \
           (name in hub.agencies and role in (name, f"agencies.{name}"))


def _missing(path: str, what: str, value: str, where: Targets, names: Callable[[HubSettings], list[str]],
             known: Callable[[HubSettings], bool] | None = None) -> list[Problem]:
    """``value`` is not a ``what`` of every hub in ``where``: a problem naming the hubs without it."""
    known = known or (lambda hub: value in names(hub))
    lacking = [name for name, hub in where if not known(hub)]
    if not lacking:
        return []
    if len(lacking) == len(where):
        return [_unknown(path, what, value, names(where[0][1]))]
    return [Problem(path, f"no such {what} in {_hubs(lacking)} (an inject without hub acts on every hub): "
                          f"give hub = the name of a hub that has it", value)]


def _pooled(path: str, agency: str, value: str, where: Targets) -> list[Problem]:
    """An outage or absence may not name a desk that a shared team staffs: it names the pool."""
    pooled = [(name, hub.agencies[agency].pool) for name, hub in where
              if agency in hub.agencies and hub.agencies[agency].pool is not None]
    if not pooled:
        return []
    hubs = [name for name, _ in pooled]
    at = "" if hubs == [None] else " in every hub" if len(hubs) == len(where) > 1 else f" in {_hubs(hubs)}"
    pools = ", ".join(f'pool = "{p}"' for p in sorted({p for _, p in pooled}))
    return [Problem(path, f"the {agency} desk{at} is staffed by a team shared in pools: to act on that team, "
                          f"name it instead of the desk ({pools}, without hub)", value)]


def _shared_queue(scenario: Scenario, i: int, hub: str, field: str, value: Any) -> list[Problem]:
    """A pool has one queue, in one order: a hub may not reorder it for the others."""
    mine = scenario.hubs[hub].pools_used()
    shared = sorted(p for p in mine if any(other != hub and p in settings.pools_used()
                                           for other, settings in scenario.hubs.items()))
    if not shared:
        return []
    return [Problem(inject_path(i, field),
                    f"hub {hub} shares the queue of pool {', '.join(shared)} with other hubs, and a queue has one "
                    f"order: leave out hub to change {field} in every hub", value)]


def _hubs(names: list[str | None]) -> str:
    shown = ", ".join(str(n) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return ("hub " if len(names) == 1 else "hubs ") + shown


def _unknown(path: str, what: str, value: str, allowed: list[str]) -> Problem:
    close = difflib.get_close_matches(value, allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return Problem(path, f"no such {what}; {hint}allowed: {', '.join(allowed) or 'none defined'}", value)
