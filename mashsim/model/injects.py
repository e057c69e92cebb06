"""Injected events acting on a running model, each through one seam of it.

- absence and outage: a :class:`StaffingSwitch` sits between a role's duty
  rota and the role, taking staff off (absence, working hours only) or every
  searcher off (outage: the desk's systems are down);
- outage in "fail" mode also marks the hub's desk as failing (every member
  hub's desk, for a pool): a request that reaches it is answered at once
  with nothing;
- policy: the hub's policy is swapped for its own with the inject's
  fields changed, and swapped back at the end;
- surge: the arrival rate of the sources it covers is multiplied by its
  factor in its window, on top of the volumes.  Arrivals at any rate are
  coupled (:mod:`mashsim.model.arrivals`): a surge (factor > 1) adds contacts
  to the usual ones and a drop (factor < 1) takes some away, leaving every
  other contact and all its draws as they were, so contacts outside the window
  (and the usual ones inside it) are the same children as without the surge:
  common random numbers.  A surge of x1.5 adds the very contacts a volume of
  x1.5 would add in its window.

In a scenario with hubs, an inject acts on the hub it names, or on every
hub (each as though the inject were its own, drawing from the hub's
streams); a pool's outage or absence acts on the shared team.  A scenario
without injects never builds any of this.
"""

from __future__ import annotations

from typing import Iterable

import simpy

from mashsim.model.hub import Hub
from mashsim.model.network import hub_node, pool_node
from mashsim.model.roles import Role
from mashsim.scenario.injects import AbsenceInject, InjectBase, OutageInject, PolicyInject, SurgeInject
from mashsim.scenario.load import merge_tables
from mashsim.scenario.schema import Policy, Scenario


class StaffingSwitch:
    """Stands between a duty rota and its role: passes on the rostered staffing, less those off.

    ``off`` staff are taken off the working-hours staffing (out-of-hours cover
    is a different team); while ``down`` is above zero nobody can search at all.
    """

    def __init__(self, role: Role) -> None:
        self.role = role
        self.rostered = (role.capacity, role.urgent_only)
        self.off = 0
        self.down = 0

    def set_staffing(self, capacity: int, urgent_only: bool) -> None:
        """What the duty rota calls instead of :meth:`Role.set_staffing`."""
        self.rostered = (capacity, urgent_only)
        self._apply()

    def change(self, off: int = 0, down: int = 0) -> None:
        """Take ``off`` more staff off (negative: back on), ``down`` more outages (negative: one ends)."""
        self.off += off
        self.down += down
        self._apply()

    def _apply(self) -> None:
        capacity, urgent_only = self.rostered
        if self.down > 0:
            capacity = 0
        elif not urgent_only:
            capacity = max(capacity - self.off, 0)
        self.role.set_staffing(capacity, urgent_only)


class InjectPlan:
    """The scenario's injects, ready to act on one replication, a group of hubs at a time.

    A role a switch may stand in front of is known by its key: ``hub_node(hub,
    role)`` for a hub's own role or desk (``camden/screeners``, or ``screeners``
    in a one-hub scenario), ``pool_node(pool)`` for a shared team.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.injects = scenario.injects
        self._settings = dict(scenario.hub_list())
        self._targets = {key for inject in self.injects for key in self._keys(inject, self._settings)}
        self.switches: dict[str, StaffingSwitch] = {}
        self._active_policies: dict[str | None, list[int]] = {}

    def staffing(self, role: Role, key: str) -> Role | StaffingSwitch:
        """What the duty rota of role ``key`` should set: the role itself, or a switch in front of it."""
        if key not in self._targets:
            return role
        switch = self.switches[key] = StaffingSwitch(role)
        return switch

    # ------------------------------------------------------------------ surges
    def surges(self, source: str, hub: str | None = None) -> list[tuple[float, float, float]]:
        """``(start hour, end hour, factor)`` of each surge on ``hub``'s ``source``, in file order.

        The arrivals multiply the source's rate by each factor inside its window; by their
        coupling (see :mod:`mashsim.model.arrivals`) a surge adds contacts and a drop takes
        some away, leaving every other contact and all its draws as they were.
        """
        return [(i.start_hours, i.end_hours, i.factor) for i in self.injects
                if isinstance(i, SurgeInject) and i.source in (None, source) and i.acts_on(hub)]

    # ----------------------------------------------------- switches in time
    def start(self, env: simpy.Environment, hubs: dict[str | None, Hub], pools: Iterable[str]) -> None:
        """Schedule the start and end of every absence, outage and policy inject that acts on a group
        of the run: the hubs ``hubs`` and the pools ``pools`` they share."""
        pools = set(pools)
        if any(hub.trace for hub in hubs.values()):
            self._tell_outages(hubs)
        for k, inject in enumerate(self.injects):
            if isinstance(inject, SurgeInject):
                continue
            pool = getattr(inject, "pool", None)
            if pool in pools or (pool is None and any(inject.acts_on(hub) for hub in hubs)):
                env.timeout(inject.start_hours).callbacks.append(lambda _e, k=k: self._switch(hubs, k, +1))
                env.timeout(inject.end_hours).callbacks.append(lambda _e, k=k: self._switch(hubs, k, -1))

    def _switch(self, hubs: dict[str | None, Hub], k: int, sign: int) -> None:
        inject = self.injects[k]
        if isinstance(inject, AbsenceInject):
            for key in self._keys(inject, hubs):
                self.switches[key].change(off=sign * inject.staff)
        elif isinstance(inject, OutageInject):
            for key in self._keys(inject, hubs):
                self.switches[key].change(down=sign)
            if inject.mode == "fail":
                for name, hub in hubs.items():
                    for agency in self._desks_down(inject, name):
                        hub.set_failing(agency, sign)
        elif isinstance(inject, PolicyInject):
            for name, hub in hubs.items():
                if not inject.acts_on(name):
                    continue
                active = self._active_policies.setdefault(name, [])
                if sign > 0:
                    active.append(k)
                else:
                    active.remove(k)
                hub.set_policy(self.policy_now(name))

    def _keys(self, inject: InjectBase, hubs: Iterable[str | None]) -> list[str]:
        """The keys of the roles an absence or outage acts on, among the hubs ``hubs`` (or its pool)."""
        if isinstance(inject, AbsenceInject):
            role = inject.role_name
        elif isinstance(inject, OutageInject):
            role = inject.agency
        else:
            return []
        if inject.pool is not None:
            return [pool_node(inject.pool)]
        return [hub_node(hub, role) for hub in hubs if inject.acts_on(hub)]

    def _tell_outages(self, hubs: dict[str | None, Hub]) -> None:
        """For traces: give each desk of ``hubs`` the outages that take it down, ``(start, end, mode)``
        in file order.  Given ahead, not as each starts: a request on a channel with latency is
        traced when asked with the state it will find on arrival."""
        for name, hub in hubs.items():
            agencies = self._settings[name].agencies
            for desk in hub.desks:
                desk.outages = tuple((i.start_hours, i.end_hours, i.mode) for i in self.injects
                                     if isinstance(i, OutageInject)
                                     and i.takes_down(name, desk.name, agencies[desk.name].pool))

    def _desks_down(self, inject: OutageInject, hub: str | None) -> list[str]:
        """The agencies whose desk at ``hub`` an outage takes down: the one it names, or those its pool staffs."""
        return [name for name, agency in self._settings[hub].agencies.items()
                if inject.takes_down(hub, name, agency.pool)]

    def policy_now(self, hub: str | None = None) -> Policy:
        """``hub``'s policy with the fields of every policy inject in force on it, in file order."""
        table = self._settings[hub].policy.model_dump()
        for k in sorted(self._active_policies.get(hub, [])):
            table = merge_tables(table, self.injects[k].changes())
        return Policy.model_validate(table)
