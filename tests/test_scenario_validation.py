"""Loading scenarios: every kind of bad input is reported with its file, field path and reason."""

from __future__ import annotations

import json
import tomllib

import pytest

import mashsim
from bad_inputs import BAD_INPUTS, SMALL_TOML
from mashsim.scenario import ScenarioError, apply_overrides, build_scenario, load_scenario, parse_assignment
from mashsim.scenario.load import scenario_hash
from mashsim.scenario.schema import Screening
from support import DEFAULT_SCENARIO, build, small_scenario_dict


def _problem_at(error: ScenarioError, path: str):
    """The problem reported at ``path`` (or an item of it, such as ``policy.ask.red.6``)."""
    found = [p for p in error.problems if p.path == path or p.path.startswith(path + ".")]
    assert found, f"no problem at {path!r}; got {[str(p) for p in error.problems]}"
    return found[0]


def _load_error(source, overrides=()) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(source, overrides)
    return caught.value


# ----------------------------------------------------------------------------- bad files


def test_the_good_file_the_bad_ones_are_made_from_is_the_small_scenario(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL_TOML)
    assert scenario_hash(load_scenario(path)) == scenario_hash(build(small_scenario_dict()))


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[b.id for b in BAD_INPUTS])
def test_a_bad_file_is_reported_with_its_name_field_and_reason(bad, tmp_path):
    path = bad.write(tmp_path)
    error = _load_error(path)
    assert error.source == str(path)
    problem = _problem_at(error, bad.path)
    assert bad.message in problem.message
    report = error.report()
    assert str(path) in report and bad.message in report
    if bad.path:
        assert bad.path in report
    # exactly the edit is wrong: nothing else is reported
    assert len(error.problems) == 1 or bad.id == "unknown-field"


def test_a_misspelt_table_is_both_unknown_and_missing(tmp_path):
    error = _load_error(next(b for b in BAD_INPUTS if b.id == "unknown-field").write(tmp_path))
    assert {p.path for p in error.problems} == {"roles.screenrs", "roles.screeners"}
    assert "allowed: contact_officers, screeners, managers" in _problem_at(error, "roles.screenrs").message
    assert "required" in _problem_at(error, "roles.screeners").message


def test_the_unknown_agency_is_named_with_the_agencies_allowed(tmp_path):
    error = _load_error(next(b for b in BAD_INPUTS if b.id == "ask-unknown-agency").write(tmp_path))
    problem = _problem_at(error, "policy.ask.red")
    assert problem.path == "policy.ask.red.3"
    assert problem.value == "fire_service"
    assert "allowed: police, health, education" in problem.message


def test_a_toml_syntax_error_gives_the_line(tmp_path):
    error = _load_error(next(b for b in BAD_INPUTS if b.id == "toml-syntax").write(tmp_path))
    assert "line" in error.problems[0].message


def test_a_missing_file_and_a_folder_are_reported(tmp_path):
    missing = tmp_path / "no-such-scenario.toml"
    error = _load_error(missing)
    assert error.source == str(missing)
    assert [p.message for p in error.problems] == ["file not found"]  # a path: no shipped names listed
    error = _load_error(tmp_path)
    assert "directory" in error.problems[0].message


def test_every_problem_is_reported_at_once():
    raw = small_scenario_dict()
    raw["agencies"]["police"]["staff"] = -1
    raw["decision"] = {"recognition": 2}
    raw["policy"]["ask"]["green"] = ["health", "health"]
    with pytest.raises(ScenarioError) as caught:
        build_scenario(raw, "many.toml")
    paths = {p.path for p in caught.value.problems}
    assert {"agencies.police.staff", "decision.recognition"} <= paths
    # cross-reference checks run only on a scenario that parses
    raw = small_scenario_dict()
    raw["policy"]["ask"]["green"] = ["health", "health", "fire"]
    raw["hub_hours"] = "nights"
    raw["agencies"]["hub"] = raw["agencies"]["health"]
    with pytest.raises(ScenarioError) as caught:
        build_scenario(raw)
    paths = {p.path for p in caught.value.problems}
    assert {"policy.ask.green", "policy.ask.green.2", "hub_hours", "agencies.hub"} <= paths


@pytest.mark.parametrize("edit, path, message", [
    (lambda r: r["arrivals"].update(risk_mix={"low": 0.5, "medium": 0.5, "high": 0.5, "critical": 0}),
     "arrivals.risk_mix", "sum to 1"),
    (lambda r: r["roles"]["screeners"].update(task_minutes={"min": 30, "mode": 20, "max": 40}),
     "roles.screeners.task_minutes", "min <= mode <= max"),
    (lambda r: r["roles"]["screeners"].update(task_minutes={"dist": "gamma", "mean": 20}),
     "roles.screeners.task_minutes", "allowed: triangular"),
    (lambda r: r.update(calendar={"hours": {"late": {"days": ["mon"], "start": 20, "end": 8}}}),
     "calendar.hours.late", "must be after start"),
    (lambda r: r.update(calendar={"periods": {"summer": {"dates": [["2025-08-31", "2025-07-01"]]}}}),
     "calendar.periods.summer.dates", "before it starts"),
    (lambda r: r["arrivals"]["sources"]["police"].update(period_multipliers={"summer": 0.5}),
     "arrivals.sources.police.period_multipliers.summer", "no such calendar period"),
    (lambda r: r["arrivals"].update(hour_profile=[0] * 24), "arrivals.hour_profile", "at least one value"),
    (lambda r: r.update(screening={"under_rating": 0.6, "over_rating": 0.5}), "screening", "<= 1"),
    (lambda r: r["roles"]["managers"].update(out_of_hours_staff=1.5), "roles.managers.out_of_hours_staff",
     "integer"),
    (lambda r: r["agencies"]["health"].update(location="next door"), "agencies.health.location", "co-located"),
    (lambda r: r["agencies"]["police"].update(staff=0, out_of_hours_staff=0), "agencies.police.staff",
     "policy.ask names it"),
    (lambda r: r["run"].update(replications=0), "run.replications", "greater than or equal to 1"),
    (lambda r: r.pop("roles"), "roles", "required field is missing"),
])
def test_other_bad_values_name_their_field(edit, path, message):
    raw = small_scenario_dict()
    edit(raw)
    with pytest.raises(ScenarioError) as caught:
        build_scenario(raw)
    problem = _problem_at(caught.value, path)
    assert problem.path == path
    assert message in problem.message


def test_an_unasked_agency_may_have_no_staff():
    raw = small_scenario_dict()
    raw["agencies"]["police"].update(staff=0, out_of_hours_staff=0)
    for rag in ("red", "amber", "green"):
        raw["policy"]["ask"][rag] = [a for a in raw["policy"]["ask"][rag] if a != "police"]
    assert build_scenario(raw).agencies["police"].staff == 0


def test_a_role_with_staff_only_after_a_change_is_valid():
    raw = small_scenario_dict()
    raw["roles"]["screeners"].update(staff=0, out_of_hours_staff=0, changes=[{"day": 3, "staff": 2}])
    assert build_scenario(raw).roles.screeners.staff_on_day(3) == 2


def test_a_role_changed_to_no_staff_from_day_zero_is_rejected():
    raw = small_scenario_dict()
    raw["roles"]["screeners"].update(staff=5, out_of_hours_staff=0, changes=[{"day": 0, "staff": 0}])
    with pytest.raises(ScenarioError) as caught:
        build_scenario(raw)
    assert _problem_at(caught.value, "roles.screeners")


# ----------------------------------------------------------------------------- provenance tags


def test_tagged_values_are_unwrapped_and_their_provenance_kept(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL_TOML)
    scenario = load_scenario(path)
    assert scenario.roles.screeners.staff == 2
    tags = {path: (value, prov) for path, value, prov in scenario.provenance()}
    assert set(tags) == {"roles.screeners.staff", "arrivals.sources.police.annual_contacts"}
    value, prov = tags["roles.screeners.staff"]
    assert (value, prov.tag, prov.source, prov.note) == (2, "S", "a test source", None)
    value, prov = tags["arrivals.sources.police.annual_contacts"]
    assert (value, prov.tag, prov.source, prov.note) == (3000, "E", None, "a test figure")


def test_the_default_scenario_tags_its_figures():
    tags = list(load_scenario(DEFAULT_SCENARIO).provenance())
    assert len(tags) > 20
    assert {prov.tag for _, _, prov in tags} <= {"S", "D", "E", None}
    assert {"S", "D", "E"} <= {prov.tag for _, _, prov in tags}


def test_a_bad_provenance_tag_names_the_tagged_field():
    raw = small_scenario_dict()
    raw["agencies"]["police"]["staff"] = {"value": 3, "tag": "X"}
    with pytest.raises(ScenarioError) as caught:
        build_scenario(raw)
    (problem,) = caught.value.problems
    assert problem.path.startswith("agencies.police.staff")
    assert "'S', 'D' or 'E'" in problem.message


def test_a_misspelt_provenance_key_suggests_the_right_one():
    raw = small_scenario_dict()
    raw["agencies"]["police"]["staff"] = {"value": 3, "tag": "S", "sorce": "a report"}
    with pytest.raises(ScenarioError) as caught:
        build_scenario(raw)
    (problem,) = caught.value.problems
    assert problem.path.startswith("agencies.police.staff")
    assert "did you mean 'source'" in problem.message


# ----------------------------------------------------------------------------- --set overrides


@pytest.mark.parametrize("text, expected", [
    ("roles.screeners.staff=4", ("roles.screeners.staff", 4)),
    ("policy.red_priority=false", ("policy.red_priority", False)),
    ('policy.ask.green=["police", "health"]', ("policy.ask.green", ["police", "health"])),
    ("agencies.health.location=remote", ("agencies.health.location", "remote")),
    (" run.horizon_days = 2.5 ", ("run.horizon_days", 2.5)),
    ("agencies.police.channel={latency_hours=1, loss=0.5}",
     ("agencies.police.channel", {"latency_hours": 1, "loss": 0.5})),
])
def test_set_values_are_read_as_toml_or_else_as_text(text, expected):
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["roles.screeners.staff", "=4", ""])
def test_a_set_without_path_and_value_is_rejected(text):
    with pytest.raises(ScenarioError) as caught:
        parse_assignment(text)
    assert caught.value.problems[0].path == "--set"


def test_set_creates_missing_tables_and_indexes_lists():
    raw = {"a": {"b": [10, 20, 30]}}
    out = apply_overrides(raw, [("a.b.1", 99), ("c.d.e", "x")])
    assert out == {"a": {"b": [10, 99, 30]}, "c": {"d": {"e": "x"}}}
    assert raw == {"a": {"b": [10, 20, 30]}}  # the original is left alone
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(raw, [("a.b.3", 1)])
    assert "from 0 to 2" in caught.value.problems[0].message


def test_a_set_path_through_a_value_is_refused():
    error = _load_error("london-borough", ["run.horizon_days.x=3"])
    problem = _problem_at(error, "run.horizon_days.x")
    assert "run.horizon_days is a value, not a table" in problem.message


def test_set_on_a_tagged_value_replaces_the_value_and_notes_the_change():
    scenario = load_scenario("london-borough", ["agencies.police.staff=7"])
    assert scenario.agencies["police"].staff == 7
    tags = {path: prov for path, _, prov in scenario.provenance()}
    prov = tags["agencies.police.staff"]
    assert prov.tag is None and prov.source is None
    assert prov.note == "changed by --set agencies.police.staff"


def test_a_bad_set_value_names_the_field_and_the_overrides():
    error = _load_error("london-borough", ["agencies.police.staff=-2", "run.horizon_days=0"])
    assert {p.path for p in error.problems} == {"agencies.police.staff", "run.horizon_days"}
    assert "--set agencies.police.staff, run.horizon_days" in error.source


# ----------------------------------------------------------------------------- names, dicts, hashes


def test_a_shipped_scenario_loads_by_name_path_or_table():
    by_name = load_scenario("london-borough")
    by_path = load_scenario(DEFAULT_SCENARIO)
    by_table = load_scenario(tomllib.loads(DEFAULT_SCENARIO.read_text()))
    assert scenario_hash(by_name) == scenario_hash(by_path) == scenario_hash(by_table)
    assert by_name.name == "london-borough"


def test_the_hash_is_of_the_resolved_scenario():
    raw = small_scenario_dict()
    base = scenario_hash(build(raw))
    # writing a default explicitly resolves to the same scenario
    default_under = Screening().under_rating
    assert scenario_hash(build(raw, "policy.red_priority=true", f"screening.under_rating={default_under}")) == base
    # a provenance tag is not part of what is simulated
    tagged = small_scenario_dict()
    tagged["agencies"]["police"]["staff"] = {"value": 1, "tag": "E", "note": "a guess"}
    assert scenario_hash(build(tagged)) == base
    assert scenario_hash(build(raw, "agencies.police.staff=2")) != base
    assert len(base) == 16 and int(base, 16) >= 0


def test_the_json_schema_describes_the_format():
    schema = mashsim.Scenario.model_json_schema()
    assert {"name", "arrivals", "roles", "agencies", "policy", "rag"} <= set(schema["properties"])
    assert set(schema["required"]) == {"name", "arrivals", "roles"}
    json.dumps(schema)


# ----------------------------------------------------------------------------- extends, --set typos


def test_extends_merges_tables_field_by_field(tmp_path):
    (tmp_path / "base.toml").write_text(SMALL_TOML)
    (tmp_path / "child.toml").write_text(
        'extends = "base.toml"\nname = "child"\n[agencies.police]\nstaff = 3\n[run]\nhorizon_days = 7\n')
    child = load_scenario(tmp_path / "child.toml")
    expected = build(small_scenario_dict(), "name=child", "agencies.police.staff=3", "run.horizon_days=7")
    assert scenario_hash(child) == scenario_hash(expected)
    # the rest of the police and run tables are the base's
    assert child.agencies["police"].out_of_hours_staff == 1 and child.run.warmup_days == 2
    # and a tag in the base survives
    assert dict((p, prov.source) for p, _, prov in child.provenance())["roles.screeners.staff"] == "a test source"


@pytest.mark.parametrize("files, message", [
    ({"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n'}, "loop"),
    ({"a.toml": 'extends = "a.toml"\n'}, "loop"),
    ({"a.toml": 'extends = "missing.toml"\n'}, "file not found"),
    ({"a.toml": "extends = 3\n"}, "must be the path"),
])
def test_a_bad_extends_is_reported(files, message, tmp_path):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    error = _load_error(tmp_path / "a.toml")
    problem = _problem_at(error, "extends")
    assert message in problem.message
    assert error.source.endswith(".toml")


def test_set_cannot_invent_an_agency_by_a_typo():
    error = _load_error("london-borough", ["agencies.polise.staff=2"])
    problem = error.problems[0]
    assert problem.path == "agencies.polise.staff"
    assert "no agency named 'polise'" in problem.message and "police" in problem.message
    assert error.source.startswith("london-borough")
    error = _load_error("london-borough", ["arrivals.sources.scools.annual_contacts=2"])
    assert "no source named 'scools'" in error.problems[0].message


def test_set_on_a_table_the_file_leaves_out_keeps_the_other_defaults():
    raw = small_scenario_dict()
    del raw["channels"]
    scenario = build(raw, "channels.remote.loss=0.5", "rag.red.clock=working")
    defaults = mashsim.Scenario.model_fields
    assert scenario.channels.remote.loss == 0.5
    assert scenario.channels.remote.latency_hours == defaults["channels"].get_default(
        call_default_factory=True).remote.latency_hours
    assert scenario.rag.red.clock == "working"
    assert scenario.rag.red.deadline_hours == defaults["rag"].get_default(
        call_default_factory=True).red.deadline_hours


def test_set_may_give_a_tagged_value_for_a_tagged_field(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL_TOML)
    untagged = load_scenario(path, [("run.horizon_days", {"value": 5, "tag": "E"})])
    assert untagged.run.horizon_days == 5
    tagged = load_scenario(path, [("roles.screeners.staff", {"value": 4, "tag": "E", "note": "a sweep"})])
    assert tagged.roles.screeners.staff == 4
    prov = {p: prov for p, _, prov in tagged.provenance()}["roles.screeners.staff"]
    assert (prov.tag, prov.note) == ("E", "a sweep")


def test_a_role_that_is_always_absent_is_rejected_like_one_with_no_staff():
    raw = small_scenario_dict()
    raw["roles"]["screeners"].update(absence_rate=1.0)
    with pytest.raises(ScenarioError) as caught:
        build_scenario(raw)
    assert _problem_at(caught.value, "roles.screeners")
