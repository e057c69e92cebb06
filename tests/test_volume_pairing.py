"""Common random numbers across volumes: a higher volume (or a surge) keeps every contact of a lower
one, with all its draws, and adds some; so volume sweeps are paired like staffing sweeps."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import mashsim
from mashsim.model.arrivals import hourly_rates, source_arrivals, surge_factors
from mashsim.model.calendar import CalendarView
from mashsim.model.streams import Streams
from support import small_scenario

Z_999 = stats.norm.ppf(0.9995)  # two-sided 99.9%: a fixed-seed test that is wrong 1 time in 1000
END = 4 * 7 * 24.0  # four weeks of arrivals


def drawn(c) -> tuple:
    """Everything drawn for a contact when it arrives."""
    return (c.source, c.arrived, c.risk, c.concern, c.urgent, c.u_screen, c.u_reveal, c.u_outcome,
            tuple(c.stage_hours), tuple(c.holds), tuple(c.unmatched), tuple(c.lost),
            tuple(c.research_hours))


def arrivals(scenario, seed: int = 1, replication: int = 0, end: float = END, windows=()) -> list[tuple]:
    view = CalendarView(scenario.calendar)
    return [drawn(c) for name in scenario.arrivals.sources
            for c in source_arrivals(scenario, name, Streams(seed, replication), view, end, windows)]


@settings(max_examples=25, deadline=None)
@given(low=st.floats(0.1, 3.0), lift=st.floats(1.0, 3.0), seed=st.integers(0, 2**32 - 1))
def test_a_higher_volume_keeps_every_contact_of_a_lower_one_with_all_its_draws(low, lift, seed):
    fewer = arrivals(small_scenario(f"arrivals.scale={low}"), seed)
    more = arrivals(small_scenario(f"arrivals.scale={low * lift}"), seed)
    assert set(fewer) <= set(more)
    assert len(set(more)) == len(more)  # no contact twice


def test_the_added_contacts_are_the_extra_volume():
    # over 40 replications of four weeks: contacts at x1.05 not at x1.00 are Poisson(0.05 x expected)
    base, higher = small_scenario(), small_scenario("arrivals.scale=1.05")
    view = CalendarView(base.calendar)
    expected_one = sum(hourly_rates(base, s, view, 0, 28).sum() for s in base.arrivals.sources.values())
    replications = 40
    added = 0
    for r in range(replications):
        fewer, more = arrivals(base, 5, r), arrivals(higher, 5, r)
        assert set(fewer) <= set(more)
        added += len(more) - len(fewer)
    expected = replications * 0.05 * expected_one
    assert abs(added - expected) <= Z_999 * math.sqrt(expected), (added, expected)


@pytest.mark.parametrize("factors, volume", [
    ([1.5], 1.5), ([0.4], 0.4),
    ([2.0, 1.5], 2.5),  # overlapping surges add their extra arrivals: 1 + 1.0 + 0.5
    ([0.5, 2.0], 1.5),  # a drop thins the usual arrivals, a surge adds 1.0 x the usual rate
])
def test_surges_add_the_contacts_a_higher_volume_would_and_drops_keep_those_a_lower_one_would(factors, volume):
    start, end = 3.375 * 24, 10.5 * 24  # Thursday 09:00 to the next Thursday's noon: across two weeks
    inside = lambda rows: [c for c in rows if start <= c[1] < end]  # noqa: E731
    outside = lambda rows: [c for c in rows if not start <= c[1] < end]  # noqa: E731
    base = small_scenario()
    surged = arrivals(base, 2, 0, windows=[(start, end, f) for f in factors])
    as_volume = arrivals(small_scenario(f"arrivals.scale={volume}"), 2, 0)
    assert inside(surged) == inside(as_volume) and len(inside(surged)) > 10
    assert outside(surged) == outside(arrivals(base, 2, 0))


def test_surge_factors_inside_and_outside_their_windows():
    t = np.array([0.0, 5.0, 10.0, 15.0, 20.0])
    windows = [(5.0, 15.0, 2.0), (10.0, 20.0, 0.5), (10.0, 11.0, 3.0)]
    assert surge_factors(windows, t).tolist() == [1.0, 2.0, 0.5 + 1.0 + 2.0, 0.5, 1.0]


def _paired_runs(replications: int):
    """Per replication of the small scenario at x1.00 and x1.05: the metrics and every arrived contact's draws."""
    runs = []
    for scale in (1.0, 1.05):
        scenario = small_scenario(f"arrivals.scale={scale}")
        per_replication = []
        for r in range(replications):
            seen: list[tuple] = []
            result = mashsim.simulate(scenario, 11, r, trace=lambda t, kind, c, d, seen=seen:
                                      seen.append(drawn(c)) if kind == "arrived" else None)
            per_replication.append((result.metrics, seen))
        runs.append(per_replication)
    return runs


def test_a_volume_sweep_is_paired_contact_by_contact_and_in_its_metrics():
    replications = 30
    base, higher = _paired_runs(replications)
    common = union = 0
    for (_, fewer), (_, more) in zip(base, higher):
        assert set(fewer) <= set(more)  # every child of x1.00 arrives at x1.05 too, with the same draws
        common += len(fewer)
        union += len(more)
    # about 1 / 1.05 of the x1.05 contacts are x1.00's (before this coupling: about 28% in common)
    assert abs(common / union - 1 / 1.05) <= Z_999 * math.sqrt((union - common) / 1.05) / union
    # the measured counts: the extras are independent of the rest, so their correlation is 1 / sqrt(1.05),
    # 0.976; Fisher's z of the sample correlation of 30 pairs has standard error 1 / sqrt(27)
    count = lambda runs: np.array([m["contacts_arrived"] for m, _ in runs])  # noqa: E731
    r = np.corrcoef(count(base), count(higher))[0, 1]
    assert abs(math.atanh(r) - math.atanh(1 / math.sqrt(1.05))) <= Z_999 / math.sqrt(replications - 3), r
    # a metric that depends on everything: the mean time to decision, x1.00 against x1.05, correlates
    # at about 0.97 on these seeds (0.86 before this coupling); 0.9 is 3 standard errors of z below 0.97
    delay = lambda runs: np.array([m["decision_delay_hours.mean"] for m, _ in runs])  # noqa: E731
    assert np.corrcoef(delay(base), delay(higher))[0, 1] >= 0.9
