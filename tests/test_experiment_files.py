"""Experiment files: what they resolve to, and every kind of bad one (message naming file and field, exit 2)."""

from __future__ import annotations

import pytest

from experiments import GRID, assert_refused, assert_sweep_refused, write_experiment
from mashsim.experiment.plan import make_plan
from mashsim.metrics.names import UnknownMetric, metric_names, resolve_metric
from mashsim.scenario import ScenarioError
from support import small_scenario


def test_a_grid_resolves_to_every_combination_with_its_scenario(tmp_path):
    plan = make_plan(write_experiment(tmp_path))
    assert plan.points == [
        {"agencies.police.staff": 1, "policy.decide_at_deadline": True},
        {"agencies.police.staff": 1, "policy.decide_at_deadline": False},
        {"agencies.police.staff": 2, "policy.decide_at_deadline": True},
        {"agencies.police.staff": 2, "policy.decide_at_deadline": False},
    ]
    scenario = plan.scenario_at(3)
    assert scenario.agencies["police"].staff == 2 and scenario.policy.decide_at_deadline is False
    assert len(set(plan.point_hashes)) == 4
    assert plan.seed == 11 and plan.replications.n == 3
    described = plan.describe()
    assert described["factors"][0] == {"path": "agencies.police.staff", "kind": "values", "values": [1, 2],
                                       "integer": False, "scale": False, "from": "factors.0"}
    assert described["crn"] is True and described["design"]["kind"] == "grid"


def test_ranges_set_overrides_and_defaults_from_the_scenario(tmp_path):
    text = """\
name = "r"
scenario = "small.toml"
set = { "run.horizon_days" = 5, run.warmup_days = 1 }
[[factors]]
path = "roles.screeners.staff"
range = "2..4"
[[factors]]
path = "screening.under_rating"
range = { from = 0.1, to = 0.3, step = 0.1 }
"""
    plan = make_plan(write_experiment(tmp_path, text))
    assert [p["roles.screeners.staff"] for p in plan.points[::3]] == [2, 3, 4]
    assert [p["screening.under_rating"] for p in plan.points[:3]] == [0.1, 0.2, 0.3]
    assert plan.base.run.horizon_days == 5 and plan.base.run.warmup_days == 1
    assert plan.seed == 7 and plan.replications.n == 3  # the small scenario's run.seed and run.replications


def test_the_experiment_hash_changes_with_what_results_depend_on(tmp_path):
    first = make_plan(write_experiment(tmp_path)).experiment_hash
    assert make_plan(write_experiment(tmp_path, GRID.replace('name = "tiny-grid"', 'name = "tiny-grid"\n'
                                                                                    'description = "x"'))
                     ).experiment_hash == first
    assert make_plan(write_experiment(tmp_path, GRID.replace("seed = 11", "seed = 12"))).experiment_hash != first
    assert make_plan(write_experiment(tmp_path, GRID.replace("[1, 2]", "[1, 3]"))).experiment_hash != first


def test_estimates_become_bounds_factors_and_scale_factors(tmp_path):
    text = """\
name = "e"
scenario = "small.toml"
[estimates]
spread = 0.2
[design]
kind = "lhs"
n = 4
"""
    small = tmp_path / "small.toml"
    plan = make_plan(write_experiment(tmp_path, text))
    small.write_text(small.read_text().replace(
        "holds_information = { low = 0.3, medium = 0.5, high = 0.7, critical = 0.9 }",
        'holds_information = { value = { low = 0.3, medium = 0.5, high = 0.7, critical = 0.9 }, tag = "E" }'))
    plan = make_plan(tmp_path / "experiment.toml")
    factors = {f.path: f for f in plan.factors}
    # the one tagged number: +-20% of 3000
    assert factors["arrivals.sources.police.annual_contacts"].bounds == (2400, 3600)
    # a tagged table: a multiplier of every number in it, clipped to what the field allows
    holds = factors["agencies.police.holds_information"]
    assert holds.scale and holds.bounds == (0.8, 1.2)
    assert holds.applied(1.2) == {"low": 0.36, "medium": 0.6, "high": pytest.approx(0.84), "critical": 1.0}
    scenario = plan.scenario_at(0)
    multiplier = plan.points[0]["agencies.police.holds_information"]
    assert scenario.agencies["police"].holds_information.low == pytest.approx(0.3 * multiplier)


def test_metric_names_are_the_collectors_and_short_forms_resolve():
    names = metric_names(small_scenario())
    assert "rag_breach_rate.by_rag.red" in names and "utilisation.by_role.police" in names
    assert resolve_metric("rag_breach_rate.red", names) == "rag_breach_rate.by_rag.red"
    assert resolve_metric("utilisation.screeners", names) == "utilisation.by_role.screeners"
    assert resolve_metric("all_signals_missed_rate", names) == "all_signals_missed_rate"
    with pytest.raises(UnknownMetric, match="did you mean rag_breach_rate.red"):
        resolve_metric("rag_breach_rat.red", names)


BAD = {
    # id: (edit of GRID: old, new), field the report must name, fragment of the message
    "unknown-factor-path": (("agencies.police.staff", "agencies.police.stuff"), "factors.0.path",
                            "did you mean 'staff'"),
    "unknown-agency-in-path": (("agencies.police.staff", "agencies.polise.staff"), "factors.0.path",
                               "did you mean 'police'"),
    "empty-range": (("values = [1, 2]", 'range = "4..2"'), "factors.0.range", "empty range"),
    "bounds-reversed": (("values = [1, 2]", "bounds = [3, 1]"), "factors.0.bounds", "bounds reversed"),
    "value-rejected": (("values = [1, 2]", "values = [1, -2]"), "factors.0.values",
                       "greater than or equal to 0"),
    "unknown-metric": (("n = 3", 'metric = "all_signals_missed"\nrelative_half_width = 0.05'),
                       "replications.metric", "did you mean all_signals_missed_rate"),
    "half-width-as-percent": (("n = 3", 'metric = "all_signals_missed_rate"\nrelative_half_width = 5'),
                              "replications.relative_half_width", "less than 1"),
    "unknown-field": (("seed = 11", "seeds = 11"), "seeds", "did you mean 'seed'"),
    "no-such-scenario": (('scenario = "small.toml"', 'scenario = "smal.toml"'), "scenario",
                         "file not found next to"),
    "bounds-in-a-grid": (("values = [1, 2]", "bounds = [1, 2]"), "factors.0", "design 'grid' needs values"),
    "sobol-n": (("[replications]", '[design]\nkind = "sobol"\nn = 100\n[replications]'), "design",
                "power of 2"),
    "values-and-bounds": (("values = [1, 2]", "values = [1, 2]\nbounds = [1, 2]"), "factors.0",
                          "exactly one of values, range or bounds"),
    "scale-factor-text": (("values = [1, 2]", 'values = [1, ""]\nscale = true'), "factors.0",
                          "a scale factor's values are multipliers"),
    "set-unknown-field": (("seed = 11", 'seed = 11\nset = { "run.horizon_dayz" = 3 }'), "set.run.horizon_dayz",
                          "did you mean 'horizon_days'"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_experiment_files_name_the_file_and_the_field(tmp_path, case):
    (old, new), field, fragment = BAD[case]
    assert GRID.count(old) == 1
    assert_refused(write_experiment(tmp_path, GRID.replace(old, new, 1)), field, fragment)


@pytest.mark.parametrize("case", ["unknown-factor-path", "bounds-reversed", "unknown-metric"])
def test_the_command_exits_2_with_the_report_and_writes_nothing(tmp_path, capsys, case):
    (old, new), field, fragment = BAD[case]
    assert_sweep_refused(capsys, write_experiment(tmp_path, GRID.replace(old, new, 1)), tmp_path / "out", field,
                         fragment)


def test_a_rejected_combination_of_values_is_reported_with_its_point(tmp_path):
    text = """\
name = "c"
scenario = "small.toml"
[[factors]]
path = "screening.under_rating_max"
values = [0.5, 0.9]
[[factors]]
path = "screening.over_rating"
values = [0.05, 0.2]
"""
    with pytest.raises(ScenarioError) as caught:
        make_plan(write_experiment(tmp_path, text))
    problem = caught.value.problems[0]
    assert problem.path == "design"
    assert "point 3" in problem.message and "under_rating_max + over_rating must be <= 1" in problem.message
