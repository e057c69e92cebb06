"""Checks that need the whole scenario: names that must exist, work with no one to do it."""

from __future__ import annotations

import re

from mashsim.scenario.concern_checks import check_concerns
from mashsim.scenario.errors import Problem
from mashsim.scenario.inject_checks import check_injects, inject_warnings
from mashsim.scenario.injects import PolicyInject
from mashsim.scenario.schema import (CAIT, HUB_ROLES, OUTCOMES, PPD, RESEARCHED_RAGS, RISK_LEVELS, HubSettings, Scenario,
                                     Staffing)
from mashsim.scenario.size_checks import check_size

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
RESERVED_NAMES = set(HUB_ROLES) | set(RISK_LEVELS) | set(OUTCOMES) | {"hub", "triage", "decision"}


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Every cross-reference problem in ``scenario``; empty when it is sound."""
    problems: list[Problem] = []
    named = {"calendar.periods": scenario.calendar.periods, "calendar.hours": scenario.calendar.hours,
             "hubs": scenario.hubs, "pools": scenario.pools}
    problems += _check_names(named)
    for name, pool in scenario.pools.items():
        problems += _check_hours(scenario, f"pools.{name}", pool)
    for hub_name, hub in scenario.hub_list():
        problems += _check_hub(scenario, hub_name, hub)
    problems += _check_pools(scenario)
    problems += check_injects(scenario)
    problems += check_size(scenario)
    return problems


def _check_names(named: dict[str, dict]) -> list[Problem]:
    return [
        Problem(f"{table}.{name}", "names may hold letters, digits, '_' and '-' only "
                "(they become parts of dotted metric and field paths)")
        for table, names in named.items() for name in names if not NAME.fullmatch(name)
    ]


def _check_hours(scenario: Scenario, path: str, role: Staffing) -> list[Problem]:
    hours = scenario.calendar.hours
    if role.hours in hours:
        return []
    return [Problem(f"{path}.hours", f"no such hours pattern (allowed: {', '.join(sorted(hours))})", role.hours)]


def _check_hub(scenario: Scenario, hub_name: str | None, hub: HubSettings) -> list[Problem]:
    """Problems of one hub (``hub_name`` None: the hub of a one-hub scenario)."""
    at = "" if hub_name is None else f"hubs.{hub_name}."  # prefixes each path
    problems: list[Problem] = []
    hours = scenario.calendar.hours
    periods = scenario.calendar.periods

    if hub.hub_hours not in hours:
        problems.append(Problem(f"{at}hub_hours", f"no such hours pattern (allowed: {', '.join(sorted(hours))})",
                                hub.hub_hours))

    for name, source in hub.arrivals.sources.items():
        for period in source.period_multipliers:
            if period not in periods:
                allowed = ", ".join(sorted(periods)) or "none defined in calendar.periods"
                problems.append(
                    Problem(f"{at}arrivals.sources.{name}.period_multipliers.{period}",
                            f"no such calendar period (allowed: {allowed})")
                )

    if hub.children is not None and len(hub.agencies) > 64:  # a child's history keeps a bit per agency
        problems.append(Problem(f"{at}children", f"a hub with children has at most 64 agencies "
                                                 f"(this one has {len(hub.agencies)})"))

    for name, agency in hub.agencies.items():
        if name in RESERVED_NAMES:
            problems.append(Problem(f"{at}agencies.{name}", f"'{name}' is reserved; choose another agency name"))
        if agency.pool is not None:
            problems += _check_pool_name(scenario, f"{at}agencies.{name}.pool", agency.pool, "research")
    problems += _check_names({f"{at}agencies": hub.agencies, f"{at}arrivals.sources": hub.arrivals.sources})
    pooled: dict[str, str] = {}
    for name, agency in hub.agencies.items():
        if agency.pool is not None and pooled.setdefault(agency.pool, name) != name:
            problems.append(Problem(f"{at}agencies.{name}.pool", f"agency '{pooled[agency.pool]}' of this hub "
                                    "already sends its research to this pool; a pool staffs one desk per hub",
                                    agency.pool))

    if hub.police is not None:
        for team in ("ppd", "cait"):
            pool = getattr(hub.police, team).pool
            if pool is not None:
                problems += _check_pool_name(scenario, f"{at}police.{team}.pool", pool, team)

    prefix = {name: f"{at}roles.{name}" for name in HUB_ROLES} | {PPD: f"{at}police.ppd", CAIT: f"{at}police.cait"}
    asks = [hub.policy.ask.model_dump(), *_injected_asks(scenario, hub_name)]
    asked = {a for ask in asks for rag in RESEARCHED_RAGS for a in ask.get(rag, [])}
    routine_asked = {a for ask in asks for rag in ("green", "amber") for a in ask.get(rag, [])}
    total_arrivals = sum(s.annual_contacts for s in hub.arrivals.sources.values()) * hub.arrivals.scale
    for name, role in hub.staffed_roles().items():
        path = prefix.get(name, f"{at}agencies.{name}")
        problems += _check_hours(scenario, path, role)
        routine = (name in HUB_ROLES and total_arrivals > 0) or name in routine_asked
        problems += _check_staffed(path, role, routine, urgent=name in asked,
                                   why="every contact" if name in HUB_ROLES else None)

    for rag in RESEARCHED_RAGS:
        names = getattr(hub.policy.ask, rag)
        for i, agency in enumerate(names):
            if agency not in hub.agencies:
                allowed = ", ".join(hub.agencies) or "none defined"
                problems.append(Problem(f"{at}policy.ask.{rag}.{i}", f"no such agency (allowed: {allowed})", agency))
        if len(set(names)) != len(names):
            problems.append(Problem(f"{at}policy.ask.{rag}", "an agency is listed twice", names))
    problems += check_concerns(hub, at, hours)
    return problems


def _check_pool_name(scenario: Scenario, path: str, pool: str, kind: str) -> list[Problem]:
    """A team's ``pool`` must name a pool of its kind (research for an agency desk, ppd or cait)."""
    if scenario.pools.get(pool) is not None and scenario.pools[pool].kind == kind:
        return []
    allowed = ", ".join(name for name, p in scenario.pools.items() if p.kind == kind) or \
        f"none of kind {kind} defined in pools"
    what = "no such pool" if pool not in scenario.pools else \
        f"pool '{pool}' is of kind {scenario.pools[pool].kind}, not {kind}"
    return [Problem(path, f"{what} (allowed: {allowed})", pool)]


def _pool_members(scenario: Scenario, pool: str) -> list[tuple[str | None, HubSettings]]:
    """The hubs that send work to pool ``pool``: through an agency desk or a police team."""
    return [(name, hub) for name, hub in scenario.hub_list() if pool in hub.pools_used()]


def _check_staffed(path: str, role: Staffing, routine: bool, urgent: bool, why: str | None) -> list[Problem]:
    """Work routed to a role that never has anyone to do it."""
    if routine and (role.max_staff() == 0 or role.absence_rate >= 1.0):
        why = why or "Green or Amber contacts (policy.ask names it, or a policy inject does)"
        return [Problem(f"{path}.staff",
                        f"work is routed to this role for {why} but it never has staff at work in working hours "
                        "(out-of-hours cover takes Red work only); allowed: staff > 0 and absence_rate < 1",
                        role.staff)]
    if not routine and urgent and role.max_staff() == 0 and role.out_of_hours_staff == 0:
        return [Problem(f"{path}.staff",
                        "Red contacts are routed to this desk (policy.ask.red) but it has no staff and no "
                        "out-of-hours cover; allowed: staff > 0 or out_of_hours_staff > 0", role.staff)]
    return []


def _injected_asks(scenario: Scenario, hub_name: str | None) -> list[dict]:
    """The ``ask`` tables of the policy injects that act on a hub."""
    return [i.changes().get("ask", {}) for i in scenario.injects
            if isinstance(i, PolicyInject) and i.acts_on(hub_name)]


def _check_pools(scenario: Scenario) -> list[Problem]:
    """A pool must have staff for the work its member hubs route to it."""
    problems: list[Problem] = []
    for name, pool in scenario.pools.items():
        if pool.kind != "research":  # a police team: every member hub's notifications or s47 visits
            members = _pool_members(scenario, name)
            if not members:
                problems.append(Problem(f"pools.{name}", f"no hub's police.{pool.kind}.pool names this {pool.kind} "
                                        f"team; name it in a hub's police.{pool.kind}.pool, or remove it"))
            problems += _check_staffed(f"pools.{name}", pool, bool(members), False,
                                       why=f"the police work of its hubs (police.{pool.kind}.pool names it)")
            problems += _check_pool_order(scenario, name)
            continue
        routine = urgent = False
        for hub_name, hub in scenario.hub_list():
            asks = [hub.policy.ask.model_dump(), *_injected_asks(scenario, hub_name)]
            for agency, desk in hub.agencies.items():
                if desk.pool == name:
                    routine |= any(agency in ask.get(rag, []) for ask in asks for rag in ("green", "amber"))
                    urgent |= any(agency in ask.get("red", []) for ask in asks)
        problems += _check_staffed(f"pools.{name}", pool, routine, urgent,
                                   why="Green or Amber contacts (a member hub's policy.ask names its desk)")
        problems += _check_pool_order(scenario, name)
    return problems


def _shown(value: object) -> str:
    """A value as a scenario file writes it (``true``, not ``True``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


QUEUE_ORDER_FIELDS = ("red_priority", "queue_discipline")  # the policy fields that order a queue


def _check_pool_order(scenario: Scenario, pool: str) -> list[Problem]:
    """A pool's queue has one order: the hubs it serves must agree on Red first or not, and on the discipline."""
    problems = []
    for field in QUEUE_ORDER_FIELDS:
        members = [(hub_name, getattr(hub.policy, field)) for hub_name, hub in _pool_members(scenario, pool)]
        first = members[0][1] if members else None
        problems += [Problem(f"hubs.{hub_name}.policy.{field}",
                             f"the hubs that share pool '{pool}' must agree on policy.{field} (its queue has one "
                             f"order): {members[0][0]} has {_shown(first)}", _shown(value))
                     for hub_name, value in members if value != first]
    return problems
