"""Value of information (mashsim.experiment.value_of_information and ``mashsim voi``).

The known-answer scenario is one research desk in front of a hub whose other stages take no time
(an M/M/3 queue, as in the how-to's textbook check), and a second desk that is never asked. The
time to a decision is the desk's queue and research, so the desk's research time drives it and the
idle desk's research time cannot move it: the ranking must put the driver first with nearly all
the share, and the idle desk's swing must lie within the simulation noise of the replications.
"""

from __future__ import annotations

import json
import math
import shlex

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mashsim.cli import main
from mashsim.experiment.ensemble import write_ensemble
from mashsim.experiment.value_of_information import ENSEMBLE_RANGE, value_of_information
from mashsim.scenario import ScenarioError, load_scenario

DRIVER = "agencies.desk.research_minutes"
NULL = "agencies.idle.research_minutes"
ANSWER = "decision_delay_hours.mean"
REPLICATIONS = 4

KNOWN = """
name = "voi-known"
hub_hours = "always"

[run]
horizon_days = 14
warmup_days = 3
replications = 2
seed = 1

[arrivals]
day_profile = [1, 1, 1, 1, 1, 1, 1]
hour_profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
risk_mix = { low = 0, medium = 1, high = 0, critical = 0 }

[arrivals.sources.all]
annual_contacts = 17532

[roles.contact_officers]
staff = 1
hours = "always"
task_minutes = { dist = "constant", mean = 0 }

[roles.screeners]
staff = 1
hours = "always"
task_minutes = { dist = "constant", mean = 0 }

[roles.managers]
staff = 1
hours = "always"
task_minutes = { dist = "constant", mean = 0 }

[agencies.desk]
staff = 3
hours = "always"
research_minutes = { value = { dist = "exponential", mean = 60 }, tag = "E" }
holds_information = { low = 0, medium = 0, high = 0, critical = 0 }

[agencies.idle]
staff = 1
hours = "always"
research_minutes = { value = { dist = "exponential", mean = 60 }, tag = "E", note = "never asked" }
holds_information = { low = 0, medium = 0, high = 0, critical = 0 }

[screening]
under_rating = { value = 0, tag = "E", note = "zero: cannot be spread, so skipped" }
over_rating = 0

[policy]
decide_at_deadline = false
ask = { green = ["desk"] }
"""


@pytest.fixture(scope="module")
def known_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("voi") / "voi-known.toml"
    path.write_text(KNOWN, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def known(known_file):
    return load_scenario(str(known_file))


@pytest.fixture(scope="module")
def swing(known, known_file):
    return value_of_information(known, answer=ANSWER, replications=REPLICATIONS, seed=3, source=str(known_file))


def _by_path(result):
    return {r.path: r for r in result.ranks}


def test_every_estimate_is_a_figure_and_the_unvariable_ones_are_skipped(swing):
    assert {r.path for r in swing.ranks} == {DRIVER, NULL}
    assert {s["path"] for s in swing.skipped} == {"screening.under_rating"}
    assert all(r.tag == "E" and r.scaled and (r.low, r.high) == (0.75, 1.25) for r in swing.ranks)
    assert swing.runs == 2 * 2 * REPLICATIONS
    assert (swing.scenario, swing.seed, swing.answer) == ("voi-known", 3, ANSWER)
    assert swing.version and swing.scenario_hash


def test_the_driver_ranks_first_with_nearly_all_the_share(swing):
    first, second = swing.ranks
    assert first.path == DRIVER
    assert first.index > 0.99
    # research 25% faster to 25% slower: the desk goes from 50% to 83% busy and the time to a decision
    # from 0.87 h to 3.0 h in the long run (Erlang C); two weeks from empty give a swing of about 1.8 h
    # with a standard error of about 0.25 h (4 paired replications), so the paired t-interval (3 df)
    # excludes 0 with power above 0.99 (noncentral t, 7 standard errors)
    assert first.swing > 0.5 and first.swing_low > 0
    assert second.path == NULL and second.index < 0.01


def test_the_idle_desk_moves_the_answer_no_more_than_the_noise(swing):
    # The tolerance is the paired t-interval of the swing over the replications (3 degrees of freedom):
    # a figure without effect has its interval cover 0 in 95% of seeds. Here its swing is 0 exactly:
    # with common random numbers, the idle desk's figure changes no draw the asked desk makes.
    null = _by_path(swing)[NULL]
    assert null.swing_low <= 0.0 <= null.swing_high
    assert abs(null.swing) <= max(abs(null.swing_low), abs(null.swing_high))


def test_the_same_seed_gives_the_same_ranking(known, swing):
    again = value_of_information(known, answer=ANSWER, replications=REPLICATIONS, seed=3)
    assert [(r.path, r.index, r.swing) for r in again.ranks] == [(r.path, r.index, r.swing) for r in swing.ranks]
    other = value_of_information(known, answer=ANSWER, paths=[DRIVER], replications=REPLICATIONS, seed=4)
    assert other.ranks[0].swing != _by_path(swing)[DRIVER].swing


def test_sobol_puts_the_driver_first_and_its_interval_covers_the_truth(known):
    # Truth: the idle desk changes nothing, so the driver's total-order index is 1 and the idle desk's 0.
    # Saltelli's estimator is noisy at small N: SALib's 95% bootstrap interval must cover the 1 (at
    # N = 32 it is about ±0.4 wide); the idle desk's index is 0 exactly (common random numbers:
    # moving it alone changes no run).
    result = value_of_information(known, answer=ANSWER, method="sobol", base_samples=32, replications=1, seed=3,
                                  horizon_days=5)
    assert result.runs == 32 * (2 + 2)
    driver, null = result.ranks
    assert driver.path == DRIVER and driver.index_low <= 1.0 <= driver.index_high and driver.index > 0.5
    assert null.path == NULL and null.index == 0.0
    assert driver.swing > 0.3  # the answer's slope over the range, low to high end
    assert "sobol" in result.method and "32 base samples" in result.method


def test_an_ensemble_gives_its_columns_their_range(known, tmp_path):
    members = [45.0, 50.0, 55.0, 60.0, 65.0, 70.0, 75.0]
    file = tmp_path / "ensemble.parquet"
    write_ensemble(file, {f"{DRIVER}.mean": members}, {"scenario": "voi-known"})
    result = value_of_information(known, answer=ANSWER, ensemble=file, replications=2, seed=3)
    ranks = _by_path(result)
    # the calibrated column replaces the estimated table it lies in; the other figure keeps ±25%
    assert set(ranks) == {f"{DRIVER}.mean", NULL}
    calibrated = ranks[f"{DRIVER}.mean"]
    assert calibrated.source_of_range == ENSEMBLE_RANGE and not calibrated.scaled
    assert (calibrated.low, calibrated.high) == pytest.approx(tuple(np.percentile(members, [5, 95])))
    assert calibrated.tag == "E"  # inside the tagged table
    assert ranks[NULL].source_of_range == "±25% of the scenario's value"
    assert result.ranks[0].path == f"{DRIVER}.mean"
    assert "--ensemble" in result.command


def test_a_set_of_a_path_the_ensemble_ranges_over_is_refused(known_file, tmp_path, capsys):
    file = tmp_path / "ensemble.parquet"
    write_ensemble(file, {f"{DRIVER}.mean": [50.0, 60.0, 70.0]}, {"scenario": "voi-known"})
    out = tmp_path / "voi"
    assert main(["voi", str(known_file), "--ensemble", str(file), "--set", f"{DRIVER}.mean=55", "-r", "1",
                 "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{DRIVER}.mean" in err and "set it in one place only" in err
    assert not out.exists()


def test_the_printed_command_reproduces_the_result(swing, tmp_path, capsys):
    words = shlex.split(swing.command)
    assert words[:2] == ["mashsim", "voi"]
    out = tmp_path / "voi"
    assert main([*words[1:], "--workers", "1", "--out", str(out)]) == 0
    written = json.loads((out / "voi.json").read_text())
    assert (out / "voi.png").stat().st_size > 0
    assert written["command"] == swing.command
    assert [(r["path"], r["index"], r["swing"]) for r in written["ranks"]] == \
        [(r.path, r.index, r.swing) for r in swing.ranks]
    assert (written["scenario"], written["seed"], written["version"]) == (swing.scenario, swing.seed, swing.version)
    assert "What to measure next · voi-known" in capsys.readouterr().out


def test_a_set_gives_the_result_of_a_file_with_that_value_written_in(known_file, tmp_path):
    """``--set`` changes the scenario before its figures and ranges are read: the same ranking, to the
    last digit, as the file with the value written in; the command and voi.json name the change."""
    edited = tmp_path / "voi-known.toml"
    edited.write_text(KNOWN.replace("staff = 3", "staff = 4"), encoding="utf-8")
    common = ["-r", "1", "--seed", "5", "--answer", ANSWER, "--param", DRIVER, "--param", NULL, "--workers", "1"]
    outputs = {}
    for name, argv in {"set": [str(known_file), "--set", "agencies.desk.staff=4"], "file": [str(edited)]}.items():
        assert main(["voi", *argv, *common, "--out", str(tmp_path / name)]) == 0
        outputs[name] = json.loads((tmp_path / name / "voi.json").read_text())
    by_set, by_file = outputs["set"], outputs["file"]
    assert [(r["path"], r["low"], r["high"], r["index"], r["swing"]) for r in by_set["ranks"]] == \
        [(r["path"], r["low"], r["high"], r["index"], r["swing"]) for r in by_file["ranks"]]
    assert by_set["answer_mean"] == by_file["answer_mean"]
    assert by_set["scenario_hash"] == by_file["scenario_hash"]
    assert by_set["overrides"] == ["agencies.desk.staff=4"] and by_file["overrides"] == []
    assert "--set agencies.desk.staff=4" in by_set["command"]
    unchanged = value_of_information(load_scenario(str(known_file)), answer=ANSWER, paths=[DRIVER], replications=1,
                                     seed=5)
    assert unchanged.answer_mean != by_set["answer_mean"]  # the change mattered: four desk staff, not three


@pytest.mark.parametrize("options, field", [
    (["--answer", "decision_delay_hourz.mean"], "--answer"),
    (["--param", "agencies.nowhere.staff"], "--param"),
    (["--param", "policy.queue_discipline"], "--param"),
    (["--spread", "0"], "--spread"),
    (["--spread", "-0.2"], "--spread"),
    (["--horizon-days", "-3"], "--horizon-days"),
    (["--horizon-days", "nan"], "--horizon-days"),
    (["--set", "agencies.desk.staf=4"], "agencies.desk.staf"),
    (["--set", "agencies.desk.staff=-1"], "agencies.desk.staff"),
    (["--set", "agencies.desk.staff"], "agencies.desk.staff"),
])
def test_bad_input_names_the_option_and_exits_2(known_file, tmp_path, capsys, options, field):
    out = tmp_path / "voi"
    try:
        code = main(["voi", str(known_file), "-r", "1", "--workers", "1", *options, "--out", str(out)])
    except SystemExit as stop:  # argparse's own refusal of an option's value (--horizon-days)
        code = stop.code
    assert code == 2
    assert field in capsys.readouterr().err
    assert not out.exists()  # nothing half-written


def test_a_library_call_with_a_bad_path_raises_a_located_error(known):
    with pytest.raises(ScenarioError) as caught:
        value_of_information(known, paths=["agencies.desk.research_minutes.dist"])
    assert caught.value.problems[0].path == "--param"


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda k: st.integers(1, 5).flatmap(lambda r: st.lists(
    st.floats(-10, 10, allow_nan=False), min_size=k * r, max_size=k * r).map(lambda xs: np.reshape(xs, (k, r))))))
def test_swing_shares_are_a_split_of_one_and_their_intervals_hold_them(diffs):
    from mashsim.experiment.value_of_information import _bootstrap_shares, _shares

    shares = _shares(diffs.mean(axis=1))
    assert np.all((shares >= 0) & (shares <= 1))
    assert math.isclose(shares.sum(), 1.0, abs_tol=1e-9) or shares.sum() == 0.0
    low, high = _bootstrap_shares(diffs, seed=1)
    assert np.all((low >= 0) & (low <= high + 1e-12) & (high <= 1 + 1e-12))
    if diffs.shape[1] == 1:  # nothing to resample: no interval
        assert not low.any() and not high.any()
