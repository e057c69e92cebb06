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

The families are declared in the catalogue (``POLICE_FAMILIES``: names, units, definitions); a run
reports them only when a hub has ``[police]``, so every other scenario's metrics are as they were.
"""

from __future__ import annotations

from typing import Iterable

from mashsim.metrics.catalogue import POLICE_FAMILIES
from mashsim.metrics.histogram import DelayHistogram, delay_stats
from mashsim.model.contact import Contact

#: The police metrics' names, in the order a run reports them (the catalogue declares their families).
POLICE_METRICS: list[str] = [name for family in POLICE_FAMILIES for b in family.breakdowns
                             for name in family.names(b, {})]


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
    values = [float(notifications), *delay_stats(waits), float(backlog),
              metrics.get("all_signals_missed_rate.by_agency.police", nan),
              float(s47), float(past), past / s47 if s47 else nan, *delay_stats(cait)]
    return dict(zip(POLICE_METRICS, values, strict=True))
