"""The comparison parts of `mashsim report`: automatic comparisons in the experiment file's order
(second value minus first), the paired differences in the terminal, charts against a factor of
names (scenarios) drawn as categories, and results folders part-written by an older version.

The sweeps are the two-scenario pooling experiment of test_experiment_scenarios.py (``wide.toml``
and ``pooled.toml``, police staff x 0.5 and 1.0), cut to four days: sorted, ``pooled.toml`` comes
before ``wide.toml``, the other way from the file.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from mashsim.experiment.engines import Engine
from mashsim.experiment.plan import make_plan
from mashsim.experiment.stats import t_interval
from mashsim.experiment.store import _column
from mashsim.experiment.sweep import run_sweep
from mashsim.report.analysis import SweepReport
from mashsim.report.factor_charts import CATEGORIES, LINES, POINTS, factor_chart
from mashsim.report.plots import factor_figure
from mashsim.report.sweep_data import SweepData, load_sweep
from mashsim.report.sweep_table import differences_table
from mashsim.report.table import format_difference, format_difference_interval
from sweep_fixture import grid_results
from test_cli import files_in, run_cli
from test_experiment_scenarios import POOLING, write_pooling

PNG = b"\x89PNG\r\n\x1a\n"
METRICS = ["all_signals_missed_rate", "decision_delay_hours.mean"]
REVERSED = POOLING.replace('values = ["wide.toml", "pooled.toml"]', 'values = ["pooled.toml", "wide.toml"]')


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")


def swept(folder: Path, text: str = POOLING) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with Engine() as engine:
        run_sweep(make_plan(write_pooling(folder, text)), folder / "results", engine)
    return folder / "results"


@pytest.fixture(scope="module")
def pooling(tmp_path_factory) -> Path:
    return swept(tmp_path_factory.mktemp("pooling"))


def report(capsys, folder: Path, out: Path, *args: str) -> tuple[pd.DataFrame, str]:
    """``mashsim report`` of ``folder`` into ``out``: paired_differences.csv and the terminal output."""
    metrics = [a for m in METRICS for a in ("--metric", m)]
    code, stdout, err = run_cli(capsys, "report", folder, *metrics, *args, "--out", out)
    assert code == 0, err
    return pd.read_csv(out / "paired_differences.csv"), stdout


def expected_difference(folder: Path, metric: str, a: int, b: int):
    rows = pd.read_parquet(folder / "rows").set_index(["point", "replication"]).sort_index()
    return t_interval((rows.loc[b, metric] - rows.loc[a, metric]).to_numpy(dtype=float))


# ------------------------------------------------------------------ 1. the order of automatic comparisons


def stored(values: list) -> list:
    """``values`` as the results folder stores them in a factor's column."""
    return _column(values)[1]


@given(st.one_of(st.lists(st.text(min_size=1, max_size=8), min_size=2, max_size=5, unique=True),
                 st.lists(st.integers(-5, 50), min_size=2, max_size=5, unique=True),
                 st.lists(st.floats(0.1, 3.0), min_size=2, max_size=5, unique=True),
                 st.just([True, False]), st.just([False, True]),
                 st.lists(st.lists(st.integers(0, 3), max_size=3), min_size=2, max_size=4, unique_by=str)),
       st.randoms())
def test_factor_values_are_in_the_order_the_experiment_file_lists_them(written, random):
    # the design's points may come in any order; the values keep the file's
    column = stored(written)
    design = column * 2
    random.shuffle(design)
    meta = {"factors": [{"path": "f", "kind": "values", "values": written}]}
    data = SweepData(Path("."), meta, pd.DataFrame({"point": range(len(design)), "f": design}), pd.DataFrame())
    assert data.factor_values("f") == column


def test_factor_values_without_a_list_in_the_file_are_sorted():
    meta = {"factors": [{"path": "f", "kind": "bounds", "bounds": [0, 1]}]}
    data = SweepData(Path("."), meta, pd.DataFrame({"point": range(3), "f": [0.7, 0.1, 0.4]}), pd.DataFrame())
    assert data.factor_values("f") == [0.1, 0.4, 0.7]


@pytest.mark.parametrize("text,first,second", [(POOLING, "wide.toml", "pooled.toml"),
                                               (REVERSED, "pooled.toml", "wide.toml")], ids=["as-written", "reversed"])
def test_a_two_valued_factor_is_compared_second_minus_first_as_the_file_lists_them(text, first, second, pooling,
                                                                                  tmp_path, capsys):
    folder = pooling if text == POOLING else swept(tmp_path / "reversed", text)
    diffs, out = report(capsys, folder, tmp_path / "report")
    points = pd.read_parquet(folder / "points.parquet")
    scenario = diffs.loc[diffs["factor"] == "scenario"]
    assert len(scenario) == 2 * len(METRICS)  # at each police staff level
    assert set(zip(scenario["from"], scenario["to"])) == {(first, second)}
    assert set(scenario["difference"]) == {f"scenario={second} minus scenario={first}"}
    for _, line in scenario.iterrows():
        a, b = int(line["point_a"]), int(line["point_b"])
        assert points.loc[a, "scenario"] == first and points.loc[b, "scenario"] == second
        assert points.loc[a, "police_staff"] == points.loc[b, "police_staff"]
        assert line["mean"] == pytest.approx(expected_difference(folder, line["metric"], a, b).mean, abs=1e-12)
    staff = diffs.loc[diffs["factor"] == "police_staff"]
    assert set(staff["difference"]) == {"police_staff=1.0 minus police_staff=0.5"}
    # the terminal says which is subtracted from which
    assert f"scenario: {second} − {first}" in out and "police_staff: 1.0 − 0.5" in out


def test_compare_a_b_keeps_its_own_order(pooling, tmp_path, capsys):
    automatic, _ = report(capsys, pooling, tmp_path / "automatic")
    chosen, out = report(capsys, pooling, tmp_path / "chosen", "--compare", "scenario=pooled.toml",
                         "scenario=wide.toml")
    chosen = chosen.loc[chosen["factor"] == "scenario"].reset_index(drop=True)
    automatic = automatic.loc[automatic["factor"] == "scenario"].reset_index(drop=True)
    assert set(chosen["difference"]) == {"scenario=wide.toml minus scenario=pooled.toml"}
    assert (chosen["point_a"] == automatic["point_b"]).all() and (chosen["point_b"] == automatic["point_a"]).all()
    assert chosen["mean"].tolist() == pytest.approx((-automatic["mean"]).tolist(), abs=1e-12)
    assert "scenario: wide.toml − pooled.toml" in out


# ------------------------------------------------------------------ 2. paired differences in the terminal


def test_the_terminal_table_shows_each_difference_its_interval_and_whether_it_excludes_zero():
    comparisons = pd.DataFrame([
        {"factor": "scenario", "from": "london-wide", "to": "london-pooled",
         "difference": "scenario=london-pooled minus scenario=london-wide", "at": "police_staff=0.6",
         "point_a": 0, "point_b": 3, "metric": m, "n": 10, "mean": mean, "ci_low": low, "ci_high": high}
        for m, mean, low, high in [("late_return_rate.by_agency.police", -0.0174, -0.0187, -0.0161),
                                   ("rag_breach_rate.by_rag.red", -0.0001, -0.0007, 0.0005)]])
    metrics = ["late_return_rate.by_agency.police", "rag_breach_rate.by_rag.red"]
    table = differences_table(SweepReport(None, metrics, 0.95, pd.DataFrame(), comparisons))
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(table)
    text = console.export_text()
    assert "scenario: london-pooled − london-wide" in text and "police_staff=0.6" in text
    assert "−1.74 pts *" in text and "−1.87 to −1.61 pts" in text  # clear of zero: marked
    assert "−0.01 pts *" not in text and "−0.01 pts" in text and "−0.07 to +0.05 pts" in text
    assert "excludes 0" in text


def test_the_report_command_prints_every_comparison(pooling, tmp_path, capsys):
    diffs, out = report(capsys, pooling, tmp_path / "report")
    assert "Paired differences" in out
    lines = out.splitlines()
    for _, line in diffs.iterrows():
        # what minus what, and the mean, on the comparison's line; where, and the interval, on the next
        label = f"{line['factor']}: {line['to']} − {line['from']}"
        rows = [i for i, text in enumerate(lines) if label in text and line["at"] in lines[i + 1]]
        assert len(rows) == 1, (label, line["at"])
        assert format_difference(line["metric"], line["mean"]) in lines[rows[0]]
        assert format_difference_interval(line["metric"], line["ci_low"], line["ci_high"]) in lines[rows[0] + 1]


def test_no_comparisons_no_terminal_table(pooling, tmp_path, capsys):
    data = load_sweep(pooling)
    empty = pd.DataFrame(columns=["factor", "point_a", "point_b", "metric"])
    assert differences_table(SweepReport(data, METRICS, 0.95, pd.DataFrame(), empty)) is None


# ------------------------------------------------------------------ 3. charts against a factor of names


def design(scenarios=("london-wide", "london-pooled"), staff=(0.6, 0.8, 1.0), switch=None) -> pd.DataFrame:
    """One row per design point of a grid, with a made-up interval for one metric."""
    rows = []
    for s in scenarios:
        for level in staff:
            for flag in (switch or [None]):
                row = {"scenario": s, "police_staff": level, "metric": "all_signals_missed_rate", "n": 5,
                       "mean": 0.5, "ci_low": 0.45, "ci_high": 0.55}
                if switch:
                    row["switch"] = flag
                rows.append(row)
    return pd.DataFrame(rows).assign(point=lambda f: range(len(f)))


ORDER = {"scenario": ["london-wide", "london-pooled"], "police_staff": [0.6, 0.8, 1.0], "switch": [True, False]}


def test_a_factor_of_names_is_drawn_as_one_line_per_name_against_a_numeric_factor():
    points = design()
    chart = factor_chart(points, "scenario", ["police_staff"], ORDER)
    assert (chart.x, chart.series, chart.kind) == ("police_staff", ("scenario",), LINES)
    assert chart.keys == (("london-wide",), ("london-pooled",))  # the file's order, not sorted
    # ... which is the numeric factor's own chart: drawn once
    staff = factor_chart(points, "police_staff", ["scenario"], ORDER)
    assert (staff.x, staff.series, staff.kind) == ("police_staff", ("scenario",), LINES)
    assert chart.same_drawing(staff)
    assert chart.title == "Against police_staff, one line per scenario"


def test_a_factor_of_names_alone_is_drawn_as_categories_never_joined():
    points = design(staff=(1.0,))
    chart = factor_chart(points, "scenario", [], ORDER)
    assert (chart.x, chart.kind, chart.categories, chart.keys) == ("scenario", CATEGORIES,
                                                                    ("london-wide", "london-pooled"), ((),))
    figure = factor_figure(points, chart, ["all_signals_missed_rate"])
    (ax,) = figure.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["london-wide", "london-pooled"]
    assert ax.lines and all(line.get_linestyle() == "None" for line in ax.lines)  # points and bars only


def test_two_factors_of_names_are_categories_side_by_side():
    points = design(staff=(1.0,), switch=[True, False])
    chart = factor_chart(points, "scenario", ["switch"], ORDER)
    assert (chart.x, chart.series, chart.kind, chart.keys) == ("scenario", ("switch",), CATEGORIES,
                                                                ((True,), (False,)))
    switch = factor_chart(points, "switch", ["scenario"], ORDER)  # true/false is a category too
    assert (switch.kind, switch.categories) == (CATEGORIES, (True, False))
    assert not chart.same_drawing(switch)
    (ax,) = factor_figure(points, chart, ["all_signals_missed_rate"]).axes
    positions = sorted(x for bars in ax.containers for x in bars.lines[0].get_xdata())  # each mean's place
    assert len(positions) == 4 and len(set(positions)) == 4  # side by side, not on top of each other
    assert all(line.get_linestyle() == "None" for line in ax.lines)


def test_a_numeric_factor_keeps_its_lines_and_too_many_combinations_are_points():
    points = design(switch=[True, False])
    chart = factor_chart(points, "police_staff", ["scenario", "switch"], ORDER)
    assert (chart.kind, chart.keys) == (LINES, (("london-wide", True), ("london-wide", False),
                                                ("london-pooled", True), ("london-pooled", False)))
    many = design(scenarios=[f"s{i}" for i in range(9)])
    assert factor_chart(many, "police_staff", ["scenario"]).kind == POINTS
    # a Latin hypercube: no other factors tell lines apart
    assert factor_chart(points.drop_duplicates("police_staff"), "police_staff", []).kind == LINES


def test_the_pooling_report_draws_the_scenarios_against_staff_once(pooling, tmp_path, capsys):
    report(capsys, pooling, tmp_path / "report")
    folder = tmp_path / "report"
    for name in ("vs-scenario.png", "vs-police_staff.png"):
        assert (folder / name).read_bytes().startswith(PNG)
    assert (folder / "vs-scenario.png").read_bytes() == (folder / "vs-police_staff.png").read_bytes()
    page = (folder / "report.html").read_text()
    assert "Against police_staff, one line per scenario (vs-scenario.png, vs-police_staff.png)" in page
    assert page.count("data:image/png;base64,") == len({p.read_bytes() for p in folder.glob("*.png")})


def test_a_sweep_over_scenarios_alone_charts_them_as_categories(tmp_path, capsys):
    alone = POOLING.split('[[factors]]\nname = "police_staff"')[0] + "[replications]\nn = 3\n"
    folder = swept(tmp_path, alone)
    report(capsys, folder, tmp_path / "report")
    assert (tmp_path / "report" / "vs-scenario.png").read_bytes().startswith(PNG)
    assert "Each scenario" in (tmp_path / "report" / "report.html").read_text()


# ------------------------------------------------------------------ 4. folders part-written by an older version


def look_old(folder: Path) -> None:
    """Make ``folder`` look written by a version before the scenario_name column: no such column in
    points.parquet or any part file, and experiment.json without the list of base scenarios."""
    for path in [folder / "points.parquet", *sorted((folder / "rows").glob("point-*.parquet"))]:
        table = pq.read_table(path)
        pq.write_table(table.drop_columns(["scenario_name"]), path)
    meta = json.loads((folder / "experiment.json").read_text())
    del meta["base_scenarios"]
    (folder / "experiment.json").write_text(json.dumps(meta))


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Path:
    return grid_results(tmp_path_factory.mktemp("grid") / "grid", replications=3)


@pytest.mark.parametrize("lost", [["point-0-"], ["point-3-"], ["point-1-", "point-2-"]],
                         ids=["first-parts-new", "last-parts-new", "middle-parts-new"])
def test_a_folder_resumed_after_an_upgrade_reads_as_one_frame(grid, lost, tmp_path, capsys):
    old = Path(shutil.copytree(grid, tmp_path / "old"))
    look_old(old)
    for part in (old / "rows").iterdir():  # the sweep was interrupted before these were written
        if part.name.startswith(tuple(lost)):
            part.unlink()
    code, _, err = run_cli(capsys, "sweep", grid.parent / "experiment.toml", "--out", old, "--resume",
                           "--workers", "1")
    assert code == 0, err
    kinds = {"scenario_name" in pq.read_schema(p).names for p in (old / "rows").glob("point-*.parquet")}
    assert kinds == {True, False}  # the resumed folder mixes both kinds of part file

    mixed, fresh = load_sweep(old), load_sweep(grid)
    assert mixed.rows["scenario_name"].notna().all() and set(mixed.rows["scenario_name"]) == {"small"}
    pd.testing.assert_frame_equal(mixed.rows[fresh.rows.columns], fresh.rows, check_exact=True)
    pd.testing.assert_frame_equal(mixed.points[fresh.points.columns], fresh.points, check_exact=True)
    assert any("older than the scenario_name column" in note for note in mixed.notes)

    code, out, err = run_cli(capsys, "report", old, "--metric", "all_signals_missed_rate", "--out", tmp_path / "report")
    assert code == 0, err
    assert "older than the scenario_name column" in out
    run_cli(capsys, "report", grid, "--metric", "all_signals_missed_rate", "--out", tmp_path / "fresh")
    for name in ("point_summary.csv", "paired_differences.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "report" / name), pd.read_csv(tmp_path / "fresh" / name))


def test_a_folder_wholly_from_an_older_version_gets_its_scenario_name(grid, tmp_path):
    old = Path(shutil.copytree(grid, tmp_path / "old", ignore=shutil.ignore_patterns("report")))
    look_old(old)
    data = load_sweep(old)
    assert set(data.rows["scenario_name"]) == set(data.points["scenario_name"]) == {"small"}


def test_names_that_cannot_be_known_are_refused_naming_the_folder(pooling, tmp_path, capsys):
    # two base scenarios, and points without names: which row ran which scenario is not recorded
    old = Path(shutil.copytree(pooling, tmp_path / "old", ignore=shutil.ignore_patterns("report")))
    look_old(old)
    code, out, err = run_cli(capsys, "report", old, "--out", tmp_path / "report")
    assert code == 2 and str(old) in err and "points.parquet" in err and "scenario_name" in err
    assert "--force" in err and "Traceback" not in err
    assert files_in(tmp_path / "report") == []
