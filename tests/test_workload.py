"""The expected contacts of a replication, counted before running it (mashsim.model.workload): the
count the runs simulate, whatever the calendar, surges and backlogs; exact parts exactly."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from mashsim.experiment import t_interval
from mashsim.model.workload import expected_contacts
from mashsim.replication import simulate
from support import build, small_scenario_dict

RATE_PER_DAY = 4500 / 365.25  # the small scenario's two sources


def busy_month() -> dict:
    """The small scenario for 60 days with a school holiday at twice the arrivals, a surge x3 for two
    days of police contacts, another surge x0.5 of every source, and a backlog on two desks."""
    raw = small_scenario_dict()
    raw["run"].update(horizon_days=55, warmup_days=5)
    raw["calendar"] = {"periods": {"half_term": {"dates": [["2025-02-17", "2025-02-21"]], "multiplier": 2.0}}}
    raw["injects"] = [{"kind": "surge", "factor": 3.0, "source": "police", "start_day": 20.5, "hours": 48},
                      {"kind": "surge", "factor": 0.5, "start_day": 40, "hours": 24 * 5}]
    raw["roles"]["screeners"]["initial_backlog"] = 40
    raw["agencies"]["police"]["initial_backlog"] = 15
    return raw


def arrivals(scenario, replication: int) -> int:
    """The contacts a replication simulates: every contact seen at any step (a backlog's contacts
    start part-way, at their desk, with no "arrived" step)."""
    seen = set()

    def hook(time, kind, contact, detail) -> None:
        if contact is not None:
            seen.add(contact.id)

    simulate(scenario, 2024, replication, trace=hook)
    return len(seen)


def test_the_expected_count_is_what_the_runs_simulate():
    scenario = build(busy_month())
    counts = [arrivals(scenario, i) for i in range(30)]
    interval = t_interval(counts, level=0.99)
    # about 870 contacts a run, SD about 27: the 99% interval is about ±14 (1.6%); a count off by 5%
    # (a period, a surge or the backlog left out) lies 8 standard errors away: missed with chance < 1e-6
    assert interval.ci_low <= expected_contacts(scenario) <= interval.ci_high, (expected_contacts(scenario), interval)


def test_each_part_adds_what_it_should():
    raw = small_scenario_dict()
    # annual_contacts is the expected count of the reference year (the first 365.25 days), exactly
    raw["run"].update(horizon_days=365.25, warmup_days=0)
    assert math.isclose(expected_contacts(build(raw)), 365.25 * RATE_PER_DAY, rel_tol=1e-9)
    raw["run"].update(horizon_days=28, warmup_days=0)  # four whole weeks: the day profiles average out
    plain = expected_contacts(build(raw))
    # four whole weeks hold their share of the year but for the year's extra 1.25 days, which the
    # normalisation spreads over the year's weeks: within 1.25 / 365.25 of the plain share
    assert math.isclose(plain, 28 * RATE_PER_DAY, rel_tol=1.25 / 365.25)
    police_only = {**raw, "arrivals": {**raw["arrivals"], "sources": {"police": raw["arrivals"]["sources"]["police"]}}}
    police_week = expected_contacts(build(police_only)) / 4  # police's own four whole weeks, a quarter each

    raw["roles"]["screeners"]["initial_backlog"] = 40
    assert math.isclose(expected_contacts(build(raw)) - plain, 40, rel_tol=1e-9)

    raw["roles"]["screeners"]["initial_backlog"] = 0
    # a surge over every hour of one whole week of one source doubles that source's week
    raw["injects"] = [{"kind": "surge", "factor": 2.0, "source": "police", "start_day": 7, "hours": 7 * 24}]
    assert math.isclose(expected_contacts(build(raw)) - plain, police_week, rel_tol=1e-9)
    # cut by the end of the run: only its part inside counts
    raw["injects"] = [{"kind": "surge", "factor": 2.0, "source": "police", "start_day": 21, "hours": 14 * 24}]
    assert math.isclose(expected_contacts(build(raw)) - plain, police_week, rel_tol=1e-9)


@given(days=st.floats(0.5, 400), scale=st.floats(0.0, 20.0))
def test_the_count_grows_with_the_days_and_scales_with_the_volume(days, scale):
    raw = small_scenario_dict()
    raw["run"].update(horizon_days=days, warmup_days=0)
    one = expected_contacts(build(raw))
    assert 0 < one <= (days + 1) * RATE_PER_DAY * 7 / 5  # at most every day a weekday, to the next midnight
    raw["run"]["horizon_days"] = days + 1
    assert expected_contacts(build(raw)) >= one
    raw["run"]["horizon_days"] = days
    raw["arrivals"]["scale"] = scale
    assert math.isclose(expected_contacts(build(raw)), scale * one, rel_tol=1e-9, abs_tol=1e-9)
