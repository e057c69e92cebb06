"""The model configured down to textbook queues agrees with queueing theory.

The scenarios come from :mod:`mashsim.validation.configs` (the real scenario
format and the real model, nothing mocked); the closed forms from
:mod:`mashsim.validation.theory`.  Each test is statistical: an equivalence
test at the fast subset's tolerance (the 90% interval of the relative error
inside it), whose pass chance for a correct model each test asserts is high.
Seeds are fixed, so the tests are repeatable.

The points here are different from those of ``mashsim check-model --fast``
(run by ``test_validation.py``), so the suite covers more of the grid.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, strategies as st

from mashsim.experiment import run_replications
from mashsim.validation.checks import PASS, within
from mashsim.validation.configs import service_moments_hours, single_desk
from mashsim.validation import queueing
from mashsim.validation.queueing import FAST, MEAN, PRIORITY_CASES, TANDEMS, erlang_point, pk_case, priority_case, \
    priority_desk, tandem_case
from mashsim.validation.theory import (erlang_c, jackson_tandem, pollaczek_khinchine, priority_erlang_c,
                                       relaxation_customers, triangular_moments, uniform_moments)

# --------------------------------------------------------------------------- the closed forms


def erlang_c_by_factorials(lam: float, mu: float, c: int) -> float:
    """P(wait) from the textbook's factorial form, to check the recursion against."""
    a = lam / mu
    below = sum(a ** k / math.factorial(k) for k in range(c))
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (below + top)


@given(st.integers(1, 30), st.floats(0.05, 0.98))
def test_erlang_c_recursion_equals_the_factorial_formula(c, rho):
    figures = erlang_c(rho * c, 1.0, c)
    assert figures.p_wait == pytest.approx(erlang_c_by_factorials(rho * c, 1.0, c), rel=1e-9)
    assert figures.lq == pytest.approx(rho * c * figures.wq)  # Little's law inside the queue
    assert figures.l == pytest.approx(figures.lq + rho * c)


def test_textbook_values():
    one = erlang_c(0.8, 1.0, 1)  # M/M/1: P(wait) = rho, Wq = rho / (mu - lam)
    assert (one.p_wait, one.wq, one.lq) == pytest.approx((0.8, 4.0, 3.2))
    assert erlang_c(1.0, 1.0, 2).p_wait == pytest.approx(1 / 3)  # M/M/2 at a = 1
    # P-K with exponential service is M/M/1; with constant service half of it
    assert pollaczek_khinchine(0.8, 1.0, 2.0).wq == pytest.approx(one.wq)
    assert pollaczek_khinchine(0.8, 1.0, 1.0).wq == pytest.approx(one.wq / 2)
    stations, whole = jackson_tandem(1.0, [(1.25, 1), (2.0, 1)])
    assert whole.w == pytest.approx(1 / 0.25 + 1 / 1.0)  # sum of 1 / (mu - lam)
    assert stations[0] == erlang_c(1.0, 1.25, 1)
    assert relaxation_customers(0.25) == pytest.approx(1.0)


def test_unstable_queues_are_refused():
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(2.0, 1.0, 2)
    with pytest.raises(ValueError, match="unstable"):
        pollaczek_khinchine(1.0, 1.0, 1.0)


def test_moments_of_the_scenario_distributions():
    assert uniform_moments(0, 1) == pytest.approx((0.5, 1 / 3))
    mean, second = triangular_moments(30, 60, 120)
    assert mean == pytest.approx(70)
    assert second - mean ** 2 == pytest.approx((30**2 + 60**2 + 120**2 - 30 * 60 - 30 * 120 - 60 * 120) / 18)
    desk = single_desk(1.0, {"min": 30, "mode": 60, "max": 120}, 1, 1, 0).agencies["desk"]
    assert service_moments_hours(desk.research_minutes) == pytest.approx((70 / 60, second / 3600))


# --------------------------------------------------------------------------- the model against them


def test_a_textbook_desk_is_what_it_says():
    scenario = single_desk(2.0, {"dist": "exponential", "mean": 30}, 3, 10, 1)
    desk = scenario.agencies["desk"]
    assert (desk.staff, desk.hours, desk.absence_rate) == (3, "always", 0.0)
    assert scenario.policy.decide_at_deadline is False
    assert scenario.screening.under_rating == scenario.screening.over_rating == 0.0
    result = run_replications(scenario, 1, 5)
    m = result.replications[0].metrics
    assert m["contacts_arrived"] == pytest.approx(2.0 * 24 * 10, rel=0.1)  # Poisson: sd is 1.4%
    for role in ("contact_officers", "screeners", "managers"):
        assert m[f"wait_hours.by_role.{role}"] == 0.0  # the stages not studied take no time


ERLANG_CASES = [(1, 0.7, 100), (2, 0.8, 200), (4, 0.7, 300)]  # not in the --fast grid; noise estimated as the grid's


@pytest.mark.parametrize("servers,rho,noise", queueing.ERLANG_GRID)
def test_every_full_run_queue_is_a_scenario_the_model_accepts(servers, rho, noise):
    # load_scenario refuses a horizon over ten years: the full run's sizes must stay within it
    assert single_desk(rho * servers, {"dist": "exponential", "mean": 60}, servers,
                       *queueing.FULL.days(rho, rho * servers, noise)).run.horizon_days <= 3650


def test_every_full_run_tandem_pk_and_priority_case_fits_too():
    for lam, _, _, noise in queueing.TANDEMS:
        assert queueing.FULL.days(0.85, lam, noise)[0] <= 3650
    for _, lam, _, noise in queueing.PK_CASES:
        assert queueing.FULL.days(0.85, lam, noise)[0] <= 3650
    for c, rho, _, noise in queueing.PRIORITY_CASES:
        assert queueing.FULL.days(rho, rho * c, noise)[0] <= 3650


def assert_all_pass(checks):
    assert [c.status for c in checks] == [PASS] * len(checks), [(c.name, c.test) for c in checks]
    assert all(c.assurance > 0.95 for c in checks), [(c.name, c.assurance) for c in checks]


@pytest.mark.parametrize("servers,rho,noise", ERLANG_CASES)
def test_desk_matches_erlang_c(servers, rho, noise):
    assert_all_pass(erlang_point(servers, rho, noise, FAST, seed=2024))


def test_tandem_of_multi_server_stations_matches_jackson():
    # the full run's second tandem (not in --fast); its waits are noisy, so longer runs than the fast subset's
    longer = dataclasses.replace(FAST, min_contacts=20000, max_contacts=20000)
    assert_all_pass(tandem_case(*TANDEMS[1], longer, seed=11))


@pytest.mark.parametrize("name,lam,service", [
    ("uniform", 1.0, {"dist": "uniform", "min": 12, "max": 84}),
    ("triangular", 0.6, {"dist": "triangular", "min": 30, "mode": 60, "max": 120}),
])
def test_general_service_matches_pollaczek_khinchine(name, lam, service):
    assert_all_pass(pk_case(name, lam, service, 180, FAST, seed=12))


def test_a_wrong_service_rate_is_caught():
    # even the fast subset's wide tolerance has this power: a desk 15% slower than the theory assumes
    # (its wait is then about 80% too long) fails; tests/test_equivalence.py checks the full run's power
    scenario = single_desk(0.8, {"dist": "exponential", "mean": 60 * 1.15}, 1, 150, 15)
    waits = run_replications(scenario, 5, 3).values("wait_hours.by_role.desk")
    assert within("test", "slow desk", erlang_c(0.8, 1.0, 1).wq, waits, MEAN, fast=True).failed


# --------------------------------------------------------------------------- non-preemptive priorities


def test_the_priority_formula_with_one_class_is_erlang_c():
    for c, rho in ((1, 0.5), (3, 0.9), (10, 0.7)):
        (one,) = priority_erlang_c([rho * c], 1.0, c)
        plain = erlang_c(rho * c, 1.0, c)
        assert one.wq == pytest.approx(plain.wq) and one.p_wait == pytest.approx(plain.p_wait)


@given(st.integers(1, 12), st.floats(0.1, 0.95), st.lists(st.floats(0.05, 1.0), min_size=2, max_size=4))
def test_priorities_conserve_the_mean_wait_and_favour_the_higher_classes(c, rho, weights):
    """Kleinrock's conservation law: with equal service rates the arrival-weighted mean wait is Erlang C's
    whatever the order; and each class waits longer than the one above it."""
    lams = [rho * c * w / sum(weights) for w in weights]
    classes = priority_erlang_c(lams, 1.0, c)
    assert sum(lam * f.wq for lam, f in zip(lams, classes)) / sum(lams) == pytest.approx(erlang_c(sum(lams), 1.0, c).wq)
    assert all(a.wq < b.wq for a, b in zip(classes, classes[1:]))


def test_the_rag_discipline_at_one_desk_agrees_with_the_priority_formula():
    """Red, Amber and Green at one M/M/2 desk at 85% load under the rag discipline (a different seed
    from the validation suite's). A 16 x 3,000-day run gave z = -1.1, -1.7, -0.3 against the formula."""
    assert_all_pass(priority_case(*PRIORITY_CASES[0], FAST, seed=31))


def test_the_priority_check_would_catch_a_desk_serving_amber_and_green_as_one_class():
    """Power: the same desk under fifo (Red first, Amber and Green together) fails Amber and Green."""
    c, rho, shares, noise = PRIORITY_CASES[0]
    result = run_replications(priority_desk(c, rho, shares, *FAST.days(rho, rho * c, noise), "fifo"),
                              FAST.replications, 31)
    theory = priority_erlang_c([rho * c * s for s in shares], 1.0, c)
    amber = within("test", "amber", theory[1].w, result.values("decision_delay_hours.by_rag.amber.mean"), MEAN,
                   fast=True)
    assert amber.failed, amber.test
