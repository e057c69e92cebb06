"""Children with histories: who each contact is about, what the hub knows of them, and their returns.

A hub with ``[children]`` serves a fixed population. A first contact is about the child its own
child draw picks (uniformly: two first contacts can be about the same child by chance); after
its decision the child comes back within twelve months with the chance ``returns.<risk>``,
multiplied by ``missed_multiplier`` while a signal held about the child has reached no decision.
A return keeps the child's true risk and concern; the rest of its draws come from a stream named
by the first contact's key and the return's number, never from a stream other contacts use.

**What stays paired** across runs that differ in staff or policy (common random numbers): every
first contact, its child and all its draws, including the draws that decide whether and when its
child would come back. A return happens in both runs when its draw is below both runs' chances
(a missed signal raises the chance in one run only), and then has the same draws in both; it
arrives the same time after each run's decision. What cannot stay paired: a return that one run's
missed signal causes and the other's does not, and the return's arrival time where the decisions
differ. Both are the feedback being modelled.

**Memory** stays flat with the horizon: per child two compact counters (contacts so far, and the
agencies whose held signal has reached no decision, a bitmask), whatever the number of contacts;
returns not yet due wait as one event each (at most a year's returns).

**The history desk** (``history_desk``, social care by default), when asked about a returning
child and matched, finds the child's earlier contacts with chance ``history_found``: the signals
missed then reach this decision, as the desk's own would, and leave the child's missed bitmask.
"""

from __future__ import annotations

import math
from array import array
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import simpy

from mashsim.model.concerns import risk_shares, risk_table
from mashsim.model.contact import REACHED, Contact
from mashsim.model.events import call_later
from mashsim.model.streams import Streams
from mashsim.scenario.children import Children as ChildrenSettings
from mashsim.scenario.schema import CONCERNS, RISK_LEVELS, HubSettings, Source

if TYPE_CHECKING:
    from mashsim.model.arrivals import ContactFactory

YEAR_DAYS = 365.0  # returns come within a year of the decision
MOST_RETURNS = 50  # a child's run of returns ends here (with chances below 1, far beyond any run's)
RETURN_IDS = 10**12  # returns are numbered from here, so first contacts keep their numbers at any staffing
MOST_CONTACTS = 0xFFFF  # the contact counter saturates here
TRACKED_AGENCIES = 64  # a child's missed bitmask has a bit per agency: at most this many
MAKE_AHEAD_HOURS = 91 * 24.0  # returns are made thirteen weeks' at a time (see Children._make)
# returns of decisions made before the run are keyed from here: first contacts' keys (week x 2^24 + place)
# stay below it for any run under 2^11 weeks (the longest allowed is about 1,100 with its run-out), and a
# return's number (return_numbering) stays an exact integer in a browser (< 2^53) for London's 32 hubs
INHERITED_KEYS = 1 << 35


def return_chances(children: ChildrenSettings) -> list[float]:
    """The chance of a return within a year, by true risk (index of RISK_LEVELS)."""
    return [getattr(children.returns, risk) for risk in RISK_LEVELS]


def first_contact_share(settings: HubSettings, source: Source) -> float:
    """The share of a source's contacts that are first contacts: ``annual_contacts`` counts returns as
    well, and a first contact at risk r brings on average q + q^2 + ... returns, q its return chance
    raised by ``missed_multiplier``: most children have a held signal that reached no decision, if
    only one screened out at Blue (a hub that misses none sees somewhat fewer than ``annual_contacts``)."""
    children = settings.children
    if children is None:
        return 1.0
    # the first contacts' risk mix: with concern pathways, each concern's own mix by its share
    shares = risk_shares(settings, source.risk_mix or settings.arrivals.risk_mix,
                         source.concern_mix or settings.arrivals.concern_mix)
    returns = sum(share * runs for share, runs in zip(shares, return_runs(children)))
    return 1.0 / (1.0 + returns)


def return_runs(children: ChildrenSettings) -> list[float]:
    """The returns a first contact brings on average, by its true risk: q + q^2 + ... (at most
    MOST_RETURNS), q its return chance raised by ``missed_multiplier`` (see :func:`first_contact_share`)."""
    runs = []
    for chance in return_chances(children):
        q = min(chance * children.missed_multiplier, 1.0)
        runs.append(float(MOST_RETURNS) if q >= 1.0 else q * (1.0 - q ** MOST_RETURNS) / (1.0 - q))
    return runs


def return_numbering(hub: int, hubs: int, sources: int) -> Callable[[int, int, int], int]:
    """The ``contact_id`` of a return, from what names its draws: its source, its first contact's key
    and its number (``generation``), with the hub's place among ``hubs``. The same return has the same
    number in any run that makes it, whatever other returns came first (a counter would renumber them
    when one run's feedback brings a return the other's does not): the tabletop's paired accounts and
    a team's screening of a return (by number) rely on it."""
    def number(source: int, key: int, generation: int) -> int:
        return RETURN_IDS + ((key * (MOST_RETURNS + 1) + generation) * sources + source) * hubs + hub
    return number


def mask_array(agencies: int, n: int) -> array:
    """``n`` zeroed bitmasks of ``agencies`` bits, each in the fewest bytes that hold them (a borough's
    six agencies take one byte a child: London's 1.9 million children, 1.9 MB)."""
    for typecode in ("B", "H", "I", "Q"):
        if agencies <= 8 * array(typecode).itemsize:
            return array(typecode, bytes(array(typecode).itemsize * n))
    raise ValueError(f"at most {TRACKED_AGENCIES} agencies")


def _bits(mask: int) -> int:
    return bin(mask).count("1")


class Return:
    """A child's return, scheduled: made into a contact (with the other returns due soon) when due."""

    __slots__ = ("source", "key", "generation", "child", "risk", "concern", "time", "contact")

    def __init__(self, source: int, key: int, generation: int, child: int, risk: int, concern: int,
                 time: float) -> None:
        self.source, self.key, self.generation = source, key, generation
        self.child, self.risk, self.concern, self.time = child, risk, concern, time
        self.contact: Contact | None = None


class Children:
    """One hub's children: their histories and their returns."""

    def __init__(self, env: simpy.Environment, settings: HubSettings, streams: Streams, end: float,
                 number: Callable[[int, int, int], int], deliver: Callable[[Contact], None],
                 factories: dict[int, "ContactFactory"]) -> None:
        """Returns arrive before ``end`` (the run's last hour), numbered by ``number`` (see :func:`return_numbering`), through
        ``deliver`` (the hub's arrival); ``factories`` make them, by source index."""
        children = settings.children
        assert children is not None
        self.env, self.streams, self.end, self.number, self.deliver = env, streams, end, number, deliver
        self.factories = factories
        n = children.population
        self.seen = array("H", bytes(2 * n))  # contacts so far, per child
        self.missed = mask_array(len(settings.agencies), n)  # agencies whose held signal reached no decision
        self.chances = return_chances(children)
        self.multiplier = children.missed_multiplier
        self.mean_hours = children.return_mean_days * 24.0
        self.within_year = -math.expm1(-YEAR_DAYS / children.return_mean_days)  # the exponential's mass in a year
        agencies = list(settings.agencies)
        assert len(agencies) <= TRACKED_AGENCIES  # the scenario's checks refuse more
        self.history = agencies.index(children.history_desk) if children.history_desk in agencies else -1
        self.found_chance = children.history_found
        self.unmade: dict[int, list[Return]] = {source: [] for source in factories}  # scheduled, not yet made
        for source, factory in factories.items():
            self._inherit(settings, source, factory)

    def arrived(self, c: Contact) -> None:
        """Count ``c`` in its child's history."""
        child = c.child
        if child < 0:
            return
        seen = self.seen[child]
        c.earlier = seen
        if seen < MOST_CONTACTS:
            self.seen[child] = seen + 1

    def found(self, c: Contact, fates: list[Any]) -> int:
        """The signals missed at the child's earlier contacts that the history desk finds for ``c``'s
        decision (they count as reached): the desk was asked, answered and matched the child."""
        h = self.history
        if h < 0 or c.child < 0 or not c.earlier or h not in c.asked or c.returned[h] is None:
            return 0
        if h in c.failed or c.unmatched[h] or c.lost[h] or c.u_history >= self.found_chance:
            return 0
        c.history_found = True
        mask = self.missed[c.child]
        for i, fate in enumerate(fates):
            if fate == REACHED:
                mask &= ~(1 << i)  # reached now anyway: counted once
        return _bits(mask)

    def closed(self, c: Contact, fates: list[Any]) -> None:
        """Update the child's history with ``c``'s decision, and send the child back if it returns."""
        child = c.child
        if child < 0:
            return
        mask = 0 if c.history_found else self.missed[child]  # what the desk found reached this decision
        if any(c.holds):
            bit = 1
            for fate in fates:  # agencies beyond TRACKED_AGENCIES are checked out by Children.__init__
                if fate is not None:
                    if fate == REACHED:
                        mask &= ~bit
                    else:
                        mask |= bit
                bit <<= 1
        self.missed[child] = mask
        c.child_missed = mask
        chance = self.chances[c.risk] * (self.multiplier if mask else 1.0)
        if c.u_return >= chance or c.generation >= MOST_RETURNS or c.source not in self.factories:
            return
        # hours to the return: an exponential of the scenario's mean, cut at a year (inverse CDF)
        hours = -self.mean_hours * math.log1p(-c.u_delay * self.within_year)
        now = self.env._now
        time = c.decided_at + hours
        if time < self.end:
            due = Return(c.source, c.key, c.generation + 1, child, c.risk, c.concern, time)
            self.unmade[c.source].append(due)
            call_later(self.env, time - now, partial(self._return, due))

    def _inherit(self, settings: HubSettings, source: int, factory: "ContactFactory") -> None:
        """Schedule the source's returns of decisions made before the run: without them a run would
        start with no returns on their way, and the returns would build up over its first year
        (with a 120-day mean delay, to half their level by about day 90), making the hub's load, and
        so its delays and misses, look lighter than they are.

        The run is taken to start in the steady state of the scenario's own rates: first contacts
        before it came at the source's yearly first-contact rate, evenly (its seasonal shape and
        surges are not carried back), and each risk's returns at ``return_runs`` a first contact.
        A decision made ``s`` hours before the start brings a return at ``t`` after it with the
        return delay's density at ``s + t``, so returns still due after the start come at
        ``R (1 - F(t))`` an hour, ``R`` the steady rate of returns and ``F`` the delay's
        distribution (the decision's own delay is left out: days against a 120-day mean). They are
        drawn by thinning, from a stream of their own: the same at any staffing or policy. Each is
        about a child drawn from the population, with a contact before the run that its history
        holds (``earlier`` counts it) but no signal recorded as missed (what that contact missed is
        not known)."""
        children = settings.children
        assert children is not None
        arrivals = settings.arrivals
        spec = arrivals.sources[factory.name]
        first = spec.annual_contacts * arrivals.scale * first_contact_share(settings, spec) / (YEAR_DAYS * 24.0)
        concerns = np.array([getattr(spec.concern_mix or arrivals.concern_mix, c) for c in CONCERNS])
        by_concern = np.diff(risk_table(settings, spec.risk_mix or arrivals.risk_mix), axis=1, prepend=0.0)
        by_risk = by_concern * np.array(return_runs(children))
        weights = (concerns[:, None] * by_risk).ravel()  # (concern, risk) of a return, flattened
        rate = first * float(weights.sum())
        if rate <= 0.0 or self.end <= 0.0:
            return
        rng = self.streams.rng("returns", factory.name, "inherited")
        n = int(rng.poisson(rate * YEAR_DAYS * 24.0))  # candidates over a year, whatever the run's length
        u = rng.random((n, 4))
        t = u[:, 0] * YEAR_DAYS * 24.0
        late = (np.exp(-t / self.mean_hours) - math.exp(-YEAR_DAYS * 24.0 / self.mean_hours)) / self.within_year
        kept = np.flatnonzero((u[:, 1] < late) & (t < self.end))
        kept = kept[np.argsort(t[kept], kind="stable")]
        pick = np.minimum(np.searchsorted(np.cumsum(weights) / weights.sum(), u[kept, 2], side="right"),
                          weights.size - 1)
        risks = len(RISK_LEVELS)
        who = np.minimum((u[kept, 3] * children.population).astype(np.int64), children.population - 1)
        for i, (time, child, cell) in enumerate(zip(t[kept].tolist(), who.tolist(), pick.tolist())):
            due = Return(source, INHERITED_KEYS + i, 1, child, cell % risks, cell // risks, time)
            self.unmade[source].append(due)
            call_later(self.env, time, partial(self._return, due))

    def _return(self, due: Return, _event: Any) -> None:
        if due.contact is None:
            self._make(due.source)
        c = due.contact
        assert c is not None
        if due.key >= INHERITED_KEYS and not self.seen[due.child]:
            self.seen[due.child] = 1  # the contact before the run that this return follows
        c.id = self.number(due.source, due.key, due.generation)
        self.deliver(c)

    def _make(self, source: int) -> None:
        """Make the source's returns due within thirteen weeks, together: one call of the factory for
        several (each call costs some fixed numpy overhead, which four weeks' batches of a dozen made
        a measurable part of a borough-year), and never more than thirteen weeks' returns held made
        (a few hundred contacts a borough: memory stays flat with the horizon)."""
        until = self.env._now + MAKE_AHEAD_HOURS
        waiting = self.unmade[source]
        now = [r for r in waiting if r.time <= until]
        self.unmade[source] = [r for r in waiting if r.time > until]
        factory = self.factories[source]
        rows = self.streams.rows_at(("returns", factory.name), [(r.key, r.generation) for r in now], factory.width)
        who = (np.array([r.child for r in now]), np.array([r.risk for r in now]), np.array([r.concern for r in now]))
        for r, c in zip(now, factory.make(np.array([r.time for r in now]), rows, None, who)):
            c.key, c.generation = r.key, r.generation
            r.contact = c
