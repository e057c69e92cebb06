"""The dashboard's logic without Streamlit: scenarios from files and uploads, the controls, exercise
files, KPIs, paired differences and the charts' data."""

from __future__ import annotations

import json
import math
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mashsim
from mashsim.app import charts, events, exercise, kpis, precision, state, words
from mashsim.cli import main
from mashsim.scenario import ScenarioError, scenario_hash

SHORT = {"run.horizon_days": 14.0, "run.warmup_days": 7.0, "run.replications": 3}


@pytest.fixture(scope="module")
def base() -> state.BaseScenario:
    return state.load_shipped("london-borough")


def short(base: state.BaseScenario, **changes) -> mashsim.Scenario:
    settings = {**state.run_settings(base), **SHORT}
    settings.update({path.replace("__", "."): value for path, value in changes.items()})
    return state.build(base, settings)


def test_shipped_scenarios_default_first_and_short():
    names = state.shipped_names()
    assert names[0] == "london-borough" and {"september-surge", "understaffed-police"} <= set(names)
    settings = state.run_settings(state.load_shipped("london-borough"))
    assert settings["run.horizon_days"] == state.SHORT_HORIZON_DAYS
    assert settings["run.replications"] == state.SHORT_REPLICATIONS


def test_unknown_shipped_name_lists_the_allowed(base):
    with pytest.raises(ScenarioError, match="allowed: london-borough"):
        state.load_shipped("london")


def test_settings_equal_to_the_base_change_nothing(base):
    settings = {**state.policy_settings(base.scenario),
                **{c.path: c.value for c in state.staffing_controls(base.scenario)}}
    assert state.changes(base, settings) == []
    assert scenario_hash(state.build(base, settings)) == scenario_hash(base.scenario)


def test_a_changed_value_is_noted_and_the_others_keep_their_evidence(base):
    scenario = short(base, agencies__police__staff=1.0)
    tags = {path: prov for path, _, prov in scenario.provenance()}
    assert tags["agencies.police.staff"].note == state.CHANGED_NOTE
    assert tags["agencies.police.staff"].tag is None
    assert tags["roles.screeners.staff"].tag == "S"


def test_zero_staff_everywhere_names_every_role(base):
    zero = {c.path: 0.0 for c in state.staffing_controls(base.scenario)}
    with pytest.raises(ScenarioError) as caught:
        state.build(base, zero)
    paths = {p.path for p in caught.value.problems}
    assert {"roles.contact_officers.staff", "roles.screeners.staff", "agencies.police.staff"} <= paths
    assert "as set in the page" in caught.value.source


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe", "not a UTF-8 text file"),
    (b"name = \n", "TOML syntax error"),
    (b'extends = "../secret.toml"\nname = "x"\n', "extend a shipped scenario only"),
    (b'name = "x"\n', "required field is missing"),
])
def test_bad_uploads_are_scenario_errors_naming_the_file(data, message):
    with pytest.raises(ScenarioError, match=message) as caught:
        state.load_upload("upload.toml", data)
    assert caught.value.source == "upload.toml"


def test_every_shipped_scenario_survives_export_and_upload(base):
    for name in state.shipped_names():
        shipped = state.load_shipped(name)
        scenario = state.build(shipped, {**state.run_settings(shipped), "roles.managers.staff": 3.0})
        text = exercise.export_exercise(scenario, state.changes(shipped, {"roles.managers.staff": 3.0}))
        again = state.load_upload(f"{name}.toml", text.encode())
        assert scenario_hash(again.scenario) == scenario_hash(scenario), name
        assert again.notes == ()
        assert "#   roles.managers.staff: 2.0 -> 3.0" in text


def test_an_edited_exercise_file_is_flagged(base):
    text = exercise.export_exercise(short(base))
    edited = text.replace("seed = 42", "seed = 43")
    notes = state.load_upload("edited.toml", edited.encode()).notes
    assert len(notes) == 1 and "results may differ" in notes[0]


def test_the_exported_exercise_runs_on_the_command_line_to_the_same_numbers(base, tmp_path, capsys):
    scenario = short(base, agencies__police__staff=1.0)
    in_page = state.run(scenario)
    path = tmp_path / "exercise.toml"
    path.write_text(exercise.export_exercise(scenario))
    assert main(["run", str(path), "--json", "--workers", "2"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["replications"] == 3 and printed["seed"] == 42
    assert printed["scenario"]["hash"] == in_page.scenario_hash
    assert printed["metrics"] == json.loads(json.dumps(in_page.to_dict()["metrics"]))


def test_paired_differences_are_the_mean_and_interval_of_per_replication_differences(base):
    a = state.run(short(base))
    b = state.run(short(base, agencies__police__staff=0.5))
    metric = "all_signals_missed_rate.by_cause.late"
    table = kpis.paired_differences(a, b, [metric]).set_index("metric")
    diffs = [y - x for x, y in zip(a.values(metric), b.values(metric))]
    interval = mashsim.experiment.t_interval(diffs)
    assert table.loc[metric, "B − A"] == f"+{100 * interval.mean:.1f} points"
    assert table.loc[metric, "95% CI of B − A"] == \
        f"+{100 * interval.ci_low:.1f} points to +{100 * interval.ci_high:.1f} points"
    # a sixth of the police desk: late returns rise in every replication, clearly (a third did, before
    # children's returns loosened the pairing a little: in 3 short replications the CI then touched 0)
    assert all(d > 0 for d in diffs) and table.loc[metric, "clear difference"] == "yes"
    # common random numbers: a run compared with itself differs by exactly nothing
    same = kpis.paired_differences(a, a, [metric]).set_index("metric")
    assert same.loc[metric, "B − A"] in ("+0.0 points", "-0.0 points")


def test_paired_differences_refuse_runs_from_different_seeds(base):
    a = state.run(short(base))
    b = state.run(short(base, run__seed=7))
    with pytest.raises(ValueError, match="same seed"):
        kpis.paired_differences(a, b)


def test_scenario_changes_list_exactly_what_differs(base):
    a, b = short(base), short(base, agencies__police__staff=1.0, policy__decide_at_deadline=False)
    assert [path for path, _, _ in kpis.scenario_changes(a, b)] == ["agencies.police.staff",
                                                                   "policy.decide_at_deadline"]


def test_kpis_exist_in_every_run_and_format(base):
    result = state.run(short(base))
    summary = result.summary()
    for k in kpis.KPIS:
        assert k.metric in summary
        assert kpis.format_value(summary[k.metric].mean, k.unit) != "–"
    assert kpis.format_value(math.nan, "%") == "–"
    assert kpis.format_value(0.1234, "%") == "12.3%"
    assert kpis.format_interval("decision_delay_hours.mean",
                                mashsim.Interval(1.0, math.nan, math.nan, 1)).startswith("no CI")
    # cut to what a rate can be, as the terminal table does
    assert kpis.format_interval("rag_breach_rate", mashsim.Interval(0.01, -0.01, 0.03, 3)) == "95% CI 0.0% – 3.0%"


def test_missed_shares_by_agency_agree_with_the_run_metric(base):
    scenario = short(base, run__replications=1)
    result = state.run(scenario)
    shares = charts.missed_shares(result.records_frame(), list(scenario.agencies))
    for agency, row in shares.iterrows():
        assert row.sum() == pytest.approx(result.values(f"all_signals_missed_rate.by_agency.{agency}")[0])


def test_charts_draw_for_a_run_and_for_nothing(base):
    scenario = short(base)
    result = state.run(scenario)
    records = result.records_frame()
    for figure in (charts.delay_by_rag(records), charts.missed_by_agency(records, list(scenario.agencies)),
                   charts.network(scenario, result.summary()), charts.network(scenario)):
        assert figure.axes
    empty = records.iloc[0:0]
    assert charts.delay_by_rag(empty).axes and charts.missed_by_agency(empty, ["police"]).axes


def test_network_colours_each_desk_by_its_load(base):
    scenario = short(base)
    summary = state.run(scenario).summary()
    texts = [t.get_text() for t in charts.network(scenario, summary).axes[0].texts]
    police = summary["utilisation.by_role.police"].mean
    assert f"police\n3 staff · {100 * police:.0f}% busy" in texts


def test_export_is_valid_toml_with_the_run_settings(base):
    data = tomllib.loads(exercise.export_exercise(short(base), [("run.replications", 5, 3)]))
    assert data["run"]["seed"] == 42 and data["run"]["replications"] == 3


def test_an_inject_is_described_with_its_clock_time(base):
    start = base.scenario.calendar.start_date  # Monday 6 January 2025
    outage = {"kind": "outage", "agency": "police", "mode": "wait", "start_day": 1.375, "hours": 6}
    assert state.describe_inject(outage, start) == "police systems down (wait): 09:00 Tuesday 7 January, 6 h"
    assert state.describe_inject({**outage, "label": "Niche down"}, start).startswith("Niche down: 09:00 Tuesday")
    assert "to be corrected" in state.describe_inject({**outage, "hours": -1}, start)
    assert "to be corrected" in state.describe_inject({"kind": "flood"}, start)


def test_an_inject_outside_the_run_is_a_scenario_error_naming_it(base):
    late = {"kind": "surge", "factor": 2.0, "start_day": 400, "hours": 6}
    with pytest.raises(ScenarioError) as caught:
        state.build(base, {**state.run_settings(base), "injects": [late]})
    assert [p.path for p in caught.value.problems] == ["injects[0].start_day"]


def test_the_case_list_is_the_runs_contacts_and_filters_by_flag(base):
    from mashsim.trace import trace_run

    scenario = short(base, run__replications=2)
    result = state.run(scenario)
    run = trace_run(result.scenario, result.seed, 1)
    cases = run.cases
    assert len(cases) == result.values("contacts_arrived")[1]  # replication 1's contacts, no other
    red_missed = state.filter_cases(cases, ["red"], missed=True)
    assert len(red_missed) and (red_missed["rag"] == "red").all() and red_missed["missed"].all()
    both = state.filter_cases(cases, ["red", "amber", "green", "blue"], breach=True, under_triaged=True)
    assert (both["breach"] & both["under_triaged"]).all()
    assert len(state.filter_cases(cases, [])) == 0


# --------------------------------------------------------------------------- issue 16: what misled a live session


def test_fields_and_events_are_named_in_words():
    assert words.field_label("agencies.police.staff") == "Police researchers (FTE)"
    assert words.field_label("roles.contact_officers.staff") == "Contact officers (FTE)"
    assert words.field_label("policy.ask.red") == "Desks asked for Red"
    assert words.field_label("run.seed") == "Seed"
    assert words.name("early_help") == "early help"
    # the scenario's lists count from 0, the page's list of events from 1
    assert words.event_paths("injects[3].staff = 7: too many") == "event 4, staff = 7: too many"
    assert words.event_paths("injects[0]: bad") == "event 1: bad"
    events_ = [{"kind": "surge", "factor": 2.0, "start_day": 1.375, "hours": 6}]
    shown = words.value("injects", events_, lambda i: "surge x2")
    assert shown == "1. surge x2" and "{" not in shown
    assert words.value("policy.red_priority", True) == "yes"


def _with_events(base, *injects, **run):
    settings = {**state.run_settings(base), **SHORT, **{f"run.{k}": v for k, v in run.items()}}
    return state.build(base, {**settings, "injects": list(injects)})


def test_more_staff_off_than_the_role_has_is_refused(base):
    screeners = base.scenario.roles.screeners.staff
    too_many = {"kind": "absence", "role": "screeners", "staff": math.ceil(screeners) + 2, "start_day": 8, "hours": 6}
    found = events.problems(_with_events(base, too_many))
    assert [p.path for p in found] == ["injects[0].staff"]
    assert f"{screeners:g} FTE" in found[0].message
    assert events.problems(_with_events(base, {**too_many, "staff": 1})) == []


def test_an_event_running_past_the_end_of_the_run_is_refused(base):
    # 7 warm-up + 14 measured days: the run ends at day 21
    past = {"kind": "outage", "agency": "police", "start_day": 20.5, "hours": 24}
    found = events.problems(_with_events(base, past))
    assert [p.path for p in found] == ["injects[0].hours"] and "allowed up to 12 hours" in found[0].message
    assert events.problems(_with_events(base, {**past, "hours": 12})) == []


def test_an_event_in_the_warm_up_is_a_warning_not_a_problem(base):
    early = {"kind": "surge", "factor": 2.0, "start_day": 3, "hours": 6}
    scenario = _with_events(base, early)
    assert events.problems(scenario) == []
    assert [w.path for w in events.warnings(scenario)] == ["injects[0].start_day"]
    assert events.warnings(_with_events(base, {**early, "start_day": 8})) == []


def test_contacts_and_their_units():
    assert kpis.unit_of("contacts_open_at_end") == "contacts"
    assert kpis.format_value(39.6, "contacts") == "39.6 contacts"
    assert kpis.format_change(-3.0, "contacts") == "-3 contacts"
    assert kpis.unit_of("all_signals_missed_rate") == "%"


def test_a_change_is_clear_only_when_its_ci_leaves_out_zero():
    from mashsim.experiment import t_interval

    assert kpis.is_clear(t_interval([1.0, 1.2, 0.9, 1.1]))
    assert not kpis.is_clear(t_interval([1.0, -1.2, 0.9, -1.1]))
    assert not kpis.is_clear(t_interval([1.0]))  # no CI: not clear


def test_the_septembers_wide_ci_asks_for_replications():
    from mashsim.experiment import Interval

    # "over one working day 42%, CI 4.6–79.4%" at 5 replications
    wide = precision.too_wide(Interval(0.42, 0.046, 0.794, 5), share=True)
    assert wide is not None and wide.replications == math.ceil(5 * (0.374 / 0.10) ** 2)
    assert precision.too_wide(Interval(0.42, 0.38, 0.46, 20), share=True) is None
    assert precision.too_wide(Interval(10.0, 6.0, 14.0, 5), share=False) is not None  # ±40% of the mean
    assert precision.too_wide(Interval(10.0, 9.0, 11.0, 5), share=False) is None


@given(mean=st.floats(0.0, 1.0), half=st.floats(0.0, 1.0), n=st.integers(2, 200))
def test_the_replications_suggested_bring_the_ci_within_its_target(mean, half, n):
    from mashsim.experiment import Interval

    wide = precision.too_wide(Interval(mean, mean - half, mean + half, n), share=True)
    if wide is None:
        assert half <= precision.SHARE_HALF_WIDTH
    else:  # the half-width shrinks as 1/sqrt(n): at the suggested n it is within the target
        assert wide.replications > n
        assert half * math.sqrt(n / wide.replications) <= precision.SHARE_HALF_WIDTH + 1e-12


def test_the_case_list_keeps_the_contacts_not_yet_screened(base):
    from mashsim.app.cases_view import RAG_ORDER, case_table
    from mashsim.trace import trace_run

    # half a screener: a backlog, with contacts still unscreened at the end
    scenario = short(base, run__replications=1, roles__screeners__staff=0.5)
    run = trace_run(scenario, scenario.run.seed, 0)
    unscreened = int(run.cases["rag"].isna().sum())
    assert unscreened > 0
    assert len(state.filter_cases(run.cases, RAG_ORDER)) == len(run.cases)  # every contact, by default
    assert len(state.filter_cases(run.cases, [state.NOT_SCREENED])) == unscreened
    table = case_table(run.cases, run)
    assert (table["screened"] == state.NOT_SCREENED).sum() == unscreened
    assert "early_help" not in set(table["outcome"]) and "open at the end" in set(table["outcome"])


def test_event_labels_on_the_charts_never_share_a_row_when_close(base):
    near = [{"kind": "outage", "agency": "police", "start_day": 8 + k * 0.1, "hours": 2} for k in range(3)]
    scenario = _with_events(base, *near, {"kind": "surge", "factor": 2.0, "start_day": 15, "hours": 2})
    assert charts.label_rows(scenario) == [0, 1, 2, 0]  # three within hours of each other, one a week on
    figure = charts.inject_timeline(scenario)
    figure.canvas.draw()
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert any("Jan" in t for t in ticks), ticks  # dates, not day counts
