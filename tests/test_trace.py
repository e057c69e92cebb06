"""Case traces: complete, in time order, consistent with the run's metrics; picked and printed."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import mashsim
from mashsim.cli import main
from mashsim.report.trace_text import to_markdown
from mashsim.trace import CaseNotFound, trace_run
from support import assert_same_metrics, small_scenario, small_scenario_dict, build

# a slow police desk and few managers: Red cases with missed signals and RAG breaches in a short run
STRAINED = ("agencies.police.staff=0.5", "agencies.police.research_minutes={min=120, mode=180, max=300}",
            "roles.managers.staff=0.5")


@pytest.fixture(scope="module")
def run():
    return trace_run(small_scenario(*STRAINED), seed=4)


def _check_consistent(traced) -> None:
    """Every case's events in time order; missed signals in traces are exactly the metric's."""
    agencies = list(traced.scenario.agencies)
    missed = dict.fromkeys(agencies, 0)
    held = dict.fromkeys(agencies, 0)
    for row in traced.cases.to_dict("records"):
        events = traced.events(row["id"])
        times = [e.time_hours for e in events]
        assert times == sorted(times)
        assert events[0].kind == "arrived" and events[0].time_hours == row["arrived_hours"]
        kinds = [e.kind for e in events]
        n_missed = kinds.count("missed")
        if row["open"]:
            assert kinds[-1] == "open at end" and "decided" not in kinds
            continue
        decided = events[kinds.index("decided")]
        assert decided.time_hours == row["decided_hours"] and decided.detail["outcome"] == row["outcome"]
        assert n_missed == row["signals_missed"] and (n_missed > 0) == row["missed"]
        last = kinds.index("true risk")
        assert events[last].detail["under_triaged"] == row["under_triaged"]
        assert set(kinds[last + 1:]) <= {"returned late"}  # a desk may answer after the decision
        for agency in decided.detail["held"]:
            held[agency] += 1
        for e in events:
            if e.kind == "missed":
                missed[e.detail["agency"]] += 1
                assert row[f"signal_{e.detail['agency']}"] == e.detail["cause"]
    m = traced.metrics
    assert sum(held.values()) > 0
    assert m["all_signals_missed_rate"] == pytest.approx(sum(missed.values()) / sum(held.values()), rel=1e-12)
    for agency in agencies:
        rate = m[f"all_signals_missed_rate.by_agency.{agency}"]
        if held[agency]:
            assert rate == pytest.approx(missed[agency] / held[agency], rel=1e-12)
        else:
            assert math.isnan(rate)


def test_events_are_in_time_order_and_missed_signals_match_the_metric(run):
    _check_consistent(run)


def test_a_traced_run_is_the_same_run(run):
    plain = mashsim.simulate(run.scenario, 4, 0)
    assert_same_metrics(plain.metrics, run.metrics)
    assert len(run.cases) == plain.metrics["contacts_arrived"]


@given(seed=st.integers(0, 10_000), replication=st.integers(0, 3))
def test_traces_agree_with_metrics_for_any_seed(seed, replication):
    _check_consistent(trace_run(small_scenario("run.horizon_days=4", "run.warmup_days=1"), seed, replication))


def test_traces_show_an_outage_and_its_missed_signals():
    raw = small_scenario_dict()
    raw["injects"] = [{"kind": "outage", "agency": "health", "mode": "fail", "start_day": 3.375, "hours": 6}]
    traced = trace_run(build(raw), seed=1)
    _check_consistent(traced)
    outage = [e for row in traced.cases.to_dict("records") for e in traced.events(row["id"])
              if e.kind == "missed" and e.detail["cause"] == "desk_outage"]
    down = [e for row in traced.cases.to_dict("records") for e in traced.events(row["id"]) if e.kind == "desk down"]
    assert outage and down
    assert all(e.detail["until_hours"] == 3.375 * 24 + 6 for e in down)


@pytest.mark.parametrize("kind", ["red-missed", "breach", "random"])
def test_pick_finds_a_matching_case(run, kind):
    for seed in range(5):
        row = run.case(run.pick(kind, seed))
        if kind == "red-missed":
            assert row["rag"] == "red" and row["missed"]
        elif kind == "breach":
            assert row["breach"]
    assert run.pick(kind, np.random.default_rng(1)) == run.pick(kind, np.random.default_rng(1))


def test_pick_with_no_match_and_an_unknown_case_are_clear_errors():
    traced = trace_run(small_scenario("run.horizon_days=1", "run.warmup_days=0"), seed=1)
    with pytest.raises(CaseNotFound, match="no case that breached its RAG deadline"):
        traced.pick("breach", 0)
    with pytest.raises(CaseNotFound, match="no case 999999"):
        traced.events(999999)


def test_markdown_has_clock_times_and_weekdays(run):
    case = run.pick("red-missed", 0)
    row = run.case(case)
    text = to_markdown(run, case)
    # day 0 is Monday 6 January 2025 in the small scenario (the calendar's default start)
    import datetime as dt
    arrived = dt.datetime(2025, 1, 6) + dt.timedelta(hours=row["arrived_hours"])
    assert f"## {arrived:%A} {arrived.day} {arrived:%B %Y}" in text
    assert f"- {arrived:%H:%M} arrived from {row['source']}" in text
    assert "missed: " in text and "true risk" in text and f"Case {case}: Red" in text


# ------------------------------------------------------------------------------ command line
def _cli_args(tmp_path, *extra, sets=STRAINED):
    path = tmp_path / "small.toml"
    path.write_text(_toml(small_scenario_dict()))
    return ["trace", str(path), *(f"--set={s}" for s in sets), "--seed", "4", *extra]


def _toml(raw) -> str:
    from mashsim.scenario.exercise import to_toml

    return to_toml(raw)


def test_cli_prints_markdown_json_and_writes_a_file(tmp_path, capsys, run):
    case = run.pick("red-missed", 0)
    assert main(_cli_args(tmp_path, "--case", str(case))) == 0
    assert capsys.readouterr().out == to_markdown(run, case)
    assert main(_cli_args(tmp_path, "--case", str(case), "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["events"] == json.loads(json.dumps([e.to_dict() for e in run.events(case)]))
    assert data["case"]["id"] == case and data["seed"] == 4
    out = tmp_path / "case.md"
    assert main(_cli_args(tmp_path, "--pick", "red-missed", "--markdown", str(out))) == 0
    assert out.read_text().startswith("# Case ")
    assert capsys.readouterr().out == ""


def test_cli_unknown_case_and_no_match_exit_2(tmp_path, capsys):
    assert main(_cli_args(tmp_path, "--case", "999999")) == 2
    assert "--case: no case 999999" in capsys.readouterr().err
    assert main(_cli_args(tmp_path, "--pick", "breach", sets=("run.horizon_days=1", "run.warmup_days=0"))) == 2
    assert "--pick: no case that breached its RAG deadline" in capsys.readouterr().err


def test_cli_needs_a_case_or_a_pick(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["trace", "london-borough"])
    assert exit_.value.code == 2
