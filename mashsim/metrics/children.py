"""Per-child metrics of one replication: a child's contacts across the window, not one contact's.

The collector keeps them in a :class:`ChildCounts` and feeds its tally each counted contact of a child (arrived in the window) as it
arrives and as it is decided; :meth:`ChildTally.totals` reads the arrays once, when the collector
censors. Arrays of the population's size, a few bytes a child: memory does not grow with the
horizon. The run-out rule holds: a child whose contact is still open at the run-out's cap has no
referral from it, so an open child never makes a hub look better (it counts as not referred, and
its time to referral enters at its time so far, a lower bound).
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from mashsim.metrics.histogram import DelayHistogram, delay_stats
from mashsim.model.children import mask_array
from mashsim.model.contact import HIGH, Contact
from mashsim.scenario.schema import OUTCOMES

REFERRALS = (OUTCOMES.index("s17"), OUTCOMES.index("s47"))
MOST = 0xFFFF  # a child's window contacts are counted up to here


class ChildTally:
    """Per child: window contacts, first contact, first referral, whether any contact was at high or
    critical risk, and the agencies whose held signal no decision about the child has received."""

    def __init__(self, population: int, agencies: int) -> None:
        self.contacts = array("H", bytes(2 * population))
        # times in single precision (a thousandth of an hour over a ten-year run): 8 bytes a child, not 16
        self.first = array("f", [math.nan]) * population
        self.referred_at = array("f", [math.nan]) * population
        self.high = array("B", bytes(population))
        self.missed = mask_array(agencies, population)

    def arrived(self, c: Contact) -> None:
        child = c.child
        n = self.contacts[child]
        if n == 0:
            self.first[child] = c.arrived
        if n < MOST:
            self.contacts[child] = n + 1
        if c.risk >= HIGH:
            self.high[child] = 1

    def decided(self, c: Contact) -> None:
        child = c.child
        if c.outcome in REFERRALS and math.isnan(self.referred_at[child]):
            self.referred_at[child] = c.decided_at
        self.missed[child] = c.child_missed  # decisions come in time order: the latest is the child's state

    def totals(self, now: float, agencies: int) -> tuple[int, int, int, list[float], list[int]]:
        """As at ``now`` (the run-out's cap): children contacted, those with two or more contacts and no
        referral, high/critical-risk children not referred, each high/critical-risk child's hours from
        first contact to referral (to ``now`` if none: censored), and per agency the signals held about
        contacted children that no decision received."""
        contacts = np.frombuffer(self.contacts, dtype=np.uint16)
        referred_at = np.frombuffer(self.referred_at, dtype=np.float32).astype(np.float64)
        referred = ~np.isnan(referred_at)
        high = np.frombuffer(self.high, dtype=np.uint8).astype(bool) & (contacts > 0)
        first = np.frombuffer(self.first, dtype=np.float32).astype(np.float64)
        until = np.where(referred, referred_at, now)
        hours = (until - first)[high].tolist()
        missed = np.frombuffer(self.missed, dtype=f"u{self.missed.itemsize}")[contacts > 0].astype(np.uint64)
        never = [int(((missed >> np.uint64(i)) & np.uint64(1)).sum()) for i in range(agencies)]
        return (int((contacts > 0).sum()), int(((contacts >= 2) & ~referred).sum()), int((high & ~referred).sum()),
                hours, never)


class ChildCounts:
    """One collector's per-child counts (with [children]): counted once, from the tally, when the
    collector censors; added up over the hubs of a network like the collector's own counts.

    Only a hub's collector keeps a tally (a child's contacts can have different concerns): its
    concerns' collectors feed the hub's tally and keep none of their own, so their counts stay 0.
    """

    def __init__(self, population: int, agencies: int) -> None:
        self.tally = ChildTally(population, agencies) if population else None
        self.contacted = 0
        self.repeat_unreferred = 0
        self.hr_unreferred = 0
        self.never_decided = [0] * agencies  # per agency
        self.hours = DelayHistogram()  # a high/critical-risk child's first contact to referral

    def count(self, now: float) -> None:
        """Count the tally as at ``now`` (the run-out's cap), once: the tally is let go after."""
        if self.tally is None:
            return
        contacted, repeat, unreferred, hours, never = self.tally.totals(now, len(self.never_decided))
        self.tally = None  # counted once: its arrays (a few bytes a child) are let go
        self.contacted += contacted
        self.repeat_unreferred += repeat
        self.hr_unreferred += unreferred
        for value in hours:
            self.hours.add(value)
        for i, n in enumerate(never):
            self.never_decided[i] += n

    def add(self, other: ChildCounts, where: list[int]) -> None:
        """Add ``other``'s counts; ``where`` places each of its agencies among these."""
        self.contacted += other.contacted
        self.repeat_unreferred += other.repeat_unreferred
        self.hr_unreferred += other.hr_unreferred
        for k, n in enumerate(other.never_decided):
            self.never_decided[where[k]] += n
        self.hours.merge(other.hours)

    def values(self) -> dict[str, dict[tuple[str, ...], list[float]]]:
        """The per-child families' values, by breakdown (0 without [children])."""
        return {
            "children_contacted": {(): [float(self.contacted)]},
            "children_repeat_unreferred": {(): [float(self.repeat_unreferred)]},
            "high_risk_children_unreferred": {(): [float(self.hr_unreferred)]},
            "high_risk_child_hours_to_referral": {("stat",): delay_stats(self.hours)},
            "signals_never_decided": {(): [float(sum(self.never_decided))],
                                      ("agency",): [float(n) for n in self.never_decided]},
        }
