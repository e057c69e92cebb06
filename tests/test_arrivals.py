"""Arrivals: the hourly rate of each source and the thinning generator, checked statistically."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

import mashsim
from mashsim.model.arrivals import HOURS_PER_YEAR, arrival_times, hourly_rates
from mashsim.model.calendar import CalendarView
from support import build, small_scenario_dict

Z_999 = stats.norm.ppf(0.9995)  # two-sided 99.9%: a fixed-seed test that is wrong 1 time in 1000


def _scenario_with_holiday():
    raw = small_scenario_dict()
    raw["calendar"] = {"start_date": "2025-01-06",
                       "periods": {"half_term": {"dates": [["2025-01-09", "2025-01-12"]], "multiplier": 0.5}}}
    raw["arrivals"]["sources"]["schools"]["period_multipliers"] = {"half_term": 0.1}
    return build(raw)


def test_a_week_of_rates_adds_up_to_the_annual_volume_pro_rata():
    scenario = build(small_scenario_dict())
    view = CalendarView(scenario.calendar)
    for name, source in scenario.arrivals.sources.items():
        rates = hourly_rates(scenario, source, view, 0, 7)
        assert rates.shape == (7 * 24,)
        assert rates.sum() == pytest.approx(source.annual_contacts * 7 * 24 / HOURS_PER_YEAR, rel=1e-12), name
        assert (rates >= 0).all()


def test_rates_follow_the_day_and_hour_profiles():
    scenario = build(small_scenario_dict())
    view = CalendarView(scenario.calendar)
    schools = scenario.arrivals.sources["schools"]  # day profile: weekdays only
    rates = hourly_rates(scenario, schools, view, 0, 7).reshape(7, 24)
    assert (rates[5:] == 0).all()  # Saturday, Sunday
    hour = np.asarray(scenario.arrivals.hour_profile) / np.mean(scenario.arrivals.hour_profile)
    expected_monday = schools.annual_contacts / HOURS_PER_YEAR * (7 / 5) * hour
    assert rates[0] == pytest.approx(expected_monday, rel=1e-12)


def test_period_multipliers_apply_and_a_source_may_replace_them():
    scenario = _scenario_with_holiday()
    view = CalendarView(scenario.calendar)
    plain = build(small_scenario_dict())
    for name, multiplier in (("police", 0.5), ("schools", 0.1)):
        with_period = hourly_rates(scenario, scenario.arrivals.sources[name], view, 0, 7).reshape(7, 24)
        without = hourly_rates(plain, plain.arrivals.sources[name], CalendarView(plain.calendar), 0, 7).reshape(7, 24)
        # 9-12 January are days 3-6
        assert with_period[:3] == pytest.approx(without[:3], rel=1e-12)
        assert with_period[3:] == pytest.approx(without[3:] * multiplier, rel=1e-12)


def test_the_thinning_generator_gives_the_expected_count_and_hourly_shape():
    scenario = _scenario_with_holiday()
    view = CalendarView(scenario.calendar)
    rng = np.random.default_rng(20250106)
    weeks = 52
    totals, expected = 0, 0.0
    by_hour = np.zeros(24)
    expected_by_hour = np.zeros(24)
    for source in scenario.arrivals.sources.values():
        for week in range(weeks):
            rates = hourly_rates(scenario, source, view, 7 * week, 7)
            times = arrival_times(rates, 7 * 24.0 * week, rng)
            assert (np.diff(times) >= 0).all()
            assert ((times >= 7 * 24 * week) & (times < 7 * 24 * (week + 1))).all()
            # an arrival never falls in an hour whose rate is zero
            assert (rates[(times - 7 * 24 * week).astype(int)] > 0).all()
            totals += times.size
            expected += rates.sum()
            by_hour += np.bincount((times % 24).astype(int), minlength=24)
            expected_by_hour += rates.reshape(7, 24).sum(axis=0)
    # the total is Poisson(expected)
    assert abs(totals - expected) <= Z_999 * np.sqrt(expected), (totals, expected)
    # the hour-of-day shape fits the rates (chi-square goodness of fit)
    _, p = stats.chisquare(by_hour, expected_by_hour / expected_by_hour.sum() * by_hour.sum())
    assert p > 0.001, p


def test_zero_rates_give_no_arrivals():
    rng = np.random.default_rng(1)
    assert arrival_times(np.zeros(168), 0.0, rng).size == 0
    assert arrival_times(np.zeros(0), 0.0, rng).size == 0


def test_contacts_arrived_over_replications_matches_the_annual_volume():
    # end to end, against an expectation computed here from the scenario's own figures: over R
    # replications the total number of contacts in the measurement window is Poisson(R x expected)
    scenario = _scenario_with_holiday()
    warmup, horizon = int(scenario.run.warmup_days), int(scenario.run.horizon_days)
    expected = 0.0
    for name, source in scenario.arrivals.sources.items():
        days = np.asarray(source.day_profile or scenario.arrivals.day_profile, float)
        days = days / days.mean()
        for day in range(warmup, warmup + horizon):
            date = scenario.calendar.start_date + dt.timedelta(days=day)
            multiplier = 1.0
            if dt.date(2025, 1, 9) <= date <= dt.date(2025, 1, 12):  # half term
                multiplier = 0.5 if name == "police" else 0.1
            expected += source.annual_contacts / 365.25 * days[day % 7] * multiplier
    replications = 30
    arrived = sum(mashsim.simulate(scenario, 3, i).metrics["contacts_arrived"] for i in range(replications))
    total_expected = replications * expected
    assert abs(arrived - total_expected) <= Z_999 * np.sqrt(total_expected), (arrived, total_expected)


def test_a_bank_holiday_takes_sundays_share_of_arrivals():
    raw = small_scenario_dict()
    raw["calendar"] = {"start_date": "2025-01-06", "bank_holidays": ["2025-01-13"]}  # day 7, a Monday
    scenario = build(raw)
    view = CalendarView(scenario.calendar)
    for source in scenario.arrivals.sources.values():
        rates = hourly_rates(scenario, source, view, 0, 14).reshape(14, 24)
        assert rates[7] == pytest.approx(rates[6], rel=1e-12)  # like Sunday the 12th
        assert rates[8] == pytest.approx(rates[1], rel=1e-12)  # the Tuesday after is a Tuesday
        if source.day_profile != [1, 1, 1, 1, 1, 0, 0]:
            assert rates[7].sum() < rates[0].sum()
