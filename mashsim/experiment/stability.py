"""Whether a run's hubs keep up: the growth of their backlog over the window, judged over replications.

Each replication measures ``backlog_growth`` (see the metric catalogue): the mean number of contacts
in the hub over the window's second half minus that over its first half, per day, as a share of the
arrivals per day. A hub that keeps up reads about 0; one that falls behind by a steady share of its
arrivals reads that share. A run is **unstable** when, for the whole network or any hub, the growth
is both

- *material*: its mean over the replications is above :data:`GROWTH_LIMIT`, and
- *beyond noise*: its two-sided confidence interval lies above 0 (with one replication there is no
  interval: the mean alone decides, and the evidence says so).

An unstable run's delays and breaches depend on how long it is run (its contacts wait longer every
week): the run-out counts its open contacts, but no figure of it describes a steady state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from mashsim.experiment.stats import t_interval

#: A backlog growing by more than 2% of the arrivals (about a week's arrivals piled up over a year)
#: is material; a stable hub measures well within ±1% over a year.
GROWTH_LIMIT = 0.02
GROWTH_STEM = "backlog_growth"


def growth_metrics(names: Sequence[str]) -> list[str]:
    """The backlog-growth metrics among ``names``: the run's (or network's) and each hub's."""
    # the hub's (and each hub's) growth: a concern's share of the backlog is not a verdict on the hub
    return [name for name in names if name.partition(".")[0] == GROWTH_STEM and ".by_concern." not in name]


@dataclass(frozen=True)
class Growth:
    """One growth metric over the replications, and whether it shows the backlog growing."""

    metric: str
    mean: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def unstable(self) -> bool:
        if math.isnan(self.mean) or self.mean <= GROWTH_LIMIT:
            return False
        return self.n < 2 or self.ci_low > 0.0  # one replication: no interval, the mean decides

    def to_dict(self) -> dict[str, Any]:
        def clean(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {"metric": self.metric, "mean": clean(self.mean), "ci_low": clean(self.ci_low),
                "ci_high": clean(self.ci_high), "replications": self.n, "growing": self.unstable}


@dataclass(frozen=True)
class Stability:
    """The verdict on a run: every growth metric's evidence; stable unless one of them grows."""

    growths: tuple[Growth, ...]
    level: float = 0.95

    @property
    def stable(self) -> bool:
        return not any(g.unstable for g in self.growths)

    @property
    def growing(self) -> list[Growth]:
        return [g for g in self.growths if g.unstable]

    @property
    def hubs(self) -> list[str]:
        """The hubs whose own backlog grows (a network's; none for a one-hub run, or when only the
        network's total grows): one borough's backlog flags the whole run, and a reader needs to know which."""
        return [hub for hub in map(_hub_of, self.growing) if hub]

    def cell(self) -> str:
        """The verdict in a table cell: ``yes``, ``NO``, or ``NO: 2 hubs`` when some of a network's hubs'
        own backlogs grow (which ones: :attr:`hubs`, named in the sweep report's note; borough names
        are too long for a cell)."""
        if self.stable:
            return "yes"
        n = len(self.hubs)
        return f"NO: {n} hub{'s' if n > 1 else ''}" if n else "NO"

    def message(self) -> str:
        """One line for a reader: why the run is flagged, or that it is stable."""
        if self.stable:
            return "stable: the backlog does not grow over the window"
        parts = []
        for g in self.growing:
            hub = _hub_of(g)
            interval = (f"{self.level:.0%} CI {g.ci_low:+.1%} to {g.ci_high:+.1%}" if g.n >= 2
                        else "one replication: no CI")
            parts.append(f"{hub + ' ' if hub else ''}{g.mean:+.1%} of the arrivals ({interval})")
        return ("UNSTABLE: the backlog grows by " + "; ".join(parts)
                + ", so delays and breaches grow with the horizon")

    def to_dict(self) -> dict[str, Any]:
        return {"stable": self.stable, "growth_limit": GROWTH_LIMIT, "confidence_level": self.level,
                "message": self.message(), "evidence": [g.to_dict() for g in self.growths]}


def unstable_points(verdicts: Mapping[int, Stability]) -> str:
    """The unstable design points of a sweep for a reader, grouped by the hubs whose own backlog grows:
    ``0–11, 14, 15 (merton, waltham_forest); 12, 13 (camden, merton, waltham_forest)``; empty when every
    point is stable."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for point, verdict in verdicts.items():
        if not verdict.stable:
            groups.setdefault(tuple(verdict.hubs), []).append(point)
    return "; ".join(_runs(points) + (f" ({', '.join(hubs)})" if hubs else "") for hubs, points in groups.items())


def _runs(points: list[int]) -> str:
    """``[0, 1, 2, 3, 5, 7, 8]`` -> ``0–3, 5, 7, 8``: three or more in a row as a range."""
    parts: list[str] = []
    start = 0
    for k in range(1, len(points) + 1):
        if k == len(points) or points[k] != points[k - 1] + 1:
            run = points[start:k]
            parts.append(f"{run[0]}–{run[-1]}" if len(run) >= 3 else ", ".join(map(str, run)))
            start = k
    return ", ".join(parts)


def _hub_of(growth: Growth) -> str:
    """The hub a growth metric is about: ``backlog_growth.by_hub.merton`` -> ``merton``; the run's own, ""."""
    return growth.metric.removeprefix(GROWTH_STEM).removeprefix(".by_hub.")


def judge_stability(values: Mapping[str, Sequence[float]], level: float = 0.95) -> Stability:
    """The verdict from each growth metric's per-replication values (other metrics are ignored)."""
    growths = []
    for name in growth_metrics(list(values)):
        interval = t_interval(list(values[name]), level)
        growths.append(Growth(name, interval.mean, interval.ci_low, interval.ci_high, interval.n))
    return Stability(tuple(growths), level)
