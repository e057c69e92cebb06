"""One replication held live between pauses, and the decisions acting on it.

The model is the one :func:`mashsim.replication.simulate` runs, built by
:func:`mashsim.replication.built_run` and run in steps with the very event loop
a whole run uses.  Pausing adds nothing to the model's event queue that runs
(the stop marker is taken off when reached), so a run paused anywhere, any
number of times, processes the same events in the same order as one run
straight through: a live session and its replay from the decision log agree
exactly, and with no decisions both equal a plain run.

Every role stands behind a staffing switch (:class:`DecisionPlan`), so a
decision can take staff off one role and put them on another, as an absence
inject does; a switch passes the rota's staffing on unchanged until then.
"""

from __future__ import annotations

import math
from typing import Callable

from mashsim.model.events import Call, call_at, run
from mashsim.model.hub import Hub
from mashsim.model.injects import InjectPlan, StaffingSwitch
from mashsim.model.network import hub_node, pool_node
from mashsim.model.roles import Role
from mashsim.replication import ReplicationResult, built_run
from mashsim.scenario.injects import PolicyInject
from mashsim.scenario.schema import HUB_ROLES, Scenario
from mashsim.tabletop.decisions import DecisionBase, MoveStaff, Overtime, PolicyChange, Screen


#: A pause at time t comes after everything that happens at t: an inject's start, the staff coming on
#: duty at 09:00 (a rota reaches 09:00 as a sum of hours, which can land a rounding error after it).
#: Events up to this much later are taken as the same moment (3.6 ms of simulated time).
SETTLE_HOURS = 1e-6


class DecisionError(ValueError):
    """A decision the session cannot take now: the message says why and what is allowed."""


class DecisionPlan(InjectPlan):
    """The scenario's injects, with a switch in front of every role so decisions can restaff any."""

    def staffing(self, role: Role, key: str) -> Role | StaffingSwitch:
        switch = self.switches[key] = StaffingSwitch(role)
        return switch

    def add_policy(self, hubs: dict[str | None, Hub], inject: PolicyInject, sign: int) -> int:
        """Put ``inject`` in force now (``sign`` +1) on the hubs it acts on; its index, to end it later."""
        self.injects = [*self.injects, inject]  # the scenario's own list is left as it is
        k = len(self.injects) - 1
        self._switch(hubs, k, sign)
        return k


class LiveRun:
    """A replication of ``scenario`` paused at ``now``, stepped forward and acted on by decisions."""

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0) -> None:
        self.scenario, self.seed, self.replication = scenario, seed, replication
        self.plan = DecisionPlan(scenario)
        try:
            self.model, self.group = built_run(scenario, seed, replication, record=True, plan=self.plan)
        except ValueError as error:
            raise DecisionError(str(error)) from None
        self.env = self.group.env
        self.end = self.model.end  # the end of the measured window: play stops there
        self.done = False

    @property
    def now(self) -> float:
        return self.env.now

    def advance(self, until: float) -> None:
        """Run on to ``until`` (no further than the end of the window), and through everything that
        happens at that moment (see :data:`SETTLE_HOURS`), so a pause sees the moment's changes made."""
        until = min(until, self.end)
        if until > self.env.now:
            run(self.env, until)
        # the events of the moment itself, up to SETTLE_HOURS on, but never the window's end: the
        # run closes the window before them, as a plain run does
        queue, limit = self.env._queue, min(until + SETTLE_HOURS, self.end)
        while queue and queue[0][0] <= limit and queue[0][0] < self.end:
            self.env.step()

    def result(self) -> ReplicationResult:
        """Play the rest of the window, run out, and give the replication's result (ends the run)."""
        if not self.done:
            self.advance(self.end)
            self.model.finish(self.group)
            self.done = True
        return self.model.result(self.seed, self.replication)

    # ------------------------------------------------------------ where things are
    def hub(self, name: str | None) -> Hub:
        hubs = self.group.hubs
        if name not in hubs:
            if name is None:
                raise DecisionError(f"name the hub (allowed: {', '.join(str(h) for h in hubs)})")
            raise DecisionError(f"unknown hub {name!r} (allowed: {', '.join(str(h) for h in hubs)})")
        return hubs[name]

    def key(self, hub: str | None, role: str) -> str:
        """The switch key of ``role`` at ``hub``: the hub's own role or desk, or the pool staffing it."""
        settings = dict(self.scenario.hub_list())[hub]
        roles = [*HUB_ROLES, *settings.agencies]
        if role not in roles:
            raise DecisionError(f"unknown role {role!r} (allowed: {', '.join(roles)})")
        agency = settings.agencies.get(role)
        if agency is not None and agency.pool is not None:
            return pool_node(agency.pool)
        return hub_node(hub, role)

    def switch(self, hub: str | None, role: str) -> StaffingSwitch:
        self.hub(hub)
        return self.plan.switches[self.key(hub, role)]

    # ------------------------------------------------------------ acting
    def apply(self, decision: DecisionBase) -> None:
        """Act on the model now (the caller has checked the decision: see :mod:`mashsim.tabletop.session`)."""
        if isinstance(decision, MoveStaff):
            give, take = self.switch(decision.hub, decision.from_role), self.switch(decision.hub, decision.to_role)
            staff = decision.staff

            def move(sign: int) -> None:
                give.change(off=sign * staff)
                take.change(off=-sign * staff)

            self._for(decision.hours, move)
        elif isinstance(decision, Overtime):
            extra = self.switch(decision.hub, decision.role)
            self._for(decision.hours, lambda sign: extra.change(off=-sign * decision.staff))
        elif isinstance(decision, PolicyChange):
            hubs = self.group.hubs
            self.hub(decision.hub)
            inject = PolicyInject.model_validate({"kind": "policy", "start_day": 0.0, "hours": 1.0,
                                                  "hub": decision.hub, **decision.changes()})
            k = self.plan.add_policy(hubs, inject, +1)
            if decision.hours is not None:
                self._later(decision.hours, lambda: self.plan._switch(hubs, k, -1))
        elif isinstance(decision, Screen):
            hub = self.hub_screening(decision.contact_id)
            if hub is None:
                raise DecisionError(f"contact {decision.contact_id} is not waiting to be screened now")
            hub.team_rags[decision.contact_id] = decision.rag_index

    def hub_screening(self, contact_id: int) -> Hub | None:
        """The hub where contact ``contact_id`` of the measured week waits for screening now, if it does."""
        for hub in self.group.hubs.values():
            if any(job.contact.id == contact_id and job.contact.counted for job in hub.screening.queued()):
                return hub
        return None

    def _for(self, hours: float, act: Callable[[int], None]) -> None:
        """``act(+1)`` now and ``act(-1)`` in ``hours``."""
        act(+1)
        self._later(hours, lambda: act(-1))

    def _later(self, hours: float, act: Callable[[], None]) -> None:
        at = self.env.now + hours
        if math.isfinite(at):
            call_at(self.env, at, Call(lambda _event: act()))
