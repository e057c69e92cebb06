"""Streaming metrics of one replication: fed as contacts arrive and are decided.

Only contacts that arrive inside the measurement window (after the warm-up,
before the end of the horizon) count, so ``contacts_arrived ==
contacts_decided + contacts_open_at_end`` always.  Nothing per contact is kept
unless records are asked for.
"""

from __future__ import annotations

from typing import Mapping, Protocol

from mashsim.metrics.histogram import DelayHistogram
from mashsim.model.calendar import WorkingClock
from mashsim.model.contact import BLUE, CAUSES, HIGH, REACHED, Contact
from mashsim.model.roles import RoleStats
from mashsim.scenario.schema import CONCERNS, OUTCOMES, RAGS, RISK_LEVELS

_REFERRAL = {OUTCOMES.index("s17"), OUTCOMES.index("s47")}
_LOW_OUTCOMES = {OUTCOMES.index("nfa"), OUTCOMES.index("early_help")}
DELAY_STATS = ("mean", "median", "p90", "p95", "max")


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def _delay_stats(h: DelayHistogram) -> dict[str, float]:
    return {"mean": h.mean(), "median": h.quantile(0.5), "p90": h.quantile(0.9),
            "p95": h.quantile(0.95), "max": h.maximum}


class Collector:
    """Accumulates every metric of one replication as the model runs."""

    def __init__(self, agencies: list[str], sources: list[str], start: float, end: float,
                 hub_clock: WorkingClock, record: bool = False) -> None:
        self.agencies = agencies
        self.sources = sources
        self.start, self.end = start, end
        self.clock = hub_clock
        self.arrived_n = 0
        self.decided_n = 0
        self.delay_by_rag = [DelayHistogram() for _ in RAGS]  # all contacts' delays: see overall_delay
        self.by_rag = [0] * len(RAGS)
        self.rag_breaches = [0] * len(RAGS)
        self.day_breaches = [0] * len(RAGS)
        self.outcomes = [0] * len(OUTCOMES)
        self.high_risk = 0
        self.under_triaged = 0
        self.held = [0] * len(agencies)
        self.missed = [[0] * len(CAUSES) for _ in agencies]
        self.requests = [0] * len(agencies)
        self.late_returns = [0] * len(agencies)
        self.held_by_risk = [0] * len(RISK_LEVELS)
        self.missed_by_risk = [0] * len(RISK_LEVELS)
        self.record = record
        self.records: list[dict] = []
        self._open: dict[int, Contact] = {}
        # contacts in the hub (arrived, not decided), whenever they arrived, integrated over the
        # window: the L of Little's law, kept apart from the per-contact delays it is checked against
        self.in_system = 0
        self.in_system_area = 0.0
        self.in_system_since = start

    def _count_in_system(self, now: float, change: int) -> None:
        clipped = self.start if now < self.start else self.end if now > self.end else now
        self.in_system_area += self.in_system * (clipped - self.in_system_since)
        self.in_system_since = clipped
        self.in_system += change

    # ------------------------------------------------------------ observer
    def arrived(self, c: Contact) -> None:
        self._count_in_system(c.arrived, +1)
        if self.start <= c.arrived < self.end:
            c.counted = True
            self.arrived_n += 1
            if self.record:
                self._open[c.id] = c

    def decided(self, c: Contact) -> None:
        decided_at = c.decided_at
        self._count_in_system(decided_at, -1)
        if not c.counted:
            return
        self.decided_n += 1
        arrived, rag, risk = c.arrived, c.rag, c.risk
        delay = decided_at - arrived
        self.delay_by_rag[rag].add(delay)
        self.by_rag[rag] += 1
        rag_breach = c.deadline is not None and decided_at > c.deadline
        # a working day of hours H ends no sooner than H hours after arrival: only a longer delay
        # needs the clock
        hours = self.clock.hours_per_day
        day_breach = delay > hours and decided_at > self.clock.add(arrived, hours)
        if rag_breach:
            self.rag_breaches[rag] += 1
        if day_breach:
            self.day_breaches[rag] += 1
        self.outcomes[c.outcome] += 1
        under_triaged = risk >= HIGH and c.outcome in _LOW_OUTCOMES
        if risk >= HIGH:
            self.high_risk += 1
            self.under_triaged += under_triaged
        if c.asked:
            returned, requests, late = c.returned, self.requests, self.late_returns
            for i in c.asked:
                requests[i] += 1
                if returned[i] is None:
                    late[i] += 1
        fates = c.fates
        held, missed = self.held, self.missed
        for i, fate in enumerate(fates):
            if fate is None:
                continue
            held[i] += 1
            self.held_by_risk[risk] += 1
            if fate != REACHED:
                missed[i][fate] += 1
                self.missed_by_risk[risk] += 1
        if self.record:
            self._open.pop(c.id, None)
            self.records.append(self._record(c, fates, rag_breach, day_breach, under_triaged))

    # -------------------------------------------------------------- results
    def overall_delay(self) -> DelayHistogram:
        """Every counted contact's delay: the RAGs' histograms added together."""
        total = DelayHistogram()
        for h in self.delay_by_rag:
            total.merge(h)
        return total

    def _record(self, c: Contact, fates, rag_breach: bool, day_breach: bool, under_triaged: bool) -> dict:
        decided = c.decided_at is not None
        row = {
            "contact_id": c.id,
            "source": "backlog" if c.backlog else self.sources[c.source],
            "backlog": c.backlog,
            "arrived_h": c.arrived,
            "true_risk": RISK_LEVELS[c.risk],
            "concern": CONCERNS[c.concern],
            "urgent_flag": c.urgent,
            "rag": RAGS[c.rag] if c.rag is not None else None,
            "screened_h": c.screened_at,
            "deadline_h": c.deadline,
            "decided_h": c.decided_at,
            "decision_delay_h": c.decided_at - c.arrived if decided else None,
            "decided_rag": RAGS[c.decided_rag] if decided else None,
            "outcome": OUTCOMES[c.outcome] if decided else None,
            "rag_breach": rag_breach,
            "working_day_breach": day_breach,
            "under_triaged": under_triaged,
            "signals_held": sum(1 for f in fates if f is not None) if decided else sum(c.holds),
            "signals_missed": sum(1 for f in fates if f is not None and f != REACHED) if decided else None,
        }
        for name, fate in zip(self.agencies, fates if decided else [None] * len(self.agencies)):
            row[f"signal_{name}"] = (None if fate is None else "reached" if fate == REACHED else CAUSES[fate])
        return row

    def open_records(self) -> list[dict]:
        """Records of contacts still open at the end (only when recording); breaches as at the end."""
        end = self.end
        return [
            self._record(c, [], c.deadline is not None and end > c.deadline,
                         end > self.clock.add(c.arrived, self.clock.hours_per_day), False)
            for c in self._open.values()
        ]

    def metrics(self, roles: Mapping[str, "StaffedRole"]) -> dict[str, float]:
        """Every metric as a flat ``{dotted name: value}`` dict."""
        m: dict[str, float] = {
            "contacts_arrived": float(self.arrived_n),
            "contacts_decided": float(self.decided_n),
            "contacts_open_at_end": float(self.arrived_n - self.decided_n),
        }
        self._count_in_system(self.end, 0)
        m["contacts_in_system"] = _ratio(self.in_system_area, self.end - self.start)
        held, missed_total = sum(self.held), sum(map(sum, self.missed))
        m["missed_signal_rate"] = _ratio(missed_total, held)
        for i, name in enumerate(self.agencies):
            m[f"missed_signal_rate.by_agency.{name}"] = _ratio(sum(self.missed[i]), self.held[i])
        for k, cause in enumerate(CAUSES):
            m[f"missed_signal_rate.by_cause.{cause}"] = _ratio(sum(row[k] for row in self.missed), held)
        for r, level in enumerate(RISK_LEVELS):
            m[f"missed_signal_rate.by_risk.{level}"] = _ratio(self.missed_by_risk[r], self.held_by_risk[r])
        for i, name in enumerate(self.agencies):
            m[f"late_return_rate.by_agency.{name}"] = _ratio(self.late_returns[i], self.requests[i])
        m["under_triage_rate"] = _ratio(self.under_triaged, self.high_risk)
        for stat, value in _delay_stats(self.overall_delay()).items():
            m[f"decision_delay_hours.{stat}"] = value
        for r, rag in enumerate(RAGS):
            for stat, value in _delay_stats(self.delay_by_rag[r]).items():
                m[f"decision_delay_hours.by_rag.{rag}.{stat}"] = value
        researched = self.decided_n - self.by_rag[BLUE]
        m["rag_breach_rate"] = _ratio(sum(self.rag_breaches), researched)
        for r, rag in enumerate(RAGS):
            if rag != "blue":
                m[f"rag_breach_rate.by_rag.{rag}"] = _ratio(self.rag_breaches[r], self.by_rag[r])
        m["working_day_breach_rate"] = _ratio(sum(self.day_breaches), self.decided_n)
        for r, rag in enumerate(RAGS):
            m[f"working_day_breach_rate.by_rag.{rag}"] = _ratio(self.day_breaches[r], self.by_rag[r])
        for r, rag in enumerate(RAGS):
            m[f"rag_share.by_rag.{rag}"] = _ratio(self.by_rag[r], self.decided_n)
        for k, outcome in enumerate(OUTCOMES):
            m[f"outcome_share.by_outcome.{outcome}"] = _ratio(self.outcomes[k], self.decided_n)
        m["referral_rate"] = _ratio(sum(self.outcomes[k] for k in _REFERRAL), self.decided_n)
        m.update(role_metrics(roles))
        return m


class StaffedRole(Protocol):
    """What the role metrics read: a role, or several roles' totals (mashsim.metrics.hubs.RoleTotal)."""

    stats: RoleStats
    waiting: int
    busy: int


def role_metrics(roles: Mapping[str, StaffedRole], by: str = "by_role") -> dict[str, float]:
    """Utilisation, mean queue, mean wait and backlog at the end of each role (or pool: ``by="by_pool"``)."""
    m: dict[str, float] = {}
    for name, role in roles.items():
        stats = role.stats
        span = stats.last - stats.since
        m[f"utilisation.{by}.{name}"] = _ratio(stats.duty_busy_area, stats.duty_capacity_area)
        m[f"queue_length.{by}.{name}"] = _ratio(stats.queue_area, span)
        m[f"wait_hours.{by}.{name}"] = _ratio(stats.wait_total, stats.started)
        m[f"wait_probability.{by}.{name}"] = _ratio(stats.waited, stats.started)
        m[f"backlog_at_end.{by}.{name}"] = float(role.waiting + role.busy)
    return m
