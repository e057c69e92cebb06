"""Injected events acting on a running model, each through one seam of it.

- absence and outage: a :class:`StaffingSwitch` sits between a role's duty
  rota and the role, taking staff off (absence, working hours only) or every
  searcher off (outage: the desk's systems are down);
- outage in "fail" mode also marks the hub's desk as failing: a request that
  reaches it is answered at once with nothing;
- policy: the hub's policy is swapped for the scenario's with the inject's
  fields changed, and swapped back at the end;
- surge: extra arrivals, drawn from streams of their own, are added to the
  usual ones (factor > 1), or the usual ones are thinned (factor < 1). The
  usual arrivals and every draw for their contacts are left as they were, so
  contacts outside the window (and the usual ones inside it) are the same
  children as without the surge: common random numbers.

A scenario without injects never builds any of this.
"""

from __future__ import annotations

import math
from typing import Iterable, Iterator

import numpy as np
import simpy

from mashsim.model.arrivals import ContactFactory, arrival_times, hourly_rates
from mashsim.model.calendar import HOURS_PER_DAY, CalendarView
from mashsim.model.contact import Contact
from mashsim.model.roles import Role
from mashsim.model.streams import Streams
from mashsim.scenario.injects import AbsenceInject, OutageInject, PolicyInject, SurgeInject
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
    """The scenario's injects, ready to act on one replication."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.injects = scenario.injects
        targets = {i.role_name for i in self.injects if isinstance(i, AbsenceInject)}
        targets |= {i.agency for i in self.injects if isinstance(i, OutageInject)}
        self.switches: dict[str, StaffingSwitch] = {}
        self._targets = targets
        self._active_policies: list[int] = []

    def staffing(self, role: Role) -> Role | StaffingSwitch:
        """What the role's duty rota should set: the role itself, or a switch in front of it."""
        if role.name not in self._targets:
            return role
        switch = self.switches[role.name] = StaffingSwitch(role)
        return switch

    # ------------------------------------------------------------------ surges
    def thin(self, contacts: Iterable[Contact], source: str, index: int, streams: Streams) -> Iterable[Contact]:
        """The usual contacts of ``source``, less those a surge with factor < 1 takes away."""
        drops = [(k, i) for k, i in enumerate(self.injects)
                 if isinstance(i, SurgeInject) and i.factor < 1.0 and i.source in (None, source)]
        if not drops:
            return contacts
        return _thinned(contacts, [(i.start_hours, i.end_hours, i.factor, streams.rng("inject", str(k), "keep", source))
                                   for k, i in drops])

    def extra_arrivals(self, streams: Streams, view: CalendarView, end: float) -> Iterator[list[Contact]]:
        """For each surge with factor > 1 and each source it covers: its extra contacts, in time order."""
        scenario = self.scenario
        mix = scenario.arrivals
        for k, inject in enumerate(self.injects):
            if not isinstance(inject, SurgeInject) or inject.factor <= 1.0:
                continue
            for index, (name, source) in enumerate(mix.sources.items()):
                if inject.source not in (None, name):
                    continue
                start, stop = inject.start_hours, min(inject.end_hours, end)
                first_day = int(start // HOURS_PER_DAY)
                days = max(math.ceil(stop / HOURS_PER_DAY) - first_day, 1)
                rates = (inject.factor - 1.0) * hourly_rates(scenario, source, view, first_day, days)
                times = arrival_times(rates, first_day * HOURS_PER_DAY, streams.rng("arrivals", "inject", str(k), name))
                times = times[(times >= start) & (times < stop)]
                factory = ContactFactory(scenario, streams, f"inject/{k}/{name}", index,
                                         source.risk_mix or mix.risk_mix, source.concern_mix or mix.concern_mix)
                yield factory.make(times)

    # ----------------------------------------------------- switches in time
    def start(self, env: simpy.Environment, hub) -> None:
        """Schedule the start and end of every absence, outage and policy inject."""
        for k, inject in enumerate(self.injects):
            if isinstance(inject, SurgeInject):
                continue
            env.timeout(inject.start_hours).callbacks.append(lambda _e, k=k: self._switch(hub, k, +1))
            env.timeout(inject.end_hours).callbacks.append(lambda _e, k=k: self._switch(hub, k, -1))

    def _switch(self, hub, k: int, sign: int) -> None:
        inject = self.injects[k]
        if isinstance(inject, AbsenceInject):
            self.switches[inject.role_name].change(off=sign * inject.staff)
        elif isinstance(inject, OutageInject):
            self.switches[inject.agency].change(down=sign)
            if inject.mode == "fail":
                hub.set_failing(inject.agency, sign)
        elif isinstance(inject, PolicyInject):
            if sign > 0:
                self._active_policies.append(k)
            else:
                self._active_policies.remove(k)
            hub.set_policy(self.policy_now())

    def policy_now(self) -> Policy:
        """The scenario's policy with the fields of every policy inject in force, in file order."""
        table = self.scenario.policy.model_dump()
        for k in sorted(self._active_policies):
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
