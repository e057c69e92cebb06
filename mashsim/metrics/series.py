"""Hourly time series of one replication: queue lengths and open contacts, for charts.

Built only when asked for (``simulate(..., series=True)``): without it nothing
here runs.  A one-hub run's series are ``open_contacts``,
``queue_length.by_role.<role>`` and ``queue_length.by_agency.<agency>``.  A
run with hubs has the same names for the whole network (each the sum over
the hubs: an agency's over the hubs' own desks of it), each hub's with
``by_hub.<hub>`` after the first part of the name (as the metrics have:
``queue_length.by_hub.camden.by_role.screeners``,
``open_contacts.by_hub.camden``), and each shared team's queue as
``queue_length.by_pool.<pool>``.  A pooled desk has no series of its own
in a hub: its requests wait in the pool's queue.
"""

from __future__ import annotations

from array import array
from typing import Iterable, Sequence

import simpy

from mashsim.metrics.collector import Collector
from mashsim.metrics.hubs import by_hub
from mashsim.model.roles import Role
from mashsim.scenario.schema import HUB_ROLES

SAMPLE_HOURS = 1.0
# a queue length is a whole number: its float is looked up, so a long series holds references to a
# few shared floats (8 bytes a sample) rather than a new float object each (32 bytes)
_FLOATS = [float(n) for n in range(4096)]


def _as_float(n: int) -> float:
    return _FLOATS[n] if 0 <= n < 4096 else float(n)


def packed(series: dict[str, list[float]]) -> dict[str, array]:
    """Series as compact arrays of doubles, to send between processes (see :func:`unpacked`)."""
    return {name: array("d", values) for name, values in series.items()}


def unpacked(series: dict[str, array]) -> dict[str, list[float]]:
    """Series from :func:`packed`, as lists again, whole numbers sharing their float objects: a year of
    London's series takes some 25 MB so, rather than the 100 MB of one float object a value."""
    shared = _FLOATS
    return {name: [shared[int(x)] if 0.0 <= x < 4096.0 and x.is_integer() else x for x in values]
            for name, values in series.items()}


class SeriesSampler:
    """Samples the queues and open contacts of a group of hubs and pools (one environment) every hour.

    Samples are taken at whole hours from time 0 (warm-up included) up to the
    end of the run. A queue's length is the number of tasks waiting (not those
    in hand); open contacts are those arrived (or in the initial backlog) and
    not yet decided, warm-up ones included.
    """

    def __init__(self, env: simpy.Environment, end: float) -> None:
        self.env = env
        self.time_hours: list[float] = []
        # (hub, name as in a one-hub run, samples, what is sampled): hub None for a one-hub run's and a pool's
        self.columns: list[tuple[str | None, str, list[float], Role | Collector]] = []
        env.process(self._sample(end))

    def add_hub(self, hub: str | None, collector: Collector, roles: dict[str, Role], agencies: Iterable[str]) -> None:
        """Sample hub ``hub``'s open contacts (from its collector), its roles' queues and its desks'
        (``agencies``: the desks among ``roles`` to sample)."""
        self.columns.append((hub, "open_contacts", [], collector))
        self.columns += [(hub, f"queue_length.by_role.{n}", [], roles[n]) for n in HUB_ROLES]
        self.columns += [(hub, f"queue_length.by_agency.{n}", [], roles[n]) for n in agencies]

    def add_pool(self, pool: str, role: Role) -> None:
        """Sample shared team ``pool``'s queue."""
        self.columns.append((None, f"queue_length.by_pool.{pool}", [], role))

    def _sample(self, end: float):
        columns = self.columns
        t = 0.0
        while t < end:
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.time_hours.append(t)
            for _, _, samples, source in columns:
                samples.append(_as_float(source.contacts_in_hub() if isinstance(source, Collector) else source.waiting))
            t += SAMPLE_HOURS

    def series(self) -> dict[str, list[float]]:
        """A one-hub run's series: ``{"time_hours": [...], "open_contacts": [...],
        "queue_length.by_role.<role>": [...], "queue_length.by_agency.<agency>": [...]}``."""
        return {"time_hours": self.time_hours, **{name: samples for _, name, samples, _ in self.columns}}


def network_series(samplers: Sequence[SeriesSampler], hubs: Sequence[str], pools: Sequence[str]
                   ) -> dict[str, list[float]]:
    """The series of a run with hubs, from the samplers of its groups (see the module's docstring):
    the network's sums first, then each hub's in the order of ``hubs``, then each pool's."""
    of_hub: dict[str | None, dict[str, list[float]]] = {}
    for sampler in samplers:
        for hub, name, samples, _ in sampler.columns:
            of_hub.setdefault(hub, {})[name] = samples
    totals: dict[str, list[list[float]]] = {}
    for hub in hubs:
        for name, samples in of_hub[hub].items():
            totals.setdefault(name, []).append(samples)
    series = {"time_hours": samplers[0].time_hours}
    series.update({name: [sum(values) for values in zip(*columns)] for name, columns in totals.items()})
    for hub in hubs:
        series.update({by_hub(name, hub): samples for name, samples in of_hub[hub].items()})
    pooled = of_hub.get(None, {})
    series.update({name: pooled[name] for name in (f"queue_length.by_pool.{p}" for p in pools) if name in pooled})
    return series
