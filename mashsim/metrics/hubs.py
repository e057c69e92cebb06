"""Metrics of a scenario with several hubs: the whole network's, and each hub's under ``by_hub``.

Each hub has its own :class:`~mashsim.metrics.collector.Collector`.  The
network's metrics keep the one-hub names (``all_signals_missed_rate``,
``utilisation.by_role.screeners``) and are computed from the hubs' counts
added together (agencies matched by name; a role's time-weighted totals
summed over the hubs that staff it).  Each hub's metrics are named with
``by_hub.<hub>`` after the first part: ``all_signals_missed_rate.by_hub.camden``,
``rag_breach_rate.by_hub.camden.by_rag.red``,
``utilisation.by_hub.camden.by_role.police``.  Teams shared by a pool of
hubs are reported as ``utilisation.by_pool.<pool>`` and so on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from mashsim.metrics.catalogue import by_hub
from mashsim.metrics.collector import Collector
from mashsim.metrics.roles import StaffedRole, role_metrics
from mashsim.model.roles import RoleStats

__all__ = ["RoleTotal", "by_hub", "combined", "network_metrics", "role_total", "run_metrics", "window_totals"]


@dataclass
class RoleTotal:
    """Several roles' time-weighted totals added up, read like one role by the metrics."""

    stats: RoleStats
    waiting: int = 0
    busy: int = 0


def combined(collectors: list[Collector]) -> Collector:
    """One collector holding the sums of ``collectors`` (agencies and sources matched by name)."""
    agencies = list(dict.fromkeys(a for c in collectors for a in c.agencies))
    sources = list(dict.fromkeys(s for c in collectors for s in c.sources))
    first = collectors[0]
    total = Collector(agencies, sources, first.start, first.end, first.clock)
    total.in_system_since = first.end
    for c in collectors:
        total.add(c)  # every count the collector registers: none can be left out of the sums
    return total


_TOTALS = ("queue_area", "duty_busy_area", "duty_capacity_area", "started", "waited", "wait_total")


def window_totals(role: StaffedRole) -> RoleTotal:
    """A copy of ``role``'s totals and backlog now (at the end of the window): the run-out after it
    goes on changing the role, not the window's staff metrics."""
    stats = RoleStats(role.stats.since)
    stats.last = role.stats.last
    for name in _TOTALS:
        setattr(stats, name, getattr(role.stats, name))
    return RoleTotal(stats, role.waiting, role.busy)


def role_total(roles: Iterable[StaffedRole]) -> RoleTotal:
    """The time-weighted totals of ``roles`` (all measured over the same window) added up."""
    roles = list(roles)
    stats = RoleStats(roles[0].stats.since)
    stats.last = roles[0].stats.last
    for role in roles:
        for name in _TOTALS:
            setattr(stats, name, getattr(stats, name) + getattr(role.stats, name))
    return RoleTotal(stats, sum(r.waiting for r in roles), sum(r.busy for r in roles))


def run_metrics(hubs: Mapping[str | None, tuple[Collector, dict[str, RoleTotal]]],
                pools: Mapping[str, RoleTotal]) -> dict[str, float]:
    """The metrics of a run: ``hubs`` maps each hub (``None`` for a one-hub scenario) to its
    collector and the roles it staffs itself; ``pools`` are the shared teams."""
    if None in hubs:  # one hub: the metrics as they have always been named
        collector, roles = hubs[None]
        metrics = collector.metrics(roles)
        metrics.update(role_metrics(pools, "by_pool"))
        return metrics
    return network_metrics(hubs, pools)  # type: ignore[arg-type]


def network_metrics(hubs: Mapping[str, tuple[Collector, dict[str, RoleTotal]]],
                    pools: Mapping[str, RoleTotal]) -> dict[str, float]:
    """The metrics of a many-hub run: ``hubs`` maps each hub to its collector and own roles."""
    by_role: dict[str, list[RoleTotal]] = {}
    for _, roles in hubs.values():
        for name, role in roles.items():
            by_role.setdefault(name, []).append(role)
    totals = {name: role_total(roles) for name, roles in by_role.items()}
    metrics = combined([collector for collector, _ in hubs.values()]).metrics(totals)
    metrics.update(role_metrics(pools, "by_pool"))
    for hub, (collector, roles) in hubs.items():
        # each hub's figures by concern are left out (see mashsim.metrics.names.scenario_names)
        metrics.update({by_hub(name, hub): value
                        for name, value in collector.metrics(roles, by_concern=False).items()})
    return metrics
