"""Contacts arriving: a non-homogeneous Poisson process per source, and each contact's draws.

The rate of a source is piecewise constant by the hour:
``annual / 8766 h x day weight x hour weight x period multiplier``, the
weights normalised to mean 1; a bank holiday takes Sunday's day weight.  Arrival times come week by week by thinning
(Lewis & Shedler): candidate points of a homogeneous process at the week's
peak rate, each kept with probability ``rate(t) / peak``.  Working a week at
a time keeps memory flat however long the horizon.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import simpy

from mashsim.model.calendar import CalendarView
from mashsim.model.contact import CRITICAL, Contact
from mashsim.model.durations import sample_hours
from mashsim.model.events import call_at
from mashsim.model.streams import Streams
from mashsim.scenario.schema import CONCERNS, HUB_ROLES, RISK_LEVELS, ConcernMix, HubSettings, RiskMix, Source

HOURS_PER_YEAR = 365.25 * 24.0
SUNDAY = 6  # bank holidays take Sunday's share of arrivals
CHUNK_DAYS = 7
MAKE_AT_LEAST = 128  # contacts made per call of ContactFactory.make (see contacts_of)


def hourly_rates(scenario: HubSettings, source: Source, view: CalendarView, first_day: int, days: int) -> np.ndarray:
    """Expected contacts per hour of ``source`` for each hour of days ``[first_day, first_day + days)``."""
    arrivals = scenario.arrivals
    day_w = np.asarray(source.day_profile or arrivals.day_profile, dtype=float)
    hour_w = np.asarray(source.hour_profile or arrivals.hour_profile, dtype=float)
    day_w = day_w / day_w.mean()
    hour_w = hour_w / hour_w.mean()
    base = source.annual_contacts * arrivals.scale / HOURS_PER_YEAR
    per_day = np.empty(days)
    for i in range(days):
        day = first_day + i
        factor = day_w[SUNDAY if view.is_bank_holiday(day) else view.weekday(day)]
        for period in view.periods_on(day):
            if period in source.period_multipliers:
                factor *= source.period_multipliers[period]
            else:
                factor *= view.calendar.periods[period].multiplier
        per_day[i] = base * factor
    return (per_day[:, None] * hour_w[None, :]).ravel()


def arrival_times(rates: np.ndarray, start: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times over ``len(rates)`` hours from ``start``, by thinning."""
    peak = float(rates.max()) if rates.size else 0.0
    if peak <= 0.0:
        return np.empty(0)
    span = float(rates.size)
    candidates = np.sort(rng.uniform(0.0, span, rng.poisson(peak * span)))
    keep = rng.random(candidates.size) * peak < rates[candidates.astype(np.int64)]
    return start + candidates[keep]


def _draw_index(mix: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of a category for each uniform in ``u``."""
    return np.minimum(np.searchsorted(np.cumsum(mix), u, side="right"), mix.size - 1)


class ContactFactory:
    """Makes the contacts of one source, drawing every attribute from that source's streams."""

    def __init__(self, scenario: HubSettings, streams: Streams, name: str, index: int,
                 risk_mix: RiskMix, concern_mix: ConcernMix) -> None:
        self.name = name
        self.index = index
        self._scenario = scenario
        self._risk = np.array([getattr(risk_mix, r) for r in RISK_LEVELS])
        self._concern = np.array([getattr(concern_mix, c) for c in CONCERNS])
        self._agencies = list(scenario.agencies.items())
        self._holds = np.array([[getattr(a.holds_information, r) for r in RISK_LEVELS] for _, a in self._agencies])
        self._match_failure = np.array([a.match_failure for _, a in self._agencies])
        self._loss = np.array([scenario.channel_for(n).loss for n, _ in self._agencies])
        rng = lambda *parts: streams.rng("contact", name, *parts)  # noqa: E731
        self._rngs = {part: rng(part) for part in ("risk", "concern", "urgent", "screen", "reveal", "outcome")}
        self._task_rngs = {role: rng("task", role) for role in HUB_ROLES}
        self._agency_rngs = [
            {part: rng("agency", n, part) for part in ("holds", "match", "channel", "research")}
            for n, _ in self._agencies
        ]

    def make(self, times: np.ndarray) -> list[Contact]:
        """Contacts arriving at ``times``, all their draws made now (the hub numbers them on arrival)."""
        n = times.size
        if n == 0:
            return []
        r = self._rngs
        risk = _draw_index(self._risk, r["risk"].random(n))
        concern = _draw_index(self._concern, r["concern"].random(n))
        urgent = (risk == CRITICAL) & (r["urgent"].random(n) < self._scenario.arrivals.urgent_flag)
        u_screen, u_reveal, u_outcome = r["screen"].random(n), r["reveal"].random(n), r["outcome"].random(n)
        roles = self._scenario.roles
        log_h = sample_hours(roles.contact_officers.task_minutes, self._task_rngs["contact_officers"], n)
        screen_h = sample_hours(roles.screeners.task_minutes, self._task_rngs["screeners"], n)
        decide_h = sample_hours(roles.managers.task_minutes, self._task_rngs["managers"], n)
        k = len(self._agencies)
        holds = np.empty((k, n), dtype=bool)
        unmatched = np.empty((k, n), dtype=bool)
        lost = np.empty((k, n), dtype=bool)
        research = np.empty((k, n))
        for i, (_, agency) in enumerate(self._agencies):
            a = self._agency_rngs[i]
            holds[i] = a["holds"].random(n) < self._holds[i][risk]
            unmatched[i] = a["match"].random(n) < self._match_failure[i]
            lost[i] = a["channel"].random(n) < self._loss[i]
            research[i] = sample_hours(agency.research_minutes, a["research"], n)

        contacts = []
        as_list = lambda a: a.T.tolist() if k else [[]] * n  # noqa: E731
        holds_l, unmatched_l, lost_l, research_l = as_list(holds), as_list(unmatched), as_list(lost), as_list(research)
        for j, (t, rk, cn, ug, us, ur, uo, lh, sh, dh) in enumerate(zip(
            times.tolist(), risk.tolist(), concern.tolist(), urgent.tolist(), u_screen.tolist(),
            u_reveal.tolist(), u_outcome.tolist(), log_h.tolist(), screen_h.tolist(), decide_h.tolist(),
        )):
            c = Contact(-1, self.index, t)
            c.risk, c.concern, c.urgent = rk, cn, ug
            c.u_screen, c.u_reveal, c.u_outcome = us, ur, uo
            c.log_hours, c.screen_hours, c.decide_hours = lh, sh, dh
            c.holds, c.unmatched, c.lost, c.research_hours = holds_l[j], unmatched_l[j], lost_l[j], research_l[j]
            contacts.append(c)
        return contacts


def arrival_batches(scenario: HubSettings, view: CalendarView, factory: ContactFactory, source: Source,
                    streams: Streams, end: float) -> Iterator[np.ndarray]:
    """Arrival times of one source, a week at a time, up to ``end`` hours."""
    rng = streams.rng("arrivals", factory.name)
    day = 0
    while day * 24.0 < end:
        rates = hourly_rates(scenario, source, view, day, CHUNK_DAYS)
        times = arrival_times(rates, day * 24.0, rng)
        yield times[times < end]
        day += CHUNK_DAYS


def contacts_of(factory: ContactFactory, batches: Iterable[np.ndarray], at_least: int = MAKE_AT_LEAST) -> Iterator[Contact]:
    """The contacts of ``factory`` arriving at each batch of times, in order.

    Contacts are made ``at_least`` at a time (a few weeks' arrivals of one
    source): each ``make`` costs some fixed numpy overhead, and a week of one
    source is often only a few dozen contacts.  Every draw comes from the
    source's own streams in arrival order, so how arrivals are grouped does not
    change any contact; memory stays flat (a few hundred contacts per source).
    """
    pending: list[np.ndarray] = []
    count = 0
    for times in batches:
        pending.append(times)
        count += times.size
        if count >= at_least:
            yield from factory.make(np.concatenate(pending))
            pending, count = [], 0
    if count:
        yield from factory.make(np.concatenate(pending))


class ArrivalFeed:
    """Delivers contacts (in order of arrival) each at its arrival time, numbering them as they arrive.

    Only the next contact is on the event queue at any time; with contacts
    made a batch (a week) at a time (:func:`contacts_of`), memory does not grow
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
