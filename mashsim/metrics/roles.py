"""The staffed roles' metrics (utilisation, queue, wait, backlog), of a hub's roles or a network's pools.

Apart from the contact metrics (:mod:`mashsim.metrics.collector`): they are read from each role's
own running statistics when the run ends, not fed contact by contact.
"""

from __future__ import annotations

from typing import Mapping, Protocol

from mashsim.metrics.catalogue import flatten_staff
from mashsim.model.roles import RoleStats


def ratio(numerator: float, denominator: float) -> float:
    """A share or a mean: NaN when there is nothing to divide by (no contacts, no staff time)."""
    return numerator / denominator if denominator else float("nan")


class StaffedRole(Protocol):
    """What the role metrics read: a role, or several roles' totals (mashsim.metrics.hubs.RoleTotal)."""

    stats: RoleStats
    waiting: int
    busy: int


def role_metrics(roles: Mapping[str, StaffedRole], by: str = "by_role") -> dict[str, float]:
    """Utilisation, mean queue, mean wait and backlog at the end of each role (or pool: ``by="by_pool"``)."""
    values: dict[str, dict[str, float]] = {}
    for name, role in roles.items():
        stats = role.stats
        values[name] = {
            "utilisation": ratio(stats.duty_busy_area, stats.duty_capacity_area),
            "queue_length": ratio(stats.queue_area, stats.last - stats.since),
            "wait_hours": ratio(stats.wait_total, stats.started),
            "wait_probability": ratio(stats.waited, stats.started),
            "backlog_at_end": float(role.waiting + role.busy),
        }
    return flatten_staff(values, by)
