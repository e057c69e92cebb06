"""Output analysis: MSER-5 and Welch warm-up detection, and the replications algorithm.

The statistical tests use fixed seeds, so they are deterministic.  Where a
test asserts a band (a truncation point, a number of replications), the
comment next to it says how wide the band is compared with the spread of the
statistic over many seeds, so the seed is not a lucky pick: a correct
implementation passes for (nearly) every seed, a wrong one (an off-by-one in
the batches, a standard deviation for a standard error, a percentage for a
fraction) fails for every seed.
"""

from __future__ import annotations

import dataclasses
import math
import statistics

import numpy as np
import pytest
from scipy import stats

from mashsim.experiment.precision import (
    PrecisionResult,
    look_ahead_length,
    precision_after,
    replications_needed,
)
from mashsim.experiment.stats import t_interval
from mashsim.experiment.warmup import MserResult, mser, recommend_warmup, welch


def ar1(rng: np.random.Generator, size: int, phi: float, start: float, reps: int | None = None) -> np.ndarray:
    """AR(1) ``x_t = phi * x_{t-1} + e_t`` (stationary mean 0) started at ``x_0 = start``."""
    shape = (size,) if reps is None else (reps, size)
    noise = rng.standard_normal(shape)
    out = np.empty(shape)
    prev = np.full(shape[:-1], start) if reps is not None else start
    for t in range(size):
        prev = phi * prev + noise[..., t]
        out[..., t] = prev
    return out


# --------------------------------------------------------------------- MSER


def test_mser_hand_computed_example():
    # Batch means 4, 0, 2, 0, 2, 0 (k = 6); candidates d = 0..3 (half of 6).
    #   d=0: mean 4/3, sum of squares 40/3, / 6**2
    #   d=1: mean 0.8, sum of squares 4.8,   / 5**2   <- minimum
    #   d=2: mean 1,   sum of squares 4,     / 4**2
    #   d=3: mean 2/3, sum of squares 8/3,   / 3**2
    expected = [40 / 3 / 36, 4.8 / 25, 4 / 16, 8 / 3 / 9]
    result = mser([4, 0, 2, 0, 2, 0], batch_size=1)
    assert isinstance(result, MserResult)
    np.testing.assert_allclose(result.statistic, expected, rtol=1e-12)
    assert (result.truncation, result.truncation_batches, result.reliable) == (1, 1, True)
    assert result.n_batches == 6

    # The same batch means from batches of two, plus an incomplete batch (99) that is dropped.
    batched = mser([3, 5, 0, 0, 1, 3, -1, 1, 2, 2, 0, 0, 99], batch_size=2)
    np.testing.assert_allclose(batched.statistic, expected, rtol=1e-12)
    assert (batched.truncation, batched.truncation_batches, batched.n_batches) == (2, 1, 6)


def test_mser5_truncates_after_the_transient_has_mostly_decayed():
    # AR(1) with phi = 0.95 started 100 above its stationary mean 0; its
    # stationary sd is 1 / sqrt(1 - 0.95**2) = 3.2.  The offset 100 * 0.95**t
    # has decayed by 90% at t = 45 and to one stationary sd at t = 67.
    # Over 500 seeds, 99% of MSER-5 truncations of a 2000-point series lay in
    # [45, 345] (median 65, max 470): the band [45, 500] -- after 90% of the
    # transient, within the first quarter of the run -- is not seed-picking.
    series = ar1(np.random.default_rng(1997), 2000, phi=0.95, start=100.0)
    result = mser(series)
    assert 45 <= result.truncation <= 500
    assert result.reliable
    assert result.truncation % 5 == 0
    assert len(result.statistic) == 2000 // 5 // 2 + 1
    assert result.statistic[result.truncation_batches] == result.statistic.min()
    # Deleting nothing is much worse than deleting the transient: over 500
    # seeds MSER(0) was 4.1 to 8.9 times the minimum (median 5.8).
    assert result.statistic[0] > 3 * result.statistic.min()


def test_mser5_truncates_little_on_a_stationary_series():
    # AR(1) with phi = 0.5 started from its stationary distribution.  MSER-5
    # usually truncates nothing; over 500 seeds the 99th percentile was 65
    # observations of 2000 (3%) and the maximum 120, so at most 5% is the band.
    rng = np.random.default_rng(2000)
    series = ar1(rng, 2000, phi=0.5, start=rng.standard_normal() / math.sqrt(1 - 0.25))
    result = mser(series)
    assert result.truncation <= 100
    assert result.reliable


def test_mser_is_unreliable_on_a_series_that_trends_throughout():
    # A straight line: MSER(d) = 25 b**2 (m**2 - 1) / (12 m) with m = k - d
    # batches left falls as d grows, so the minimum is always the last candidate.
    line = mser(np.arange(1000.0))
    assert not line.reliable
    assert line.truncation_batches == len(line.statistic) - 1
    assert np.all(np.diff(line.statistic) < 0)

    # With noise the minimum can land a batch or two before the edge; for a
    # rise of 20 noise sds over the run that happened for 3% of 300 seeds.
    rng = np.random.default_rng(7)
    noisy = mser(np.linspace(0.0, 20.0, 1000) + rng.standard_normal(1000))
    assert not noisy.reliable


def test_mser_constant_series_truncates_nothing():
    result = mser(np.full(103, 0.1))  # 0.1 is not exact in binary: no rounding ties
    assert result.truncation == 0
    assert result.reliable
    assert np.all(result.statistic == 0.0)


def test_mser_candidates_and_read_only_statistic():
    assert len(mser(np.arange(50.0), max_fraction=0.5).statistic) == 6  # d = 0..5 of k = 10
    assert len(mser(np.arange(50.0), max_fraction=1.0).statistic) == 9  # d = 0..8: two batches left
    two = mser(np.arange(10.0))  # two batches: only d = 0, which is also the last candidate
    assert (two.truncation, len(two.statistic), two.reliable) == (0, 1, False)
    with pytest.raises(ValueError):
        two.statistic[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        two.truncation = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("series", "kwargs", "message"),
    [
        ([], {}, "empty"),
        ([1.0, float("nan")] + [1.0] * 20, {}, "non-finite"),
        ([1.0] * 20 + [float("inf")], {}, "non-finite"),
        (np.ones((2, 20)), {}, "one-dimensional"),
        (np.ones(20), {"batch_size": 0}, "batch_size"),
        (np.ones(20), {"batch_size": 2.5}, "batch_size"),
        (np.ones(20), {"max_fraction": 0.0}, "max_fraction"),
        (np.ones(20), {"max_fraction": 1.5}, "max_fraction"),
        (np.ones(9), {}, "too short"),
        (["a", "b"], {}, "numbers"),
    ],
)
def test_mser_rejects_bad_input(series, kwargs, message):
    with pytest.raises(ValueError, match=message):
        mser(series, **kwargs)


# -------------------------------------------------------------------- Welch


def test_welch_of_a_constant_is_the_constant():
    reps = np.full((4, 30), 2.7)
    smoothed = welch(reps, window=5)
    assert smoothed.shape == (30 - 5,)
    np.testing.assert_allclose(smoothed, 2.7, rtol=1e-13)


def test_welch_hand_computed_example():
    reps = np.array([[0.0, 4, 1, 8, 5, 6], [2.0, 4, 3, 8, 5, 8]])  # mean series 1, 4, 2, 8, 5, 7
    # w = 2, m = 6: four points.  i = 1: mean(1) ; i = 2: mean(1, 4, 2) (window shrunk to 3);
    # i = 3: mean(1, 4, 2, 8, 5) ; i = 4: mean(4, 2, 8, 5, 7).  i = 5, 6 have no full window.
    np.testing.assert_allclose(welch(reps, 2), [1.0, 7 / 3, 4.0, 26 / 5], rtol=1e-12)
    np.testing.assert_allclose(welch(reps, 0), [1, 4, 2, 8, 5, 7], rtol=1e-12)
    np.testing.assert_allclose(welch(reps[:1], 1), [0.0, 5 / 3, 13 / 3, 14 / 3, 19 / 3], rtol=1e-12)


def test_welch_matches_the_definition_on_random_data():
    rng = np.random.default_rng(3)
    reps = rng.normal(50.0, 10.0, size=(5, 200))
    w = 12
    mean = reps.mean(axis=0)
    direct = [mean[: 2 * i + 1].mean() if i < w else mean[i - w : i + w + 1].mean() for i in range(200 - w)]
    np.testing.assert_allclose(welch(reps, w), direct, rtol=1e-12)


@pytest.mark.parametrize(
    ("reps", "window", "message"),
    [
        (np.ones(10), 1, "2-D"),
        (np.ones((0, 10)), 1, "empty"),
        (np.array([[1.0, np.nan, 1.0, 1.0]]), 1, "non-finite"),
        (np.ones((2, 10)), -1, "non-negative"),
        (np.ones((2, 10)), 1.5, "non-negative"),
        (np.ones((2, 10)), 5, "too large"),
    ],
)
def test_welch_rejects_bad_input(reps, window, message):
    with pytest.raises(ValueError, match=message):
        welch(reps, window)


# -------------------------------------------------------- recommend_warmup


def test_recommend_warmup_is_mser5_of_the_mean_series(recwarn):
    reps = ar1(np.random.default_rng(11), 2000, phi=0.95, start=100.0, reps=10)
    warmup = recommend_warmup(reps)
    assert isinstance(warmup, int)
    assert warmup == mser(reps.mean(axis=0)).truncation
    # Averaging 10 replications cuts the noise by sqrt(10), so more of the
    # transient is visible: over 500 seeds 99% lay in [65, 355] (median 90;
    # none below 65, one of the 500 above 500).
    assert 65 <= warmup <= 500
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_recommend_warmup_warns_when_the_output_has_not_settled():
    reps = np.tile(np.arange(200.0), (3, 1))
    with pytest.warns(RuntimeWarning, match="not have settled"):
        assert recommend_warmup(reps) == 100  # the last candidate: half the run


def test_recommend_warmup_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        recommend_warmup(np.arange(100.0))
    with pytest.raises(ValueError, match="batch_size"):
        recommend_warmup(np.ones((2, 100)), batch_size=0)
    with pytest.raises(ValueError, match="too short"):
        recommend_warmup(np.ones((2, 8)))


# ----------------------------------------------------------- precision_after


def test_precision_after_hand_computed():
    # mean 10, sd 1, n 3: half-width t(0.975, 2) / sqrt(3) = 4.3027 / 1.7321.
    expected = stats.t.ppf(0.975, 2) / math.sqrt(3) / 10
    assert precision_after([9.0, 10.0, 11.0]) == pytest.approx(expected, rel=1e-12)
    assert precision_after([-9.0, -10.0, -11.0]) == pytest.approx(expected, rel=1e-12)  # |mean|
    assert precision_after([9.0, math.nan, 10.0, 11.0]) == pytest.approx(expected, rel=1e-12)
    expected_90 = stats.t.ppf(0.95, 2) / math.sqrt(3) / 10
    assert precision_after([9.0, 10.0, 11.0], level=0.90) == pytest.approx(expected_90, rel=1e-12)


@pytest.mark.parametrize("values", [[], [5.0], [5.0, math.nan], [-1.0, 1.0], [math.nan, math.nan]])
def test_precision_after_is_nan_when_undefined(values):
    assert math.isnan(precision_after(values))


# ------------------------------------------------------ replications_needed


class Recorder:
    """``run_one`` that serves fixed values and remembers which indices were asked for."""

    def __init__(self, values):
        self.values = list(values)
        self.calls: list[int] = []

    def __call__(self, i: int) -> float:
        self.calls.append(i)
        return self.values[i]


def theoretical_n(mean: float, sd: float, target: float, level: float = 0.95) -> float:
    """Solve n = (t_{n-1} * sd / (target * mean))**2 by fixed-point iteration."""
    n = (stats.norm.ppf(0.5 + level / 2) * sd / (target * mean)) ** 2
    for _ in range(50):
        n = (stats.t.ppf(0.5 + level / 2, n - 1) * sd / (target * mean)) ** 2
    return n


def test_stops_near_the_theoretical_number_of_replications():
    mean, sd, target = 10.0, 3.0, 0.05
    n_theory = theoretical_n(mean, sd, target)  # about 141: also exercises the n > 100 look-ahead
    run = Recorder(np.random.default_rng(2010).normal(mean, sd, 400))
    result = replications_needed(run, target, max_replications=400)

    assert isinstance(result, PrecisionResult)
    assert result.converged
    # The algorithm stops roughly when t * s_n / sqrt(n) <= target * mean, so
    # the n it picks scales with the sample variance s_n**2, whose relative sd
    # near n = 141 is sqrt(2 / 140) = 12%; [n/2, 2n] is more than 4 of those
    # sds either side.  Over 1000 seeds every run stopped inside it (0.5% and
    # 99.5% quantiles 93 and 185, median 140).  Errors of a different order
    # -- a percentage for a fraction, sd for standard error, variance for
    # sd -- land far outside.
    assert n_theory / 2 <= result.replications <= 2 * n_theory

    n = result.replications
    first = 3  # precision[j] is for first + j replications
    assert result.precision[n - first] <= target
    # ... and it held through the look-ahead, of floor(5 n / 100) replications past 100.
    extra = look_ahead_length(n)
    assert extra == (5 * n) // 100
    assert len(result.values) == n + extra
    assert all(d <= target for d in result.precision[n - first :])
    assert result.precision[-1] <= target
    assert result.precision[n - first - 1] > target  # n was the first of the final run of successes
    # Every replication run exactly once, in order; nothing computed is thrown away.
    assert run.calls == list(range(len(result.values)))
    assert list(result.values) == run.values[: len(result.values)]
    assert len(result.precision) == len(result.values) - first + 1
    assert result.interval == t_interval(run.values[: len(result.values)])


def test_median_stopping_point_matches_theory():
    # The median over 1000 seeds was 140 against a theoretical 140.7.  The
    # median of 20 seeds has sd about 1.25 * 17 / sqrt(20) = 4.8 replications,
    # so +-15% (21) is more than 4 sds.
    mean, sd, target = 10.0, 3.0, 0.05
    n_theory = theoretical_n(mean, sd, target)
    stops = []
    for seed in range(20):
        draws = np.random.default_rng(seed).normal(mean, sd, 300)
        stops.append(replications_needed(lambda i: draws[i], target, max_replications=300).replications)
    assert statistics.median(stops) == pytest.approx(n_theory, rel=0.15)


def test_constant_metric_converges_at_the_minimum_after_the_look_ahead():
    run = Recorder([4.0] * 50)
    result = replications_needed(run, 0.01)
    assert result.converged
    assert result.replications == 3
    assert len(result.values) == 3 + 5
    assert result.precision == (0.0,) * 6
    assert run.calls == list(range(8))


def test_a_failure_during_the_look_ahead_restarts_it():
    # Three equal values meet any target (d = 0), the fourth breaks it, and
    # the precision then recovers slowly as 10s are added.
    sequence = [10.0, 10.0, 10.0, 20.0] + [10.0] * 200
    target = 0.1
    first_met = next(n for n in range(4, 200) if precision_after(sequence[:n]) <= target)
    run = Recorder(sequence)
    result = replications_needed(run, target)
    assert result.precision[0] == 0.0 and result.precision[1] > target
    assert result.converged
    assert result.replications == first_met
    assert len(result.values) == first_met + 5
    assert run.calls == list(range(first_met + 5))


def test_no_look_ahead_is_the_plain_confidence_interval_method():
    result = replications_needed(Recorder([10.0, 10.0, 10.0, 20.0] + [10.0] * 100), 0.5, look_ahead=0)
    assert (result.replications, len(result.values)) == (3, 3)


def test_look_ahead_length():
    assert [look_ahead_length(n) for n in (3, 100, 101, 119, 120, 200, 1000)] == [5, 5, 5, 5, 6, 10, 50]
    assert look_ahead_length(50, 10) == 10
    assert look_ahead_length(150, 10) == 15


def test_cap_is_respected_on_a_very_noisy_metric():
    run = Recorder(np.random.default_rng(5).normal(1.0, 50.0, 100))
    result = replications_needed(run, 0.05, max_replications=30)
    assert not result.converged
    assert result.replications == 30
    assert len(result.values) == 30
    assert len(result.precision) == 28
    assert run.calls == list(range(30))
    assert result.interval.n == 30


def test_nan_replications_count_but_are_left_out_of_the_interval():
    values = [10.0, math.nan, 10.5, 9.5, math.nan, 10.0, 10.2, 9.8] + [10.0] * 40
    run = Recorder(values)
    result = replications_needed(run, 0.05)
    assert result.converged
    n_run = len(result.values)
    assert run.calls == list(range(n_run))
    assert math.isnan(result.values[1]) and math.isnan(result.values[4])
    assert result.interval.n == n_run - 2
    assert result.interval == t_interval(values[:n_run])
    # Three replications, but only two defined values: the precision at n = 3 is still defined.
    assert result.precision[0] == pytest.approx(precision_after([10.0, 10.5]))


def test_all_nan_metric_never_converges():
    run = Recorder([math.nan] * 20)
    result = replications_needed(run, 0.05, max_replications=10)
    assert not result.converged
    assert result.replications == 10
    assert all(math.isnan(d) for d in result.precision)


def test_result_is_frozen():
    result = replications_needed(Recorder([1.0] * 20), 0.05)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.replications = 99  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": 0.0}, "target"),
        ({"target": -0.05}, "target"),
        ({"target": 5.0}, "fraction"),  # 5% must be given as 0.05
        ({"target": math.nan}, "target"),
        ({"target": 0.05, "level": 95}, "level"),
        ({"target": 0.05, "level": 0.0}, "level"),
        ({"target": 0.05, "min_replications": 1}, "min_replications"),
        ({"target": 0.05, "min_replications": 3.0}, "min_replications"),
        ({"target": 0.05, "look_ahead": -1}, "look_ahead"),
        ({"target": 0.05, "min_replications": 5, "max_replications": 4}, "max_replications"),
    ],
)
def test_replications_needed_rejects_bad_arguments(kwargs, message):
    run = Recorder([1.0] * 10)
    with pytest.raises(ValueError, match=message):
        replications_needed(run, **kwargs)
    assert run.calls == []  # checked before anything is run


def test_replications_needed_rejects_bad_metrics_and_callables():
    with pytest.raises(TypeError, match="callable"):
        replications_needed([1.0, 2.0], 0.05)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="run_one\\(2\\)"):
        replications_needed(Recorder([1.0, 1.0, math.inf]), 0.05)
    with pytest.raises(ValueError, match="not a real number"):
        replications_needed(Recorder([1.0, "2"]), 0.05)
