"""Arrivals: the hourly rate of each source, normalised to its annual volume, and the generator,
checked against expectations computed here from the dates (statistically where they are random)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

import mashsim
from mashsim.model.children import first_contact_share
from mashsim.model.arrivals import HOURS_PER_YEAR, hourly_rates, source_arrivals
from mashsim.model.calendar import CalendarView
from mashsim.model.durations import hours_at
from mashsim.model.streams import Streams
from support import build, default_scenario, small_scenario_dict

Z_999 = stats.norm.ppf(0.9995)  # two-sided 99.9%: a fixed-seed test that is wrong 1 time in 1000
REFERENCE_DAYS = 366  # the reference year, 365.25 days, ends 6 hours into day 365


def _scenario_with_holiday():
    raw = small_scenario_dict()
    raw["calendar"] = {"start_date": "2025-01-06",
                       "periods": {"half_term": {"dates": [["2025-01-09", "2025-01-12"]], "multiplier": 0.5}}}
    raw["arrivals"]["sources"]["schools"]["period_multipliers"] = {"half_term": 0.1}
    return build(raw)


def _mean_one(values) -> np.ndarray:
    values = np.asarray(values, float)
    return values / values.mean()


def expected_by_day(scenario, name: str, days: int) -> np.ndarray:
    """Expected contacts of source ``name`` on each of days 0 .. days - 1, from the dates, as the model
    description defines it: annual_contacts x scale over the first 365.25 days, every multiplier applied."""
    arrivals, calendar = scenario.arrivals, scenario.calendar
    source = arrivals.sources[name]
    day_w = _mean_one(source.day_profile or arrivals.day_profile)
    hour_w = _mean_one(source.hour_profile or arrivals.hour_profile)
    shape = np.empty(max(days, REFERENCE_DAYS))
    for day in range(shape.size):
        date = calendar.start_date + dt.timedelta(days=day)
        level = day_w[6 if date in calendar.bank_holidays else date.weekday()]
        for period_name, period in calendar.periods.items():
            if any(first <= date <= last for first, last in period.dates):
                level *= source.period_multipliers.get(period_name, period.multiplier)
        shape[day] = level
    year = 24 * shape[:365].sum() + shape[365] * hour_w[:6].sum()  # 8,766 hours
    # first contacts: with [children], annual_contacts counts the children's returns too
    first = first_contact_share(scenario, source)
    return (24 * shape * source.annual_contacts * arrivals.scale * first / year)[:days]


@pytest.mark.parametrize("scenario", [
    pytest.param(lambda: build(small_scenario_dict()), id="small"),
    pytest.param(_scenario_with_holiday, id="half-term"),
    pytest.param(lambda: default_scenario(), id="london-borough"),
    pytest.param(lambda: default_scenario("arrivals.scale=0.68"), id="london-borough-scaled"),
])
def test_the_reference_year_holds_annual_contacts_exactly(scenario):
    # the integral of the rate over the first 365.25 days is the annual volume, every multiplier applied
    # (of first contacts: with [children], the rest of annual_contacts are the children's returns)
    scenario = scenario()
    view = CalendarView(scenario.calendar)
    for name, source in scenario.arrivals.sources.items():
        rates = hourly_rates(scenario, source, view, 0, REFERENCE_DAYS)
        first = first_contact_share(scenario, source)
        assert rates[:int(HOURS_PER_YEAR)].sum() == pytest.approx(
            source.annual_contacts * scenario.arrivals.scale * first, rel=1e-12), name


def test_the_default_rates_are_the_documented_shape_day_by_day():
    # holidays, a source's own multipliers, bank holidays and its profiles, over more than a year
    scenario = default_scenario()
    view = CalendarView(scenario.calendar)
    days = 400
    for name, source in scenario.arrivals.sources.items():
        rates = hourly_rates(scenario, source, view, 0, days).reshape(days, 24)
        assert rates.sum(axis=1) == pytest.approx(expected_by_day(scenario, name, days), rel=1e-12), name
        hour_w = _mean_one(source.hour_profile or scenario.arrivals.hour_profile)
        assert rates == pytest.approx(rates.sum(axis=1, keepdims=True) * hour_w / 24, rel=1e-12), name


def test_rates_follow_the_day_and_hour_profiles():
    scenario = build(small_scenario_dict())
    view = CalendarView(scenario.calendar)
    schools = scenario.arrivals.sources["schools"]  # day profile: weekdays only
    rates = hourly_rates(scenario, schools, view, 0, 7).reshape(7, 24)
    assert (rates[5:] == 0).all()  # Saturday, Sunday
    hour = _mean_one(scenario.arrivals.hour_profile)
    assert rates[0] == pytest.approx(rates[0].sum() / 24 * hour, rel=1e-12)
    assert rates[1:5] == pytest.approx(np.tile(rates[0], (4, 1)), rel=1e-12)


def test_period_multipliers_apply_and_a_source_may_replace_them():
    scenario = _scenario_with_holiday()
    view = CalendarView(scenario.calendar)
    plain = build(small_scenario_dict())
    for name, multiplier in (("police", 0.5), ("schools", 0.1)):
        with_period = hourly_rates(scenario, scenario.arrivals.sources[name], view, 0, 7).reshape(7, 24)
        without = hourly_rates(plain, plain.arrivals.sources[name], CalendarView(plain.calendar), 0, 7).reshape(7, 24)
        # 9-12 January are days 3-6; outside them the rate is a little higher, to keep the annual volume
        lift = with_period[0, 12] / without[0, 12]
        assert lift > 1
        assert with_period[:3] == pytest.approx(without[:3] * lift, rel=1e-12)
        assert with_period[3:] == pytest.approx(without[3:] * lift * multiplier, rel=1e-12)


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


def test_the_generator_gives_the_expected_count_and_hourly_shape():
    scenario = _scenario_with_holiday()
    view = CalendarView(scenario.calendar)
    weeks = 52
    end = weeks * 7 * 24.0
    totals, expected = 0, 0.0
    by_hour = np.zeros(24)
    expected_by_hour = np.zeros(24)
    for name, source in scenario.arrivals.sources.items():
        rates = hourly_rates(scenario, source, view, 0, weeks * 7)
        times = np.array([c.arrived for c in source_arrivals(scenario, name, Streams(20250106), view, end)])
        assert (np.diff(times) >= 0).all() and times.min() >= 0 and times.max() < end
        assert (rates[times.astype(int)] > 0).all()  # never in an hour whose rate is zero
        totals += times.size
        expected += rates.sum()
        by_hour += np.bincount((times % 24).astype(int), minlength=24)
        expected_by_hour += rates.reshape(-1, 24).sum(axis=0)
    # the total is Poisson(expected)
    assert abs(totals - expected) <= Z_999 * np.sqrt(expected), (totals, expected)
    # the hour-of-day shape fits the rates (chi-square goodness of fit)
    _, p = stats.chisquare(by_hour, expected_by_hour / expected_by_hour.sum() * by_hour.sum())
    assert p > 0.001, p


def test_the_default_scenario_gets_13000_contacts_in_its_reference_year():
    # 10 replications of the arrivals over the first 365.25 days: Poisson(10 x 13,000) in all, of which
    # the first contacts are these (the children's returns come from the hub's decisions)
    scenario = default_scenario()
    view = CalendarView(scenario.calendar)
    replications = 10
    arrived = sum(1 for r in range(replications) for name in scenario.arrivals.sources
                  for _ in source_arrivals(scenario, name, Streams(42, r), view, HOURS_PER_YEAR))
    assert sum(s.annual_contacts for s in scenario.arrivals.sources.values()) == 13_000
    expected = replications * sum(s.annual_contacts * first_contact_share(scenario, s)
                                  for s in scenario.arrivals.sources.values())
    assert abs(arrived - expected) <= Z_999 * np.sqrt(expected), (arrived, expected)


def test_a_source_with_no_volume_or_no_time_gives_no_arrivals():
    raw = small_scenario_dict()
    raw["arrivals"]["sources"]["schools"]["annual_contacts"] = 0
    scenario = build(raw)
    view = CalendarView(scenario.calendar)
    assert list(source_arrivals(scenario, "schools", Streams(1), view, 1000.0)) == []
    assert list(source_arrivals(scenario, "police", Streams(1), view, 0.0)) == []


def test_contacts_arrived_over_replications_matches_the_annual_volume():
    # end to end, against an expectation computed here from the dates: over R replications the total
    # number of contacts in the measurement window is Poisson(R x expected)
    scenario = _scenario_with_holiday()
    warmup, horizon = int(scenario.run.warmup_days), int(scenario.run.horizon_days)
    expected = sum(expected_by_day(scenario, name, warmup + horizon)[warmup:].sum()
                   for name in scenario.arrivals.sources)
    replications = 30
    arrived = sum(mashsim.simulate(scenario, 3, i).metrics["contacts_arrived"] for i in range(replications))
    total_expected = replications * expected
    assert abs(arrived - total_expected) <= Z_999 * np.sqrt(total_expected), (arrived, total_expected)


@pytest.mark.parametrize("duration, reference", [
    ({"min": 10, "mode": 15, "max": 30}, stats.triang(c=0.25, loc=10, scale=20)),
    ({"min": 5, "mode": 5, "max": 20}, stats.triang(c=0.0, loc=5, scale=15)),
    ({"dist": "exponential", "mean": 30}, stats.expon(scale=30)),
    ({"dist": "lognormal", "mean": 30, "sd": 15},
     stats.lognorm(s=np.sqrt(np.log1p(0.25)), scale=30 / np.sqrt(1.25))),
    ({"dist": "uniform", "min": 10, "max": 40}, stats.uniform(loc=10, scale=30)),
    ({"dist": "constant", "mean": 12}, None),
])
def test_a_task_time_is_its_distributions_quantile_at_the_contacts_uniform(duration, reference):
    raw = small_scenario_dict()
    raw["roles"]["screeners"]["task_minutes"] = duration
    task = build(raw).roles.screeners.task_minutes
    u = np.random.default_rng(8).random(2000)
    minutes = hours_at(task, u) * 60
    expected = np.full(u.size, 12.0) if reference is None else reference.ppf(u)
    assert minutes == pytest.approx(expected, rel=1e-9)
    if reference is not None:
        assert abs(minutes.mean() - reference.mean()) <= Z_999 * reference.std() / np.sqrt(u.size)
