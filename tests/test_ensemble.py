"""Runs over a parameter ensemble: the file, the two-level split, and ``run --ensemble``.

The split is checked on cases whose variance decomposition is known in closed form:

- the count of contacts arriving in the window is Poisson, with mean ``theta x mu0`` when a
  member sets ``arrivals.scale = theta`` (``mu0`` from the model's own hourly rates). So the
  within-member variance is ``mean(theta) mu0`` and the between-member variance of the members run
  is ``mu0^2 var(theta)`` exactly;
- staffing does not change what arrives (common random numbers), so an ensemble of staffing
  levels moves the arrivals count not at all: the between-member variance is 0.

Each statistical check states its tolerance: z = 4 standard errors of the estimator (computed
from the model's known variances), so a correct implementation fails it with probability below
1e-4; the seeds are fixed, so a run is repeatable.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st
from scipy import stats

from bad_inputs import SMALL_TOML
from mashsim.cli import main
from mashsim.experiment import t_interval
from mashsim.experiment.ensemble import check_against, read_ensemble, write_ensemble
from mashsim.experiment.ensemble_run import member_scenarios, run_ensemble
from mashsim.experiment.two_level import two_level
from mashsim.model.arrivals import hourly_rates
from mashsim.model.calendar import CalendarView
from mashsim.scenario import ScenarioError
from support import build, small_scenario, small_scenario_dict

Z = 4.0  # standard errors: a correct estimator is outside with probability < 1e-4 (normal approximation)


def window_mean_arrivals(scenario) -> float:
    """``mu0``: the expected contacts arriving in the window at ``arrivals.scale = 1``, from the rates."""
    view = CalendarView(scenario.calendar)
    first, days = int(scenario.run.warmup_days), int(scenario.run.horizon_days)
    return float(sum(hourly_rates(settings, source, view, first, days).sum()
                     for _, settings in scenario.hub_list() for source in settings.arrivals.sources.values()))


def run_small(tmp_path, columns, per_member, seed=11, members=None):
    path = tmp_path / "ensemble.parquet"
    write_ensemble(path, columns, {"scenario": "small", "seed": 1})
    ensemble = read_ensemble(path)
    raw = small_scenario_dict()
    rows = ensemble.choose(members, seed)
    member_scenarios(ensemble, rows, lambda pairs: build(raw, *pairs))
    return run_ensemble(ensemble, rows, small_scenario(), per_member, seed)


# ----------------------------------------------------------------------------- known decompositions


def test_poisson_arrivals_split_into_known_parameter_and_chance_variance(tmp_path):
    theta = np.linspace(0.6, 1.4, 10)
    m, r = theta.size, 60
    result = run_small(tmp_path, {"arrivals.scale": theta}, r)
    figures = result.summary()["contacts_arrived"]
    mu0 = window_mean_arrivals(small_scenario())
    within, between = mu0 * theta.mean(), mu0 ** 2 * theta.var(ddof=1)
    # within: a pooled variance on m (r - 1) df, relative standard error sqrt(2 / df)
    assert figures.within == pytest.approx(within, rel=Z * math.sqrt(2 / (m * (r - 1))))
    # between: the members' means are fixed, so the estimate errs by the noise in them (each of
    # variance mu0 theta / r): mostly the cross term 2 cov(member effect, noise)
    se = 2 * math.sqrt(between * within / r / (m - 1)) + within / r * math.sqrt(2 / (m - 1))
    assert figures.between == pytest.approx(between, abs=Z * se)
    assert figures.param_share == pytest.approx(between / (between + within), abs=0.03)
    assert figures.members == m and figures.n == m * r


def test_a_parameter_that_moves_nothing_gets_no_share(tmp_path):
    staff = np.linspace(1.5, 4.0, 10)
    m, r = staff.size, 30
    result = run_small(tmp_path, {"roles.managers.staff": staff}, r)
    groups = result.groups("contacts_arrived")
    # one-way ANOVA F under "no member effect": the 99.99% quantile bounds it (false failure < 1e-4)
    f = stats.f_oneway(*groups).statistic
    assert f < stats.f.ppf(0.9999, m - 1, m * (r - 1))
    figures = result.summary()["contacts_arrived"]
    mu0 = window_mean_arrivals(small_scenario())
    assert figures.within == pytest.approx(mu0, rel=Z * math.sqrt(2 / (m * (r - 1))))
    # the between estimate is at most chance's: (F - 1) MSW / r with F below its quantile
    assert figures.between <= (stats.f.ppf(0.9999, m - 1, m * (r - 1)) - 1) * figures.within / r
    # and the half-width is chance's: the parameter part is what is left of it, small
    assert figures.half_param <= figures.half_chance


def test_members_share_no_random_numbers_and_staffing_alternatives_pair(tmp_path):
    """Replication streams depend on the member's place, not its values: staffing run over the same
    members meets the same contacts; two members never meet the same ones."""
    columns = {"arrivals.scale": [1.0, 1.0, 1.0]}
    base = run_small(tmp_path, columns, 2)
    assert [r.replication for r in base.replications] == list(range(6))  # a stream each, none shared
    assert base.member_of == [0, 1, 2, 0, 1, 2]  # round the members
    delays = [r.metrics["decision_delay_hours.mean"] for r in base.replications]
    assert len(set(delays)) == len(delays)  # identical members, different random numbers
    arrived = [r.metrics["contacts_arrived"] for r in base.replications]
    ensemble = read_ensemble(tmp_path / "ensemble.parquet")
    other = run_ensemble(ensemble, [0, 1, 2], small_scenario("agencies.police.staff=3"), 2, 11)
    assert [r.metrics["contacts_arrived"] for r in other.replications] == arrived
    assert [r.metrics["decision_delay_hours.mean"] for r in other.replications] != delays


def test_a_member_built_from_the_file_or_from_the_scenario_is_the_same(tmp_path):
    """The CLI checks members built from the scenario file; runs build them from the scenario's dump."""
    from mashsim.experiment.ensemble_run import with_settings
    from mashsim.scenario import scenario_hash

    settings = [("arrivals.scale", 1.2), ("roles.managers.task_minutes.mode", 12.0)]
    assert scenario_hash(with_settings(small_scenario(), settings, "x")) == scenario_hash(small_scenario(*settings))


# ----------------------------------------------------------------------------- the estimator


def test_normal_random_effects_are_recovered():
    """``y = b_m + e_mr`` with known sigma_b = 2, sigma_w = 1 (M = 400, R = 5)."""
    rng = np.random.default_rng(3)
    m, r, sb, sw = 400, 5, 2.0, 1.0
    groups = rng.normal(0, sb, (m, 1)) + rng.normal(0, sw, (m, r))
    figures = two_level(groups.tolist())
    assert figures.within == pytest.approx(sw ** 2, rel=Z * math.sqrt(2 / (m * (r - 1))))
    # var(MSB) = 2 E[MSB]^2 / (M - 1), var(MSW) = 2 sw^4 / (M (R - 1)), the estimate (MSB - MSW) / R
    msb = r * sb ** 2 + sw ** 2
    se = math.sqrt(2 * msb ** 2 / (m - 1) + 2 * sw ** 4 / (m * (r - 1))) / r
    assert figures.between == pytest.approx(sb ** 2, abs=Z * se)


def test_a_negative_anova_estimate_is_cut_to_zero():
    figures = two_level([[0.0, 2.0], [2.0, 0.0], [1.0, 1.0]])  # equal means, spread within
    assert figures.between == 0.0 and figures.param_share == 0.0 and figures.half_param == 0.0
    assert figures.within > 0


def test_one_member_has_no_interval_and_undefined_values_are_left_out():
    assert math.isnan(two_level([[1.0, 2.0]]).ci_low)
    figures = two_level([[1.0, math.nan, 3.0], [math.nan], [5.0, 7.0]])
    assert (figures.members, figures.n, figures.mean) == (2, 4, 4.0)


groups_strategy = st.lists(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=3), min_size=2, max_size=8)


@given(groups_strategy)
def test_the_interval_is_over_member_means_and_its_parts_add_in_quadrature(groups):
    figures = two_level(groups)
    means = [float(np.mean(g)) for g in groups]
    plain = t_interval(means)
    assert figures.mean == pytest.approx(plain.mean, abs=1e-9)
    assert figures.half_width == pytest.approx(plain.half_width, rel=1e-9, abs=1e-9)
    assert figures.half_param ** 2 + figures.half_chance ** 2 == pytest.approx(figures.half_width ** 2,
                                                                                 rel=1e-9, abs=1e-9)
    assert 0.0 <= figures.param_share <= 1.0
    assert figures.between >= 0.0 and figures.within >= 0.0


# ----------------------------------------------------------------------------- the file


def test_a_written_ensemble_reads_back(tmp_path):
    path = tmp_path / "e.parquet"
    meta = {"scenario": "small", "scenario_hash": "abc", "version": "x", "targets": [], "waves": 3, "seed": 5}
    write_ensemble(path, {"arrivals.scale": [0.9, 1.1], "roles.managers.staff": [1, 2]}, meta, members=[7, 9])
    ensemble = read_ensemble(path)
    assert ensemble.paths == ("arrivals.scale", "roles.managers.staff")
    assert ensemble.ids == (7, 9) and dict(ensemble.metadata) == meta
    assert ensemble.settings(1) == [("arrivals.scale", 1.1), ("roles.managers.staff", 2.0)]
    assert len(ensemble.file_hash) == 16
    assert check_against(ensemble, small_scenario()) == []


def test_members_are_chosen_from_the_seed(tmp_path):
    path = tmp_path / "e.parquet"
    write_ensemble(path, {"arrivals.scale": np.linspace(0.5, 1.5, 50)})
    ensemble = read_ensemble(path)
    assert ensemble.choose(None, 1) == list(range(50)) == ensemble.choose(80, 1)
    chosen = ensemble.choose(10, 1)
    assert len(set(chosen)) == 10 and chosen == ensemble.choose(10, 1)
    assert chosen != ensemble.choose(10, 2)


def _write_table(path, table):
    import pyarrow.parquet as pq

    pq.write_table(table, path)


def _bad_files():
    import pyarrow as pa

    return {
        "empty": (pa.table({"arrivals.scale": pa.array([], pa.float64())}), "(rows)", "no members"),
        "text column": (pa.table({"arrivals.scale": ["high", "low"]}), "arrivals.scale", "must be numbers"),
        "nan": (pa.table({"arrivals.scale": [1.0, float("nan")]}), "arrivals.scale", "row 1"),
        "no parameter": (pa.table({"member": [1, 2]}), "(columns)", "no parameter column"),
        "member twice": (pa.table({"member": [1, 1], "arrivals.scale": [1.0, 1.1]}), "member", "unique"),
        "member float": (pa.table({"member": [1.5, 2.0], "arrivals.scale": [1.0, 1.1]}), "member", "whole"),
        "metadata": (pa.table({"arrivals.scale": [1.0]}).replace_schema_metadata({b"mashsim": b"[1"}),
                     "(metadata mashsim)", "JSON"),
    }


@pytest.mark.parametrize("case", list(_bad_files()))
def test_a_bad_file_is_refused_naming_it_and_the_column(case, tmp_path):
    table, column, message = _bad_files()[case]
    path = tmp_path / "bad.parquet"
    _write_table(path, table)
    with pytest.raises(ScenarioError) as caught:
        read_ensemble(path)
    report = caught.value.report()
    assert str(path) in report and column in report and message in report


def test_a_file_that_is_not_parquet_or_not_there_is_refused(tmp_path):
    (tmp_path / "x.parquet").write_text("name,value\n")
    for path, message in ((tmp_path / "x.parquet", "not a readable Parquet file"),
                          (tmp_path / "no.parquet", "no such")):
        with pytest.raises(ScenarioError, match=message):
            read_ensemble(path)


def test_columns_must_name_numbers_of_the_scenario(tmp_path):
    path = tmp_path / "e.parquet"
    write_ensemble(path, {"roles.managers.stuff": [1.0], "roles.managers.task_minutes": [1.0],
                          "arrivals.scale": [1.0]})
    with pytest.raises(ScenarioError) as caught:
        check_against(read_ensemble(path), small_scenario(), ["arrivals.scale=2"])
    report = caught.value.report()
    assert "roles.managers.stuff" in report and "did you mean 'staff'" in report
    assert "roles.managers.task_minutes: names a table" in report
    assert "arrivals.scale: is also set by" in report


def test_an_ensemble_made_for_another_scenario_is_warned_about(tmp_path):
    path = tmp_path / "e.parquet"
    write_ensemble(path, {"arrivals.scale": [1.0]}, {"scenario": "london-borough"})
    [warning] = check_against(read_ensemble(path), small_scenario())
    assert "made for scenario 'london-borough', not 'small'" in warning


# ----------------------------------------------------------------------------- the command line


def run_cli(capsys, *args):
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL_TOML)
    return path


def test_run_with_an_ensemble_gives_wider_intervals_and_reports_the_split(small_file, tmp_path, capsys):
    """The same 20 replications with and without parameter uncertainty (scale 0.7 to 1.3 moves the
    arrivals by about 20 contacts a member; chance alone by about 12 a replication)."""
    path = tmp_path / "e.parquet"
    write_ensemble(path, {"arrivals.scale": np.linspace(0.7, 1.3, 5)}, {"scenario": "small"})
    code, out, err = run_cli(capsys, "run", small_file, "--ensemble", path, "-r", 4, "--workers", 1, "--json")
    assert code == 0 and err == ""
    with_params = json.loads(out)
    code, out, _ = run_cli(capsys, "run", small_file, "-r", 20, "--workers", 1, "--json")
    without = json.loads(out)
    for metric in ("contacts_arrived", "contacts_decided"):
        a, b = with_params["metrics"][metric], without["metrics"][metric]
        assert a["ci_high"] - a["ci_low"] > b["ci_high"] - b["ci_low"]
        assert a["param_share"] > 0.5 and a["members"] == 5
    ensemble = with_params["ensemble"]
    assert ensemble["hash"] == read_ensemble(path).file_hash and ensemble["replications_per_member"] == 4
    assert with_params["members"] == [m for _ in range(4) for m in range(5)]
    assert with_params["replications"] == 20 and with_params["scenario"]["name"] == "small"


def test_run_with_an_ensemble_prints_the_split_and_writes_members(small_file, tmp_path, capsys):
    path = tmp_path / "e.parquet"
    write_ensemble(path, {"arrivals.scale": [0.8, 1.2]}, {"scenario": "london-borough"}, members=[4, 8])
    out_dir = tmp_path / "out"
    code, out, err = run_cli(capsys, "run", small_file, "--ensemble", path, "--workers", 1, "--out", out_dir)
    assert code == 0
    assert "made for scenario 'london-borough'" in err
    assert "± param" in out and "param share" in out and "2 ensemble members x 2 replications" in out
    rows = pd.read_parquet(out_dir / "replications.parquet")
    assert rows["member"].tolist() == [4, 8, 4, 8] and set(rows["ensemble_hash"]) == {read_ensemble(path).file_hash}
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["ensemble"]["members_run"] == [4, 8]
    records = pd.read_parquet(out_dir / "records.parquet")
    assert set(records["member"]) == {4, 8}
    assert (records.groupby("replication")["member"].first() == [4, 8, 4, 8]).all()  # replication r: member r % 2


@pytest.mark.parametrize("args, message", [
    (["--members", "3"], "--members = 3: counts ensemble members"),
    (["--ensemble", "nowhere.parquet"], "no such file"),
    (["--ensemble", "nowhere.parquet", "-r", "1"], "at least 2 are needed to tell chance from parameters"),
])
def test_bad_ensemble_options_exit_2(args, message, small_file, capsys):
    code, out, err = run_cli(capsys, "run", small_file, *args)
    assert code == 2 and out == "" and message in err


def test_a_member_the_scenario_rejects_is_named(small_file, tmp_path, capsys):
    path = tmp_path / "e.parquet"
    write_ensemble(path, {"roles.managers.task_minutes.mode": [10.0, 50.0]}, members=[3, 5])
    code, out, err = run_cli(capsys, "run", small_file, "--ensemble", path, "--out", tmp_path / "out")
    assert code == 2 and "member 5: roles.managers.task_minutes" in err and str(path) in err
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- staff --ensemble


def test_staff_replications_over_an_ensemble_are_the_runs_replications(tmp_path):
    """A mix's replication i is member i % M on stream i: the same numbers ``run --ensemble`` gives."""
    from mashsim.experiment.ensemble_run import EnsembleReplications

    run = run_small(tmp_path, {"arrivals.scale": [0.8, 1.0, 1.2]}, 2)
    raw = small_scenario_dict()
    replicate = EnsembleReplications(lambda settings, pairs: build(raw, *settings.items(), *pairs), run.ensemble,
                                     run.rows, ["contacts_arrived", "decision_delay_hours.mean"], 11)
    rows = replicate({}, range(6))
    by_index = {r.replication: r.metrics for r in run.replications}
    assert rows == [[by_index[i]["contacts_arrived"], by_index[i]["decision_delay_hours.mean"], *row[2:]]
                    for i, row in enumerate(rows)]
    assert replicate({}, range(3, 6)) == rows[3:]  # more replications extend, never change, the first


def test_staff_with_an_ensemble_judges_on_the_wider_two_level_interval(small_file, tmp_path, capsys):
    path = tmp_path / "e.parquet"
    write_ensemble(path, {"arrivals.scale": np.linspace(0.6, 1.4, 5)}, {"scenario": "small"})
    common = ["staff", small_file, "--target", "contacts_arrived<=1000", "--vary", "roles.screeners.staff=2..3",
              "--workers", 1, "--json"]
    code, out, err = run_cli(capsys, *common, "--ensemble", path, "-r", 2, "--max-replications", 2)
    assert code == 0, err
    over = json.loads(out)
    code, out, _ = run_cli(capsys, *common, "-r", 10, "--max-replications", 10)
    plain = json.loads(out)
    [a], [b] = over["chosen"]["targets"], plain["chosen"]["targets"]
    assert a["ci_high"] - a["ci_low"] > 2 * (b["ci_high"] - b["ci_low"])
    assert a["replications"] == 5  # the interval's units: members
    assert over["ensemble"]["members_run"] == [0, 1, 2, 3, 4]
    assert over["ensemble"]["hash"] == read_ensemble(path).file_hash
    assert over["chosen"]["replications"] == 10


def test_staff_refuses_an_ensemble_column_it_varies(small_file, tmp_path, capsys):
    path = tmp_path / "e.parquet"
    write_ensemble(path, {"roles.screeners.staff": [2.0, 3.0]})
    code, out, err = run_cli(capsys, "staff", small_file, "--target", "contacts_arrived<=1000", "--vary",
                             "roles.screeners.staff=2..3", "--ensemble", path)
    assert code == 2 and "roles.screeners.staff: is also set by" in err


# ----------------------------------------------------------------------------- sweep --ensemble


def test_sweep_runs_every_point_over_the_same_members_and_stores_them(tmp_path, capsys):
    from experiments import GRID, write_experiment

    experiment = write_experiment(tmp_path, GRID.replace("n = 3", "n = 6"))
    path = tmp_path / "e.parquet"
    write_ensemble(path, {"arrivals.scale": [0.8, 0.9, 1.0, 1.1, 1.2]}, {"scenario": "small"}, members=[5, 6, 7, 8, 9])
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, "sweep", experiment, "--out", out, "--ensemble", path, "--members", 3,
                                "--workers", 1, "--json")
    assert code == 0, err
    summary = json.loads(stdout)
    members = summary["ensemble"]["members_run"]
    assert len(members) == 3 and summary["ensemble"]["hash"] == read_ensemble(path).file_hash
    rows = pd.read_parquet(out / "rows").sort_values(["point", "replication"])
    assert (rows["member"] == [members[r % 3] for r in rows["replication"]]).all()
    assert set(rows["ensemble_hash"]) == {summary["ensemble"]["hash"]}
    # paired: every design point meets the same arrivals, replication by replication
    arrivals = rows.pivot(index="replication", columns="point", values="contacts_arrived")
    assert (arrivals.nunique(axis=1) == 1).all()
    # and they are what run --ensemble gives for the same members and seed (stream r M + k for member k)
    code, stdout, _ = run_cli(capsys, "run", tmp_path / "small.toml", "--set", "agencies.police.staff=1",
                              "--set", "policy.decide_at_deadline=true", "--ensemble", path, "--members", 3,
                              "-r", 2, "--seed", 11, "--workers", 1, "--json")
    run = json.loads(stdout)
    assert run["ensemble"]["members_run"] == members
    assert run["metrics"]["contacts_arrived"]["values"] == rows[rows.point == 0]["contacts_arrived"].tolist()
    assert run["members"] == rows[rows.point == 0]["member"].tolist()


def test_sweep_refuses_an_ensemble_it_cannot_split(tmp_path, capsys):
    from experiments import GRID, write_experiment

    path = tmp_path / "e.parquet"
    write_ensemble(path, {"arrivals.scale": [0.8, 0.9, 1.0, 1.1]})
    experiment = write_experiment(tmp_path, GRID)  # 3 replications a point
    code, _, err = run_cli(capsys, "sweep", experiment, "--out", tmp_path / "o", "--ensemble", path, "--members", 2)
    assert code == 2 and "at most 1 members can have 2 each" in err
    varied = write_experiment(tmp_path, GRID.replace("n = 3", "n = 4"), "varied.toml")
    write_ensemble(path, {"agencies.police.staff": [1.0, 2.0]})
    code, _, err = run_cli(capsys, "sweep", varied, "--out", tmp_path / "o", "--ensemble", path)
    assert code == 2 and "agencies.police.staff: is also set by" in err
    assert not (tmp_path / "o").exists()


def test_the_report_of_a_sweep_over_an_ensemble_gives_intervals_over_members(tmp_path, capsys):
    from experiments import GRID, write_experiment
    from mashsim.experiment.two_level import two_level
    from mashsim.report.paired import paired_difference
    from mashsim.report.sweep_data import load_sweep, point_summary

    experiment = write_experiment(tmp_path, GRID.replace("n = 3", "n = 8"))
    path = tmp_path / "e.parquet"
    write_ensemble(path, {"arrivals.scale": [0.7, 0.9, 1.1, 1.3]})
    out = tmp_path / "out"
    assert run_cli(capsys, "sweep", experiment, "--out", out, "--ensemble", path, "--workers", 1, "--json")[0] == 0
    data = load_sweep(out)
    summary = point_summary(data, ["contacts_arrived", "decision_delay_hours.mean"])
    rows = data.rows[data.rows.point == 1].sort_values("replication")
    for metric in ("contacts_arrived", "decision_delay_hours.mean"):
        expected = two_level([rows[rows.member == m][metric].tolist() for m in range(4)])
        got = summary[(summary.point == 1) & (summary.metric == metric)].iloc[0]
        assert (got["mean"], got["ci_low"], got["ci_high"], got["members"]) == pytest.approx(
            (expected.mean, expected.ci_low, expected.ci_high, 4))
    assert summary[summary.metric == "contacts_arrived"]["param_share"].min() > 0.5
    # a paired difference: arrivals do not differ between points (common random numbers), delays are over members
    assert paired_difference(data.rows, "contacts_arrived", 0, 1).interval.half_width == 0
    left = data.rows[data.rows.point == 0].set_index("replication").sort_index()
    right = data.rows[data.rows.point == 2].set_index("replication").sort_index()
    diff = right["decision_delay_hours.mean"] - left["decision_delay_hours.mean"]
    expected = two_level([diff[left.member == m].tolist() for m in range(4)])
    d = paired_difference(data.rows, "decision_delay_hours.mean", 0, 2)
    assert (d.interval.ci_low, d.interval.ci_high, d.interval.n) == pytest.approx((expected.ci_low, expected.ci_high, 4))
    code, stdout, err = run_cli(capsys, "report", out, "--out", tmp_path / "report")
    assert code == 0, err
    assert "Run over a parameter ensemble (4 members" in stdout + err
