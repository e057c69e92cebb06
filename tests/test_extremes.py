"""Extreme values on the default scenario: certain outcomes, checked exactly in every replication."""

from __future__ import annotations

import math

import mashsim
from mashsim.validation.checks import PASS, exactly
from mashsim.validation.configs import default_variant, no_deadline
from mashsim.validation.extremes import FAMILY, extreme_checks


def test_every_extreme_value_check_passes_on_the_default():
    checks = extreme_checks(seed=5, replications=2, horizon_days=21, warmup_days=3)
    assert len(checks) == 9
    assert {c.family for c in checks} == {FAMILY}
    assert [c.status for c in checks] == [PASS] * 9, [(c.name, c.simulated) for c in checks]


def test_a_huge_deadline_still_decides_every_case_and_keeps_the_books():
    # with nothing cut off, every request comes back: the accounting still closes and signals reach
    scenario = default_variant(no_deadline(), 21, 3)
    m = mashsim.simulate(scenario, 9).metrics
    assert m["contacts_arrived"] == m["contacts_decided"] + m["contacts_open_at_end"]
    assert m["all_signals_missed_rate.by_cause.late"] == 0.0
    assert 0 < m["all_signals_missed_rate"] < 1


def test_an_exact_check_fails_on_any_difference():
    assert exactly("f", "n", 0.0, [0.0, 0.0]).status == PASS
    assert exactly("f", "n", 0.0, [0.0, 1e-12]).failed
    assert exactly("f", "n", 0.0, [math.nan]).failed
