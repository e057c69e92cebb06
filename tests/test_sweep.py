"""Sweeps: the results folder, engines agree bit for bit, failures, the precision rule, folder guards."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import experiments
from experiments import GRID, write_experiment
from mashsim._version import __version__
from mashsim.cli import main
from mashsim.experiment.engines import Engine, open_engine
from mashsim.experiment.plan import make_plan
from mashsim.experiment.precision import precision_after, replications_needed
from mashsim.experiment.sweep import run_sweep
from mashsim.replication import simulate
from mashsim.scenario import ScenarioError


def rows(folder) -> pd.DataFrame:
    return pd.read_parquet(folder / "rows").sort_values(["point", "replication"]).reset_index(drop=True)


def sweep(plan, folder, engine=None, **kwargs):
    with engine or Engine() as running:
        return run_sweep(plan, folder, running, **kwargs)


def test_the_results_folder_follows_the_contract(tmp_path):
    plan = make_plan(write_experiment(tmp_path))
    out = tmp_path / "out"
    summary = sweep(plan, out)
    assert summary.rows_written == summary.rows_stored == 4 * 3 and not summary.failures

    info = json.loads((out / "experiment.json").read_text())
    assert info["experiment_hash"] == plan.experiment_hash
    assert info["base_scenario"] == {"name": "small", "hash": plan.base_hash}
    assert info["mashsim_version"] == __version__ and info["seed"] == 11 and info["crn"] is True
    assert info["design"]["kind"] == "grid" and info["replications"]["n"] == 3
    assert [f["path"] for f in info["factors"]] == ["agencies.police.staff", "policy.decide_at_deadline"]
    assert info["experiment"]["name"] == "tiny-grid"

    points = pd.read_parquet(out / "points.parquet")
    assert list(points.columns) == ["point", "agencies.police.staff", "policy.decide_at_deadline", "scenario_name",
                                    "scenario_hash"]
    assert points["point"].tolist() == [0, 1, 2, 3] and (points["scenario_name"] == "small").all()
    assert points["scenario_hash"].tolist() == plan.point_hashes

    table = rows(out)
    assert list(table.columns[:5]) == ["point", "replication", "seed", "agencies.police.staff",
                                       "policy.decide_at_deadline"]
    assert list(table.columns[-3:]) == ["scenario_name", "scenario_hash", "mashsim_version"]
    assert set(plan.metrics) <= set(table.columns)
    assert table.groupby("point")["replication"].apply(list).tolist() == [[0, 1, 2]] * 4
    assert (table["seed"] == 11).all() and (table["mashsim_version"] == __version__).all()
    # common random numbers: replication r of every point is simulate(scenario at the point, seed, r)
    expected = simulate(plan.scenario_at(2), 11, 1).metrics
    got = table[(table.point == 2) & (table.replication == 1)].iloc[0]
    assert all(got[k] == v or (math.isnan(v) and math.isnan(got[k])) for k, v in expected.items())
    assert table.loc[table.point == 0, "contacts_arrived"].tolist() == \
        table.loc[table.point == 3, "contacts_arrived"].tolist()
    assert not list((out / "rows").glob(".*"))


def test_serial_local_and_dask_engines_give_identical_results(tmp_path):
    plan = make_plan(write_experiment(tmp_path))
    sweep(plan, tmp_path / "serial")
    sweep(plan, tmp_path / "local", open_engine("local", 2))
    sweep(plan, tmp_path / "dask", open_engine("dask", 2))
    serial = rows(tmp_path / "serial")
    pd.testing.assert_frame_equal(serial, rows(tmp_path / "local"), check_exact=True)
    pd.testing.assert_frame_equal(serial, rows(tmp_path / "dask"), check_exact=True)


def test_a_task_that_fails_twice_is_recorded_and_the_sweep_goes_on(tmp_path):
    plan = make_plan(write_experiment(tmp_path))
    out = tmp_path / "out"
    summary = sweep(plan, out, task=experiments.failing_point_batch)
    # points 2 and 3 have police staff 2: their tasks fail, first try and retry
    assert {f["point"] for f in summary.failures} == {2, 3}
    assert sorted(rows(out)["point"].unique()) == [0, 1]
    logged = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert {entry["point"] for entry in logged} == {2, 3}
    for entry in logged:
        assert entry["seed"] == 11 and entry["replications"] and "a deliberate failure" in entry["error"]
    # resuming runs only what is missing, and a fixed task now succeeds
    summary = sweep(plan, out, resume=True)
    assert summary.rows_written == 6 and not summary.failures and summary.rows_stored == 12
    assert not (out / "failures.jsonl").exists()


def test_a_killed_worker_process_is_replaced_and_its_task_run_again(tmp_path, monkeypatch):
    monkeypatch.setenv("MASHSIM_TEST_MARKER", str(tmp_path / "killed-once"))
    plan = make_plan(write_experiment(tmp_path))
    summary = sweep(plan, tmp_path / "out", open_engine("local", 2), task=experiments.kill_worker_once_batch)
    assert (tmp_path / "killed-once").exists()
    assert not summary.failures
    table = rows(tmp_path / "out")
    assert len(table) == 12 and not table.duplicated(["point", "replication"]).any()


def test_the_precision_rule_stops_where_the_replications_algorithm_does(tmp_path):
    # A model with a known variance: Normal(5 x police staff, 3). For a relative half-width of 10%
    # theory wants about (1.96 x 3 / (0.1 x 5 s))^2 replications: ~138 at s = 1, ~35 at s = 2.
    text = GRID.replace("n = 3", 'metric = "all_signals_missed_rate"\nrelative_half_width = 0.1\nmax = 400')
    plan = make_plan(write_experiment(tmp_path, text))
    out = tmp_path / "out"
    summary = sweep(plan, out, task=experiments.known_variance_batch)
    assert summary.precision == {"converged": 4, "capped": 0, "unfinished": 0, "failed": 0}
    table = rows(out)
    for point, group in table.groupby("point"):
        values = group["all_signals_missed_rate"].tolist()
        assert group["replication"].tolist() == list(range(len(values)))
        # exactly the replications the one-at-a-time algorithm runs on the same values: no more
        alone = replications_needed(lambda i: values[i] if i < len(values) else math.nan, 0.1,
                                    max_replications=400)
        assert alone.converged and len(alone.values) == len(values)
        assert precision_after(values[:alone.replications]) <= 0.1
        assert precision_after(values) <= 0.1
    counts = table.groupby("point").size()
    assert counts[0] > 2 * counts[2]  # a noisier point (smaller mean) needs more replications


def test_the_precision_rule_on_the_real_model_reaches_the_asked_precision(tmp_path):
    text = GRID.replace("n = 3", 'metric = "all_signals_missed_rate"\nrelative_half_width = 0.03\nmax = 60')
    plan = make_plan(write_experiment(tmp_path, text))
    summary = sweep(plan, tmp_path / "out")
    assert summary.precision["converged"] == 4
    for _, group in rows(tmp_path / "out").groupby("point"):
        assert precision_after(group["all_signals_missed_rate"]) <= 0.03


def test_a_folder_of_another_experiment_is_refused_unless_forced(tmp_path, capsys):
    first = write_experiment(tmp_path)
    out = tmp_path / "out"
    assert main(["sweep", str(first), "--out", str(out), "--workers", "1", "--json"]) == 0
    capsys.readouterr()

    other = write_experiment(tmp_path, GRID.replace("seed = 11", "seed = 12"), "other.toml")
    assert main(["sweep", str(other), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "another experiment" in err and "--force" in err
    assert rows(out)["seed"].eq(11).all()  # untouched

    assert main(["sweep", str(first), "--out", str(out), "--workers", "1"]) == 2
    assert "--resume" in capsys.readouterr().err

    assert main(["sweep", str(first), "--out", str(out), "--workers", "1", "--resume", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows_written"] == 0  # nothing left to run

    assert main(["sweep", str(other), "--out", str(out), "--workers", "1", "--force", "--json"]) == 0
    assert rows(out)["seed"].eq(12).all() and len(rows(out)) == 12


def test_the_sweep_command_prints_a_summary(tmp_path, capsys):
    path = write_experiment(tmp_path)
    code = main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 0
    assert "4 design points x 3 replications" in err
    assert "4 points, 12 rows stored (12 new), 0 failed tasks" in err
    assert str(tmp_path / "out") in err


def test_dask_needs_its_extra_and_address_goes_with_dask(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("distributed") or name.startswith("dask"):
            raise ImportError("no dask")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(ScenarioError, match=r"pip install 'mashsim\[dask\]'"):
        open_engine("dask")
    with pytest.raises(ScenarioError, match="goes with --engine dask"):
        open_engine("local", address="tcp://somewhere:8786")


def test_part_files_hold_one_batch_each_under_their_final_name_only(tmp_path):
    plan = make_plan(write_experiment(tmp_path, GRID.replace("n = 3", "n = 5\nbatch = 3")))
    sweep(plan, tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out" / "rows").iterdir())
    assert names == sorted(f"point-{p}-reps-{r}.parquet" for p in range(4) for r in ("0-2", "3-4"))
    assert pq.read_table(tmp_path / "out" / "rows" / names[0]).num_rows == 3


def test_memory_stays_flat_as_the_sweep_grows(tmp_path):
    # rows go to disk as tasks finish: 10 times the rows, the same peak (tracemalloc, this process)
    import tracemalloc

    warm_up = make_plan(write_experiment(tmp_path, GRID.replace("n = 3", "n = 2")))
    sweep(warm_up, tmp_path / "warm-up", task=experiments.known_variance_batch)  # first-use allocations
    peaks = []
    for n in (10, 100):
        text = GRID.replace("n = 3", f"n = {n}\nbatch = 10")
        plan = make_plan(write_experiment(tmp_path, text))
        tracemalloc.start()
        sweep(plan, tmp_path / f"out-{n}", task=experiments.known_variance_batch)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert len(rows(tmp_path / f"out-{n}")) == 4 * n
    assert peaks[1] < 1.3 * peaks[0], peaks


def test_a_morris_sweep_stores_the_salib_sample_for_analysis(tmp_path):
    from SALib.analyze import morris

    text = """\
name = "m"
scenario = "small.toml"
seed = 3
[[factors]]
path = "agencies.police.staff"
bounds = [1, 3]
integer = true
[estimates]
spread = 0.2
[design]
kind = "morris"
trajectories = 3
[replications]
n = 1
"""
    plan = make_plan(write_experiment(tmp_path, text))
    out = tmp_path / "out"
    sweep(plan, out)
    info = json.loads((out / "experiment.json").read_text())
    problem = info["salib_problem"]
    assert problem["names"] == ["agencies.police.staff", "arrivals.sources.police.annual_contacts"]
    points = pd.read_parquet(out / "points.parquet")
    assert len(points) == 3 * (2 + 1)
    sample = points[[f"salib_sample.{name}" for name in problem["names"]]].to_numpy()
    # an integer factor takes the whole-number part of the sample over [1, 3 + 1]
    assert (points["agencies.police.staff"] == np.floor(sample[:, 0] + 1e-9).clip(1, 3).astype(int)).all()
    y = rows(out).set_index("point").loc[points["point"], "contacts_arrived"].to_numpy()
    effects = morris.analyze(dict(problem), sample, y, num_levels=4)
    # more contacts a year arrive when annual_contacts is higher; police staff does not change arrivals
    assert effects["mu_star"][1] > 0 and effects["mu_star"][0] == 0


def test_set_on_the_command_line_joins_the_experiment(tmp_path, capsys):
    """A quick look (`--set run.horizon_days=3`) runs the shorter runs, is recorded as part of the
    experiment, and a folder made without it is another experiment; a bad path or value exits 2."""
    path = write_experiment(tmp_path)
    short, full = tmp_path / "short", tmp_path / "full"
    assert main(["sweep", str(path), "--out", str(short), "--workers", "1", "--json",
                 "--set", "run.horizon_days=3"]) == 0
    assert main(["sweep", str(path), "--out", str(full), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    assert (rows(short)["contacts_arrived"] < rows(full)["contacts_arrived"] / 2).all()
    assert json.loads((short / "experiment.json").read_text())["experiment"]["set"]["run.horizon_days"] == 3
    assert make_plan(path, [("run.horizon_days", 3)]).experiment_hash != make_plan(path).experiment_hash
    assert main(["sweep", str(path), "--out", str(short), "--workers", "1", "--resume"]) == 2
    assert "another experiment" in capsys.readouterr().err
    assert main(["sweep", str(path), "--out", str(short), "--workers", "1", "--resume", "--json",
                 "--set", "run.horizon_days=3"]) == 0
    assert json.loads(capsys.readouterr().out)["rows_written"] == 0
    for bad in ("run.horizon_dayz=3", "run.horizon_days=-1", "nothing"):
        assert main(["sweep", str(path), "--out", str(tmp_path / "bad"), "--workers", "1", "--set", bad]) == 2
        assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
