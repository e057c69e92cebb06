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
    sd = float(data.std(ddof=1))
    half = _t_quantile(level, n - 1) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def welch_interval(a: list[float] | np.ndarray, b: list[float] | np.ndarray, level: float = 0.95) -> Interval:
    """Interval of ``mean(a) - mean(b)`` for two independent samples with unequal variances (Welch).

    Degrees of freedom by Welch-Satterthwaite; NaN values are left out. ``n`` is the smaller sample.
    """
    diff, se, df, n = welch_parts(a, b)
    if n < 2:
        return Interval(math.nan, math.nan, math.nan, n)
    if se == 0.0:
        return Interval(diff, diff, diff, n)
    half = _t_quantile(level, df) * se
    return Interval(diff, diff - half, diff + half, n)


def welch_parts(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> tuple[float, float, float, int]:
    """``mean(a) - mean(b)``, its standard error, Welch-Satterthwaite degrees of freedom and the smaller
    sample's size (NaN values left out; NaN figures below two values a side)."""
    x, y = (np.asarray(v, dtype=float) for v in (a, b))
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    n = int(min(x.size, y.size))
    if n < 2:
        return math.nan, math.nan, math.nan, n
    diff = float(x.mean() - y.mean())
    vx, vy = float(x.var(ddof=1)) / x.size, float(y.var(ddof=1)) / y.size
    se = math.sqrt(vx + vy)
    if se == 0.0:
        return diff, 0.0, math.inf, n
    df = (vx + vy) ** 2 / (vx ** 2 / (x.size - 1) + vy ** 2 / (y.size - 1))
    return diff, se, df, n


def _t_quantile(level: float, df: float) -> float:
    """The two-sided ``level`` quantile of Student's t with ``df`` degrees of freedom."""
    from scipy import stats  # imported here: a process that only simulates never loads scipy (~70 MiB)

    return float(stats.t.ppf(0.5 + level / 2.0, df))
