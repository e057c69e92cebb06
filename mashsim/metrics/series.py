"""Hourly time series of one replication: queue lengths and open contacts, for charts.

Built only when asked for (``simulate(..., series=True)``): without it the
hub talks to the collector directly and nothing here runs.
"""

from __future__ import annotations

import simpy

from mashsim.metrics.collector import Collector
from mashsim.model.contact import Contact
from mashsim.model.roles import Role
from mashsim.scenario.schema import HUB_ROLES

SAMPLE_HOURS = 1.0


class SeriesSampler:
    """Passes the hub's reports on to the collector; samples its count of open contacts every hour.

    Samples are taken at whole hours from time 0 (warm-up included) up to the
    end of the run. A queue's length is the number of tasks waiting (not those
    in hand); open contacts are those arrived (or in the initial backlog) and
    not yet decided, warm-up ones included.
    """

    def __init__(self, env: simpy.Environment, roles: dict[str, Role], agencies: list[str],
                 collector: Collector, end: float) -> None:
        self.env = env
        self.collector = collector
        self._roles = [(f"queue_length.by_role.{n}", roles[n]) for n in HUB_ROLES]
        self._roles += [(f"queue_length.by_agency.{n}", roles[n]) for n in agencies]
        self._data: dict[str, list[float]] = {"time_hours": [], "open_contacts": []}
        for name, _ in self._roles:
            self._data[name] = []
        env.process(self._sample(end))

    def arrived(self, c: Contact) -> None:
        self.collector.arrived(c)

    def decided(self, c: Contact) -> None:
        self.collector.decided(c)

    def _sample(self, end: float):
        data = self._data
        t = 0.0
        while t < end:
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            data["time_hours"].append(t)
            data["open_contacts"].append(float(self.collector.in_system))  # the collector counts them
            for name, role in self._roles:
                data[name].append(float(role.waiting))
            t += SAMPLE_HOURS

    def series(self) -> dict[str, list[float]]:
        """``{"time_hours": [...], "open_contacts": [...], "queue_length.by_role.<role>": [...], ...}``."""
        return self._data
