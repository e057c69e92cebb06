"""One replication: build the model from a scenario and a seed, run it, return its metrics.

This is the one entry point into the simulation core that the CLI, the
experiment runner and (later) the app all use.  It reads no file and prints
nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import numpy as np
import simpy

from mashsim.metrics.collector import Collector
from mashsim.metrics.series import SeriesSampler
from mashsim.model.arrivals import ContactFactory, arrival_batches
from mashsim.model.calendar import HOURS_PER_DAY, CalendarView
from mashsim.model.duty import Presence, duty_rota
from mashsim.model.hub import Hub, TraceHook
from mashsim.model.injects import InjectPlan
from mashsim.model.network import build_network
from mashsim.model.roles import Role
from mashsim.model.streams import Streams
from mashsim.scenario.schema import Scenario


@dataclass
class ReplicationResult:
    """The metrics of one replication (flat dotted names), and its records if asked for."""

    seed: int
    replication: int
    metrics: dict[str, float]
    records: list[dict] | None = field(default=None, repr=False)
    series: dict[str, list[float]] | None = field(default=None, repr=False)


def simulate(scenario: Scenario, seed: int, replication: int = 0, *, record: bool = False,
             trace: TraceHook | None = None, series: bool = False) -> ReplicationResult:
    """Run replication ``replication`` of ``scenario`` with base ``seed``.

    The same ``(scenario, seed, replication)`` gives the same result bit for
    bit; two scenarios that differ only in staffing or policy see the same
    contacts (common random numbers).  ``record`` keeps one record per
    contact; ``trace`` is called with ``(time, kind, contact, detail)`` at
    every step of every contact; ``series`` samples queue lengths and open
    contacts every hour (see :class:`mashsim.metrics.series.SeriesSampler`).
    The scenario's injects act on the run as it goes.
    """
    env = simpy.Environment()
    streams = Streams(seed, replication)
    view = CalendarView(scenario.calendar)
    clocks = {name: view.clock(pattern) for name, pattern in scenario.calendar.hours.items()}
    warmup = scenario.run.warmup_days * HOURS_PER_DAY
    end = warmup + scenario.run.horizon_days * HOURS_PER_DAY

    plan = InjectPlan(scenario) if scenario.injects else None
    roles: dict[str, Role] = {}
    for name, staffing in scenario.staffed_roles().items():
        role = Role(env, name, scenario.policy.red_priority)
        roles[name] = role
        presence = Presence(staffing, streams, name)
        pattern = scenario.calendar.hours[staffing.hours]
        rostered = plan.staffing(role) if plan else role
        env.process(duty_rota(env, rostered, view, pattern, presence, staffing.out_of_hours_staff))

    sources = list(scenario.arrivals.sources)
    collector = Collector(list(scenario.agencies), sources, warmup, end, clocks[scenario.hub_hours], record)
    sampler = SeriesSampler(env, roles, list(scenario.agencies), collector, end) if series else None
    hub = Hub(env, scenario, roles, build_network(scenario), clocks, sampler or collector, trace)
    ids = itertools.count()

    for index, (name, source) in enumerate(scenario.arrivals.sources.items()):
        factory = ContactFactory(scenario, streams, name, index,
                                 source.risk_mix or scenario.arrivals.risk_mix,
                                 source.concern_mix or scenario.arrivals.concern_mix)
        contacts = _contacts(factory, arrival_batches(scenario, view, factory, source, streams, end))
        if plan:
            contacts = plan.thin(contacts, name, index, streams)
        env.process(_arrivals(env, hub, contacts, ids))
    if plan:
        for extra in plan.extra_arrivals(streams, view, end):
            env.process(_arrivals(env, hub, extra, ids))
        plan.start(env, hub)

    _seed_backlog(scenario, streams, hub, ids)

    def end_warmup(_event: simpy.Event) -> None:
        for role in roles.values():
            role.reset_stats()

    env.timeout(warmup).callbacks.append(end_warmup)
    env.run(until=end)
    for role in roles.values():
        role.close_stats()
    records = None
    if record:
        records = collector.records + collector.open_records()
    return ReplicationResult(seed, replication, collector.metrics(roles), records,
                             sampler.series() if sampler else None)


def _contacts(factory: ContactFactory, batches: Iterator[np.ndarray]) -> Iterator:
    for times in batches:
        yield from factory.make(times)


def _arrivals(env: simpy.Environment, hub: Hub, contacts: Iterable, ids: Iterator[int]):
    for contact in contacts:
        if contact.arrived > env.now:
            yield env.timeout(contact.arrived - env.now)
        contact.id = next(ids)
        hub.arrive(contact)


def _seed_backlog(scenario: Scenario, streams: Streams, hub: Hub, ids: Iterator[int]) -> None:
    """Put each role's initial backlog in its queue at time 0, as contacts at that stage."""
    mix = scenario.arrivals
    for name, staffing in scenario.staffed_roles().items():
        if not staffing.initial_backlog:
            continue
        factory = ContactFactory(scenario, streams, f"backlog/{name}", -1, mix.risk_mix, mix.concern_mix)
        for contact in factory.make(np.zeros(staffing.initial_backlog)):
            contact.id = next(ids)
            contact.backlog = True
            hub.enter_backlog(contact, name)
