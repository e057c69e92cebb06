"""Exercise files: export, import, the very same results; the shipped exercise scenario."""

from __future__ import annotations

import datetime as dt
import math
import tomllib

import pytest
from hypothesis import given, strategies as st

import mashsim
from mashsim.scenario import ScenarioError, scenario_hash
from mashsim.scenario.exercise import export_exercise, load_exercise, to_toml
from support import assert_same_metrics, build, small_scenario_dict


def _with_injects():
    raw = small_scenario_dict()
    raw["injects"] = [
        {"kind": "outage", "agency": "health", "mode": "fail", "start_day": 3.375, "hours": 6, "label": "NHS spine down"},
        {"kind": "absence", "role": "screeners", "staff": 1, "start_day": 4, "hours": 48},
        {"kind": "surge", "factor": 1.7, "source": "schools", "start_day": 5.3, "hours": 30},
        {"kind": "policy", "decide_at_deadline": False, "ask": {"green": ["health", "police"]},
         "start_day": 6, "hours": 24},
    ]
    raw["calendar"] = {"bank_holidays": [dt.date(2025, 1, 9)],
                       "periods": {"cold": {"dates": [(dt.date(2025, 1, 7), dt.date(2025, 1, 10))], "multiplier": 1.3}}}
    raw["roles"]["managers"]["changes"] = [{"day": 3, "staff": 1}]
    raw["description"] = 'quotes " and \\ and ünïcode'
    return build(raw)


def test_an_exported_exercise_reproduces_the_run_exactly(tmp_path):
    scenario = _with_injects()
    text = export_exercise(scenario, seed=11, replications=3)
    again = load_exercise(text)
    assert (again.seed, again.replications) == (11, 3)
    assert again.scenario.injects == scenario.injects
    original = mashsim.run_replications(scenario, 3, seed=11, record=True)
    repeated = mashsim.run_replications(again.scenario, again.replications, again.seed, record=True)
    for a, b in zip(original.replications, repeated.replications):
        assert_same_metrics(a.metrics, b.metrics)
        assert a.records == b.records
    # and from a file, through the command line's loader
    path = tmp_path / "exercise.toml"
    path.write_text(text)
    assert load_exercise(path) == again
    assert scenario_hash(mashsim.load_scenario(path)) == scenario_hash(again.scenario)


def test_export_keeps_everything_but_seed_and_replications():
    scenario = _with_injects()
    again = load_exercise(export_exercise(scenario)).scenario
    assert scenario_hash(again) == scenario_hash(scenario)
    assert again.description == scenario.description


@pytest.mark.parametrize("name", ["london-borough", "september-surge", "remote-health", "exercise-september-outage"])
def test_shipped_scenarios_export_whole(name):
    scenario = mashsim.load_scenario(name)
    assert scenario_hash(load_exercise(export_exercise(scenario)).scenario) == scenario_hash(scenario)


def test_load_exercise_reports_bad_input():
    with pytest.raises(ScenarioError, match="TOML syntax error"):
        load_exercise("name = \n[run")
    with pytest.raises(ScenarioError, match="stands alone"):
        load_exercise('extends = "london-borough.toml"\nname = "x"\n')
    with pytest.raises(ScenarioError, match="file not found"):
        load_exercise("no-such-exercise.toml")
    text = export_exercise(_with_injects()).replace('agency = "health"', 'agency = "helth"')
    with pytest.raises(ScenarioError, match=r"injects\[0\]\.agency"):
        load_exercise(text)


_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
_scalars = st.one_of(
    st.booleans(), st.integers(-2**62, 2**62), st.floats(allow_nan=False), st.text(max_size=12),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(_keys, _values, max_size=6))
def test_to_toml_reads_back_the_same_table(table):
    back = tomllib.loads(to_toml(table))
    assert _same(back, table)


def _same(a, b) -> bool:
    if isinstance(b, (list, tuple)):
        return isinstance(a, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, float):
        return isinstance(a, float) and (a == b or (math.isnan(a) and math.isnan(b))) and \
            math.copysign(1, a) == math.copysign(1, b)
    return type(a) is type(b) and a == b


def test_the_september_outage_exercise_hits_the_red_cases():
    scenario = mashsim.load_scenario("exercise-september-outage", ["run.replications=4"])
    kinds = sorted(i.kind for i in scenario.injects)
    assert kinds == ["absence", "outage"]
    outage = next(i for i in scenario.injects if i.kind == "outage")
    start = dt.datetime.combine(scenario.calendar.start_date, dt.time()) + dt.timedelta(days=outage.start_day)
    assert start == dt.datetime(2025, 9, 2, 9, 0) and outage.hours == 6  # Tuesday, 09:00
    absence = next(i for i in scenario.injects if i.kind == "absence")
    assert (absence.role, absence.staff) == ("screeners", 2)
    calm = mashsim.load_scenario("exercise-september-outage", ["run.replications=4", "injects=[]"])
    hit = mashsim.run_replications(scenario, 4, seed=1).frame()
    base = mashsim.run_replications(calm, 4, seed=1).frame()
    delay = "decision_delay_hours.by_rag.red.mean"
    assert (hit[delay] > base[delay]).all()  # paired: the same children each replication
