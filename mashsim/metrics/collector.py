"""Streaming metrics of one replication: fed as contacts arrive and are decided.

Only contacts that arrive inside the measurement window (after the warm-up,
before the end of the horizon) count.  The run goes on past the window (the
run-out, see :mod:`mashsim.replication`) until every counted contact is decided
or the run-out's cap; :meth:`Collector.censor` then counts the ones still open
(censored) in every delay and breach figure, at their delay so far.  So
``contacts_arrived == contacts_decided + contacts_open_at_end`` (decided in
the window, open at its end) and ``contacts_open_at_end ==
contacts_decided_in_runout + contacts_censored`` always.  The counted contacts
still open are kept (to censor them); nothing else per contact is kept unless
records are asked for.
"""

from __future__ import annotations

from typing import Callable, Mapping

from mashsim.metrics.catalogue import BY_STEM, flatten
from mashsim.metrics.children import ChildCounts
from mashsim.metrics.counts import RegisteredCounts
from mashsim.metrics.histogram import DelayHistogram, delay_stats
from mashsim.metrics.records import contact_record
from mashsim.metrics.roles import StaffedRole, ratio as _ratio, role_metrics
from mashsim.model.calendar import WorkingClock
from mashsim.model.contact import BLUE, CAUSES, HIGH, MISS_KINDS, REACHED, UNMATCHED, Contact
from mashsim.scenario.children import UNMATCHED_OUTCOMES
from mashsim.scenario.schema import CONCERNS, OUTCOMES, RAGS, RISK_LEVELS

_REFERRAL = {OUTCOMES.index("s17"), OUTCOMES.index("s47")}


class Collector(RegisteredCounts):
    """Accumulates every metric of one replication as the model runs."""

    def __init__(self, agencies: list[str], sources: list[str], start: float, end: float,
                 hub_clock: WorkingClock, record: bool = False, population: int = 0, by_concern: bool = True) -> None:
        """With ``by_concern``, a collector per concern counts that concern's contacts (the hub sends each
        contact to its concern's, see :meth:`for_concern`); they share this one's per-child tally, records
        and open contacts, so nothing is counted twice."""
        self.agencies = agencies
        self.sources = sources
        self.start, self.end = start, end
        self.clock = hub_clock
        super().__init__()  # every count is registered (mashsim.metrics.counts): add() sums them all
        self.arrived_n = self._count("arrived_n")
        self.decided_n = self._count("decided_n")
        self.high_risk = self._count("high_risk")
        self.under_triaged = self._count("under_triaged")
        self.delay_by_rag = [DelayHistogram() for _ in RAGS]  # all contacts' delays: see overall_delay
        # censored contacts: by their RAG (in by_rag's place in the denominators); those never screened
        # have a delay and a working day but no RAG
        self.runout_n = self._count("runout_n")  # decided after the window's end, in the run-out
        self.censored_n = self._count("censored_n")
        self.censored_by_rag = self._counts(len(RAGS))
        self.unscreened_day_breaches = self._count("unscreened_day_breaches")
        # those never screened whose deadline is known from their screening draw (see censor)
        self.unscreened_rated = self._count("unscreened_rated")
        self.unscreened_breaches = self._count("unscreened_breaches")
        self.unscreened_working = self._count("unscreened_working")
        self.unscreened_elapsed = self._count("unscreened_elapsed")
        self.deadlines_if_screened: Callable[[Contact], tuple[float, float, float] | None] | None = None
        self.delay_unscreened = DelayHistogram()
        self.censored_at = end  # when censor() was called
        self.by_rag = self._counts(len(RAGS))
        self.rag_breaches = self._counts(len(RAGS))
        self.day_breaches = self._counts(len(RAGS))
        self.outcomes = self._counts(len(OUTCOMES))
        self.referrals_by_source = self._counts(len(sources), axis="source")
        self.held_by_risk = self._counts(len(RISK_LEVELS))
        self.missed_by_risk = self._counts(len(RISK_LEVELS))
        self.held = self._counts(len(agencies), axis="agency")
        self.requests = self._counts(len(agencies), axis="agency")
        self.late_returns = self._counts(len(agencies), axis="agency")
        self.missed: list[list[int]] = [[0] * len(CAUSES) for _ in agencies]
        self._lists.append((self.missed, "agency"))
        # signals about high/critical-risk children: held, and missed by kind, by cause, by agency
        self.hr_held = self._counts(len(agencies), axis="agency")
        self.hr_missed = self._counts(len(agencies), axis="agency")
        self.hr_by_kind = self._counts(len(MISS_KINDS))
        self.hr_by_cause = self._counts(len(CAUSES))
        # RAG breaches under the working and the elapsed reading of the deadline hours, by RAG
        self.breaches_working = self._counts(len(RAGS))
        self.breaches_elapsed = self._counts(len(RAGS))
        # held signals missed as unmatched, by the record search's outcome
        self.unmatched_by = self._counts(len(UNMATCHED_OUTCOMES))
        # per child (with [children], mashsim.metrics.children): the hot path feeds the tally directly
        self.children = ChildCounts(population, len(agencies))
        self.tally = self.children.tally
        # Operation Encompass school notices (concern pathways): sent, and sent after the school day began
        self.notices = self._count("notices")
        self.notices_late = self._count("notices_late")
        self.record = record
        self.records: list[dict] = []
        self._open: dict[int, Contact] = {}
        # the same metrics for each concern's contacts alone: a collector per concern, which the hub
        # feeds directly; each keeps its counts and writes into this one's tally, records and open contacts
        self.by_concern: list[Collector] = []
        for k in range(len(CONCERNS) if by_concern else 0):
            concern_collector = Collector(agencies, sources, start, end, hub_clock, record, by_concern=False)
            concern_collector.tally, concern_collector.records, concern_collector._open = self.tally, self.records, self._open
            self.by_concern.append(concern_collector)
        # contacts in the hub (arrived, not decided), whenever they arrived, integrated over the
        # window: the L of Little's law, kept apart from the per-contact delays it is checked against;
        # the first half's area apart, for the backlog's growth (second half's mean minus the first's)
        self.in_system = 0
        self.in_system_area = 0.0
        self.in_system_first_half = 0.0
        self.middle = (start + end) / 2.0
        self.in_system_since = start

    def add(self, other: Collector) -> None:
        """Adds ``other``'s counts, delays and time in system to these (agencies matched by name):
        every registered count, whatever it is. A collector others are added to keeps no time in the
        hub of its own: its time-average is theirs, already brought up to the end of the window."""
        self.in_system_since = self.end
        where = {"agency": [self.agencies.index(a) for a in other.agencies],
                 "source": [self.sources.index(s) for s in other.sources]}
        self._add_counts(other, where)
        for histogram, their_histogram in zip(self.delay_by_rag, other.delay_by_rag):
            histogram.merge(their_histogram)
        self.delay_unscreened.merge(other.delay_unscreened)
        self.children.add(other.children, where["agency"])  # the hub's own (per child), not its concerns'
        self.in_system += other.contacts_in_hub()
        if other.by_concern:  # its counts and time in the hub are its concerns' collectors'
            for concern, their_concern in zip(self.by_concern, other.by_concern):
                concern.add(their_concern)
            return
        other._count_in_system(other.end, 0)  # its time-average brought up to the end of the window
        self.in_system_area += other.in_system_area
        self.in_system_first_half += other.in_system_first_half

    def _count_in_system(self, now: float, change: int) -> None:
        clipped = self.start if now < self.start else self.end if now > self.end else now
        since = self.in_system_since
        if clipped > since:
            self.in_system_area += self.in_system * (clipped - since)
            if since < self.middle:
                self.in_system_first_half += self.in_system * (min(clipped, self.middle) - since)
        self.in_system_since = clipped
        self.in_system += change

    # ------------------------------------------------------------ observer
    def for_concern(self, concern: int) -> Collector:
        """The collector that observes contacts of ``concern`` (an index of CONCERNS): its own, or this one."""
        return self.by_concern[concern] if self.by_concern else self

    def contacts_in_hub(self) -> int:
        """Contacts in the hub now (arrived, not decided): its concerns' collectors', added up."""
        return sum(concern.in_system for concern in self.by_concern) if self.by_concern else self.in_system

    def arrived(self, c: Contact) -> None:
        if self.by_concern:
            self.by_concern[c.concern].arrived(c)
            return
        self._count_in_system(c.arrived, +1)
        if self.start <= c.arrived < self.end:
            c.counted = True
            self.arrived_n += 1
            self._open[c.id] = c
            if self.tally is not None and c.child >= 0:
                self.tally.arrived(c)

    def decided(self, c: Contact) -> None:
        if self.by_concern:
            self.by_concern[c.concern].decided(c)
            return
        decided_at = c.decided_at
        self._count_in_system(decided_at, -1)
        if not c.counted:
            return
        self.decided_n += 1
        if decided_at > self.end:
            self.runout_n += 1
        del self._open[c.id]
        arrived, rag, risk = c.arrived, c.rag, c.risk
        delay = decided_at - arrived
        self.delay_by_rag[rag].add(delay)
        self.by_rag[rag] += 1
        rag_breach, day_breach = self._count_breaches(c, rag, decided_at)
        self.outcomes[c.outcome] += 1
        if c.outcome in _REFERRAL and not c.backlog:  # an initial-backlog contact has no source
            self.referrals_by_source[c.source] += 1
        # against the correct RAG: the outcome its mix would have given with the same draw
        under_triaged = risk >= HIGH and c.outcome < c.correct_outcome
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
                if fate == UNMATCHED:
                    self.unmatched_by[c.matching[i]] += 1
        if risk >= HIGH:
            self._high_risk_signals(c, fates)
        if self.tally is not None and c.child >= 0:
            self.tally.decided(c)
        if c.notify_by is not None:
            self._notice(c, c.screened_at)
        if self.record:
            self.records.append(contact_record(self.agencies, self.sources, c, fates, rag_breach, day_breach,
                                               under_triaged))

    def _high_risk_signals(self, c: Contact, fates: list) -> None:
        kinds = c.kinds
        for i, fate in enumerate(fates):
            if fate is None:
                continue
            self.hr_held[i] += 1
            if fate != REACHED:
                self.hr_missed[i] += 1
                self.hr_by_cause[fate] += 1
                self.hr_by_kind[kinds[i]] += 1

    def _notice(self, c: Contact, sent: float) -> None:
        """Count ``c``'s school notice, sent at ``sent`` (late if the school day had begun)."""
        self.notices += 1
        self.notices_late += sent > c.notify_by

    @property
    def undecided(self) -> int:
        """Counted contacts not decided yet (nor censored): the run-out goes on while there are any."""
        return len(self._open)

    def _breaches_at(self, c: Contact, now: float) -> tuple[bool, bool]:
        """Whether ``c`` has passed its RAG deadline, and one working day, by ``now``."""
        rag_breach = c.deadline is not None and now > c.deadline
        # a working day of hours H ends no sooner than H hours after arrival: only a longer delay
        # needs the clock
        hours = self.clock.hours_per_day
        return rag_breach, now - c.arrived > hours and now > self.clock.add(c.arrived, hours)

    def _count_breaches(self, c: Contact, rag: int, now: float) -> tuple[bool, bool]:
        """Count ``c``'s breaches as at ``now`` (its decision, or the run-out's cap) under its ``rag``:
        the RAG deadline under the clock the hub works to and under both readings, and one working day."""
        rag_breach, day_breach = self._breaches_at(c, now)
        if rag_breach:
            self.rag_breaches[rag] += 1
        if c.deadline is not None:
            self.breaches_working[rag] += now > c.deadline_working
            self.breaches_elapsed[rag] += now > c.deadline_elapsed
        if day_breach:
            self.day_breaches[rag] += 1
        return rag_breach, day_breach

    def rate_unscreened(self, deadlines: Callable[[Contact], tuple[float, float, float] | None]) -> None:
        """How censor() finds the RAG deadline of a contact never screened (the hub's
        ``unscreened_deadlines``): without it such a contact would be in no RAG breach figure, and a hub
        too short of staff to screen its contacts would look better on RAG deadlines than one that can."""
        self.deadlines_if_screened = deadlines
        for concern in self.by_concern:
            concern.rate_unscreened(deadlines)

    def censor(self, now: float) -> None:
        """Count the contacts still open at ``now`` (the run-out's cap) as censored: each enters the
        delays at its delay so far (a lower bound) and breaches every deadline it has passed, in its
        concern's collector (the open contacts are this one's, shared with them). What only censoring
        needs is let go after, so a network's later groups need not keep it: the hub's deadline function
        (it holds the hub, and through it the finished run's environment and the contacts made ahead)
        and the per-child tally (counted here, once)."""
        parts = (self, *self.by_concern)
        for part in parts:
            part.censored_at = now
        for c in self._open.values():
            self.for_concern(c.concern)._censor_one(c, now)
        self.children.count(now)
        for part in parts:
            part._let_go()

    def _censor_one(self, c: Contact, now: float) -> None:
        self.censored_n += 1
        if c.notify_by is not None:
            self._notice(c, now if c.screened_at is None else c.screened_at)
        if c.rag is None:  # never screened: no RAG, but a deadline by its screening draw (see rate_unscreened)
            self.delay_unscreened.add(now - c.arrived)
            self.unscreened_day_breaches += self._breaches_at(c, now)[1]
            deadlines = self.deadlines_if_screened(c) if self.deadlines_if_screened is not None else None
            if deadlines is not None:  # kept on the contact: its record (open_records) shows it
                c.deadline, c.deadline_working, c.deadline_elapsed = deadlines
                self.unscreened_rated += 1
                self.unscreened_breaches += now > c.deadline
                self.unscreened_working += now > c.deadline_working
                self.unscreened_elapsed += now > c.deadline_elapsed
            return
        self.delay_by_rag[c.rag].add(now - c.arrived)
        self.censored_by_rag[c.rag] += 1
        self._count_breaches(c, c.rag, now)

    def _let_go(self) -> None:
        """After censoring, nothing reaches this collector: its histograms' buffers are binned and what
        only censoring needed is dropped (see censor)."""
        self.deadlines_if_screened = self.tally = None
        for histogram in (*self.delay_by_rag, self.delay_unscreened, self.children.hours):
            histogram.settle()

    # -------------------------------------------------------------- results
    def overall_delay(self) -> DelayHistogram:
        """Every counted contact's delay (censored ones' so far): the RAGs' histograms added together."""
        total = DelayHistogram()
        for h in self.delay_by_rag:
            total.merge(h)
        total.merge(self.delay_unscreened)
        return total

    def open_records(self) -> list[dict]:
        """Records of the censored contacts (only when recording); breaches as at the run-out's cap."""
        if not self.record:
            return []
        return [contact_record(self.agencies, self.sources, c, [], *self._breaches_at(c, self.censored_at), False)
                for c in self._open.values()]

    def metrics(self, roles: Mapping[str, StaffedRole], by_concern: bool = True) -> dict[str, float]:
        """Every metric as a flat ``{dotted name: value}`` dict, named and ordered by the catalogue
        (:mod:`mashsim.metrics.catalogue`) from each family's values computed here; ``by_concern``:
        with every contact metric for each concern too (each concern's collector's values)."""
        values = self.values()
        by_concern = by_concern and bool(self.by_concern)
        if by_concern:
            parts = [concern.contact_values() for concern in self.by_concern]
            for stem, computed in values.items():
                # the breakdowns the catalogue declares by concern (none for a per-child family)
                for breakdown in BY_STEM[stem].concern_breakdowns:
                    computed[breakdown] = [v for part in parts for v in part[stem][breakdown[1:]]]
        m = flatten(values, {"agency": self.agencies, "source": self.sources}, by_concern)
        m.update(role_metrics(roles))
        return m

    def values(self) -> dict[str, dict[tuple[str, ...], list[float]]]:
        """Each contact family's values, by breakdown (the catalogue names them: see flatten): the
        per-contact ones the concerns' collectors' added up, the per-child ones this collector's own."""
        values = self._total().contact_values() if self.by_concern else self.contact_values()
        values.update(self.children.values())
        return values

    def contact_values(self) -> dict[str, dict[tuple[str, ...], list[float]]]:
        """The per-contact families' values (every family but the per-child ones), from this
        collector's own counts."""
        self._count_in_system(self.end, 0)
        decided = self.decided_n
        held, missed_total = sum(self.held), sum(map(sum, self.missed))
        agencies = range(len(self.agencies))
        censored = self.censored_n
        # the delay and breach figures count the censored contacts (by_rag + censored_by_rag); the
        # shares of outcomes and RAGs are over decided contacts
        with_rag = [n + m for n, m in zip(self.by_rag, self.censored_by_rag)]
        researched = sum(with_rag) - with_rag[BLUE]
        hr_held = sum(self.hr_held)
        referrals = sum(self.outcomes[k] for k in _REFERRAL)
        values: dict[str, dict[tuple[str, ...], list[float]]] = {
            "contacts_arrived": {(): [float(self.arrived_n)]},
            "contacts_decided": {(): [float(decided - self.runout_n)]},
            "contacts_open_at_end": {(): [float(self.runout_n + censored)]},
            "contacts_in_system": {(): [_ratio(self.in_system_area, self.end - self.start)]},
            "all_signals_missed_rate": {
                (): [_ratio(missed_total, held)],
                ("agency",): [_ratio(sum(self.missed[i]), self.held[i]) for i in agencies],
                ("cause",): [_ratio(sum(row[k] for row in self.missed), held) for k in range(len(CAUSES))],
                ("risk",): [_ratio(self.missed_by_risk[r], self.held_by_risk[r]) for r in range(len(RISK_LEVELS))],
            },
            "late_return_rate": {("agency",): [_ratio(self.late_returns[i], self.requests[i]) for i in agencies]},
            "under_triage_rate": {(): [_ratio(self.under_triaged, self.high_risk)]},
            "decision_delay_hours": {
                ("stat",): delay_stats(self.overall_delay()),
                ("rag", "stat"): [v for h in self.delay_by_rag for v in delay_stats(h)],
            },
            "rag_breach_rate": {
                (): [_ratio(sum(self.rag_breaches) + self.unscreened_breaches, researched + self.unscreened_rated)],
                ("researched_rag",): [_ratio(self.rag_breaches[r], with_rag[r]) for r in range(len(RAGS)) if r != BLUE],
                ("reading",): [_ratio(sum(b) + u, researched + self.unscreened_rated)
                               for b, u in ((self.breaches_working, self.unscreened_working),
                                            (self.breaches_elapsed, self.unscreened_elapsed))],
                ("reading", "researched_rag"): [_ratio(b[r], with_rag[r])
                                                for b in (self.breaches_working, self.breaches_elapsed)
                                                for r in range(len(RAGS)) if r != BLUE],
            },
            "working_day_breach_rate": {
                (): [_ratio(sum(self.day_breaches) + self.unscreened_day_breaches, decided + censored)],
                ("rag",): [_ratio(self.day_breaches[r], with_rag[r]) for r in range(len(RAGS))],
            },
            "rag_share": {("rag",): [_ratio(n, decided) for n in self.by_rag]},
            "outcome_share": {("outcome",): [_ratio(n, decided) for n in self.outcomes]},
            "referral_rate": {(): [_ratio(referrals, decided)]},
            "high_risk_missed_rate": {
                (): [_ratio(sum(self.hr_missed), hr_held)],
                ("kind",): [_ratio(n, hr_held) for n in self.hr_by_kind],
                ("cause",): [_ratio(n, hr_held) for n in self.hr_by_cause],
                ("agency",): [_ratio(self.hr_missed[i], self.hr_held[i]) for i in agencies],
            },
            "contacts_decided_in_runout": {(): [float(self.runout_n)]},
            "contacts_censored": {(): [float(censored)]},
            "backlog_growth": {(): [self.backlog_growth()]},
            "unmatched_rate": {("match",): [_ratio(n, held) for n in self.unmatched_by]},
            "school_notices": {(): [float(self.notices)]},
            "school_notice_late_rate": {(): [_ratio(self.notices_late, self.notices)]},
            "referral_source_share": {("source",): [_ratio(n, referrals) for n in self.referrals_by_source]},
        }
        return values

    def _total(self) -> Collector:
        """The concerns' collectors added up: every contact's counts, delays and time in the hub."""
        total = Collector(self.agencies, self.sources, self.start, self.end, self.clock, by_concern=False)
        for child in self.by_concern:
            total.add(child)
        return total

    def backlog_growth(self) -> float:
        """How fast the contacts in the hub grew over the window, as a share of the arrivals: the mean
        number in the hub over the window's second half minus that over its first half, per hour,
        ÷ the window's arrivals per hour. A backlog growing by a steady share of the arrivals reads that
        share; a steady one about 0."""
        half = (self.end - self.start) / 2.0
        growth_per_hour = (self.in_system_area - 2.0 * self.in_system_first_half) / half / half
        return _ratio(growth_per_hour, self.arrived_n / (self.end - self.start))
