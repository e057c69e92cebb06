"""``referral_source_share``: where a hub's referrals come from, checked against the contact records.

The family is the model's side of a published figure kept back to validate (DfE's referrals by
source, in calibration/targets.toml), so it must count exactly what its definition says: referrals
(s17 or s47) of decided contacts by the contact's source, over all referrals, with an initial
backlog's referrals (no source) in the denominator only.
"""

from __future__ import annotations

from collections import Counter

import pytest

import mashsim
from mashsim.metrics.names import metric_names

REFERRALS = ("s17", "s47")


def _shares(metrics: dict[str, float], sources: list[str], prefix: str = "referral_source_share") -> list[float]:
    return [metrics[f"{prefix}.by_source.{s}"] for s in sources]


def _from_records(records: list[dict], sources: list[str]) -> tuple[list[float], int]:
    """Each source's referrals among the decided contacts' records ÷ all their referrals, and how many."""
    referred = [r for r in records if r["decided_h"] is not None and r["outcome"] in REFERRALS]
    by_source = Counter(r["source"] for r in referred)
    return [by_source[s] / len(referred) for s in sources], len(referred)


def test_each_source_s_share_is_its_referrals_among_the_records_and_they_add_up_to_one():
    scenario = mashsim.load_scenario("london-borough", ["run.horizon_days=91"])
    sources = list(scenario.arrivals.sources)
    result = mashsim.simulate(scenario, seed=3, record=True)
    expected, referrals = _from_records(result.records, sources)
    assert referrals > 500  # enough referrals that every source has some
    assert _shares(result.metrics, sources) == pytest.approx(expected, abs=1e-12)
    assert sum(_shares(result.metrics, sources)) == pytest.approx(1.0)
    assert all(share > 0 for share in expected)


def test_an_initial_backlog_s_referrals_count_in_the_denominator_only():
    # no warm-up: the backlog's contacts are in the window; they came from no source
    scenario = mashsim.load_scenario("london-borough", ["run.horizon_days=14", "run.warmup_days=0",
                                                        "roles.managers.initial_backlog=60"])
    sources = list(scenario.arrivals.sources)
    result = mashsim.simulate(scenario, seed=5, record=True)
    from_backlog = [r for r in result.records if r["backlog"] and r["outcome"] in REFERRALS]
    assert from_backlog  # the case under test happened
    expected, _ = _from_records(result.records, sources)  # "backlog" is not one of the sources
    assert _shares(result.metrics, sources) == pytest.approx(expected, abs=1e-12)
    assert sum(expected) < 1.0


def test_a_network_s_shares_are_its_hubs_referrals_added_up_by_source_name():
    scenario = mashsim.load_scenario("london-wide", ["run.horizon_days=14", "run.warmup_days=7"])
    result = mashsim.simulate(scenario, seed=1, record=True)
    assert list(result.metrics) == metric_names(scenario)
    sources = list(scenario.arrivals.sources)
    expected, _ = _from_records(result.records, sources)
    assert _shares(result.metrics, sources) == pytest.approx(expected, abs=1e-12)
    camden = [r for r in result.records if r["hub"] == "camden"]
    assert _shares(result.metrics, sources, "referral_source_share.by_hub.camden") == \
        pytest.approx(_from_records(camden, sources)[0], abs=1e-12)
