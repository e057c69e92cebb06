"""Experiment files that choose the scenario as a factor and move many fields with one factor
(path patterns such as ``hubs.*.agencies.police.staff``): what they resolve to, bad ones refused
(exit 2, nothing written), sweeps that record the scenario, and paired comparisons across it.

The scenarios are two-hub variants of the small test scenario, written in a temporary folder:
``wide.toml`` (each hub its own police desk: north 1, south 2) and ``pooled.toml`` (the same
hubs, police research done by one shared team of 3).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import experiments
from experiments import assert_refused, assert_sweep_refused
from mashsim.experiment.engines import Engine
from mashsim.experiment.plan import make_plan
from mashsim.experiment.stats import t_interval
from mashsim.experiment.sweep import run_sweep
from mashsim.replication import simulate
from mashsim.scenario import ScenarioError, load_scenario
from test_cli import files_in, run_cli

WIDE = """\
extends = "small.toml"
name = "two-wide"

[hubs.north]

[hubs.south]
arrivals.scale = 0.5
agencies = { police.staff = 2 }
"""

POOLED = """\
extends = "wide.toml"
name = "two-pooled"

[agencies.police]
pool = "shared"

[pools.shared]
staff = 3
out_of_hours_staff = 1
"""

POOLING = """\
name = "pooling"
seed = 3
set = { "run.horizon_days" = 4, "run.warmup_days" = 1 }

[[factors]]
path = "scenario"
values = ["wide.toml", "pooled.toml"]

[[factors]]
name = "police_staff"
path = ["hubs.*.agencies.police.staff", "pools.*.staff"]
values = [0.5, 1.0]
scale = true

[replications]
n = 3
"""


def write_pooling(folder: Path, text: str = POOLING) -> Path:
    """The experiment ``text`` in ``folder``, with small.toml, wide.toml and pooled.toml beside it."""
    path = experiments.write_experiment(folder, text)
    (folder / "wide.toml").write_text(WIDE)
    (folder / "pooled.toml").write_text(POOLED)
    return path


def police(scenario) -> dict[str, float]:
    """Every police research staff figure in ``scenario``: each hub's desk, each pool."""
    return {**{f"hub {name}": hub.agencies["police"].staff for name, hub in scenario.hubs.items()},
            **{f"pool {name}": pool.staff for name, pool in scenario.pools.items()}}


def test_a_scenario_factor_and_a_pattern_factor_resolve_in_each_scenario(tmp_path):
    plan = make_plan(write_pooling(tmp_path))
    assert plan.points == [{"scenario": s, "police_staff": x}
                           for s in ("wide.toml", "pooled.toml") for x in (0.5, 1.0)]
    assert [plan.scenario_at(p).name for p in range(4)] == ["two-wide", "two-wide", "two-pooled", "two-pooled"]
    # every hub's desk and the pool, each multiplied by the level; wide has no pool, and that is fine
    assert police(plan.scenario_at(0)) == {"hub north": 0.5, "hub south": 1.0}
    assert police(plan.scenario_at(1)) == {"hub north": 1.0, "hub south": 2.0}
    assert police(plan.scenario_at(2)) == {"hub north": 0.5, "hub south": 1.0, "pool shared": 1.5}
    assert police(plan.scenario_at(3)) == {"hub north": 1.0, "hub south": 2.0, "pool shared": 3.0}
    # the experiment's set applies to every scenario; seed and replications are the experiment's
    assert {plan.scenario_at(p).run.horizon_days for p in range(4)} == {4}
    assert plan.seed == 3 and plan.replications.n == 3
    assert len(set(plan.point_hashes)) == 4

    described = plan.describe()
    assert [(b["value"], b["name"]) for b in described["base_scenarios"]] == [("wide.toml", "two-wide"),
                                                                                ("pooled.toml", "two-pooled")]
    assert "base_scenario" not in described  # one base scenario only: which would it be?
    choice, staff = described["factors"]
    assert choice == {"path": "scenario", "kind": "values", "values": ["wide.toml", "pooled.toml"],
                      "integer": False, "scale": False, "from": "factors.0"}
    assert staff["name"] == "police_staff" and staff["path"] == ["hubs.*.agencies.police.staff", "pools.*.staff"]
    assert staff["fields"] == {
        "wide.toml": {"hubs.north.agencies.police.staff": 1.0, "hubs.south.agencies.police.staff": 2.0},
        "pooled.toml": {"hubs.north.agencies.police.staff": 1.0, "hubs.south.agencies.police.staff": 2.0,
                        "pools.shared.staff": 3.0}}


def test_a_pattern_scales_every_field_it_matches_and_names_the_column_by_default(tmp_path):
    text = """\
name = "hubs"
scenario = "wide.toml"
[[factors]]
path = "hubs.*.roles.screeners.staff"
values = [2]
scale = true
[[factors]]
path = "hubs.s*.agencies.police.staff"
values = [5]
"""
    plan = make_plan(write_pooling(tmp_path, text))
    assert plan.points == [{"hubs.*.roles.screeners.staff": 2, "hubs.s*.agencies.police.staff": 5}]
    scenario = plan.scenario_at(0)
    assert {n: h.roles.screeners.staff for n, h in scenario.hubs.items()} == {"north": 4, "south": 4}
    assert police(scenario) == {"hub north": 1.0, "hub south": 5}  # only the hubs the pattern names
    assert plan.describe()["base_scenario"]["name"] == "two-wide"


BAD = {
    # id: (edit of POOLING: old, new), field the report must name, fragment of the message
    "unknown-scenario": (('"pooled.toml"]', '"poled.toml"]'), "factors.0.values", "did you mean pooled.toml"),
    "also-top-level-scenario": (('seed = 3', 'seed = 3\nscenario = "wide.toml"'), "scenario",
                                "leave out the top-level scenario"),
    "no-scenario-at-all": (('path = "scenario"', 'path = "run.seed"'), "scenario", "give scenario"),
    "scenario-range": (('values = ["wide.toml", "pooled.toml"]', 'range = "1..2"'), "factors.0",
                       "a scenario factor takes values"),
    "scenario-not-text": (('values = ["wide.toml", "pooled.toml"]', 'values = [1, 2]'), "factors.0",
                          "scenario names or files (text)"),
    "scenario-scaled": (('values = ["wide.toml", "pooled.toml"]', 'values = ["wide.toml"]\nscale = true'),
                        "factors.0", "takes only path and values"),
    "scenario-in-lhs": (("[replications]", '[design]\nkind = "lhs"\nn = 4\n[replications]'), "factors.0",
                        "goes with design grid"),
    "path-not-text": (('path = ["hubs.*.agencies.police.staff", "pools.*.staff"]', 'path = ["pools.*.staff", 3]'),
                      "factors.1.path", "a dotted field path"),
    "paths-without-name": (('name = "police_staff"\n', ''), "factors.1", "needs a name"),
    "reserved-name": (('name = "police_staff"', 'name = "scenario_hash"'), "factors.1", "every result row has"),
    "named-scenario": (('name = "police_staff"', 'name = "scenario"'), "factors.1",
                       "the name of the factor that chooses the scenario"),
    "pattern-matches-nothing": (('"hubs.*.agencies.police.staff"', '"hubs.*.agencies.polise.staff"'),
                                "factors.1.path", "did you mean 'police'"),
    "plain-path-missing-in-one": (('"pools.*.staff"', '"pools.shared.staff"'), "factors.1.path",
                                  "not a field of base scenario 'wide.toml'"),
    "sets-nothing-in-one": (('["hubs.*.agencies.police.staff", "pools.*.staff"]', '["pools.*.staff"]'),
                            "factors.1.path", "sets nothing in base scenario 'wide.toml'"),
    "two-factors-one-field": (("[replications]", '[[factors]]\npath = "hubs.north.agencies.police.staff"\n'
                                                 'values = [1]\n[replications]'), "factors.2.path",
                              "sets a field factors.1 sets too"),
    "scaled-value-rejected": (("values = [0.5, 1.0]", "values = [-1.0, 1.0]"), "factors.1.values",
                              "base scenario 'wide.toml' rejects the 2 fields this sets"),
    "set-rejected-by-one": (('"run.warmup_days" = 1', '"run.warmup_days" = 1, "pools.shared.staff" = 2'),
                            "set.pools.shared.staff", "in base scenario 'wide.toml': no pool named 'shared'"),
    "estimates-need-one-scenario": (("[replications]", "[estimates]\nspread = 0.2\n[replications]"), "estimates",
                                    "[estimates] takes the estimates of one scenario"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_scenario_and_pattern_factors_name_the_file_and_the_field(tmp_path, case):
    (old, new), field, fragment = BAD[case]
    assert POOLING.count(old) == 1
    assert_refused(write_pooling(tmp_path, POOLING.replace(old, new, 1)), field, fragment)


def test_scenarios_with_different_seeds_need_the_experiments_seed(tmp_path):
    path = write_pooling(tmp_path, POOLING.replace("seed = 3\n", ""))
    (tmp_path / "pooled.toml").write_text(POOLED + "\n[run]\nseed = 8\n")
    with pytest.raises(ScenarioError) as caught:
        make_plan(path)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("seed", "the base scenarios' run.seed differ (wide.toml: 7, pooled.toml: 8): give seed in the "
                 "experiment, the same for every point")]
    (tmp_path / "pooled.toml").write_text(POOLED)
    assert make_plan(path).seed == 7  # the scenarios' own, when they agree


@pytest.mark.parametrize("case", ["unknown-scenario", "pattern-matches-nothing", "sets-nothing-in-one"])
def test_the_command_exits_2_and_writes_nothing(tmp_path, capsys, case):
    (old, new), field, fragment = BAD[case]
    assert_sweep_refused(capsys, write_pooling(tmp_path, POOLING.replace(old, new, 1)), tmp_path / "out", field,
                         fragment)


def sweep(plan, folder: Path, **kwargs):
    with Engine() as engine:
        return run_sweep(plan, folder, engine, **kwargs)


@pytest.fixture(scope="module")
def pooling(tmp_path_factory) -> tuple[Path, Path]:
    """The pooling experiment's file and its results folder, swept once for the module."""
    folder = tmp_path_factory.mktemp("pooling")
    path = write_pooling(folder)
    sweep(make_plan(path), folder / "results")
    return path, folder / "results"


def test_a_sweep_over_scenarios_records_the_scenario_of_every_point_and_row(pooling):
    path, out = pooling
    plan = make_plan(path)
    info = json.loads((out / "experiment.json").read_text())
    assert [(b["name"], b["hash"]) for b in info["base_scenarios"]] == \
        [(b.scenario.name, b.hash) for b in plan.bases.values()]
    points = pd.read_parquet(out / "points.parquet")
    assert points["scenario"].tolist() == ["wide.toml"] * 2 + ["pooled.toml"] * 2
    assert points["scenario_name"].tolist() == ["two-wide"] * 2 + ["two-pooled"] * 2
    assert points["scenario_hash"].tolist() == plan.point_hashes
    rows = pd.read_parquet(out / "rows").sort_values(["point", "replication"])
    assert len(rows) == 4 * 3
    by_point = rows.groupby("point")[["scenario", "scenario_name", "scenario_hash"]].first()
    assert by_point.reset_index().to_dict("list") == {**points[["point", "scenario", "scenario_name",
                                                                "scenario_hash"]].to_dict("list")}
    # a row is simulate(the point's scenario, the experiment's seed, r): pooled at 1.0 is point 3
    got = rows[(rows.point == 3) & (rows.replication == 2)].iloc[0]
    assert got["all_signals_missed_rate"] == simulate(plan.scenario_at(3), 3, 2).metrics["all_signals_missed_rate"]


def test_replication_r_sees_the_same_children_under_both_scenarios(pooling):
    _, out = pooling
    rows = pd.read_parquet(out / "rows").set_index(["point", "replication"]).sort_index()
    arrived = [c for c in rows.columns if c.startswith("contacts_arrived")]
    assert "contacts_arrived.by_hub.south" in arrived
    for column in arrived:
        assert rows.loc[0, column].tolist() == rows.loc[2, column].tolist() == rows.loc[3, column].tolist()
    # ... while the two arrangements of the same staff do differ
    assert rows.loc[1, "utilisation.by_hub.south.by_role.police"].notna().all()
    assert "utilisation.by_pool.shared" in rows and rows.loc[3, "utilisation.by_pool.shared"].notna().all()


def test_a_sweep_over_scenarios_is_reproducible_and_resumes(pooling, tmp_path):
    path, out = pooling
    again = tmp_path / "again"
    sweep(make_plan(path), again)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "rows").sort_values(["point", "replication"])
                                  .reset_index(drop=True),
                                  pd.read_parquet(again / "rows").sort_values(["point", "replication"])
                                  .reset_index(drop=True), check_exact=True)
    assert sweep(make_plan(path), again, resume=True).rows_written == 0


def test_a_changed_scenario_file_is_another_experiment(tmp_path):
    path = write_pooling(tmp_path)
    first = make_plan(path)
    sweep(first, tmp_path / "results")
    (tmp_path / "pooled.toml").write_text(POOLED.replace("staff = 3", "staff = 4"))
    changed = make_plan(path)
    assert changed.experiment_hash != first.experiment_hash
    with pytest.raises(ScenarioError, match="holds the results of another experiment"):
        sweep(changed, tmp_path / "results", resume=True)


def test_compare_two_scenarios_at_every_level_of_the_other_factor(pooling, tmp_path, capsys):
    _, out = pooling
    report = tmp_path / "report"
    code, _, err = run_cli(capsys, "report", out, "--metric", "all_signals_missed_rate", "--metric",
                           "decision_delay_hours.mean", "--compare", "scenario=wide.toml", "scenario=pooled.toml",
                           "--out", report)
    assert code == 0, err
    diffs = pd.read_csv(report / "paired_differences.csv")
    chosen = diffs.loc[diffs["factor"] == "scenario"]
    # pooled minus wide, as asked (not the automatic sorted order, which it replaces), at each level
    assert set(zip(chosen["from"], chosen["to"])) == {("wide.toml", "pooled.toml")}
    assert sorted(set(chosen["at"])) == ["police_staff=0.5", "police_staff=1.0"]
    assert len(chosen) == 2 * 2
    rows = pd.read_parquet(out / "rows").set_index(["point", "replication"]).sort_index()
    for _, line in chosen.iterrows():
        assert (line["point_a"], line["point_b"]) in {(0, 2), (1, 3)}
        expected = t_interval((rows.loc[int(line["point_b"]), line["metric"]]
                               - rows.loc[int(line["point_a"]), line["metric"]]).to_numpy(dtype=float))
        assert line["n"] == 3 and line["mean"] == pytest.approx(expected.mean, abs=1e-12)
        assert line["ci_low"] == pytest.approx(expected.ci_low, abs=1e-12)
    # the two-valued staff factor is still compared automatically, at each scenario
    assert set(diffs.loc[diffs["factor"] == "police_staff", "at"]) == {"scenario=pooled.toml",
                                                                       "scenario=wide.toml"}
    page = (report / "report.html").read_text()
    assert "base scenarios" in page and "two-pooled" in page and "pools.*.staff" in page


@pytest.mark.parametrize("sides,fragment", [
    (["scenario=wide.toml", "scenario=nowhere.toml"], "scenario never takes this value"),
    (["scenario=wide.toml", "police_staff=1.0"], "compare two values of one factor"),
    (["staff=1", "staff=2"], "no factor 'staff'; factors are scenario, police_staff"),
    (["scenario=wide.toml", "0"], "not one of each"),
], ids=["unknown-value", "two-factors", "unknown-factor", "mixed"])
def test_bad_compare_choices_exit_2_and_write_nothing(pooling, tmp_path, capsys, sides, fragment):
    _, out = pooling
    report = tmp_path / "report"
    code, _, err = run_cli(capsys, "report", out, "--compare", *sides, "--out", report)
    assert code == 2 and "--compare" in err and fragment in err and "Traceback" not in err
    assert files_in(report) == []


def test_the_shipped_pooling_experiment_moves_all_police_research_staff_together():
    plan = make_plan(Path(__file__).parents[1] / "experiments" / "london-pooling.toml")
    assert [p["scenario"] for p in plan.points] == ["london-wide"] * 3 + ["london-pooled"] * 3
    today = sum(hub.agencies["police"].staff for hub in plan.bases["london-wide"].scenario.hubs.values())
    assert plan.bases["london-pooled"].scenario.pools["met_police"].staff == today  # the same staff, pooled
    for point, values in enumerate(plan.points):
        scenario = plan.scenario_at(point)
        level = values["police_staff"]
        desks = sum(hub.agencies["police"].staff for hub in scenario.hubs.values())
        assert len(scenario.hubs) == 32 and desks == pytest.approx(today * level)
        if values["scenario"] == "london-pooled":
            assert scenario.pools["met_police"].staff == pytest.approx(today * level)
            assert scenario.pools["met_police"].out_of_hours_staff == 32  # cover left as it is
        else:
            assert not scenario.pools


def test_a_pooled_desks_own_staff_is_unused_so_scaling_it_changes_nothing(tmp_path):
    plan = make_plan(write_pooling(tmp_path))
    assert police(plan.scenario_at(2))["hub south"] == 1.0  # the pattern scaled the pooled desks' figures too
    only_the_pool = load_scenario(tmp_path / "pooled.toml", ["run.horizon_days=4", "run.warmup_days=1",
                                                              "pools.shared.staff=1.5"])
    assert police(only_the_pool) == {"hub north": 1.0, "hub south": 2.0, "pool shared": 1.5}
    for replication in range(2):
        pd.testing.assert_series_equal(pd.Series(simulate(plan.scenario_at(2), 3, replication).metrics),
                                       pd.Series(simulate(only_the_pool, 3, replication).metrics), check_exact=True)
