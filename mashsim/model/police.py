"""The Met's side of the front door: the public-protection desk before the MASH, the CAIT after it.

A scenario's ``[police]`` section (see :class:`mashsim.scenario.schema.Police`) adds two police teams
around a hub, each a staffed :class:`Role` like the hub's own:

* **the public-protection desk (PPD)** reviews each police child-welfare notification (a Merlin
  record, raised at an incident) before it reaches the MASH.  A notification's ``incident`` is its
  time at the incident; its ``arrived`` becomes its time at the MASH, when the review ends.  The
  hub's own clocks (RAG deadlines, decision delay) run from MASH receipt, as the hub sees it; the
  wait before the MASH sees it is its own metric (``police_notification_wait_hours``), so a PPD
  backlog never makes the hub look faster without showing up there.
* **the child abuse investigation team (CAIT)**: every contact whose outcome is s47 (from any
  source) needs a joint visit, due ``cait.joint_visit_deadline_hours`` after the MASH decision.

The MASH police researchers are the hub's ``agencies.police`` desk, as before.  The pipeline sits
between the arrivals and the hub (``deliver``) and hears each decision after the hub's collector
(``decided``, the hub's ``after_decision``), so the hub's flow is unchanged and a scenario without ``[police]`` builds none of
it.  Every task time comes from the contact's own police draws (mashsim.model.arrivals), so
staffing changes never change a contact.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Protocol

import simpy

from mashsim.model.contact import Contact
from mashsim.model.roles import Role
from mashsim.model.tracing import Notes, TraceHook
from mashsim.scenario.schema import OUTCOMES, Police

S47 = OUTCOMES.index("s47")


class PoliceObserver(Protocol):
    """What the pipeline tells its metrics (mashsim.metrics.police.PoliceTally)."""

    def notified(self, contact: Contact) -> None: ...

    def reviewed(self, contact: Contact, now: float) -> None: ...

    def visit_due(self, contact: Contact, due: float) -> None: ...

    def visited(self, contact: Contact, due: float, now: float) -> None: ...


class PolicePipeline:
    """One hub's police pipeline: ``deliver`` takes the arrivals, ``arrived``/``decided`` the hub's news.

    ``ppd`` and ``cait`` are the hub's own teams, or a pool's team shared with other hubs (each
    hub's pipeline still counts only its own notifications and enquiries).  ``trace`` is the hub's
    trace hook (see :class:`mashsim.model.hub.Hub`): it hears each notification's ``incident``
    (queued at the desk) and ``reviewed`` (sent to the MASH), and each s47 enquiry's ``visit due``
    and ``visited``, with ``closed`` where the team is off duty when the work reaches it.
    """

    def __init__(self, env: simpy.Environment, police: Police, source: int, ppd: Role, cait: Role,
                 arrive: Callable[[Contact], None], tally: PoliceObserver,
                 trace: TraceHook | None = None) -> None:
        self.env = env
        self.source = source  # the index of the notifying source
        self.share = police.notification_share
        self.visit_hours = police.cait.joint_visit_deadline_hours
        self.ppd = ppd
        self.cait = cait
        self.arrive = arrive  # the hub's: the contact reaches the MASH
        self.tally = tally
        self.trace = trace
        self._note = Notes(env, trace)

    def deliver(self, c: Contact) -> None:
        """A contact arrives: a notification goes to the PPD first, anything else straight to the MASH."""
        if c.source == self.source and c.u_notify < self.share:
            c.incident = c.arrived
            self.tally.notified(c)
            if self.trace is not None:
                self._note("incident", c, team=self.ppd.name)
                self._note.closed(c, self.ppd, self.ppd.name, False, bool(c.urgent), self.env.now)
            self.ppd.submit(c, c.urgent, c.ppd_hours, self._reviewed)
        else:
            self.arrive(c)

    def _reviewed(self, c: Contact) -> None:
        now = self.env._now
        self.tally.reviewed(c, now)
        if self.trace is not None:
            self._note("reviewed", c, team=self.ppd.name, incident_hours=c.incident, wait_hours=now - c.incident)
        self.arrive(c)

    def decided(self, c: Contact) -> None:
        """The hub decided ``c`` (told after its metrics): an s47 enquiry goes to the CAIT."""
        if c.outcome == S47:
            due = c.decided_at + self.visit_hours
            self.tally.visit_due(c, due)
            if self.trace is not None:
                self._note("visit due", c, team=self.cait.name, due_hours=due)
                self._note.closed(c, self.cait, self.cait.name, False, True, self.env.now)
            self.cait.submit(c, True, c.cait_hours, partial(self._visited, due=due), 0, due)

    def _visited(self, c: Contact, due: float) -> None:
        now = self.env._now
        self.tally.visited(c, due, now)
        if self.trace is not None:
            self._note("visited", c, team=self.cait.name, due_hours=due, late_hours=max(now - due, 0.0))
