"""Confidence intervals over replications and the fixed-memory delay histogram."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from mashsim.experiment.stats import t_interval
from mashsim.metrics.histogram import DelayHistogram

SAMPLE = [2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8]


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_t_interval_matches_scipy(level):
    data = np.array(SAMPLE)
    low, high = stats.t.interval(level, df=data.size - 1, loc=data.mean(), scale=stats.sem(data))
    interval = t_interval(SAMPLE, level)
    assert interval.n == len(SAMPLE)
    assert interval.mean == pytest.approx(data.mean(), rel=1e-12)
    assert interval.ci_low == pytest.approx(low, rel=1e-12)
    assert interval.ci_high == pytest.approx(high, rel=1e-12)
    assert interval.half_width == pytest.approx((high - low) / 2, rel=1e-12)


def test_t_interval_of_a_known_sample():
    # t(0.975, 3) = 3.182446305284263
    interval = t_interval([2, 4, 2, 4], 0.95)
    assert interval.mean == 3.0
    half = 3.182446305284263 * (2 / math.sqrt(3)) / 2  # sd of [2, 4, 2, 4] is 2/sqrt(3), n = 4
    assert interval.ci_low == pytest.approx(3 - half, rel=1e-12)
    assert interval.ci_high == pytest.approx(3 + half, rel=1e-12)


def test_t_interval_leaves_out_undefined_values():
    with_nans = t_interval([math.nan, *SAMPLE, math.nan])
    assert with_nans == t_interval(SAMPLE)
    assert with_nans.n == len(SAMPLE)


def test_t_interval_with_too_few_values_has_no_spread():
    one = t_interval([4.2])
    assert one.mean == 4.2 and one.n == 1 and math.isnan(one.ci_low) and math.isnan(one.ci_high)
    none = t_interval([math.nan, math.nan])
    assert none.n == 0 and math.isnan(none.mean)
    same = t_interval([1.5, 1.5, 1.5])
    assert (same.ci_low, same.mean, same.ci_high) == (1.5, 1.5, 1.5)


# ----------------------------------------------------------------------------- histogram


def _histogram(values) -> DelayHistogram:
    h = DelayHistogram()
    for v in values:
        h.add(float(v))
    return h


@pytest.mark.parametrize("q", [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99])
def test_histogram_quantiles_are_within_one_and_a_half_percent_of_numpy(q):
    rng = np.random.default_rng(12345)
    # decision delays: minutes to weeks, long right tail
    values = rng.lognormal(mean=math.log(12.0), sigma=1.3, size=20_000)
    h = _histogram(values)
    assert h.quantile(q) == pytest.approx(np.percentile(values, 100 * q), rel=0.015)


def test_histogram_mean_count_and_maximum_are_exact():
    rng = np.random.default_rng(7)
    values = rng.exponential(30.0, 5000)
    h = _histogram(values)
    assert h.n == 5000
    assert h.mean() == pytest.approx(values.mean(), rel=1e-12)
    assert h.maximum == values.max()
    assert h.quantile(1.0) <= h.maximum


def test_histogram_of_zeros_and_an_empty_histogram():
    h = _histogram([0.0] * 60 + [5.0] * 40)
    assert h.quantile(0.5) == 0.0
    assert h.quantile(0.9) == pytest.approx(5.0, rel=0.015)
    empty = DelayHistogram()
    assert math.isnan(empty.mean()) and math.isnan(empty.quantile(0.5)) and math.isnan(empty.maximum)


@given(st.lists(st.floats(0.01, 5000.0), min_size=50, max_size=400), st.sampled_from([0.5, 0.9, 0.95]))
def test_histogram_quantile_is_within_a_bin_of_the_order_statistic(values, q):
    h = _histogram(values)
    ordered = np.sort(values)
    target = ordered[math.ceil(q * len(values)) - 1]  # the value of rank q n
    # bins are 10^(1/200) = 1.16% wide: the estimate lies in the bin of that value
    assert abs(math.log10(h.quantile(q) / target)) <= 1 / 200 + 1e-12


def test_histogram_zeroth_quantile_is_the_minimum():
    h = _histogram([5.0, 6.0, 7.0])
    assert h.quantile(0.0) == pytest.approx(5.0, rel=0.015)
