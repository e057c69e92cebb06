"""Equivalence tests with a stated tolerance: the verdict, and the power and pass chance they report.

The power and pass chance are formulas; here they are checked against the
verdicts themselves, by drawing many "simulations" (replication values
around a known truth) with fixed seeds and counting how often the check
fails.  The counts are compared with the formulas within a binomial 99.9%
band, so a test fails by chance about once in a thousand runs at most.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from mashsim.experiment.stats import welch_interval
from mashsim.validation.checks import FAIL, PASS, within
from mashsim.validation.equivalence import ALPHA, ASSURANCE_WANTED, DETECT, POWER_WANTED, Tolerance, \
    difference_power, equivalence, pass_probability, power, required_se
from mashsim.validation.queueing import FULL, MEAN

THEORY = 4.0  # M/M/1 at 0.8: Wq = 4 h
REPLICATIONS = FULL.replications
TRIALS = 4000


def replications(truth: float, relative_se: float, rng: np.random.Generator, n: int = REPLICATIONS) -> np.ndarray:
    """``n`` replication values whose mean has relative standard error ``relative_se`` around ``truth``."""
    return truth * (1.0 + rng.normal(0.0, relative_se * math.sqrt(n), n))


def failure_rate(truth: float, relative_se: float, tolerance: float, seed: int) -> float:
    rng = np.random.default_rng(seed)
    return float(np.mean([not equivalence(THEORY, replications(truth, relative_se, rng), tolerance).passed
                          for _ in range(TRIALS)]))


def binomial_band(p: float, trials: int = TRIALS, z: float = 3.29) -> float:
    return z * math.sqrt(max(p * (1 - p), 1e-4) / trials)


# the SE the full run is sized for at the means' tolerance
FULL_SE = required_se(MEAN.full, REPLICATIONS)


def test_a_simulation_biased_by_5_percent_fails_and_a_correct_one_passes():
    rng = np.random.default_rng(2024)
    biased = within("test", "biased", THEORY, list(replications(THEORY * 1.05, FULL_SE, rng)), MEAN, fast=False)
    right = within("test", "right", THEORY, list(replications(THEORY, FULL_SE, rng)), MEAN, fast=False)
    assert biased.status == FAIL and "NOT inside ±5%" in biased.test
    assert right.status == PASS and "inside ±5%" in right.test
    # both report the power and pass chance of a run of this precision
    assert biased.power >= POWER_WANTED and right.power >= POWER_WANTED
    assert right.assurance == pytest.approx(ASSURANCE_WANTED, abs=0.01)
    assert biased.tolerance == right.tolerance == MEAN.full


@pytest.mark.parametrize("bias", [1.0 + DETECT, 1.0 - DETECT])
def test_a_5_percent_error_fails_at_least_as_often_as_the_stated_power(bias):
    stated = power(FULL_SE, REPLICATIONS, MEAN.full)
    observed = failure_rate(THEORY * bias, FULL_SE, MEAN.full, seed=7)
    assert stated >= POWER_WANTED
    assert observed >= stated - binomial_band(stated)


@pytest.mark.parametrize("tolerance,relative_se", [(0.05, FULL_SE), (0.03, 0.008), (0.05, 0.02), (0.3, 0.06)])
def test_the_stated_pass_chance_is_how_often_a_correct_model_passes(tolerance, relative_se):
    # the formula takes the SE as known; the test estimates it from 10 values, so allow a little slack
    stated = pass_probability(0.0, relative_se, REPLICATIONS, tolerance)
    observed = 1.0 - failure_rate(THEORY, relative_se, tolerance, seed=11)
    assert observed == pytest.approx(stated, abs=binomial_band(stated) + 0.03)


def test_a_3_percent_error_inside_a_5_percent_tolerance_usually_passes_at_full_precision():
    stated = pass_probability(0.03, FULL_SE, REPLICATIONS, MEAN.full)
    observed = 1.0 - failure_rate(THEORY * 1.03, FULL_SE, MEAN.full, seed=13)
    assert 0.3 < stated < 0.95  # between the margins: neither sure nor hopeless
    assert observed == pytest.approx(stated, abs=binomial_band(stated) + 0.03)


@given(st.floats(0.001, 0.05), st.floats(0.01, 0.2), st.integers(3, 40))
def test_pass_chance_is_symmetric_and_falls_with_the_error(se, tolerance, n):
    chances = [pass_probability(e, se, n, tolerance) for e in (0.0, 0.01, 0.03, 0.1)]
    assert all(a >= b - 1e-12 for a, b in zip(chances, chances[1:]))
    assert pass_probability(0.02, se, n, tolerance) == pytest.approx(pass_probability(-0.02, se, n, tolerance))
    # at the tolerance itself a pass is at most as likely as the test's level: its power there is >= 1 - alpha
    assert pass_probability(tolerance, se, n, tolerance) <= ALPHA + 1e-9


def test_a_vague_run_cannot_pass():
    # SE so large that the interval can never fit: a correct model fails, and the check says so beforehand
    assert pass_probability(0.0, 0.05, REPLICATIONS, 0.05) < 0.01
    rng = np.random.default_rng(3)
    check = within("test", "vague", THEORY, list(replications(THEORY, 0.05, rng)), MEAN, fast=False)
    assert check.status == FAIL and check.assurance < 0.01 and check.power > 0.99


def test_run_sizing_gives_the_wanted_pass_chance():
    se = required_se(0.05, 10)
    assert pass_probability(0.0, se, 10, 0.05) == pytest.approx(ASSURANCE_WANTED, abs=1e-6)
    assert required_se(0.03, 10) == pytest.approx(se * 0.6)


def test_degenerate_inputs():
    with pytest.raises(ValueError, match="non-zero"):
        equivalence(0.0, [1.0, 2.0], 0.05)
    one = equivalence(1.0, [1.0], 0.05)
    assert not one.passed and one.assurance == 0.0
    exact = equivalence(2.0, [2.0, 2.0, 2.0], 0.05)  # no spread: passes exactly when inside
    assert exact.passed and exact.error == 0.0
    assert not equivalence(2.0, [2.2, 2.2], 0.05).passed
    tol = Tolerance(0.05, 0.3, "why")
    assert (tol.value(False), tol.value(True)) == (0.05, 0.3)


def test_difference_power_matches_how_often_welch_intervals_exclude_zero():
    rng = np.random.default_rng(5)
    n, sd, ref, level = 10, 0.1, 1.0, 0.95
    se = sd * math.sqrt(2 / n)
    misses = np.mean([not (lambda d: d.ci_low <= 0.0 <= d.ci_high)(welch_interval(
        rng.normal(ref * (1 + DETECT), sd, n), rng.normal(ref, sd, n), level)) for _ in range(TRIALS)])
    stated = difference_power(se, ref, 2 * n - 2, level)
    assert misses == pytest.approx(stated, abs=binomial_band(stated) + 0.03)
    assert math.isnan(difference_power(0.0, ref, 18, level))
