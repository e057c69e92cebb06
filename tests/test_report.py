"""`mashsim report`: a sweep results folder in, an HTML page, CSV tables and PNG charts out, with
the numbers the rows give; bad folders and options refused with exit 2 and nothing written."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mashsim.cli import main
from mashsim.experiment.stats import t_interval
from mashsim.report import writer
from mashsim.report.analysis import analyse, headline_metrics
from mashsim.report.paired import paired_difference
from mashsim.report.sensitivity import morris_indices, sobol_indices
from mashsim.report.sweep_data import load_sweep
import experiments
from sweep_fixture import SEED, experiment, grid_results, lhs_results, precision_results, salib_results, sweep
from test_cli import files_in, run_cli

METRICS = ["all_signals_missed_rate", "rag_breach_rate.by_rag.red", "decision_delay_hours.mean"]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """Rich folds long lines to the terminal's width; a wide one keeps messages whole to search."""
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Path:
    folder = grid_results(tmp_path_factory.mktemp("sweeps") / "grid", replications=4)
    # a part file still being written, as a running sweep leaves one: the report must never read it
    (folder / "rows" / ".point-0-reps-9-9.parquet.part").write_bytes(b"PAR1 half written")
    return folder


@pytest.fixture
def grid_copy(grid, tmp_path) -> Path:
    """A copy of the grid folder a test may write into."""
    return Path(shutil.copytree(grid, tmp_path / "grid", ignore=shutil.ignore_patterns("report")))


@pytest.fixture(scope="module")
def reported(grid, tmp_path_factory) -> tuple[Path, str]:
    """A copy of the grid folder with its report (three metrics, one chosen comparison); the output."""
    folder = Path(shutil.copytree(grid, tmp_path_factory.mktemp("reported") / "grid"))
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setenv("COLUMNS", "250")
        assert main(["report", str(folder), *report_args(*METRICS), "--compare", "0", "3"]) == 0
    return folder, out.getvalue()


@pytest.fixture
def reported_copy(reported, tmp_path) -> Path:
    return Path(shutil.copytree(reported[0], tmp_path / "grid"))


def report_args(*metrics: str) -> list[str]:
    return [a for m in metrics for a in ("--metric", m)]


def test_report_writes_page_tables_and_charts(reported):
    grid, out = reported
    folder = grid / "report"
    names = {p.name for p in folder.iterdir()}
    assert {"report.html", "point_summary.csv", "all_metrics.csv", "paired_differences.csv", "heatmap.png",
            "vs-agencies.police.staff.png", "vs-policy.decide_at_deadline.png", "paired-differences.png"} <= names
    assert not [n for n in names if n.startswith(".")]
    assert not [p for p in grid.iterdir() if p.name.startswith(".report")]
    for png in folder.glob("*.png"):
        assert png.read_bytes().startswith(PNG)
    assert str(folder / "report.html") in out
    assert "4 design points" in out and "16 replications" in out


def test_point_means_and_intervals_are_those_of_the_rows(reported):
    grid = reported[0]
    table = pd.read_csv(grid / "report" / "point_summary.csv")
    rows = pd.read_parquet(grid / "rows")
    assert len(rows) == 16  # the dot-prefixed part file being written is never read
    assert set(table["metric"]) == set(METRICS) and len(table) == 4 * len(METRICS)
    for _, line in table.iterrows():
        values = rows.loc[rows["point"] == line["point"], line["metric"]].to_numpy(dtype=float)
        expected = t_interval(values)
        assert line["n"] == expected.n == 4
        assert line["mean"] == pytest.approx(np.nanmean(values), rel=1e-12, abs=1e-15)
        if expected.n >= 2 and not np.isnan(expected.ci_low):
            assert line["ci_low"] == pytest.approx(expected.ci_low, rel=1e-12, abs=1e-15)
            assert line["ci_high"] == pytest.approx(expected.ci_high, rel=1e-12, abs=1e-15)


def test_every_metric_is_summarised_in_all_metrics_csv(reported):
    grid = reported[0]
    every = pd.read_csv(grid / "report" / "all_metrics.csv")
    shown = pd.read_csv(grid / "report" / "point_summary.csv")
    data = load_sweep(grid)
    assert list(dict.fromkeys(every["metric"])) == data.metrics and len(every) == 4 * len(data.metrics)
    # the shown metrics' rows are the same in both files
    same = every.merge(shown, on=["point", "metric"], suffixes=("", "_shown"))
    assert len(same) == len(shown)
    assert np.allclose(same["mean"], same["mean_shown"], equal_nan=True)


def test_paired_differences_come_from_per_replication_differences(reported):
    grid = reported[0]
    diffs = pd.read_csv(grid / "report" / "paired_differences.csv")
    rows = pd.read_parquet(grid / "rows").set_index(["point", "replication"])
    # each two-valued factor, at each value of the other, plus the chosen pair
    assert set(diffs["factor"]) == {"agencies.police.staff", "policy.decide_at_deadline", "points"}
    assert len(diffs) == (2 + 2 + 1) * len(METRICS)
    for _, line in diffs.iterrows():
        a = rows.loc[int(line["point_a"])][line["metric"]]
        b = rows.loc[int(line["point_b"])][line["metric"]]
        expected = t_interval((b - a).to_numpy(dtype=float))
        assert line["mean"] == pytest.approx(expected.mean, abs=1e-12)
        if not np.isnan(expected.ci_low):
            assert line["ci_low"] == pytest.approx(expected.ci_low, abs=1e-12)
            assert line["ci_high"] == pytest.approx(expected.ci_high, abs=1e-12)
    # the switch compares the two settings with every other factor held, point by point
    switch = diffs.loc[(diffs["factor"] == "policy.decide_at_deadline") & (diffs["metric"] == METRICS[0])]
    assert sorted(switch["at"]) == ["agencies.police.staff=1", "agencies.police.staff=2"]


def test_paired_difference_pairs_replications_on_the_same_seed_only():
    rows = pd.DataFrame({"point": [0] * 4 + [1] * 3, "replication": [0, 1, 2, 3, 0, 1, 2],
                         "seed": [5] * 7, "m": [1.0, 2.0, 3.0, 100.0, 1.5, 2.0, 4.0]})
    d = paired_difference(rows, "m", 0, 1)
    assert d.replications == (0, 1, 2)
    assert d.interval == t_interval([0.5, 0.0, 1.0])


def test_crn_pairing_is_much_narrower_than_comparing_separate_intervals(tmp_path):
    """Common random numbers at work: with the same contacts at both points, switching the deadline
    policy moves the missed-signal rate by a similar amount in every replication, so the paired
    interval is far narrower than either point's own interval.

    Over 40 replications the ratio is about 0.35; over 4 (the grid's) it ranges from 0.1 to 1 from
    one set of replications to the next, too few to show it. With 40, each standard deviation is
    known to about 11%, so 0.5 is about 2.7 standard errors above 0.35."""
    pair = sweep(tmp_path, experiment("policy-pair", {"policy.decide_at_deadline": "values = [true, false]"},
                                      'kind = "grid"', "n = 40"))
    data = load_sweep(pair)
    metric = "all_signals_missed_rate"
    d = paired_difference(data.rows, metric, 0, 1)
    separate = [t_interval(data.rows.loc[data.rows["point"] == p, metric]) for p in (0, 1)]
    assert d.interval.half_width < 0.5 * min(s.half_width for s in separate)


def test_page_names_experiment_seed_versions_hash_and_crn(reported):
    grid = reported[0]
    page = (grid / "report" / "report.html").read_text()
    meta = json.loads((grid / "experiment.json").read_text())
    assert meta["base_scenario"]["hash"] in page
    assert meta["mashsim_version"] in page
    assert f"seed {SEED}" in page
    assert "Common random numbers" in page
    # every chart is on the page once (a chart that is another factor's picture too is one image)
    assert page.count("data:image/png;base64,") == len({p.read_bytes() for p in (grid / "report").glob("*.png")})
    assert "Failures" not in page


def test_default_metrics_are_the_headline_set(grid):
    data = load_sweep(grid)
    chosen = headline_metrics(data.metrics)
    assert chosen[:7] == ["high_risk_missed_rate", "high_risk_missed_rate.avoidable", "high_risk_missed_rate.by_policy",
                          "under_triage_rate", "rag_breach_rate.by_rag.red", "rag_breach_rate.by_rag.amber",
                          "rag_breach_rate.by_rag.green"]
    assert "decision_delay_hours.by_rag.red.mean" in chosen
    assert [m for m in chosen if m.startswith("utilisation")] == [
        f"utilisation.by_role.{r}" for r in ("contact_officers", "screeners", "managers", "police", "health", "education")]
    assert analyse(data).metrics == chosen


def test_short_metric_names_are_accepted(grid):
    report = analyse(load_sweep(grid), ["rag_breach_rate.red", "utilisation.police"])
    assert report.metrics == ["rag_breach_rate.by_rag.red", "utilisation.by_role.police"]


def test_failures_and_points_without_rows_are_reported(tmp_path, capsys):
    folder = grid_results(tmp_path / "failing", replications=2, task=experiments.failing_point_batch)
    code, out, err = run_cli(capsys, "report", folder, "--metric", "all_signals_missed_rate")
    assert code == 0, err
    page = (folder / "report" / "report.html").read_text()
    assert "Failures" in page and "a deliberate failure" in page
    assert "task(s) failed" in out and "2 design point(s) have no finished replication" in out
    table = pd.read_csv(folder / "report" / "point_summary.csv")
    assert sorted(table["point"]) == [0, 1]  # police staff 2 (points 2 and 3) failed every time


def test_points_with_different_replications_are_paired_on_those_both_have(tmp_path, capsys):
    folder = precision_results(tmp_path / "precision", experiments.known_variance_batch)
    code, out, err = run_cli(capsys, "report", folder, "--metric", "all_signals_missed_rate", "--compare", "2", "0")
    assert code == 0, err
    counts = pd.read_parquet(folder / "rows").groupby("point").size()
    assert counts[0] != counts[2]
    diffs = pd.read_csv(folder / "report" / "paired_differences.csv")
    chosen = diffs.loc[diffs["factor"] == "points"]
    assert chosen["n"].tolist() == [min(counts[0], counts[2])]


def test_a_second_report_replaces_the_first_whole(reported_copy, capsys):
    grid_copy = reported_copy
    assert run_cli(capsys, "report", grid_copy, "--metric", "all_signals_missed_rate", "--out", grid_copy / "report")[0] == 0
    table = pd.read_csv(grid_copy / "report" / "point_summary.csv")
    assert set(table["metric"]) == {"all_signals_missed_rate"}
    assert [p.name for p in grid_copy.iterdir() if p.name.startswith(".report")] == []


def test_a_report_that_fails_half_way_leaves_the_previous_one(reported_copy, capsys, monkeypatch):
    grid_copy = reported_copy
    before = {p.name: p.read_bytes() for p in (grid_copy / "report").iterdir()}

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(writer.plots, "heatmap", broken)
    code, _, _ = run_cli(capsys, "report", grid_copy, "--metric", "all_signals_missed_rate")
    assert code == 130
    assert {p.name: p.read_bytes() for p in (grid_copy / "report").iterdir()} == before
    assert [p.name for p in grid_copy.iterdir() if p.name.startswith(".report")] == []


@pytest.mark.parametrize("kind,n", [("morris", 4), ("sobol", 8)])
def test_sensitivity_sweeps_get_salib_indices_and_charts(kind, n, tmp_path, capsys):
    folder = salib_results(tmp_path / kind, kind, n)
    code, out, err = run_cli(capsys, "report", folder, "--metric", "all_signals_missed_rate")
    assert code == 0, err
    assert (folder / "report" / f"{kind}.png").read_bytes().startswith(PNG)
    table = pd.read_csv(folder / "report" / f"{kind}.csv")
    data = load_sweep(folder)
    direct = (morris_indices if kind == "morris" else sobol_indices)(data, "all_signals_missed_rate")
    column = "mu_star" if kind == "morris" else "ST"
    assert table[column].to_numpy() == pytest.approx(direct[column].to_numpy())
    # the SALib analysis is of the per-point means, in point order
    if kind == "morris":
        from SALib.analyze import morris

        y = data.rows.groupby("point")["all_signals_missed_rate"].mean().to_numpy()
        x = data.points[[f"salib_sample.{name}" for name in data.meta["salib_problem"]["names"]]].to_numpy()
        expected = morris.analyze(data.meta["salib_problem"], x, y, num_levels=4, seed=SEED)
        assert table["mu_star"].to_numpy() == pytest.approx(np.asarray(expected["mu_star"]))


def test_sensitivity_without_salib_is_a_note_not_a_failure(tmp_path, capsys, monkeypatch):
    import sys

    folder = salib_results(tmp_path / "morris", "morris", 4)
    for name in ("SALib", "SALib.analyze", "SALib.analyze.morris"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed: importing it fails
    code, out, err = run_cli(capsys, "report", folder, "--metric", "all_signals_missed_rate")
    assert code == 0, err
    assert "pip install 'mashsim[sensitivity]'" in out
    assert not (folder / "report" / "morris.png").exists()


# ----------------------------------------------------------------------------- bad input


def _not_results(tmp_path: Path) -> Path:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    return folder


def _no_rows(tmp_path: Path) -> Path:
    folder = grid_results(tmp_path / "empty", replications=1)
    for part in (folder / "rows").glob("*.parquet"):
        part.unlink()
    return folder


def _bad_json(tmp_path: Path) -> Path:
    folder = grid_results(tmp_path / "badjson", replications=1)
    (folder / "experiment.json").write_text("{not json")
    return folder


@pytest.mark.parametrize("make,where,message", [
    (lambda t: t / "missing", "DIR", "no such folder"),
    (_not_results, "experiment.json", "not a sweep results folder"),
    (_no_rows, "rows/", "no finished replications"),
    (_bad_json, "experiment.json", "not valid JSON"),
], ids=["missing", "not-results", "no-rows", "bad-json"])
def test_a_folder_that_is_not_a_finished_sweep_exits_2_naming_it(make, where, message, tmp_path, capsys):
    folder = make(tmp_path)
    code, out, err = run_cli(capsys, "report", folder)
    assert code == 2
    assert str(folder) in err and where in err and message in err
    assert "Traceback" not in err and out == ""
    assert not (folder / "report").exists()


@pytest.mark.parametrize("args,field,message", [
    (["--metric", "all_signals_missed_rat"], "--metric", "did you mean all_signals_missed_rate"),
    (["--metric", "rag_breach_rate.rde"], "--metric", "did you mean rag_breach_rate.red (rag_breach_rate.by_rag.red)"),
    (["--compare", "0", "7"], "--compare", "no design point 7; points are 0 to 3"),
], ids=["metric", "short-metric", "compare"])
def test_bad_options_exit_2_naming_option_and_value(args, field, message, grid_copy, capsys):
    code, out, err = run_cli(capsys, "report", grid_copy, *args)
    assert code == 2
    assert field in err and message in err and "Traceback" not in err
    assert not (grid_copy / "report").exists()


def test_out_that_holds_other_files_is_refused(grid_copy, tmp_path, capsys):
    other = _not_results(tmp_path)
    code, _, err = run_cli(capsys, "report", grid_copy, "--out", other)
    assert code == 2 and "--out" in err and "holds other files" in err
    assert files_in(other) == [other / "notes.txt"]


def test_a_latin_hypercube_gets_scatter_charts_and_no_heatmap(tmp_path, capsys):
    folder = lhs_results(tmp_path / "lhs")
    code, out, err = run_cli(capsys, "report", folder, "--metric", "all_signals_missed_rate")
    assert code == 0, err
    names = {p.name for p in (folder / "report").iterdir()}
    assert {"vs-screening.under_rating.png", "vs-agencies.police.staff.png"} <= names
    assert "heatmap.png" not in names
    table = pd.read_csv(folder / "report" / "point_summary.csv")
    assert len(table) == 6
