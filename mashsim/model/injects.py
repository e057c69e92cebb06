"""Injected events acting on a running model, each through one seam of it.

- absence and outage: a :class:`StaffingSwitch` sits between a role's duty
  rota and the role, taking staff off (absence, working hours only) or every
  searcher off (outage: the desk's systems are down);
- outage in "fail" mode also marks the hub's desk as failing (every member
  hub's desk, for a pool): a request that reaches it is answered at once
  with nothing;
- policy: the hub's policy is swapped for its own with the inject's
  fields changed, and swapped back at the end;
- surge: extra arrivals, drawn from streams of their own, are added to the
  usual ones (factor > 1), or the usual ones are thinned (factor < 1). The
  usual arrivals and every draw for their contacts are left as they were, so
  contacts outside the window (and the usual ones inside it) are the same
  children as without the surge: common random numbers.

In a scenario with hubs, an inject acts on the hub it names, or on every
hub (each as though the inject were its own, drawing from the hub's
streams); a pool's outage or absence acts on the shared team.  A scenario
without injects never builds any of this.
"""

from __future__ import annotations

import math
from typing import Iterable, Iterator

import numpy as np
import simpy

from mashsim.model.arrivals import ContactFactory, arrival_times, hourly_rates
from mashsim.model.calendar import HOURS_PER_DAY, CalendarView
from mashsim.model.contact import Contact
from mashsim.model.hub import Hub
from mashsim.model.network import hub_node, pool_node
from mashsim.model.roles import Role
from mashsim.model.streams import Streams
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
    def thin(self, contacts: Iterable[Contact], source: str, streams: Streams,
             hub: str | None = None) -> Iterable[Contact]:
        """The usual contacts of ``hub``'s ``source``, less those a surge with factor < 1 takes away."""
        drops = [(k, i) for k, i in enumerate(self.injects)
                 if isinstance(i, SurgeInject) and i.factor < 1.0 and i.source in (None, source) and i.acts_on(hub)]
        if not drops:
            return contacts
        return _thinned(contacts, [(i.start_hours, i.end_hours, i.factor, streams.rng("inject", str(k), "keep", source))
                                   for k, i in drops])

    def extra_arrivals(self, streams: Streams, view: CalendarView, end: float,
                       hub: str | None = None) -> Iterator[list[Contact]]:
        """For each surge with factor > 1 on ``hub`` and each of its sources the surge covers: its extra
        contacts, in time order, drawn from ``streams`` (the hub's)."""
        settings = self._settings[hub]
        mix = settings.arrivals
        for k, inject in enumerate(self.injects):
            if not isinstance(inject, SurgeInject) or inject.factor <= 1.0 or not inject.acts_on(hub):
                continue
            for index, (name, source) in enumerate(mix.sources.items()):
                if inject.source not in (None, name):
                    continue
                start, stop = inject.start_hours, min(inject.end_hours, end)
                first_day = int(start // HOURS_PER_DAY)
                days = max(math.ceil(stop / HOURS_PER_DAY) - first_day, 1)
                rates = (inject.factor - 1.0) * hourly_rates(settings, source, view, first_day, days)
                times = arrival_times(rates, first_day * HOURS_PER_DAY, streams.rng("arrivals", "inject", str(k), name))
                times = times[(times >= start) & (times < stop)]
                factory = ContactFactory(settings, streams, f"inject/{k}/{name}", index,
                                         source.risk_mix or mix.risk_mix, source.concern_mix or mix.concern_mix)
                yield factory.make(times)

    # ----------------------------------------------------- switches in time
    def start(self, env: simpy.Environment, hubs: dict[str | None, Hub], pools: Iterable[str]) -> None:
        """Schedule the start and end of every absence, outage and policy inject that acts on a group
        of the run: the hubs ``hubs`` and the pools ``pools`` they share."""
        pools = set(pools)
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


def _thinned(contacts: Iterable[Contact], windows: list[tuple[float, float, float, np.random.Generator]]
             ) -> Iterator[Contact]:
    # one uniform per contact in a window, from the window's own stream: whether a contact is kept
    # does not depend on the others
    for c in contacts:
        kept = True
        for start, end, factor, rng in windows:
            if start <= c.arrived < end and rng.random() >= factor:
                kept = False
        if kept:
            yield c
