"""A metric over a two-level design: ensemble members (parameter uncertainty) x replications (chance).

Each of ``M`` members (a parameter set drawn from what calibration left possible) is run ``R``
times. One replication's value is ``y_mr = mu + b_m + e_mr``: ``b_m`` how far member ``m``'s
parameters move the metric (variance ``sigma_b^2``, "we don't know the figure"), ``e_mr`` the
replication's chance (variance ``sigma_w^2``). The one-way random-effects ANOVA estimates both:

- ``MSW``, the pooled variance within members, estimates ``sigma_w^2``;
- ``MSB = n0 x`` the variance of the member means estimates ``n0 sigma_b^2 + sigma_w^2``, so
  ``sigma_b^2 = (MSB - MSW) / n0``, cut to 0 when negative (the estimator's known flaw: chance can
  make the member means agree better than chance alone would; the share is then reported as 0).

The interval of the mean is Student's t over the ``M`` member means (``M - 1`` degrees of
freedom): members are the independent units, and their means carry both uncertainties. Its
half-width splits into a parameter part and a chance part that add in quadrature,
``half^2 = t^2 (sigma_b^2 / M + sigma_w^2 / (M R))``. References: Ankenman & Nelson (2012),
"A quick assessment of input uncertainty", Proc. Winter Simulation Conference; Song, Nelson &
Pegden (2014), "Advanced tutorial: input uncertainty quantification", Proc. WSC; Montgomery,
*Design and Analysis of Experiments*, ch. 13 (the random-effects model).

A replication where the metric is undefined (NaN) is left out; a member with no defined value
is left out of the interval. With unequal counts ``n0`` is the usual
``(N - sum n_m^2 / N) / (M - 1)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from mashsim.experiment.stats import Interval, _t_quantile


@dataclass(frozen=True)
class TwoLevel:
    """Mean, two-level interval and variance split of one metric."""

    mean: float
    ci_low: float
    ci_high: float
    members: int            # members with a defined value
    n: int                  # replications with a defined value
    between: float          # sigma_b^2: variance of the members' true means (parameters), >= 0
    within: float           # sigma_w^2: variance of a replication about its member's mean (chance)
    half_param: float       # the parameter part of the half-width
    half_chance: float      # the chance part of the half-width

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2.0

    @property
    def param_share(self) -> float:
        """The share of one replication's variance that is the parameters' (0 to 1; NaN if undefined)."""
        total = self.between + self.within
        if math.isnan(total):
            return math.nan
        return self.between / total if total > 0 else 0.0

    def to_dict(self) -> dict[str, float | int | None]:
        return {"mean": _clean(self.mean), "ci_low": _clean(self.ci_low), "ci_high": _clean(self.ci_high),
                "members": self.members, "n": self.n, "between_variance": _clean(self.between),
                "within_variance": _clean(self.within), "param_share": _clean(self.param_share),
                "half_width_param": _clean(self.half_param), "half_width_chance": _clean(self.half_chance)}


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else value


def two_level(groups: Sequence[Sequence[float]], level: float = 0.95) -> TwoLevel:
    """The two-level summary of one metric, ``groups[m]`` holding member ``m``'s replications."""
    arrays = [np.asarray(g, dtype=float) for g in groups]
    arrays = [a[~np.isnan(a)] for a in arrays]
    arrays = [a for a in arrays if a.size]
    m = len(arrays)
    counts = np.array([a.size for a in arrays], dtype=float)
    n = int(counts.sum())
    nan = math.nan
    if m == 0:
        return TwoLevel(nan, nan, nan, 0, 0, nan, nan, nan, nan)
    means = np.array([a.mean() for a in arrays])
    mean = float(means.mean())
    df_within = n - m
    within = float(sum(((a - a.mean()) ** 2).sum() for a in arrays) / df_within) if df_within > 0 else nan
    if m < 2:
        return TwoLevel(mean, nan, nan, m, n, nan, within, nan, nan)
    n0 = (n - float((counts ** 2).sum()) / n) / (m - 1)
    grand = float((counts * means).sum() / n)
    msb = float((counts * (means - grand) ** 2).sum() / (m - 1))
    between = max(0.0, (msb - within) / n0) if not math.isnan(within) else nan
    t = _t_quantile(level, m - 1)
    half = t * float(means.std(ddof=1)) / math.sqrt(m)
    # the chance part: what chance alone would put into the spread of M member means
    chance = t * math.sqrt(within * float((1.0 / counts).mean()) / m) if not math.isnan(within) else nan
    chance = min(chance, half) if not math.isnan(chance) else nan
    param = math.sqrt(max(0.0, half ** 2 - chance ** 2)) if not math.isnan(chance) else nan
    return TwoLevel(mean, mean - half, mean + half, m, n, between, within, param, chance)


def round_robin_interval(members: int) -> Callable[[list[float], float], Interval]:
    """``interval(values, level)`` for values in replication order that go round ``members`` members
    (replication ``i`` is member ``i % members``, :mod:`mashsim.experiment.ensemble_run`): the
    two-level interval as an :class:`Interval` (``n``: the members with a defined value), for what
    judges plain intervals (``mashsim staff``'s targets)."""
    def interval(values: list[float], level: float = 0.95) -> Interval:
        groups = [list(values[k::members]) for k in range(members)]
        figures = two_level(groups, level)
        return Interval(figures.mean, figures.ci_low, figures.ci_high, figures.members)

    return interval


def two_level_by(values: Sequence[float], members: Sequence[int], level: float = 0.95) -> TwoLevel:
    """The two-level summary of ``values`` labelled by their ``members`` (a results table's columns)."""
    groups: dict[int, list[float]] = {}
    for value, member in zip(values, members):
        groups.setdefault(int(member), []).append(float(value))
    return two_level(list(groups.values()), level)
