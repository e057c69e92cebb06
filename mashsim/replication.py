"""One replication: build the model from a scenario and a seed, run it, return its metrics.

This is the one entry point into the simulation core that the CLI, the
experiment runner and (later) the app all use.  It reads no file and prints
nothing.
"""

from __future__ import annotations

import gc
import itertools
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

import networkx as nx
import numpy as np
import simpy

from mashsim.metrics.collector import Collector
from mashsim.metrics.hubs import RoleTotal, run_metrics, window_totals
from mashsim.metrics.police import PoliceTally, police_metrics
from mashsim.metrics.series import SeriesSampler, network_series, packed, unpacked
from mashsim.model.arrivals import ArrivalFeed, ContactFactory, factory_arrivals, source_factory
from mashsim.model.calendar import HOURS_PER_DAY, CalendarView
from mashsim.model.children import Children, return_numbering
from mashsim.model.contact import Contact
from mashsim.model.duty import DutyHours, DutyRota, Presence
from mashsim.model.events import call_later, run
from mashsim.model.hub import Hub
from mashsim.model.injects import InjectPlan
from mashsim.model.network import build_network, hub_node, independent_groups, pool_node
from mashsim.model.police import PolicePipeline
from mashsim.model.roles import Role, queue_order
from mashsim.model.streams import Streams
from mashsim.model.tracing import TraceHook
from mashsim.scenario.schema import CAIT, PPD, HubSettings, Scenario, Staffing


#: The run-out: after the window the run goes on, arrivals and all (the window's last contacts meet the
#: congestion they would), until every contact of the window is decided or this many days have passed;
#: those still open then are censored (see mashsim.metrics.collector). Four weeks is well past the
#: longest RAG deadline (Green's, a few working days) and a stable hub's slowest decisions.
RUNOUT_CAP_DAYS = 28.0


@dataclass
class ReplicationResult:
    """The metrics of one replication (flat dotted names), and its records if asked for."""

    seed: int
    replication: int
    metrics: dict[str, float]
    records: list[dict] | None = field(default=None, repr=False)
    series: dict[str, list[float]] | None = field(default=None, repr=False)

    def __getstate__(self) -> dict:
        # series go between processes as arrays of doubles, and come back sharing their floats
        state = dict(self.__dict__)
        if self.series:
            state["series"] = packed(self.series)
        return state

    def __setstate__(self, state: dict) -> None:
        if state.get("series"):
            state["series"] = unpacked(state["series"])
        self.__dict__.update(state)


def simulate(scenario: Scenario, seed: int, replication: int = 0, *, record: bool = False,
             trace: TraceHook | None = None, series: bool = False) -> ReplicationResult:
    """Run replication ``replication`` of ``scenario`` with base ``seed``.

    The same ``(scenario, seed, replication)`` gives the same result bit for
    bit; two scenarios that differ only in staffing or policy see the same
    contacts (common random numbers).  ``record`` keeps one record per
    contact; ``trace`` is called with ``(time, kind, contact, detail)`` at
    every step of every contact (in time order; with several hubs, in time
    order within each group of hubs that share a team); ``series`` samples queue lengths and open
    contacts every hour (see :mod:`mashsim.metrics.series`; with hubs, per hub and per pool as well).
    The scenario's injects act on the run as it goes.
    """
    view = CalendarView(scenario.calendar)
    network = build_network(scenario)
    model = _Run(scenario, Streams(seed, replication), view, network, record, trace, series)
    with _few_collections():
        # hubs that share no team cannot affect each other: each group runs on its own, one
        # after another, so a run holds one group's model at a time (faster and smaller)
        for hub_names, pool_names in independent_groups(scenario, network):
            model.group(hub_names, pool_names)
    return model.result(seed, replication)


def built_run(scenario: Scenario, seed: int, replication: int = 0, *, record: bool = False,
              plan: InjectPlan | None = None) -> tuple["_Run", "Group"]:
    """Replication ``replication`` of ``scenario`` built at time 0 and not run, for a caller that runs
    it in steps (a tabletop exercise): ``run(group.env, t)`` steps it, ``model.finish(group)`` then
    ``model.result(seed, replication)`` end it, with the result :func:`simulate` gives.  ``plan``
    stands in for the scenario's own :class:`InjectPlan` (one that can switch every role).  Its hubs
    must make one group (share their teams, or be one hub): groups run one after another."""
    view = CalendarView(scenario.calendar)
    network = build_network(scenario)
    model = _Run(scenario, Streams(seed, replication), view, network, record, None, False)
    if plan is not None:
        model.plan = plan
    groups = independent_groups(scenario, network)
    if len(groups) != 1:
        raise ValueError(f"{scenario.name}: its hubs make {len(groups)} groups that share no team; "
                         "a run in steps needs one (hubs that share a pool, or one hub)")
    return model, model.build(*groups[0])


@dataclass
class Group:
    """A group of hubs (and the pools they share) built in one environment: what running it needs."""

    env: simpy.Environment
    hub_names: list[str | None]
    hubs: dict[str | None, Hub]
    pools: dict[str, Role]
    roles_of: list[dict[str, Role]]  # each hub's own roles, in the order of hub_names
    collectors: list[Collector]
    every_role: list[Role]
    cap: float  # the end of the run-out
    police: list[PoliceTally] = field(default_factory=list)  # the hubs' police pipelines, if any


class _Run:
    """Builds and runs the model of one replication, a group of hubs at a time."""

    def __init__(self, scenario: Scenario, streams: Streams, view: CalendarView, network: nx.DiGraph,
                 record: bool, trace: TraceHook | None, series: bool) -> None:
        self.scenario, self.streams, self.view, self.network = scenario, streams, view, network
        self.record, self.trace, self.series = record, trace, series
        self.clocks = {name: view.clock(pattern) for name, pattern in scenario.calendar.hours.items()}
        self.warmup = scenario.run.warmup_days * HOURS_PER_DAY
        self.end = self.warmup + scenario.run.horizon_days * HOURS_PER_DAY
        self.ids = itertools.count()  # contact ids: in order of arrival within a group, group after group
        self.plan = InjectPlan(scenario) if scenario.injects else None
        # each role's totals as at the end of the window (staff metrics are the window's, not the run-out's)
        self.hubs: dict[str | None, tuple[Collector, dict[str, RoleTotal]]] = {}
        self.pools: dict[str, RoleTotal] = {}
        self.samplers: list[SeriesSampler] = []  # one a group
        self.police: list[PoliceTally] = []  # every hub's police pipeline (mashsim.model.police), if any

    def group(self, hub_names: list[str | None], pool_names: list[str]) -> None:
        """Build the hubs ``hub_names`` and the pools they share in a fresh environment, and run it."""
        built = self.build(hub_names, pool_names)
        run(built.env, self.end)
        self.finish(built)

    def build(self, hub_names: list[str | None], pool_names: list[str]) -> "Group":
        """The hubs ``hub_names`` and the pools they share, built in a fresh environment at time 0,
        not yet run (a tabletop exercise steps it: see :mod:`mashsim.tabletop`)."""
        scenario, streams, warmup, end = self.scenario, self.streams, self.warmup, self.end
        cap = end + RUNOUT_CAP_DAYS * HOURS_PER_DAY
        env = simpy.Environment()
        settings_of = dict(scenario.hub_list())
        pools = {name: self._staffed(env, name, scenario.pools[name], streams.under("pool", name),
                                     queue_order(scenario.policy), pool_node(name))
                 for name in pool_names}
        roles_of: list[dict[str, Role]] = []
        collectors: list[Collector] = []
        sampler: SeriesSampler | None = None
        hubs: dict[str | None, Hub] = {}
        police_tallies: list[PoliceTally] = []
        for hub_name in hub_names:
            settings = settings_of[hub_name]
            # a hub's streams are named by the hub, so adding a hub leaves the others' draws alone
            hub_streams = streams if hub_name is None else streams.under("hub", hub_name)
            roles = {name: self._staffed(env, name, staffing, hub_streams, queue_order(settings.policy),
                                         hub_node(hub_name, name))
                     for name, staffing in settings.staffed_roles().items()}
            desks = {**roles, **{name: pools[a.pool] for name, a in settings.agencies.items() if a.pool is not None}}
            collector = Collector(list(settings.agencies), list(settings.arrivals.sources), warmup, end,
                                  self.clocks[settings.hub_hours], self.record,
                                  settings.children.population if settings.children else 0)
            if self.series:
                if sampler is None:  # started here, as the first hub's: its samples fall where they always have
                    sampler = SeriesSampler(env, end)
                # one hub: every desk, pooled or not, as always; with hubs, a pool's queue is sampled once
                sampled = settings.agencies if hub_name is None else settings.staffed_roles()
                sampler.add_hub(hub_name, collector, desks, [a for a in settings.agencies if a in sampled])
            pipeline = None
            if settings.police is not None:  # the police pipeline sits between arrivals, hub and collector
                tally = PoliceTally(warmup, end)
                police_tallies.append(tally)
                police = settings.police  # a pooled team is the pool's role, shared with the other hubs
                ppd = roles[PPD] if police.ppd.pool is None else pools[police.ppd.pool]
                cait = roles[CAIT] if police.cait.pool is None else pools[police.cait.pool]
                pipeline = PolicePipeline(env, police, list(settings.arrivals.sources).index(police.source),
                                          ppd, cait, lambda c: None, tally, self.trace)
            hubs[hub_name] = hub = Hub(env, settings, desks, self.network, self.clocks, collector, self.trace,
                                       hub_name, pipeline.decided if pipeline is not None else None)
            collector.rate_unscreened(hub.unscreened_deadlines)
            if pipeline is not None:
                pipeline.arrive = hub.arrive
            factories = _start_arrivals(env, settings, hub, hub_streams, self.view, cap, self.ids, self.plan,
                                        hub_name, pipeline.deliver if pipeline is not None else hub.arrive)
            if settings.children is not None:
                # a child's return is a new contact straight to the MASH (not a notification the desk reviews)
                names = [name for name, _ in scenario.hub_list()]
                number = return_numbering(names.index(hub_name), len(names), len(settings.arrivals.sources))
                hub.children = Children(env, settings, hub_streams, cap, number, hub.arrive, factories)
            _seed_backlog(settings, hub_streams, hub, self.ids)
            collectors.append(collector)
            roles_of.append(roles)
        if self.plan:
            self.plan.start(env, hubs, pool_names)
        if sampler is not None:
            if scenario.hubs:
                for name, role in pools.items():
                    sampler.add_pool(name, role)
            self.samplers.append(sampler)

        every_role = [*pools.values(), *(role for roles in roles_of for role in roles.values())]

        def end_warmup(_event: simpy.Event) -> None:
            for role in every_role:
                role.reset_stats()

        call_later(env, warmup, end_warmup)
        return Group(env, hub_names, hubs, pools, roles_of, collectors, every_role, cap, police_tallies)

    def finish(self, built: "Group") -> None:
        """Close the window of a group run to its end, then run it out (see :func:`_run_out`)."""
        for role in built.every_role:
            role.close_stats()
        self.pools.update({name: window_totals(role) for name, role in built.pools.items()})
        for hub_name, collector, roles in zip(built.hub_names, built.collectors, built.roles_of):
            self.hubs[hub_name] = (collector, {name: window_totals(role) for name, role in roles.items()})
        _run_out(built.env, built.collectors, built.cap)
        for tally in built.police:
            tally.censor(built.env.now)
        self.police.extend(built.police)

    def result(self, seed: int, replication: int) -> ReplicationResult:
        """The replication's metrics (and records, series), once every group has run."""
        scenario = self.scenario
        hubs = {name: self.hubs[name] for name, _ in scenario.hub_list()}
        pools = {name: self.pools[name] for name in scenario.pools}
        metrics = run_metrics(hubs, pools)
        if self.police:
            metrics.update(police_metrics(self.police, metrics))
        records = None
        if self.record:
            records = [row if name is None else {"hub": name, **row}
                       for name, (collector, _) in hubs.items()
                       for row in collector.records + collector.open_records()]
        return ReplicationResult(seed, replication, metrics, records, self.series_of_run())

    def series_of_run(self) -> dict[str, list[float]] | None:
        """The run's hourly series (after every group has run), or None if not asked for."""
        if not self.samplers:
            return None
        if not self.scenario.hubs:
            return self.samplers[0].series()
        return network_series(self.samplers, list(self.scenario.hubs), list(self.scenario.pools))

    def _staffed(self, env: simpy.Environment, name: str, staffing: Staffing, streams: Streams,
                 order: int, key: str) -> Role:
        """Role ``name``, on duty as its rota says (through an inject's switch where one acts on it);
        ``key`` names it among the run's roles (see :class:`InjectPlan`)."""
        role = Role(env, name, order)
        presence = Presence(staffing, streams, name)
        pattern = self.scenario.calendar.hours[staffing.hours]
        rostered = self.plan.staffing(role, key) if self.plan else role
        DutyRota(env, rostered, self.view, pattern, presence, staffing.out_of_hours_staff)
        role.duty_hours = DutyHours(self.view, pattern, staffing.out_of_hours_staff)
        return role


@contextmanager
def _few_collections() -> Iterator[None]:
    """Run with fewer garbage collections.

    A run makes and drops millions of small objects, nearly all freed at once by
    reference counting; Python's default thresholds would meanwhile walk the
    long-lived objects (the scenario, the model) again and again.  Freezing what
    exists and collecting less often changes no result; the caller's settings
    are restored.
    """
    thresholds, frozen_before = gc.get_threshold(), gc.get_freeze_count()
    if not frozen_before:
        gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not frozen_before:
            gc.unfreeze()


def _run_out(env: simpy.Environment, collectors: list[Collector], cap: float) -> None:
    """Run on past the window a day at a time until every contact of the window is decided or ``cap``,
    then censor the ones still open (a day's steps: a stable hub stops within a day of its last decision)."""
    while env.now < cap and any(c.undecided for c in collectors):
        run(env, min(env.now + HOURS_PER_DAY, cap))
    for collector in collectors:
        collector.censor(env.now)


def _start_arrivals(env: simpy.Environment, settings: HubSettings, hub: Hub, streams: Streams,
                    view: CalendarView, end: float, ids: Iterator[int], plan: InjectPlan | None,
                    hub_name: str | None, deliver: Callable[[Contact], None]) -> dict[int, ContactFactory]:
    """Feed each source's contacts (a surge's included) to ``deliver`` (``hub.arrive``, or the police
    pipeline's), numbered across the run as they arrive; returns the sources' factories by index (they
    make the children's returns too)."""
    factories: dict[int, ContactFactory] = {}
    for name, source in settings.arrivals.sources.items():
        if source.annual_contacts * settings.arrivals.scale == 0.0:
            continue  # never a contact: no feed to walk through the weeks (an idle hub costs next to nothing)
        windows = plan.surges(name, hub_name) if plan else []
        factory = source_factory(settings, name, streams)
        factories[factory.index] = factory
        ArrivalFeed(env, factory_arrivals(factory, settings, view, streams, end, windows), deliver, ids).start()
    return factories


def _seed_backlog(scenario: HubSettings, streams: Streams, hub: Hub, ids: Iterator[int]) -> None:
    """Put each role's initial backlog in its queue at time 0, as contacts at that stage."""
    mix = scenario.arrivals
    for name, staffing in scenario.staffed_roles().items():
        if not staffing.initial_backlog:
            continue
        factory = ContactFactory(scenario, streams, f"backlog/{name}", -1, mix.risk_mix, mix.concern_mix)
        for contact in factory.make(np.zeros(staffing.initial_backlog), factory.uniforms(staffing.initial_backlog)):
            contact.id = next(ids)
            contact.backlog = True
            hub.enter_backlog(contact, name)
