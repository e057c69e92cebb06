"""The police pipeline's metrics (mashsim.model.police): one tally per hub, added up over a network.

Which clock each one uses:

* a notification belongs to the window if its **incident** falls in it; its wait is from the
  incident to MASH receipt (the end of the public-protection desk's review).  One still at the
  desk when the run-out ends enters the wait at its wait so far (a lower bound), like the hub's
  censored contacts;
* the desk's backlog at the end is the notifications of the run (warm-up ones too) raised before the
  window's end and not yet reviewed then;
* an s47 enquiry belongs to the window if its contact was counted in the window by the hub's
  collector (arrived at the MASH in it); its joint visit is due ``joint_visit_deadline_hours`` after the
  decision, and is past its deadline if done after it, or still waiting at the run-out's end once
  past it (censoring); the CAIT wait is from the decision to the visit done.

The names are declared in :data:`POLICE_METRICS` (with their definitions, for the reference); a run
reports them only when a hub has ``[police]``, so every other scenario's metrics are as they were.
"""

from __future__ import annotations

from typing import Iterable

from mashsim.metrics.histogram import DelayHistogram
from mashsim.model.contact import Contact

#: The police metrics: name → (unit, definition).  ``police_signals_missed_rate`` is the hub's own
#: ``all_signals_missed_rate.by_agency.police`` under one name for the police question.
POLICE_METRICS: dict[str, tuple[str, str]] = {
    "police_notifications": ("count", "Police notifications (Merlin) whose incident falls in the window."),
    "police_notification_wait_hours.mean": (
        "hours", "Mean elapsed hours from the incident to MASH receipt (the public-protection desk's queue and "
                 "review); one still at the desk at the run-out's end enters at its wait so far."),
    "police_notification_wait_hours.p90": ("hours", "The same wait's 90th percentile."),
    "police_ppd_backlog_at_end": (
        "count", "Notifications raised before the window's end and not yet reviewed at it (the desk's backlog)."),
    "police_signals_missed_rate": (
        "share", "Police-held signals of decided contacts that missed the decision ÷ police-held signals "
                 "(= all_signals_missed_rate.by_agency.police)."),
    "s47_enquiries": ("count", "Contacts of the window decided s47: each needs a CAIT joint visit."),
    "s47_past_deadline": (
        "count", "s47 enquiries whose joint visit was done after its deadline, or was still waiting past it at "
                 "the run-out's end."),
    "s47_past_deadline_rate": ("share", "s47_past_deadline ÷ s47_enquiries."),
    "cait_wait_hours.mean": (
        "hours", "Mean elapsed hours from the s47 decision to the joint visit done (censored: the wait so far)."),
}


class PoliceTally:
    """Counts one hub's police pipeline over the window ``[start, end)`` (see the module's clocks)."""

    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end
        self.waits = DelayHistogram()
        self.notifications = 0
        self.backlog_at_end = 0
        self.s47 = 0
        self.past_deadline = 0
        self.cait_waits = DelayHistogram()
        self._at_ppd: dict[int, Contact] = {}  # notifications waiting for the desk (any incident time)
        self._visits: dict[int, tuple[Contact, float]] = {}  # counted s47 enquiries waiting for a visit

    def notified(self, c: Contact) -> None:
        self._at_ppd[c.id] = c

    def reviewed(self, c: Contact, now: float) -> None:
        del self._at_ppd[c.id]
        if c.incident < self.end <= now:
            self.backlog_at_end += 1
        if self.start <= c.incident < self.end:
            self.notifications += 1
            self.waits.add(now - c.incident)

    def visit_due(self, c: Contact, due: float) -> None:
        if c.counted:
            self._visits[c.id] = (c, due)

    def visited(self, c: Contact, due: float, now: float) -> None:
        if self._visits.pop(c.id, None) is not None:
            self._count_visit(c, due, now)

    def _count_visit(self, c: Contact, due: float, now: float) -> None:
        self.s47 += 1
        self.past_deadline += now > due
        self.cait_waits.add(now - c.decided_at)

    def censor(self, now: float) -> None:
        """At the run-out's end: count what is still waiting at its wait so far."""
        for c in self._at_ppd.values():
            if c.incident < self.end:
                self.backlog_at_end += 1
            if self.start <= c.incident < self.end:
                self.notifications += 1
                self.waits.add(now - c.incident)
        for c, due in self._visits.values():
            self._count_visit(c, due, now)
        self._at_ppd, self._visits = {}, {}


def police_metrics(tallies: Iterable[PoliceTally], metrics: dict[str, float]) -> dict[str, float]:
    """The police metrics of a run from its hubs' tallies (added up), and the hub metrics ``metrics``."""
    waits, cait = DelayHistogram(), DelayHistogram()
    notifications = backlog = s47 = past = 0
    for t in tallies:
        waits.merge(t.waits)
        cait.merge(t.cait_waits)
        notifications += t.notifications
        backlog += t.backlog_at_end
        s47 += t.s47
        past += t.past_deadline
    nan = float("nan")
    values = {
        "police_notifications": float(notifications),
        "police_notification_wait_hours.mean": waits.mean() if waits.n else nan,
        "police_notification_wait_hours.p90": waits.quantile(0.9) if waits.n else nan,
        "police_ppd_backlog_at_end": float(backlog),
        "police_signals_missed_rate": metrics.get("all_signals_missed_rate.by_agency.police", nan),
        "s47_enquiries": float(s47),
        "s47_past_deadline": float(past),
        "s47_past_deadline_rate": past / s47 if s47 else nan,
        "cait_wait_hours.mean": cait.mean() if cait.n else nan,
    }
    assert list(values) == list(POLICE_METRICS)  # declared once, in that order
    return values
