"""Numbers a machine cannot simulate, loose types, seeds, deep nesting, dates and ``extends``: each refused
with its field, the bound and why (exit 2, nothing written), and the legal edges still run."""

from __future__ import annotations

import datetime as dt
import json
import math
import time

import pandas as pd
import pytest

from bad_inputs import SMALL_TOML
from mashsim.cli import main
from mashsim.replication import simulate
from mashsim.scenario import Scenario, ScenarioError, build_scenario, load_scenario
from mashsim.scenario.load import scenario_hash
from mashsim.scenario.bounds import (BACKLOG, BOUNDS, CONTACTS_PER_RUN, DEPTH, HOURS, LOGNORMAL_CV,
                                     LOOKAHEAD_DAYS, MULTIPLIER, RUN_DAYS, SEED, STAFF, STAFF_DAYS, TASK_MINUTES,
                                     WEIGHT)
from mashsim.model.workload import expected_contacts
from mashsim.scenario.size_checks import staff_days
from support import REPO, build, small_scenario, small_scenario_dict

INF, NAN = math.inf, math.nan
FINITE = "must be a finite number"


def _refused(*sets) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        build(None, *sets)
    return caught.value


def _problem(error: ScenarioError, path: str):
    found = [p for p in error.problems if p.path == path]
    assert found, f"no problem at {path}: {error.report()}"
    return found[0]


def _cli(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:  # argparse
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ----------------------------------------------------------------------------- non-finite and absurd numbers


TRIANGULAR_INF = {"min": 0, "mode": 1, "max": INF}


@pytest.mark.parametrize("path, value, where, message", [
    ("run.horizon_days", INF, "run.horizon_days", FINITE),
    ("run.horizon_days", 1e308, "run.horizon_days", RUN_DAYS.message()),
    ("run.horizon_days", 1e9, "run.horizon_days", RUN_DAYS.message()),
    ("run.warmup_days", NAN, "run.warmup_days", FINITE),
    ("arrivals.day_profile", [1, 1, 1, 1, NAN, 1, 1], "arrivals.day_profile.4", FINITE),
    ("arrivals.hour_profile", [1e308] * 24, "arrivals.hour_profile.0", WEIGHT.message()),
    ("roles.screeners.task_minutes", TRIANGULAR_INF, "roles.screeners.task_minutes.max", FINITE),
    ("roles.screeners.task_minutes", {"dist": "uniform", "min": 0, "max": INF},
     "roles.screeners.task_minutes.max", FINITE),
    ("roles.screeners.task_minutes", {"dist": "lognormal", "mean": 10, "sd": INF},
     "roles.screeners.task_minutes.sd", FINITE),
    ("roles.screeners.task_minutes", {"dist": "lognormal", "mean": 10, "sd": 1e200},
     "roles.screeners.task_minutes.sd", TASK_MINUTES.message()),
    ("roles.screeners.task_minutes", {"dist": "lognormal", "mean": 1e-9, "sd": 1},
     "roles.screeners.task_minutes", LOGNORMAL_CV.message()),
    ("roles.screeners.staff", 1e308, "roles.screeners.staff", STAFF.message()),
    ("roles.screeners.out_of_hours_staff", 10**12, "roles.screeners.out_of_hours_staff", STAFF.message()),
    ("roles.screeners.initial_backlog", 10**9, "roles.screeners.initial_backlog", BACKLOG.message()),
    ("roles.screeners.changes", [{"day": 10**20, "staff": 3}], "roles.screeners.changes.0.day", "at most 7,300 days"),
    ("arrivals.scale", 1e300, "arrivals.scale", MULTIPLIER.message()),
    ("arrivals.sources.police.annual_contacts", 1e12, "arrivals.sources.police.annual_contacts", "at most 3,000,000"),
    ("channels.remote.latency_hours", INF, "channels.remote.latency_hours", FINITE),
    ("rag.red.deadline_hours", 1e308, "rag.red.deadline_hours", HOURS.message()),
    ("policy.decision_allowance_hours", NAN, "policy.decision_allowance_hours", FINITE),
    ("calendar.hours.office", {"days": ["mon"], "start": NAN, "end": 17}, "calendar.hours.office.start", FINITE),
    ("injects", [{"kind": "surge", "start_day": 3, "hours": 10, "factor": 1e12}], "injects[0].factor",
     MULTIPLIER.message()),
    ("injects", [{"kind": "surge", "start_day": 3, "hours": INF, "factor": 2}], "injects[0].hours", FINITE),
    ("injects", [{"kind": "outage", "start_day": NAN, "hours": 1, "agency": "police"}], "injects[0].start_day",
     FINITE),
    ("injects", [{"kind": "absence", "start_day": 3, "hours": 10, "role": "screeners", "staff": 10**30}],
     "injects[0].staff", STAFF.message()),
    ("injects", [{"kind": "policy", "start_day": 3, "hours": 10, "decision_allowance_hours": INF}],
     "injects[0].decision_allowance_hours", FINITE),
])
def test_a_non_finite_or_absurd_number_is_refused_with_the_bound_and_why(path, value, where, message):
    problem = _problem(_refused((path, value)), where)
    assert message in problem.message


def test_every_bound_message_says_the_number_and_why():
    for bound in BOUNDS.values():
        number, _, why = bound.message().partition(": ")
        assert number.startswith("at most ") and any(c.isdigit() for c in number) and len(why) > 20


def test_every_number_in_the_scenario_schema_has_an_upper_bound():
    """So a field added later cannot slip through unbounded: the JSON schema shows each field's bounds."""
    schema = Scenario.model_json_schema()
    unbounded = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") in ("number", "integer") and not {"maximum", "exclusiveMaximum"} & set(node):
                unbounded.append(where)
            for key, child in node.items():
                walk(child, f"{where}.{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{where}.{i}")

    walk(schema, "")
    assert not unbounded


def test_the_reference_lists_every_bound():
    reference = (REPO / "docs" / "reference.md").read_text()
    for name, bound in BOUNDS.items():
        assert bound.message().split(":")[0] in reference, name


# ----------------------------------------------------------------------------- sizes as a whole


def test_too_many_contacts_for_one_replication_are_refused_and_london_wide_for_ten_years_is_not():
    problem = _problem(_refused("arrivals.sources.police.annual_contacts=3000000", "arrivals.scale=100",
                                "run.horizon_days=365"), "arrivals.sources")
    assert CONTACTS_PER_RUN.message() in problem.message
    london = load_scenario("london-wide", [f"run.horizon_days={RUN_DAYS.high}"])
    assert 3_000_000 < expected_contacts(london) < CONTACTS_PER_RUN.high
    year = load_scenario("london-wide", ["run.horizon_days=365", "run.warmup_days=0"])
    assert expected_contacts(year) == pytest.approx(400_000, rel=0.1)
    assert len(year.hubs) == 32


def test_too_many_staff_days_are_refused_and_london_wide_for_ten_years_is_far_below():
    raw = small_scenario_dict()
    raw["hubs"] = {f"h{i}": {} for i in range(300)}  # 300 x (1,000 police + 8 others) x 3,660 days
    raw["agencies"]["police"]["staff"] = 1000
    for source in raw["arrivals"]["sources"].values():
        source["annual_contacts"] = 100  # few contacts: the staff-days alone are too many
    raw["run"]["horizon_days"] = RUN_DAYS.high
    with pytest.raises(ScenarioError) as caught:
        build(raw)
    assert STAFF_DAYS.message() in _problem(caught.value, "hubs").message
    london = load_scenario("london-wide", [f"run.horizon_days={RUN_DAYS.high}"])
    assert staff_days(london) < STAFF_DAYS.high / 20


def test_a_surge_counts_towards_the_contacts_of_a_run():
    base = expected_contacts(small_scenario())
    surged = small_scenario(("injects", [{"kind": "surge", "start_day": 2, "hours": 48, "factor": 11}]))
    # ten extra days' worth of the two surged days' arrivals (a Wednesday and a Thursday: weekdays)
    assert expected_contacts(surged) - base == pytest.approx(10 * 2 * 4500 / 365.25 * 7 / 5.2, rel=0.2)


def test_the_largest_staff_and_backlog_allowed_run():
    scenario = small_scenario(f"roles.screeners.staff={int(STAFF.high)}",
                              f"roles.managers.initial_backlog={int(BACKLOG.high)}", "run.horizon_days=1",
                              "run.warmup_days=0")
    result = simulate(scenario, 1)
    assert result.metrics["contacts_arrived"] > 0


# ----------------------------------------------------------------------------- dates


def _latest_start(days: float) -> dt.date:
    return dt.date.max - dt.timedelta(days=LOOKAHEAD_DAYS + math.ceil(days))


def test_a_start_date_whose_run_ends_past_the_calendar_is_refused():
    problem = _problem(_refused("calendar.start_date=9999-12-01"), "calendar.start_date")
    assert "9999-12-31" in problem.message and "allowed: a start date up to" in problem.message
    latest = _latest_start(12)  # the small scenario: 2 days' warm-up, 10 measured
    assert small_scenario(f"calendar.start_date={latest}").calendar.start_date == latest
    _refused(f"calendar.start_date={latest + dt.timedelta(days=1)}")


def test_trace_runs_at_the_latest_start_date_allowed(tmp_path, capsys):
    path = tmp_path / "late.toml"
    path.write_text(SMALL_TOML.replace("[run]\n", f"[calendar]\nstart_date = {_latest_start(12)}\n\n[run]\n"))
    code, out, err = _cli(capsys, "trace", path, "--pick", "random", "--json")
    assert code == 0, err
    code, out, err = _cli(capsys, "trace", path, "--pick", "random", "--set", "calendar.start_date=9999-12-01")
    assert code == 2 and "calendar.start_date" in err and "Traceback" not in err


def test_a_period_spanning_centuries_is_read_for_the_days_of_the_run_only():
    period = {"dates": [[dt.date(1, 1, 1), dt.date(9999, 12, 31)]], "multiplier": 2.0}
    scenario = small_scenario(("calendar.periods", {"always": period}))
    started = time.perf_counter()
    simulate(scenario, 1)
    assert time.perf_counter() - started < 10
    # annual_contacts counts a year's contacts with its periods: one every day of it changes nothing
    assert expected_contacts(scenario) == pytest.approx(expected_contacts(small_scenario()))


# ----------------------------------------------------------------------------- loose types


@pytest.mark.parametrize("path, value", [
    ("roles.screeners.staff", True), ("roles.screeners.staff", "5"), ("policy.red_priority", "yes"),
    ("policy.red_priority", 1), ("roles.screeners.out_of_hours_staff", 1.0), ("run.seed", "7"),
    ("agencies.police.holds_information.low", "0.3"), ("run.replications", False),
    ("calendar.start_date", 20250106), ("calendar.start_date", "the sixth"),
])
def test_a_value_of_the_wrong_type_is_refused(path, value):
    assert _problem(_refused((path, value)), path)


def test_toml_ints_are_taken_where_floats_are_wanted_and_dates_may_be_text():
    scenario = small_scenario("roles.screeners.staff=3", ("calendar.start_date", "2025-02-03"))
    assert scenario.roles.screeners.staff == 3.0 and isinstance(scenario.roles.screeners.staff, float)
    assert scenario.calendar.start_date == dt.date(2025, 2, 3)


# ----------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("seed", [2**63, 2**64, -1])
def test_a_seed_out_of_range_is_refused_in_the_scenario(seed):
    assert _problem(_refused(f"run.seed={seed}"), "run.seed")


STAFF_COMMAND = ["staff", "--target", "rag_breach_rate<=0.5", "--vary", "roles.screeners.staff=1..2"]


@pytest.mark.parametrize("command", [["run"], ["trace", "--pick", "random"], STAFF_COMMAND])
@pytest.mark.parametrize("seed", [str(2**63), str(2**64), "-1"])
def test_a_seed_out_of_range_is_refused_on_every_command_line(command, seed, tmp_path, capsys):
    code, out, err = _cli(capsys, command[0], "london-borough", *command[1:], "--seed", seed)
    assert code == 2 and "--seed" in err and out == "" and "Traceback" not in err
    if seed != "-1":  # the bound, in words or in figures
        assert f"{SEED.high:,}" in err or str(SEED.high) in err


def test_check_model_refuses_a_seed_out_of_range(capsys):
    code, _, err = _cli(capsys, "check-model", "--fast", "--seed", str(2**64))
    assert code == 2 and "--seed" in err


def test_the_largest_seed_runs_and_is_stored(tmp_path, capsys):
    out_dir = tmp_path / "results"
    path = tmp_path / "small.toml"
    path.write_text(SMALL_TOML)
    code, _, err = _cli(capsys, "run", path, "-r", "1", "--workers", "1", "--seed", str(SEED.high),
                        "--set", "run.horizon_days=1", "--out", out_dir)
    assert code == 0, err
    assert pd.read_parquet(out_dir / "replications.parquet")["seed"].tolist() == [SEED.high]


# ----------------------------------------------------------------------------- deep nesting, extends


@pytest.mark.parametrize("levels", [40, 300, 5000])
def test_deep_nesting_is_refused_without_a_traceback(levels, tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text(SMALL_TOML + "\n[agencies.police.channel]\nlatency_hours = " + "[" * levels + "]" * levels + "\n")
    code, out, err = _cli(capsys, "validate", path)
    assert code == 2 and "nested too deeply" in err and DEPTH.message() in err and str(path) in err
    code, out, err = _cli(capsys, "validate", "london-borough", "--set", "name=" + "{a=" * levels + "1" + "}" * levels)
    assert code == 2 and "nested too deeply" in err


def test_extends_refuses_a_file_that_is_not_a_scenario_without_showing_it(tmp_path, capsys):
    secret = tmp_path / "secrets.toml"
    secret.write_text('password = "hunter2"\n[database]\nuser = "admin"\n')
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{secret}"\nname = "x"\n')
    code, out, err = _cli(capsys, "validate", child)
    assert code == 2
    assert str(child) in err and "not a scenario file" in err
    assert "hunter2" not in err and "password" not in err and "admin" not in err


def test_a_problem_reading_an_extended_file_is_said_by_the_file_that_extends_it(tmp_path, capsys):
    (tmp_path / "base.toml").write_text("[run\n")
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\nname = "x"\n')
    code, _, err = _cli(capsys, "validate", child)
    assert code == 2 and f"{child}: 1 problem" in err and "base.toml" in err and "TOML syntax error" in err


# ----------------------------------------------------------------------------- the command line, end to end


@pytest.mark.parametrize("setting, field", [
    ("run.horizon_days=inf", "run.horizon_days"), ("roles.screeners.staff=true", "roles.screeners.staff"),
    (f"run.seed={2**64}", "run.seed"), ("calendar.start_date=9999-12-01", "calendar.start_date"),
    ("arrivals.scale=1e12", "arrivals.scale"),
])
def test_run_refuses_them_with_exit_2_and_writes_nothing(setting, field, tmp_path, capsys):
    out_dir = tmp_path / "results"
    code, out, err = _cli(capsys, "run", "london-borough", "--set", setting, "--out", out_dir, "-r", "1")
    assert code == 2 and field in err and "Traceback" not in err and out == ""
    assert not out_dir.exists()


@pytest.mark.parametrize("name", ["london-borough", "london-wide", "exercise-september-outage"])
def test_a_resolved_scenario_written_as_json_reads_back_the_same(name):
    """Strict types still read JSON's forms: dates as text, ranges as lists."""
    scenario = load_scenario(name)
    again = build_scenario(json.loads(json.dumps(scenario.model_dump(mode="json"))))
    assert scenario_hash(again) == scenario_hash(scenario)
