"""Equivalence tests with a stated tolerance, and their power.

A check against theory is a two one-sided tests procedure (TOST, Schuirmann
1987): with ``e = (simulated − theory) / theory`` the relative error of the
mean over replications, the check **passes** when the whole ``1 − 2α``
(90%) Student-t interval of ``e`` lies inside ``±tol``.  A pass is then
positive evidence that the model is within ``tol`` of theory, at level
``α = 5%``; a wide interval (too few or too short runs) fails, it cannot
pass by being vague.  Several such claims hold together at the same level
without a multiplicity correction (the intersection-union principle, Berger
1982), so no Bonferroni widening is needed.

Two figures describe what a check could see, both computed from the
achieved relative standard error ``s`` of ``e``:

* **power**: the chance the check fails when the truth is off theory by
  ``DETECT`` (5%) either way, ``1 − P(pass | e = ±5%)``;
* **assurance**: the chance a correct model passes, ``P(pass | e = 0)``.

Both treat the mean error as normal and its estimated standard error as an
independent scaled chi with ``n − 1`` degrees of freedom, and integrate over
the latter (:func:`pass_probability`); where the truth lies on a margin a
pass then has chance ``α``.

With ``tol`` at or below 5% the test itself guarantees power of at least
``1 − α`` at 5% once it can pass at all; what run length buys is assurance:
runs too short to make ``s`` small next to ``tol`` would fail a correct
model.  So the full run is sized for both (:func:`required_se`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

DETECT = 0.05  # the relative error every full-run check must be able to detect
ALPHA = 0.05  # each one-sided test's level: the interval is the 90% one
POWER_WANTED = 0.8
ASSURANCE_WANTED = 0.995  # a correct model passes each check this often at the full size


@dataclass(frozen=True)
class Tolerance:
    """How far from theory a figure may be, in the full run and in the fast subset, and why."""

    full: float
    fast: float
    reason: str

    def value(self, fast: bool) -> float:
        return self.fast if fast else self.full


@dataclass(frozen=True)
class Equivalence:
    """The outcome of one equivalence test on relative errors."""

    error: float  # mean relative error (simulated − theory) / theory
    low: float  # the 90% interval of the relative error
    high: float
    se: float  # its standard error
    n: int
    tolerance: float
    power: float  # chance of failing at a true error of ±DETECT
    assurance: float  # chance of passing when the model is right

    @property
    def passed(self) -> bool:
        return -self.tolerance < self.low and self.high < self.tolerance


@lru_cache(maxsize=None)
def critical_t(n: int, alpha: float = ALPHA) -> float:
    """Student's t quantile ``1 − alpha`` with ``n − 1`` degrees of freedom."""
    from scipy import stats  # imported here, as in experiment.stats: simulating alone never loads scipy

    return float(stats.t.ppf(1.0 - alpha, n - 1))


@lru_cache(maxsize=None)
def _spread_ratios(n: int, points: int = 400) -> np.ndarray:
    """Estimated SE over true SE at ``points`` equally likely quantiles: sqrt(chi2(n − 1) / (n − 1))."""
    from scipy import stats

    return np.sqrt(stats.chi2.ppf((np.arange(points) + 0.5) / points, n - 1) / (n - 1))


def pass_probability(true_error: float, se: float, n: int, tolerance: float, alpha: float = ALPHA) -> float:
    """P(the check passes) when the true relative error is ``true_error`` and the estimate's SE is ``se``.

    The mean error is normal and the estimated SE an independent scaled chi (replications are
    independent and, summing thousands of contacts each, close to normal): the check passes when the
    mean lands within ``tolerance − t·SE_estimated`` of 0, averaged over the SE's distribution.
    """
    from scipy import stats

    if not se > 0.0:  # a point estimate (no spread): passes exactly when inside
        return float(abs(true_error) < tolerance)
    edge = np.maximum(tolerance - critical_t(n, alpha) * se * _spread_ratios(n), 0.0)
    inside = stats.norm.cdf((edge - true_error) / se) - stats.norm.cdf((-edge - true_error) / se)
    return float(np.clip(inside, 0.0, 1.0).mean())


def power(se: float, n: int, tolerance: float, detect: float = DETECT) -> float:
    """Chance of failing when the truth is ``detect`` off theory (the worse of the two signs)."""
    return 1.0 - max(pass_probability(detect, se, n, tolerance), pass_probability(-detect, se, n, tolerance))


def required_se(tolerance: float, n: int, assurance: float = ASSURANCE_WANTED) -> float:
    """The largest relative SE at which a correct model passes with chance ``assurance`` (run sizing)."""
    from scipy.optimize import brentq

    return float(brentq(lambda se: pass_probability(0.0, se, n, tolerance) - assurance,
                        tolerance * 1e-4, tolerance / critical_t(n)))


def equivalence(expected: float, values: Sequence[float], tolerance: float) -> Equivalence:
    """TOST of the replications' ``values`` against ``expected`` (non-zero) within ``±tolerance`` relative."""
    if expected == 0.0 or not math.isfinite(expected):
        raise ValueError(f"a relative tolerance needs a finite, non-zero expected value (got {expected})")
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    n = int(data.size)
    if n < 2:
        return Equivalence(math.nan, math.nan, math.nan, math.nan, n, tolerance, math.nan, 0.0)
    errors = (data - expected) / abs(expected)
    error = float(errors.mean())
    se = float(errors.std(ddof=1)) / math.sqrt(n)
    half = critical_t(n) * se
    return Equivalence(error, error - half, error + half, se, n, tolerance, power(se, n, tolerance),
                       pass_probability(0.0, se, n, tolerance))


def difference_power(se: float, reference: float, df: float, level: float, detect: float = DETECT) -> float:
    """Power of a two-sided difference test (pass when the ``level`` interval holds 0) to flag a true
    difference of ``detect`` × ``reference``: the chance the interval excludes 0."""
    from scipy import stats

    if not se > 0.0 or reference == 0.0 or not math.isfinite(df):
        return math.nan
    shift = detect * abs(reference) / se
    t = float(stats.t.ppf(0.5 + level / 2.0, df))
    return float(stats.norm.sf(t - shift) + stats.norm.cdf(-t - shift))
