"""Policies and staffing: each test asserts a behaviour the model must show, not merely that it runs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mashsim
from mashsim.experiment.stats import t_interval
from mashsim.metrics.catalogue import COUNT, unit_of
from support import (
    AGENCY_NAMES,
    build,
    everyone_unlimited,
    small_scenario,
    small_scenario_dict,
)

SEEDS = (1, 2, 3)


def _metrics(scenario, seed, replication=0):
    return mashsim.simulate(scenario, seed, replication).metrics


def _late_return_rates(m):
    return {name: m[f"late_return_rate.by_agency.{name}"] for name in AGENCY_NAMES}


# ----------------------------------------------------------------------------- wait for every return


@pytest.mark.parametrize("seed", SEEDS)
def test_waiting_for_every_return_means_nothing_is_ever_late(seed):
    # education is remote (2 h each way) and health has no out-of-hours cover: deciding at the
    # deadline, their returns are sometimes late (next test); waiting for all, none may be.
    scenario = small_scenario("policy.decide_at_deadline=false")
    m = _metrics(scenario, seed)
    assert m["contacts_decided"] > 0
    assert m["all_signals_missed_rate.by_cause.late"] == 0.0
    assert _late_return_rates(m) == {name: 0.0 for name in AGENCY_NAMES}


def test_deciding_at_the_deadline_does_miss_late_returns_in_the_same_scenario():
    # the contrast that makes the test above meaningful: the same hub and contacts, deciding at
    # the deadline, does decide before some returns (remote education desk, 2 h each way, and a
    # 3 h Red cut-off).
    late = [_metrics(small_scenario(), seed)["late_return_rate.by_agency.education"] for seed in SEEDS]
    assert max(late) > 0.0


def test_waiting_for_every_return_records_no_late_signal():
    scenario = small_scenario("policy.decide_at_deadline=false")
    result = mashsim.simulate(scenario, 4, record=True)
    fates = {r[f"signal_{name}"] for r in result.records for name in AGENCY_NAMES}
    assert "late" not in fates
    assert "reached" in fates


# ----------------------------------------------------------------------------- unlimited staff


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_unlimited_staff_around_the_clock_returns_everything_in_time(seed):
    # Red: 4 h elapsed minus the 1 h allowance leaves 3 h for research; the longest research
    # task is 2 h (police), every desk co-located, 500 people on duty at all hours: no queue.
    raw = everyone_unlimited(small_scenario_dict())
    for agency in raw["agencies"].values():
        agency["location"] = "co-located"
    scenario = build(raw, "hub_hours=always")
    m = _metrics(scenario, seed)
    assert m["contacts_arrived"] > 0
    assert _late_return_rates(m) == {name: 0.0 for name in AGENCY_NAMES}
    assert m["all_signals_missed_rate.by_cause.late"] == 0.0
    assert m["rag_breach_rate"] == 0.0
    for rag in ("green", "amber", "red"):
        value = m[f"rag_breach_rate.by_rag.{rag}"]
        assert value == 0.0 or math.isnan(value)  # NaN: no contact of that RAG
    # nobody waits for anyone: every wait is zero
    for name in ("contact_officers", "screeners", "managers", *AGENCY_NAMES):
        assert m[f"wait_hours.by_role.{name}"] == 0.0


# ----------------------------------------------------------------------------- no arrivals


def test_no_arrivals_means_nothing_happens_and_every_rate_is_undefined():
    raw = small_scenario_dict()
    for source in raw["arrivals"]["sources"].values():
        source["annual_contacts"] = 0
    scenario = build(raw)
    result = mashsim.simulate(scenario, 1, record=True)
    m = result.metrics
    assert m["contacts_arrived"] == m["contacts_decided"] == m["contacts_open_at_end"] == 0.0
    assert result.records == []
    for name, value in m.items():
        if name.startswith(("backlog_at_end.", "queue_length.", "utilisation.", "school_notices")):
            # nothing to do: empty queues, idle staff, no school told
            assert value == 0.0, name
        elif unit_of(name) == COUNT:
            assert value == 0.0, name  # no contacts, no children
        elif not name.startswith("contacts_"):
            assert math.isnan(value), f"{name} = {value} with no contacts at all"


def test_no_arrivals_is_valid_even_with_no_hub_staff():
    # with no contacts, a hub role with no staff receives no work: the scenario is valid
    raw = small_scenario_dict()
    for source in raw["arrivals"]["sources"].values():
        source["annual_contacts"] = 0
    raw["roles"]["screeners"].update(staff=0, out_of_hours_staff=0)
    scenario = build(raw)
    assert _metrics(scenario, 1)["contacts_arrived"] == 0.0


# ----------------------------------------------------------------------------- an agency that holds nothing


def test_an_agency_that_holds_nothing_has_no_signals_to_miss():
    raw = small_scenario_dict()
    raw["agencies"]["health"]["holds_information"] = {"low": 0, "medium": 0, "high": 0, "critical": 0}
    scenario = build(raw)
    result = mashsim.simulate(scenario, 2, record=True)
    m = result.metrics
    assert math.isnan(m["all_signals_missed_rate.by_agency.health"])
    assert not math.isnan(m["all_signals_missed_rate.by_agency.police"])
    decided = [r for r in result.records if r["decided_h"] is not None]
    assert decided
    assert all(r["signal_health"] is None for r in result.records)
    # the total rate is over the other agencies' signals only
    held = sum(r["signals_held"] for r in decided)
    missed = sum(r["signals_missed"] for r in decided)
    assert held > 0
    assert m["all_signals_missed_rate"] == pytest.approx(missed / held, rel=1e-12)
    held_elsewhere = sum(r[f"signal_{a}"] is not None for r in decided for a in ("police", "education"))
    assert held == held_elsewhere


# ----------------------------------------------------------------------------- deadlines that never come


# the longest deadline allowed (87,600 hours) counted in one working hour a week is some 1,700 years:
# further than the clock looks ahead
@pytest.mark.parametrize("clock, hours, weekly", [("elapsed", 87_600, False), ("working", 1e4, False),
                                                  ("working", 87_600, True)])
def test_a_deadline_far_beyond_the_horizon_means_no_late_misses(clock, hours, weekly):
    sets = [f"rag.{rag}.deadline_hours={hours}" for rag in ("red", "amber", "green")]
    sets += [f'rag.{rag}.clock="{clock}"' for rag in ("red", "amber", "green")]
    if weekly:
        sets += ['calendar.hours.weekly={days=["sun"], start=0, end=1}', 'hub_hours="weekly"']
    scenario = small_scenario("policy.decide_at_deadline=true", *sets)
    m = _metrics(scenario, 3)
    assert m["contacts_decided"] > 0
    assert m["all_signals_missed_rate.by_cause.late"] == 0.0
    assert _late_return_rates(m) == {name: 0.0 for name in AGENCY_NAMES}
    assert m["rag_breach_rate"] == 0.0


# ----------------------------------------------------------------------------- common random numbers


def _contact_key(record):
    return (record["contact_id"], record["arrived_h"], record["source"], record["true_risk"], record["concern"],
            record["urgent_flag"])


@pytest.mark.parametrize("change", [
    ("agencies.police.staff=4", "roles.screeners.staff=1"),
    ("roles.contact_officers.absence_rate=0.3", "agencies.health.staff=2.5"),
    ("policy.red_priority=false", "policy.decide_at_deadline=false"),
])
def test_staffing_and_policy_do_not_change_who_arrives(change):
    base = small_scenario()
    other = small_scenario(*change)
    for replication in (0, 1):
        a = mashsim.simulate(base, 9, replication, record=True)
        b = mashsim.simulate(other, 9, replication, record=True)
        assert a.metrics["contacts_arrived"] == b.metrics["contacts_arrived"]
        assert sorted(map(_contact_key, a.records)) == sorted(map(_contact_key, b.records))
    # and the change does change what happens to them
    assert a.metrics != b.metrics


# ----------------------------------------------------------------------------- more researchers (paired CRN)

# police is asked for every RAG, has no out-of-hours cover and long research: one officer is
# the hub's bottleneck.
POLICE_BOTTLENECK = (
    'policy.ask.green=["police", "health"]',
    "agencies.police.out_of_hours_staff=0",
    "agencies.police.research_minutes={min=45, mode=75, max=150}",
)
LATE_POLICE = "late_return_rate.by_agency.police"


def _paired_differences(fewer, more, seed, replications, metric):
    """``metric`` with more staff minus with fewer, replication by replication (same contacts)."""
    diffs = []
    for i in range(replications):
        low = mashsim.simulate(fewer, seed, i).metrics[metric]
        high = mashsim.simulate(more, seed, i).metrics[metric]
        diffs.append(high - low)
    return np.array(diffs)


def _not_significantly_worse(diffs, alpha):
    """One-sided paired t-test of H0 "more staff is no worse" (mean difference <= 0) at level alpha.

    H0 is rejected when the one-sided (1 - alpha) lower confidence bound of the mean difference
    is above 0; that bound is the lower end of the two-sided (1 - 2 alpha) t-interval.
    """
    interval = t_interval(diffs, level=1.0 - 2.0 * alpha)
    return interval.ci_low <= 0.0, interval


def test_one_more_police_researcher_is_never_worse_and_here_is_better():
    fewer = small_scenario(*POLICE_BOTTLENECK, "agencies.police.staff=1")
    more = small_scenario(*POLICE_BOTTLENECK, "agencies.police.staff=2")
    diffs = _paired_differences(fewer, more, seed=11, replications=25, metric=LATE_POLICE)
    assert not np.isnan(diffs).any()
    ok, interval = _not_significantly_worse(diffs, alpha=0.05)
    assert ok, f"one more police researcher made late returns significantly worse: {interval}"
    # police really is the bottleneck here, so the test above has power: the improvement is
    # significant (two-sided 95% interval below 0).
    assert t_interval(diffs, 0.95).ci_high < 0.0, t_interval(diffs, 0.95)


STAFFING_EXAMPLES = 10


@settings(max_examples=STAFFING_EXAMPLES, derandomize=True, deadline=None)
@given(
    police=st.sampled_from([0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0]),
    police_absence=st.sampled_from([0.0, 0.1, 0.25]),
    police_hours=st.sampled_from(["office", "always"]),
    health=st.sampled_from([0.5, 1.0, 2.0]),
    screeners=st.sampled_from([1.5, 2.0, 3.0]),
)
def test_one_more_police_researcher_is_never_significantly_worse(police, police_absence, police_hours, health,
                                                                 screeners):
    common = (*POLICE_BOTTLENECK, f"agencies.police.absence_rate={police_absence}",
              f"agencies.police.hours={police_hours}", f"agencies.health.staff={health}",
              f"roles.screeners.staff={screeners}", "run.horizon_days=7")
    fewer = small_scenario(*common, f"agencies.police.staff={police}")
    more = small_scenario(*common, f"agencies.police.staff={police + 1}")
    diffs = _paired_differences(fewer, more, seed=2024, replications=20, metric=LATE_POLICE)
    diffs = diffs[~np.isnan(diffs)]
    assert diffs.size >= 18
    # Bonferroni: ten staffings tested, so each at alpha = 0.05 / 10 keeps the chance of a false
    # alarm anywhere in this test under 5%.
    ok, interval = _not_significantly_worse(diffs, alpha=0.05 / STAFFING_EXAMPLES)
    assert ok, f"police {police} -> {police + 1} made late returns significantly worse: {interval}"


# ----------------------------------------------------------------------------- Red priority


def test_red_priority_shortens_red_decisions_on_a_loaded_screening_queue():
    # one screener, busy ~90% of duty time, every critical contact flagged urgent
    loaded = ("roles.screeners.staff=1", "roles.screeners.task_minutes={min=15, mode=25, max=40}",
              "arrivals.urgent_flag=1.0")
    on = small_scenario(*loaded, "policy.red_priority=true")
    off = small_scenario(*loaded, "policy.red_priority=false")
    key = "decision_delay_hours.by_rag.red.mean"
    diffs, utilisation = [], []
    for i in range(20):
        m_on, m_off = _metrics(on, 5, i), _metrics(off, 5, i)
        diffs.append(m_on[key] - m_off[key])
        utilisation.append(m_off["utilisation.by_role.screeners"])
    assert np.mean(utilisation) > 0.85  # the screening queue is the loaded one
    interval = t_interval(diffs, 0.95)
    assert interval.n >= 18  # Red contacts were decided in (nearly) every replication
    assert interval.ci_high < 0.0, f"Red priority did not shorten Red decisions: {interval}"


# ----------------------------------------------------------------------------- channels


def test_a_remote_desk_that_loses_every_return_reaches_no_decision():
    scenario = small_scenario("agencies.education.location=remote", "channels.remote.loss=1.0",
                              "channels.remote.latency_hours=0.5", "agencies.education.match_failure=0.0")
    result = mashsim.simulate(scenario, 6, record=True)
    m = result.metrics
    fates = [r["signal_education"] for r in result.records if r["decided_h"] is not None]
    returned_in_time = [f for f in fates if f not in (None, "late", "not_asked", "screened_out")]
    assert returned_in_time, "no education signal came back in time: the test would be vacuous"
    assert set(returned_in_time) == {"lost_in_channel"}
    assert m["all_signals_missed_rate.by_agency.education"] == 1.0
    # the lost share of all held signals is exactly education's returned-in-time signals
    held = sum(r["signals_held"] for r in result.records if r["decided_h"] is not None)
    assert m["all_signals_missed_rate.by_cause.lost_in_channel"] == pytest.approx(len(returned_in_time) / held, rel=1e-12)


def test_co_located_desks_with_a_lossless_channel_lose_nothing():
    scenario = small_scenario("agencies.education.location=co-located", "channels.co_located.loss=0.0")
    for seed in SEEDS:
        result = mashsim.simulate(scenario, seed, record=True)
        assert result.metrics["all_signals_missed_rate.by_cause.lost_in_channel"] == 0.0
        assert all(r[f"signal_{a}"] != "lost_in_channel" for r in result.records for a in AGENCY_NAMES)


def test_a_desk_channel_override_replaces_its_location_channel():
    # education is remote, and the remote channel loses everything, but it has its own lossless channel
    scenario = small_scenario("channels.remote.loss=1.0",
                              "agencies.education.channel={latency_hours=0.0, loss=0.0}")
    m = _metrics(scenario, 6)
    assert m["all_signals_missed_rate.by_cause.lost_in_channel"] == 0.0
    assert m["all_signals_missed_rate.by_agency.education"] < 1.0


# ----------------------------------------------------------------------------- screening and decision

RAG_OF_RISK = {"low": "blue", "medium": "green", "high": "amber", "critical": "red"}
NEXT_RAG_DOWN = {"green": "blue", "amber": "green", "red": "amber"}


def test_perfect_screening_rates_every_contact_by_its_true_risk():
    scenario = small_scenario("screening.under_rating=0", "screening.over_rating=0", "screening.under_rating_max=0")
    records = mashsim.simulate(scenario, 8, record=True).records
    screened = [r for r in records if r["rag"] is not None]
    assert len(screened) > 50
    assert all(r["rag"] == RAG_OF_RISK[r["true_risk"]] for r in screened)


def test_certain_under_rating_rates_every_contact_one_level_down():
    scenario = small_scenario("screening.under_rating=1", "screening.over_rating=0", "screening.under_rating_max=1")
    records = mashsim.simulate(scenario, 8, record=True).records
    screened = [r for r in records if r["rag"] is not None]
    assert screened
    for r in screened:
        correct = RAG_OF_RISK[r["true_risk"]]
        assert r["rag"] == NEXT_RAG_DOWN.get(correct, "blue")


@pytest.mark.parametrize("recognition", [0.0, 1.0])
def test_recognition_decides_whether_signals_correct_the_rag(recognition):
    scenario = small_scenario(f"decision.recognition={recognition}", "screening.under_rating=0.5",
                              "screening.under_rating_max=0.5")
    decided = [r for r in mashsim.simulate(scenario, 8, record=True).records if r["decided_h"] is not None]
    reached = [r for r in decided if r["signals_held"] - r["signals_missed"] > 0]
    not_reached = [r for r in decided if r["signals_held"] - r["signals_missed"] == 0]
    assert reached and not_reached
    # with nothing reaching the manager the screener's RAG stands
    assert all(r["decided_rag"] == r["rag"] for r in not_reached)
    if recognition == 1.0:
        # any signal that reaches the decision reveals the true risk
        assert all(r["decided_rag"] == RAG_OF_RISK[r["true_risk"]] for r in reached)
        assert any(r["decided_rag"] != r["rag"] for r in reached)
    else:
        assert all(r["decided_rag"] == r["rag"] for r in reached)


def test_the_outcome_follows_the_mix_of_the_decided_rag():
    scenario = small_scenario("decision.outcomes.red={s47=1.0}", "decision.outcomes.amber={s17=1.0}",
                              "decision.outcomes.green={early_help=1.0}")
    decided = [r for r in mashsim.simulate(scenario, 8, record=True).records if r["decided_h"] is not None]
    expected = {"blue": "nfa", "green": "early_help", "amber": "s17", "red": "s47"}
    assert {r["decided_rag"] for r in decided} >= {"blue", "green", "amber"}
    assert all(r["outcome"] == expected[r["decided_rag"]] for r in decided)


# ----------------------------------------------------------------------------- hours and staff changes


def test_without_out_of_hours_cover_screening_happens_in_office_hours_only():
    sets = [f"roles.{role}.out_of_hours_staff=0" for role in ("contact_officers", "screeners", "managers")]
    scenario = small_scenario(*sets)
    longest_task = scenario.roles.screeners.task_minutes.max / 60
    records = mashsim.simulate(scenario, 5, record=True).records
    screened = [r["screened_h"] for r in records if r["screened_h"] is not None]
    assert len(screened) > 50
    for t in screened:
        day, hour = divmod(t, 24)
        weekday = (scenario.calendar.start_date.weekday() + int(day)) % 7
        assert weekday < 5, t
        # a task started before 17:00 may run over: it ends by 17:00 + the longest task
        assert 9 < hour <= 17 + longest_task, t


def test_a_role_with_no_staff_until_a_change_works_only_from_that_day():
    scenario = small_scenario("roles.screeners.staff=0", "roles.screeners.out_of_hours_staff=0",
                              "roles.screeners.changes=[{day=3, staff=3}]", "run.warmup_days=0")
    longest_task = scenario.roles.screeners.task_minutes.max / 60
    records = mashsim.simulate(scenario, 5, record=True).records
    screened = sorted(r["screened_h"] for r in records if r["screened_h"] is not None)
    # day 3 is a Thursday: the first screening is finished soon after 09:00 that day
    assert screened and 3 * 24 + 9 < screened[0] <= 3 * 24 + 9 + longest_task
    # the queue built up over three days is then worked
    assert sum(1 for r in records if r["arrived_h"] < 3 * 24 and r["screened_h"] is not None) > 20
