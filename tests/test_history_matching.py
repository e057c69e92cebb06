"""History matching recovers a parameter whose true value is known: an M/M/3 desk whose service
time is "unknown", matched to the mean wait Wq that Erlang's C formula gives at the true value.

The desk is the queueing-theory configuration of the real model
(:func:`mashsim.validation.configs.single_desk_raw`): Poisson arrivals at 2 an hour, three staff
always on duty, exponential service of mean 60 minutes (utilisation 2/3), with the service mean
tagged E so that it may be calibrated over 30 to 80 minutes.  The target is theory's Wq with an
observation sd of 5% of it.

What the test asks: the true mean (60) is inside the final non-implausible region and among the
ensemble's range, and a wrong one 30% off (42 or 78 minutes) is ruled out.  Why that holds with
room to spare: Wq at 42 minutes is a quarter of Wq at 60, and at 78 three times it; the runs'
relative noise on Wq (three replications of 20 days, about 960 contacts each) is about 10%, so
together with the 5% observation sd the cutoff of 3 admits Wq within about +/-35% of theory, which
a service mean within about 8% of 60 gives.  So the wrong values sit 4 or more sd's past the
cutoff, and the true value's implausibility (mean 0, sd 1 of a near-normal) stays under 3 with
chance above 0.99; the seed is fixed, so the test is deterministic.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from mashsim.experiment.engines import Engine
from mashsim.history_matching import calibrate, prepare
from mashsim.history_matching.targets import parse_range
from mashsim.scenario.errors import ScenarioError

from calibration_files import PATH, TRUE_MINUTES, desk_files as _files

pytest.importorskip("sklearn")

def test_recovers_the_true_service_time_and_rules_out_a_wrong_one(tmp_path):
    _, targets = _files(tmp_path, extra='''
[[targets]]
name = "p-wait"
metric = "wait_probability.by_role.desk"
low = 0.3
high = 0.6
source = "Erlang C: P(wait) = 0.444 at the true rate"
date = "1917"
use = "validate"
''')
    calibration = prepare(targets)
    outcome, info = calibrate(calibration, tmp_path / "out", Engine(), plots=True)
    assert outcome.stop in ("converged", "waves")
    inside = outcome.non_implausible(calibration, np.array([[TRUE_MINUTES], [42.0], [78.0]]))
    assert inside.tolist() == [True, False, False]
    ensemble = pq.read_table(tmp_path / "out" / "ensemble.parquet")
    values = ensemble.column(PATH).to_numpy()
    assert len(values) >= 2 and values.min() <= TRUE_MINUTES <= values.max()
    assert 42.0 < values.min() and values.max() < 78.0
    meta = json.loads(ensemble.schema.metadata[b"mashsim"])
    assert meta == {"scenario": "textbook-desk", "scenario_hash": meta["scenario_hash"], "version": meta["version"],
                    "targets": "targets.toml", "waves": len(outcome.waves), "seed": 7}
    assert ensemble.column("member").to_pylist() == list(range(len(values)))
    # the kept-back P(wait) is checked on the ensemble, and theory's 0.444 is what it finds
    (check,) = info["kept_back"]
    assert check["verdict"] == "consistent"
    for name in ("summary.md", "waves.parquet", "calibration.json", "plots/wave-1.png", "plots/region.png"):
        assert (tmp_path / "out" / name).is_file()
    # a wave's runs are an ordinary sweep's folder: resuming runs nothing again, and finds the same
    again, info_again = calibrate(prepare(targets), tmp_path / "out", Engine(), resume=True, plots=False,
                                  task=_must_not_run)
    assert info_again["ensemble"] == info["ensemble"]


def _must_not_run(*args, **kwargs):
    raise AssertionError("a stored replication was run again")


def test_an_interrupted_calibration_resumes_to_the_same_ensemble(tmp_path):
    from mashsim.experiment.runner import run_batch

    _, targets = _files(tmp_path)
    whole, info = calibrate(prepare(targets), tmp_path / "whole", Engine(), plots=False)
    out = tmp_path / "out"

    def stopped_in_wave_two(*args, **kwargs):  # Ctrl-C in the second wave, after its first task
        if any((out / "wave-2" / "rows").glob("point-*.parquet")):
            raise KeyboardInterrupt
        return run_batch(*args, **kwargs)

    stopped, nothing = calibrate(prepare(targets), out, Engine(), task=stopped_in_wave_two)
    assert stopped.stop == "interrupted" and nothing is None and len(stopped.waves) == 1
    assert not (out / "ensemble.parquet").exists()  # nothing half-made: the outputs come at the end
    resumed, info_resumed = calibrate(prepare(targets), out, Engine(), resume=True, plots=False)
    assert info_resumed["ensemble"] == info["ensemble"] and info_resumed["waves_run"] == info["waves_run"]


def test_an_unreachable_target_says_so(tmp_path):
    # a Wq no service time in the range can give (a hundred hours): the region empties at once
    _, targets = _files(tmp_path, wq=100.0)
    outcome, info = calibrate(prepare(targets), tmp_path / "out", Engine(), plots=False)
    assert outcome.stop == "empty"
    assert info["ensemble"]["members"] == 0
    assert info["conflict"][0].startswith("wq cannot be met anywhere in the ranges")


def test_conflicting_targets_are_named_pairwise():
    from mashsim.history_matching.region import conflicts

    values = np.array([[1.0, 5.0], [5.0, 1.0], [4.0, 4.0]])  # each met somewhere, never together
    found = conflicts(["a", "b"], values, 3.0)
    assert found.pairs == [("a", "b")] and found.unreachable == []


def test_the_shipped_targets_file_fits_its_scenario():
    # every range must lie inside what london-borough accepts (a task time's mode between its min and
    # max): a recalibrated scenario can leave the file's documented command refused before any run
    targets = Path(__file__).resolve().parents[1] / "calibration" / "targets.toml"
    prepared = prepare(targets)
    assert prepared.untagged == []


def test_only_estimates_are_calibrated(tmp_path):
    _, targets = _files(tmp_path, parameters='"agencies.desk.staff" = [2, 4]')
    with pytest.raises(ScenarioError) as caught:
        prepare(targets)
    assert [p.path for p in caught.value.problems] == ["parameters.agencies.desk.staff"]
    assert "not an estimate (tagged E)" in str(caught.value)
    assert prepare(targets, allow_untagged=True).untagged == ["agencies.desk.staff"]


@pytest.mark.parametrize("text, field", [
    ('[[targets]]\nname = "x"\nmetric = "wait_hours.by_role.desk"\nlow = 2\nhigh = 1\nsource = "s"\ndate = "d"\n'
     'use = "calibrate"', "targets.0.high"),
    ('[[targets]]\nname = "x"\nmetric = "nonsense_metric"\nvalue = 1\nsd = 1\nsource = "s"\ndate = "d"\n'
     'use = "calibrate"', "targets.0.metric"),
    ('[[targets]]\nname = "x"\nmetric = "__import__(\'os\')"\nvalue = 1\nsd = 1\nsource = "s"\ndate = "d"\n'
     'use = "calibrate"', "targets.0.metric"),
    ('[[targets]]\nname = "x"\nmetric = "wait_hours.by_role.desk"\nvalue = 1\nsd = 1\nsource = "s"\ndate = "d"\n'
     'use = "maybe"', "targets.0.use"),
    ('[parameters]\n"agencies.desk.research_minutes.mean" = [80, 30]\n[[targets]]\nname = "x"\n'
     'metric = "wait_hours.by_role.desk"\nvalue = 1\nsd = 1\nsource = "s"\ndate = "d"\nuse = "calibrate"',
     "parameters.agencies.desk.research_minutes.mean"),
])
def test_bad_targets_files_name_the_field(tmp_path, text, field):
    scenario, _ = _files(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text(f'scenario = "desk.toml"\n{text}\n')
    with pytest.raises(ScenarioError) as caught:
        prepare(bad, ranges=[(PATH, (30.0, 80.0))])
    assert str(bad) in caught.value.report()
    assert field in [p.path for p in caught.value.problems]


def test_a_range_on_the_command_line(tmp_path):
    assert parse_range("a.b=1..2.5") == ("a.b", (1.0, 2.5))
    for text in ("a.b=2..1", "a.b", "a.b=1-2", "=1..2"):
        with pytest.raises(ScenarioError):
            parse_range(text)


def test_cli_runs_end_to_end_and_refuses_an_output_folder_in_use(tmp_path, capsys):
    from mashsim.cli import main

    scenario, targets = _files(tmp_path)
    out = tmp_path / "cli-out"
    args = ["calibrate", str(scenario), str(targets), "--out", str(out), "--workers", "1", "--waves", "1", "--json"]
    assert main(args) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["waves"] == 1 and (out / "ensemble.parquet").is_file()
    assert main(args) == 2  # the wave's results are there: --resume or --force
    assert "--resume" in capsys.readouterr().err


# ---------------------------------------------------------------- invariants (Hypothesis)
from hypothesis import given, settings, strategies as st  # noqa: E402

from mashsim.history_matching.expressions import parse_expression  # noqa: E402
from mashsim.history_matching.region import Region, judged, maximin  # noqa: E402

finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(a=finite, b=finite, c=st.floats(0.5, 100))
def test_an_expression_is_the_arithmetic_it_writes(a, b, c):
    expression = parse_expression("(x.mean - y.mean) / 2 + -x.mean * 3", ["x.mean", "y.mean"])
    assert expression({"x.mean": a, "y.mean": b}) == pytest.approx((a - b) / 2 + -a * 3)
    assert math.isnan(parse_expression("x.mean / 0", ["x.mean"])({"x.mean": c}))  # NaN, never an error


@given(st.lists(st.lists(st.floats(0, 20), min_size=3, max_size=3), min_size=1, max_size=20))
def test_second_max_forgives_exactly_one_target(rows):
    values = np.array(rows)
    assert (judged(values, "second_max") <= judged(values, "max")).all()
    assert (judged(values, "max") == values.max(axis=1)).all()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=5), st.integers(0, 2**32 - 1))
def test_the_region_only_shrinks_and_samples_inside_itself(cuts, seed):
    region = Region.whole_space(2, 500, seed)
    for threshold in cuts:  # each wave's test: a disc around the centre of some radius
        kept = region.candidates[region.kept]
        region.cut(np.linalg.norm(kept - 0.5, axis=1) <= threshold)
    assert region.history == sorted(region.history, reverse=True)
    inside = lambda unit: np.linalg.norm(unit - 0.5, axis=1) <= min(cuts)  # noqa: E731
    sample = region.sample(10, inside)
    assert inside(sample).all() and len(sample) <= 10
    assert len({tuple(p) for p in sample}) == len(sample)


def test_maximin_spreads_its_points():
    pool = np.random.default_rng(1).random((2000, 2))
    chosen = maximin(pool, 10, np.random.default_rng(2))
    gaps = [np.linalg.norm(chosen[i] - chosen[j]) for i in range(10) for j in range(i)]
    assert min(gaps) > 0.15  # ten random points would come closer than this nearly always


def test_a_budget_option_is_checked_as_the_file_is(tmp_path, capsys):
    from mashsim.cli import main

    scenario, targets = _files(tmp_path)
    assert main(["calibrate", str(scenario), str(targets), "--points", "2", "--out", str(tmp_path / "o")]) == 2
    assert "--points = 2: Input should be greater than or equal to 4" in capsys.readouterr().err
