"""Record matching: a desk's search ends in a match, a possible match (extra research, which may
fail), several possible matches or no match; a shared identifier changes the shares; old files'
``match_failure`` still means the no-match share."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mashsim.model.matching import RecordSearch
from mashsim.replication import simulate
from mashsim.scenario.children import MATCH_OUTCOMES, MATCHED, POSSIBLE, Matching
from mashsim.scenario.errors import ScenarioError
from support import assert_same_metrics, build, small_scenario_dict

SHARES = Matching(no_match=0.05, several=0.03, possible=0.12, possible_resolved=0.25, resolve_minutes=30.0)


def search_outcomes(u: np.ndarray, shares: Matching) -> tuple[np.ndarray, ...]:
    """One desk's searches: its draws ``u`` as the one column of :meth:`RecordSearch.outcomes`."""
    return tuple(x[:, 0] for x in RecordSearch([shares]).outcomes(u[:, None]))


def test_the_outcome_shares_are_reproduced():
    """n = 400,000 draws: each share within 3.29 binomial standard errors (a 99.9% interval, at most
    0.0017); the unmatched share is no match + several + the unconfirmed part of possible."""
    u = np.random.default_rng(1).random(400_000)
    outcome, unmatched, extra = search_outcomes(u, SHARES)
    expected = {"no_match": 0.05, "several": 0.03, "possible": 0.12, "match": 0.80}
    for k, name in enumerate(MATCH_OUTCOMES):
        p = expected[name]
        assert abs(np.mean(outcome == k) - p) < 3.29 * math.sqrt(p * (1 - p) / u.size), name
    p = 0.05 + 0.03 + 0.12 * 0.75
    assert abs(unmatched.mean() - p) < 3.29 * math.sqrt(p * (1 - p) / u.size)
    assert np.all(extra[outcome == POSSIBLE] == 0.5) and np.all(extra[outcome != POSSIBLE] == 0.0)
    assert not unmatched[outcome == MATCHED].any()


@given(st.floats(0.0, 1.0))
def test_match_failure_is_the_no_match_share(failure):
    u = np.linspace(0.0, 1.0, 1001, endpoint=False)
    _, unmatched, extra = search_outcomes(u, Matching(no_match=failure))
    assert np.array_equal(unmatched, u < failure) and not extra.any()


def _raw(matching: dict | None = None, shared: dict | None = None, **policy):
    raw = small_scenario_dict()
    for agency in raw["agencies"].values():
        agency.pop("match_failure", None)
        if matching is not None:
            agency["matching"] = matching
        if shared is not None:
            agency["matching_shared_id"] = shared
    raw["policy"].update(policy)
    raw["run"]["horizon_days"] = 40
    return raw


def test_an_old_files_match_failure_gives_the_very_same_run_as_its_no_match_share():
    old = small_scenario_dict()
    new = _raw({"no_match": 0.05})
    new["agencies"]["education"]["matching"] = {"no_match": 0.0}
    new["run"]["horizon_days"] = old["run"]["horizon_days"]
    assert_same_metrics(simulate(build(old), 5).metrics, simulate(build(new), 5).metrics)


def test_a_shared_identifier_leaves_fewer_signals_unmatched_and_splits_them_by_outcome():
    """The same draws (common random numbers): with an NHS number shared every search that matched
    still matches, and fewer fail."""
    matching = {"no_match": 0.04, "several": 0.04, "possible": 0.1}
    shared = {"no_match": 0.01, "possible": 0.02}
    without = simulate(build(_raw(matching, shared)), 8, record=True)
    with_id = simulate(build(_raw(matching, shared, shared_identifier=True)), 8, record=True)
    m = without.metrics
    split = [m[f"unmatched_rate.by_match.{o}"] for o in ("possible", "several", "no_match")]
    assert all(share > 0 for share in split)
    assert sum(split) == pytest.approx(m["all_signals_missed_rate.by_cause.unmatched"], rel=1e-12)
    assert with_id.metrics["all_signals_missed_rate.by_cause.unmatched"] < 0.5 * sum(split)
    assert with_id.metrics["unmatched_rate.by_match.several"] == 0.0
    outcomes = {r[f"match_{a}"] for r in without.records for a in ("police", "health", "education")}
    assert outcomes == {None, "possible", "several", "no_match"}
    for r in without.records:
        for agency in ("police", "health", "education"):
            assert (r[f"match_{agency}"] is not None) == (r[f"signal_{agency}"] == "unmatched")


def test_matching_and_its_shorthand_together_are_refused_naming_the_field():
    raw = small_scenario_dict()
    raw["agencies"]["police"]["matching"] = {"no_match": 0.1}
    with pytest.raises(ScenarioError) as error:
        build(raw)
    assert "agencies.police" in error.value.report() and "match_failure" in error.value.report()
    raw = _raw({"no_match": 0.6, "several": 0.3, "possible": 0.2})
    with pytest.raises(ScenarioError) as error:
        build(raw)
    assert "no_match + several + possible must be <= 1" in error.value.report()
