"""Contacts arriving: a non-homogeneous Poisson process per source, and each contact's draws.

**Rates.** The rate of a source is piecewise constant by the hour, proportional to its *shape*:
``day weight x hour weight x period multipliers`` (a bank holiday takes Sunday's day weight).
It is scaled so that the expected number of contacts in the *reference year*, the first
365.25 days (8,766 hours) from the calendar's start date, is ``annual_contacts x
arrivals.scale`` exactly, every multiplier included (:class:`SourceRates`).  Surges (injects)
multiply the rate on top of that.

**Coupling.** A source's contacts are the points of one Poisson process of unit intensity on
the plane (time in hours, *level* in contacts an hour) that lie below the rate: a point at
``(t, y)`` is a contact if ``y < rate(t)``.  Each point carries its own uniforms, from which
every draw of its contact is made (:class:`ContactFactory`).  The points do not depend on the
rate, so a higher rate (more volume, a surge) keeps every contact of a lower one, with the
same draws, and adds some: runs at different volumes share their common contacts (common
random numbers across volumes).  A week at a time, the points are generated in order of
level up to the week's highest rate (the same number of candidates as thinning at the week's
peak, Lewis & Shedler); each stream of a source sets aside a fixed block of draws per week,
so what one week uses never shifts the next.  Working a week at a time keeps memory flat
however long the horizon.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import simpy

from mashsim.model.calendar import CalendarView
from mashsim.model.children import first_contact_share
from mashsim.model.concerns import draw_risk, holds_table, risk_table
from mashsim.model.contact import CRITICAL, Contact
from mashsim.model.durations import TaskTimes, hours_at
from mashsim.model.matching import RecordSearch
from mashsim.model.events import call_at
from mashsim.model.stages import STAGES
from mashsim.model.streams import Streams
from mashsim.scenario.schema import CONCERNS, ConcernMix, HubSettings, RiskMix, Source

HOURS_PER_YEAR = 365.25 * 24.0  # the reference year: annual_contacts is the expected count in its hours
SUNDAY = 6  # bank holidays take Sunday's share of arrivals
WEEK_DAYS = 7
WEEK_HOURS = WEEK_DAYS * 24
MAKE_AT_LEAST = 128  # contacts made per call of ContactFactory.make (see source_contacts)
STRIDE = 1 << 40  # draws each stream of a source sets aside for one week (far more than a week uses)
LEVELS_AT_ONCE = 256  # levels drawn per step, the same at every volume (so each level is computed alike)
# The uniforms of one candidate: its own columns (in this order; then one task time per hub stage,
# in the order of STAGES, from TASKS on), then four for each agency.
TIME, RISK, CONCERN, URGENT, SCREEN, REVEAL, OUTCOME = range(7)
TASKS = 7
OWN_DRAWS = TASKS + len(STAGES)
HOLDS, MATCH, CHANNEL, RESEARCH = range(4)
AGENCY_DRAWS = 4
# With [children], four more from the source's child stream, after the agencies' (a stream of their
# own, so a scenario without children draws every other uniform as it always did): which child, and
# whether, when and with what history found the child comes back (see mashsim.model.children).
CHILD, RETURN, DELAY, HISTORY = range(4)
CHILD_DRAWS = 4
KEY_WEEK = 1 << 24  # a candidate's key: week x KEY_WEEK + its place among the week's candidates
# The police pipeline's uniforms (its source only, when the scenario has one), after the agencies'.
NOTIFY, PPD_TASK, CAIT_TASK = range(3)
POLICE_DRAWS = 3

Window = tuple[float, float, float]  # a surge: (start hour, end hour, rate multiplier)


def _mean_one(values: Sequence[float]) -> np.ndarray:
    weights = np.asarray(values, dtype=float)
    return weights / weights.mean()


class SourceRates:
    """The hourly rates of one source on days ``[0, days)`` (and at least over its reference year)."""

    def __init__(self, settings: HubSettings, source: Source, view: CalendarView, days: int) -> None:
        arrivals = settings.arrivals
        day_w = _mean_one(source.day_profile or arrivals.day_profile)
        self.hour_w = _mean_one(source.hour_profile or arrivals.hour_profile)
        whole_days, part_hours = divmod(int(HOURS_PER_YEAR), 24)
        span = max(days, whole_days + 1)
        weekday = view.weekdays(span)
        weekday[view.bank_holiday_mask(span)] = SUNDAY
        shape = day_w[weekday]
        for name, period in view.calendar.periods.items():
            multiplier = source.period_multipliers.get(name, period.multiplier)
            if multiplier != 1.0:
                shape = np.where(view.period_mask(name, span), shape * multiplier, shape)
        # the shape's sum over the reference year's hours (the hour weights sum to 24 a day)
        year = 24.0 * float(shape[:whole_days].sum()) + float(shape[whole_days] * self.hour_w[:part_hours].sum())
        # with children, annual_contacts counts returns too: first contacts are the rest
        volume = source.annual_contacts * arrivals.scale * first_contact_share(settings, source)
        # a calendar that leaves a source no hour to arrive in its reference year leaves it none at all
        self.per_day = shape * (volume / year if year > 0.0 else 0.0)

    def hourly(self, first_day: int, days: int) -> np.ndarray:
        """Expected contacts per hour for each hour of days ``[first_day, first_day + days)``."""
        return (self.per_day[first_day:first_day + days, None] * self.hour_w[None, :]).ravel()


def hourly_rates(scenario: HubSettings, source: Source, view: CalendarView, first_day: int, days: int) -> np.ndarray:
    """Expected contacts per hour of ``source`` for each hour of days ``[first_day, first_day + days)``."""
    return SourceRates(scenario, source, view, first_day + days).hourly(first_day, days)


def _skip(rng: np.random.Generator, draws: int) -> None:
    """Move ``rng`` on as though it had drawn ``draws`` doubles (each double is one step of PCG64)."""
    bits = rng.bit_generator
    assert isinstance(bits, np.random.PCG64)  # the generator of every stream (see Streams)
    bits.advance(draws)


def _draw_index(mix: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of a category for each uniform in ``u``."""
    return np.minimum(np.searchsorted(np.cumsum(mix), u, side="right"), mix.size - 1)


class ContactFactory:
    """Makes the contacts of one source from their uniforms, drawn from that source's streams.

    A candidate's uniforms are one row: ``OWN_DRAWS`` from the source's stream (its time in the
    week, risk, concern, urgent flag, screening, recognition and outcome, three task times),
    then ``AGENCY_DRAWS`` from each agency's stream (holds, match, channel, research time).
    Each draw is the same uniform against whatever threshold or distribution the scenario
    sets, so a change of a probability or a task time changes only that draw; adding an
    agency leaves the other agencies' draws alone.
    """

    def __init__(self, scenario: HubSettings, streams: Streams, name: str, index: int,
                 risk_mix: RiskMix, concern_mix: ConcernMix) -> None:
        self.name = name
        self.index = index
        self._scenario = scenario
        self._risk = risk_table(scenario, risk_mix)  # per concern (concern pathways)
        self._concern = np.array([getattr(concern_mix, c) for c in CONCERNS])
        self._agencies = list(scenario.agencies.items())
        self._holds = holds_table(scenario)  # per agency, concern and risk
        self._search = RecordSearch([a.match_shares(scenario.policy.shared_identifier) for _, a in self._agencies])
        # each hub stage's task time, from its role's task_minutes; each desk's research time
        self._stage_times = TaskTimes([getattr(scenario.roles, stage.role).task_minutes for stage in STAGES])
        self._research_times = TaskTimes([agency.research_minutes for _, agency in self._agencies])
        self._loss = np.array([scenario.channel_for(n).loss for n, _ in self._agencies])
        self._rngs = [streams.rng("contact", name)] + [streams.rng("contact", name, "agency", n)
                                                       for n, _ in self._agencies]
        self.children = scenario.children
        self._child_at = OWN_DRAWS + AGENCY_DRAWS * len(self._agencies)  # the child draws' first column
        self._child_rng = streams.rng("contact", name, "child") if self.children else None
        # the police pipeline's draws come from a stream of their own, after the child draws, so that
        # switching the pipeline on (or changing its staff) leaves every other draw of every contact as it was
        self._police = scenario.police
        self._police_at = self._child_at + (CHILD_DRAWS if self.children else 0)
        self._police_rng = streams.rng("contact", name, "police") if self._police is not None else None
        self.width = self._police_at + (POLICE_DRAWS if self._police is not None else 0)  # uniforms a candidate has

    def uniforms(self, n: int) -> np.ndarray:
        """The next ``n`` candidates' rows of uniforms, ``(n, width)``: own, agencies', child, police draws."""
        own, *agencies = self._rngs
        parts = [own.random((n, OWN_DRAWS))] + [rng.random((n, AGENCY_DRAWS)) for rng in agencies]
        if self._child_rng is not None:
            parts.append(self._child_rng.random((n, CHILD_DRAWS)))
        if self._police_rng is not None:
            parts.append(self._police_rng.random((n, POLICE_DRAWS)))
        return np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]

    def week_uniforms(self, n: int) -> np.ndarray:
        """The rows of a week's ``n`` candidates; then every stream moves on to the next week's block."""
        rows = self.uniforms(n)
        own, *agencies = self._rngs
        _skip(own, STRIDE - n * OWN_DRAWS)
        for rng in agencies:
            _skip(rng, STRIDE - n * AGENCY_DRAWS)
        if self._child_rng is not None:
            _skip(self._child_rng, STRIDE - n * CHILD_DRAWS)
        if self._police_rng is not None:
            _skip(self._police_rng, STRIDE - n * POLICE_DRAWS)
        return rows

    def make(self, times: np.ndarray, u: np.ndarray, keys: np.ndarray | None = None,
             child: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> list[Contact]:
        """Contacts arriving at ``times``, each made from its row of ``u`` (the hub numbers them on arrival).

        ``keys``: each candidate's key (see :func:`source_contacts`), which names a child's returns;
        ``child``: ``(children, risks, concerns)``, one each, for children's returns (a child keeps its
        risk and concern).
        """
        n = times.size
        if n == 0:
            return []
        if child is None:  # a first contact: its concern first, then its risk from the concern's risk mix
            concern = _draw_index(self._concern, u[:, CONCERN])
            risk = draw_risk(self._risk, concern, u[:, RISK])
        else:  # a child's return keeps the child's risk and concern (its pathway's holds and route follow)
            risk, concern = child[1], child[2]
        urgent = (risk == CRITICAL) & (u[:, URGENT] < self._scenario.arrivals.urgent_flag)
        # a row per contact: each hub stage's task time, and each desk's draws (a column per desk)
        stage_h = self._stage_times.hours(u[:, TASKS:TASKS + len(STAGES)]).tolist()
        a = u[:, OWN_DRAWS:self._child_at].reshape(n, len(self._agencies), AGENCY_DRAWS)
        holds = a[:, :, HOLDS] < self._holds[:, concern, risk].T
        matching, unmatched, extra = self._search.outcomes(a[:, :, MATCH])
        lost = a[:, :, CHANNEL] < self._loss
        research = self._research_times.hours(a[:, :, RESEARCH]) + extra

        contacts = []
        holds_l, unmatched_l, lost_l, research_l = holds.tolist(), unmatched.tolist(), lost.tolist(), research.tolist()
        matching_l = matching.tolist()
        for j, (t, rk, cn, ug, us, ur, uo, sh) in enumerate(zip(
            times.tolist(), risk.tolist(), concern.tolist(), urgent.tolist(), u[:, SCREEN].tolist(),
            u[:, REVEAL].tolist(), u[:, OUTCOME].tolist(), stage_h,
        )):
            c = Contact(-1, self.index, t)
            c.risk, c.concern, c.urgent = rk, cn, ug
            c.u_screen, c.u_reveal, c.u_outcome = us, ur, uo
            c.stage_hours = sh
            c.holds, c.unmatched, c.lost, c.research_hours = holds_l[j], unmatched_l[j], lost_l[j], research_l[j]
            c.matching = matching_l[j]
            contacts.append(c)
        if self.children is not None:
            self._about_children(contacts, u, keys, child)
        if self._police is not None:
            self._police_draws(contacts, u[:, self._police_at:self._police_at + POLICE_DRAWS])
        return contacts

    def _police_draws(self, contacts: list[Contact], u: np.ndarray) -> None:
        """The police pipeline's draws of ``contacts`` from their police columns ``u``."""
        police = self._police
        assert police is not None
        ppd = hours_at(police.ppd.task_minutes, u[:, PPD_TASK]).tolist()
        cait = hours_at(police.cait.task_minutes, u[:, CAIT_TASK]).tolist()
        for c, un, ph, ch in zip(contacts, u[:, NOTIFY].tolist(), ppd, cait):
            c.u_notify, c.ppd_hours, c.cait_hours = un, ph, ch
    def _about_children(self, contacts: list[Contact], u: np.ndarray, keys: np.ndarray | None,
                        child: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> None:
        """Each contact's child (drawn from its own child draw, or the returning child) and its draws
        for the child's return and history."""
        assert self.children is not None
        d = u[:, self._child_at:self._child_at + CHILD_DRAWS]
        if child is None:
            who = np.minimum((d[:, CHILD] * self.children.population).astype(np.int64),
                             self.children.population - 1).tolist()
        else:
            who = child[0].tolist()
        key_l = keys.tolist() if keys is not None else [-1] * len(contacts)
        for c, w, key, ur, ud, uh in zip(contacts, who, key_l, d[:, RETURN].tolist(), d[:, DELAY].tolist(),
                                         d[:, HISTORY].tolist()):
            c.child, c.key = w, key
            c.u_return, c.u_delay, c.u_history = ur, ud, uh


def week_levels(rng: np.random.Generator, bound: float) -> np.ndarray:
    """Levels below ``bound`` of one week's points, in ascending order, in units of 1/``WEEK_HOURS``.

    Per week the levels form a Poisson process of rate ``WEEK_HOURS``, made from exponential gaps;
    ``bound`` is the week's highest rate times ``WEEK_HOURS``.  The levels are drawn
    ``LEVELS_AT_ONCE`` at a time whatever the bound, so a point's level is the same number at any
    volume; then the stream moves on to the next week's block.
    """
    chunks: list[np.ndarray] = []
    top = 0.0
    while top < bound:
        levels = top + np.cumsum(-np.log1p(-rng.random(LEVELS_AT_ONCE)))
        chunks.append(levels)
        top = float(levels[-1])
    _skip(rng, STRIDE - LEVELS_AT_ONCE * len(chunks))
    if not chunks:
        return np.empty(0)
    levels = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    return levels[:int(np.searchsorted(levels, bound))]


def surge_factors(windows: Sequence[Window], t: np.ndarray) -> np.ndarray:
    """The surges' multiplier of the rate at each time in ``t``.

    Drops (factor < 1) thin the usual arrivals, and surges (factor > 1) each add ``factor - 1``
    times the usual rate: inside windows ``f1 > 1``, ``f2 > 1`` and drop ``d`` the rate is
    ``(d + (f1 - 1) + (f2 - 1))`` times the usual one; a single window's is its factor.
    """
    drop = np.ones(t.size)
    extra = np.zeros(t.size)
    for start, end, factor in windows:
        inside = (t >= start) & (t < end)
        if factor < 1.0:
            drop[inside] *= factor
        else:
            extra[inside] += factor - 1.0
    return drop + extra


def _most(windows: Sequence[Window]) -> float:
    """The most the surges ``windows`` can multiply the rate by (see :func:`surge_factors`)."""
    return 1.0 + sum(f - 1.0 for _, _, f in windows if f > 1.0)


def source_contacts(factory: ContactFactory, rates: SourceRates, streams: Streams, end: float,
                    windows: Sequence[Window] = (), at_least: int = MAKE_AT_LEAST) -> Iterator[Contact]:
    """The contacts of ``factory``'s source up to ``end`` hours, in order of arrival.

    ``windows`` are the surges on the source: from each one's start (inclusive) to its end the
    rate is multiplied by its factor (several at once: see :func:`surge_factors`).  Contacts are made ``at_least`` at a time (a few weeks'
    arrivals of one source): each ``make`` costs some fixed numpy overhead, and a week of one
    source is often only a few dozen contacts.  How they are grouped changes no contact; memory
    stays flat (a few hundred contacts per source).
    """
    rng = streams.rng("arrivals", factory.name)
    times: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    count = 0
    for week in range(math.ceil(end / WEEK_HOURS)):
        start = float(week * WEEK_HOURS)
        rate = rates.hourly(week * WEEK_DAYS, WEEK_DAYS) * WEEK_HOURS
        here = [w for w in windows if w[0] < start + WEEK_HOURS and w[1] > start]  # the week's surges
        levels = week_levels(rng, float(rate.max()) * _most(here))
        u = factory.week_uniforms(levels.size)
        into = WEEK_HOURS * u[:, TIME]  # hours into the week
        limit = rate[np.minimum(into.astype(np.int64), WEEK_HOURS - 1)]
        t = start + into
        if here:
            limit = limit * surge_factors(here, t)
        kept = np.flatnonzero((levels < limit) & (t < end))
        if kept.size:
            kept = kept[np.argsort(t[kept], kind="stable")]
            times.append(t[kept])
            rows.append(u[kept])
            keys.append(week * KEY_WEEK + kept)  # the candidate's place: the same at any staffing or volume
            count += kept.size
        if count >= at_least:
            yield from factory.make(np.concatenate(times), np.concatenate(rows), np.concatenate(keys))
            times, rows, keys, count = [], [], [], 0
    if count:
        yield from factory.make(np.concatenate(times), np.concatenate(rows), np.concatenate(keys))


def source_arrivals(settings: HubSettings, name: str, streams: Streams, view: CalendarView, end: float,
                    windows: Sequence[Window] = ()) -> Iterator[Contact]:
    """The contacts of ``settings``' source ``name`` up to ``end`` hours, in order of arrival, drawn
    from ``streams`` (the hub's); ``windows``: the surges on the source (see :func:`source_contacts`)."""
    return factory_arrivals(source_factory(settings, name, streams), settings, view, streams, end, windows)


def source_factory(settings: HubSettings, name: str, streams: Streams) -> ContactFactory:
    """The factory of ``settings``' source ``name``'s contacts, drawing from ``streams`` (the hub's)."""
    mix = settings.arrivals
    source = mix.sources[name]
    return ContactFactory(settings, streams, name, list(mix.sources).index(name),
                          source.risk_mix or mix.risk_mix, source.concern_mix or mix.concern_mix)


def factory_arrivals(factory: ContactFactory, settings: HubSettings, view: CalendarView, streams: Streams,
                     end: float, windows: Sequence[Window] = ()) -> Iterator[Contact]:
    """The contacts of ``factory``'s source up to ``end`` hours (see :func:`source_arrivals`)."""
    days = math.ceil(end / WEEK_HOURS) * WEEK_DAYS  # whole weeks: arrivals come a week at a time
    source = settings.arrivals.sources[factory.name]
    return source_contacts(factory, SourceRates(settings, source, view, days), streams, end, windows)


class ArrivalFeed:
    """Delivers contacts (in order of arrival) each at its arrival time, numbering them as they arrive.

    Only the next contact is on the event queue at any time; with contacts
    made a batch (a week) at a time (:func:`source_contacts`), memory does not grow
    with the horizon.  The feed is its own event on SimPy's queue (it has the
    ``callbacks`` and ``_ok`` an event needs), put back for each next contact:
    cheaper than a SimPy process or a new event per contact.  ``ids`` is shared
    by every feed of a run: contacts are numbered in the order they arrive,
    whatever their source.
    """

    __slots__ = ("_env", "_contacts", "_deliver", "_ids", "_next", "_on_arrival", "callbacks", "_ok", "_value")

    def __init__(self, env: simpy.Environment, contacts: Iterable[Contact], deliver: Callable[[Contact], None],
                 ids: Iterator[int]) -> None:
        self._env = env
        self._contacts = iter(contacts)
        self._deliver = deliver
        self._ids = ids
        self._next: Any = None  # the contact on the event queue
        self._on_arrival = [self._arrive]
        self.callbacks: Any = None
        self._ok = True
        self._value = None

    def start(self) -> None:
        self._advance()

    def _advance(self) -> None:
        env = self._env
        for contact in self._contacts:
            if contact.arrived > env._now:
                self._next = contact
                self.callbacks = self._on_arrival  # SimPy clears an event's callbacks when it runs it
                call_at(env, env._now + (contact.arrived - env._now), self)
                return
            contact.id = next(self._ids)
            self._deliver(contact)

    def _arrive(self, _event) -> None:
        contact = self._next
        contact.id = next(self._ids)
        self._deliver(contact)
        self._advance()
