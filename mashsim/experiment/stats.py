"""Confidence intervals over replications."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    """Mean and two-sided confidence interval of one metric over replications."""

    mean: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2.0


def t_interval(values: list[float] | np.ndarray, level: float = 0.95) -> Interval:
    """Student-t interval of the mean; replications where the metric is undefined (NaN) are left out.

    With fewer than two defined values the interval is NaN: one run says nothing about its spread.
    """
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    n = int(data.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(data.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    from scipy import stats  # here, not at the top: a process that only simulates never loads scipy (~70 MiB)

    sd = float(data.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)
