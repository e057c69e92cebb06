"""The dashboard page under Streamlit's AppTest: it runs, its controls change the results, bad input
is a message in the page (never an exception), A/B compares paired runs, an export replays exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from mashsim.app import exercise, limits, state  # noqa: E402

PAGE = Path(__file__).resolve().parents[1] / "mashsim" / "app" / "page.py"
TIMEOUT_S = 120  # a run of a few replications takes seconds; a loaded CI machine may be slow


def widget(widgets, label: str):
    """The widget with this label (the page keys its widgets by scenario, not by a fixed name)."""
    found = [w for w in widgets if w.label == label]
    assert len(found) == 1, f"expected one widget labelled {label!r}, found {[w.label for w in widgets]}"
    return found[0]


def kpi(at: AppTest, label: str) -> str:
    return widget(at.metric, label).value


def as_number(text: str) -> float:
    return float(text.rstrip("%h ").replace(",", ""))


def no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def page() -> AppTest:
    """The page opened on the default scenario, cut to 14 days after 7 of warm-up, 3 replications, for speed."""
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S)
    at.run()
    widget(at.number_input, "Days measured").set_value(14.0)
    widget(at.number_input, "Warm-up days (not measured)").set_value(7.0)
    widget(at.number_input, "Replications").set_value(3)
    return at.run()


def press(at: AppTest, key: str) -> AppTest:
    return at.button(key=key).click().run()


def test_the_page_opens_on_the_default_scenario_with_a_slider_per_role(page):
    no_trouble(page)
    assert "london-borough" in page.title[0].value
    labels = {s.label for s in page.slider}
    assert {"contact officers", "screeners", "managers", "police desk", "health desk"} <= labels
    assert not page.metric  # nothing is run until Run is pressed


def test_run_shows_kpis_with_confidence_intervals(page):
    press(page, "run")
    no_trouble(page)
    assert kpi(page, "Avoidable misses, high/critical risk").endswith("%")  # the first figure
    captions = [c.value for c in page.caption]
    assert any(c.startswith("95% CI") for c in captions)
    assert any("3 replications from seed 42" in c for c in captions)


def test_a_hub_whose_backlog_grows_is_flagged_above_the_kpis(page):
    press(page, "run")
    assert not [w for w in page.warning if "UNSTABLE" in w.value]  # two managers keep up
    widget(page.slider, "managers").set_value(0.5).run()
    press(page, "run")
    no_trouble(page)
    # half a manager for 14 days: the backlog grows by about a quarter of the arrivals (CI 12% to 43%)
    assert [w for w in page.warning if w.value.startswith("UNSTABLE: the backlog grows")]
    # contacts censored at the run-out's cap: the delays are lower bounds
    assert kpi(page, "Hours to decision").startswith("≥ ")


def test_fewer_police_researchers_raise_avoidable_misses_and_delay(page):
    press(page, "run")
    late, hours = (as_number(kpi(page, "Avoidable misses, high/critical risk")),
                   as_number(kpi(page, "Hours to decision")))
    widget(page.slider, "police desk").set_value(0.5).run()
    assert any("changed since this run" in i.value for i in page.info)
    press(page, "run")
    no_trouble(page)
    # from 3 researchers to 0.5 the police desk is swamped: the effect dwarfs the noise
    assert as_number(kpi(page, "Avoidable misses, high/critical risk")) > late + 1.0
    assert as_number(kpi(page, "Hours to decision")) > hours


def test_zero_staff_everywhere_is_a_message_and_run_is_disabled(page):
    for slider in page.slider:
        slider.set_value(0.0)
    page.run()
    assert not page.exception
    assert page.error, "expected the scenario's problems in the page"
    text = page.error[0].value
    assert "roles.contact\\_officers.staff" in text or "roles.contact_officers.staff" in text
    assert "as set in the page" in text
    assert page.button(key="run").disabled


def test_a_bad_uploaded_scenario_is_an_error_in_the_page(page):
    page.file_uploader(key="upload").set_value(("broken.toml", b"name = 'x'\n[roles\n", "application/toml")).run()
    assert not page.exception
    assert "broken.toml" in page.error[0].value and "TOML syntax error" in page.error[0].value

    bad = b'name = "x"\n[arrivals.sources.police]\nannual_contacts = 100\n[roles.screeners]\nstaf = 2\n'
    page.file_uploader(key="upload").set_value(("typo.toml", bad, "application/toml")).run()
    assert not page.exception
    text = page.error[0].value
    assert "typo.toml" in text and "did you mean" in text and "roles.contact" in text  # missing roles listed too


def test_an_upload_may_extend_a_shipped_scenario(page):
    text = b'extends = "london-borough.toml"\nname = "my-hub"\n[agencies.police]\nstaff = 2\n'
    page.file_uploader(key="upload").set_value(("my-hub.toml", text, "application/toml")).run()
    no_trouble(page)
    assert "my-hub" in page.title[0].value
    assert widget(page.slider, "police desk").value == 2.0
    assert widget(page.number_input, "Days measured").value == 364.0  # an upload runs as written


def test_ab_comparison_pairs_the_runs(page):
    press(page, "run")
    press(page, "pin")
    widget(page.slider, "police desk").set_value(0.5).run()
    press(page, "run")
    no_trouble(page)
    assert any("vs A" in (m.delta or "") for m in page.metric)
    frames = [d.value for d in page.dataframe]
    changes = next(f for f in frames if "setting" in f.columns)
    assert list(changes["setting"]) == ["Police researchers (FTE)"]  # in words, not agencies.police.staff
    paired = next(f for f in frames if "B − A" in f.columns)
    late = paired.set_index("metric").loc["Avoidable misses, high/critical risk"]
    assert late["clear difference"] == "yes" and late["B − A"].startswith("+")
    # a headline change is coloured (worse: red) only when its paired CI leaves out zero
    clear = set(paired.loc[paired["clear difference"] == "yes", "metric"])
    for metric in page.metric:
        label = metric.label.removesuffix(" (contacts)")  # a count's unit is in its headline label
        assert (metric.proto.color == metric.proto.GRAY) == (label not in clear), label
        assert ("no clear change" in metric.delta) == (label not in clear), label
    assert widget(page.metric, "Avoidable misses, high/critical risk").proto.color == page.metric[0].proto.RED


def test_ab_with_another_seed_explains_instead_of_pairing(page):
    press(page, "run")
    press(page, "pin")
    widget(page.number_input, "Seed").set_value(7).run()
    press(page, "run")
    assert not page.exception
    assert any("same seed" in w.value for w in page.warning)


def test_an_exported_exercise_uploaded_again_replays_the_same_numbers(page):
    widget(page.slider, "screeners").set_value(4.0).run()
    press(page, "run")
    before = {m.label: m.value for m in page.metric}
    base = state.load_shipped("london-borough")
    settings = {"run.horizon_days": 14.0, "run.warmup_days": 7.0, "run.replications": 3,
                "roles.screeners.staff": 4.0}
    text = exercise.export_exercise(state.build(base, {**state.run_settings(base), **settings}))

    fresh = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S)
    fresh.run()
    fresh.file_uploader(key="upload").set_value(("exercise.toml", text.encode(), "application/toml")).run()
    no_trouble(fresh)
    assert not fresh.warning  # the saved hash matches
    assert widget(fresh.slider, "screeners").value == 4.0
    assert widget(fresh.number_input, "Days measured").value == 14.0
    assert widget(fresh.number_input, "Warm-up days (not measured)").value == 7.0
    press(fresh, "run")
    assert {m.label: m.value for m in fresh.metric} == before


def images(at: AppTest) -> int:
    return len(at.get("image"))


def inject_lines(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value[:1].isdigit() and ". " in m.value]


def test_the_shipped_exercise_lists_its_injects_on_a_timeline(page):
    page.selectbox(key="shipped").set_value("exercise-september-outage").run()
    no_trouble(page)
    lines = inject_lines(page)
    assert lines[0].startswith("1. Police systems down: 09:00 Tuesday 2 September, 6 h")
    assert len(lines) == 2 and images(page) == 1  # the timeline
    remove = [b for b in page.button if b.label == "Remove"]
    remove[0].click().run()
    assert len(inject_lines(page)) == 1


def add_event(at: AppTest, kind: str, day: int, hours: float, **fields) -> AppTest:
    widget(at.selectbox, "Kind").set_value(kind).run()
    widget(at.number_input, "Starts on day").set_value(day)
    widget(at.number_input, "Lasts (hours)").set_value(hours)
    for label, value in fields.items():
        widget([*at.number_input, *at.selectbox, *at.text_input], label.replace("_", " ")).set_value(value)
    return next(b for b in at.button if b.label == "Add event").click().run()


def test_an_event_outside_the_run_is_refused_with_a_message(page):
    add_event(page, "surge", day=400, hours=6)
    assert not page.exception
    assert "event 1, start_day" in page.error[0].value.replace("\\", "")  # the page's list counts from 1
    assert inject_lines(page) == []


def test_an_added_surge_is_run_and_raises_the_delays(page):
    press(page, "run")
    hours = as_number(kpi(page, "Hours to decision"))
    # the rest of the measured fortnight at three times the arrivals, from day 7 at 09:00 (after the warm-up)
    add_event(page, "surge", day=7, hours=14 * 24 - 9, **{"Arrivals ×": 3.0})
    no_trouble(page)
    assert inject_lines(page)[0].startswith("1. surge x3:")
    press(page, "run")
    no_trouble(page)
    assert as_number(kpi(page, "Hours to decision")) > hours + 5
    assert images(page) >= 2  # the timeline, the agency network
    # the queues over time, the delays and the missed signals: interactive (Vega-Lite), the hub animated
    assert len(page.get("vega_lite_chart")) == 3 and len(page.get("iframe")) >= 1


def test_a_policy_event_is_held_as_an_inject_and_exported(page):
    add_event(page, "policy", day=9, hours=24, Change="Wait for every return",
              **{"Label (optional, shown on the charts)": "no cut-off"})
    no_trouble(page)
    assert inject_lines(page) == ["1. no cut-off: 09:00 Wednesday 15 January, 24 h"]  # day 0 is Monday 6 January
    held = next(v for k, v in page.session_state.items() if str(k).endswith(":injects"))
    assert held == [{"kind": "policy", "start_day": 9 + 9 / 24, "hours": 24.0, "decide_at_deadline": False,
                     "label": "no cut-off"}]
    base = state.load_shipped("london-borough")
    text = exercise.export_exercise(state.build(base, {**state.run_settings(base), "injects": held}))
    assert "[[injects]]" in text and "decide_at_deadline = false" in text


def test_the_case_list_filters_and_shows_a_trace(page):
    press(page, "run")
    no_trouble(page)
    counts = [c.value for c in page.caption if " cases" in c.value and " of " in c.value]
    total = int(counts[0].split(" of ")[1].split()[0].replace(",", ""))
    widget(page.checkbox, "RAG deadline breached").check().run()
    breached = [c.value for c in page.caption if " cases" in c.value and " of " in c.value][0]
    assert int(breached.split(" of ")[0].replace(",", "")) < total
    next(b for b in page.button if b.label == "Pick a Red case with a missed signal").click().run()
    no_trouble(page)
    trace = next(m.value for m in page.markdown if m.value.startswith("#### Case"))
    assert trace.startswith(f"#### Case {widget(page.number_input, 'Case').value}: Red")
    assert "missed signals | " in trace and "| missed signals | none" not in trace


def test_an_unknown_case_is_a_message(page):
    press(page, "run")
    widget(page.number_input, "Case").set_value(10**6).run()
    assert not page.exception
    assert any("no case 1000000" in w.value for w in page.warning)


def test_an_unexpected_failure_is_a_message_not_a_traceback(page, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(state, "run", broken)
    press(page, "run")
    assert not page.exception
    assert "Something went wrong (RuntimeError: disk on fire)" in page.error[0].value


def test_a_file_with_a_long_run_opens_with_its_own_settings(page):
    text = (b'extends = "london-borough.toml"\nname = "long"\n'
            b'[run]\nreplications = 500\nhorizon_days = 0.5\nwarmup_days = 0\n')
    page.file_uploader(key="upload").set_value(("long.toml", text, "application/toml")).run()
    no_trouble(page)
    assert widget(page.number_input, "Replications").value == 500
    assert widget(page.number_input, "Days measured").value == 0.5
    widget(page.number_input, "Days measured").set_value(0.0).run()
    assert not page.exception
    assert "run.horizon_days" in page.error[0].value.replace("\\", "")


# --------------------------------------------------------------------------- a server shared by a room


def test_the_sidebar_states_the_servers_limits_and_the_page_the_runs_size(page):
    assert any(c.value.startswith("This server: runs of up to 50,000 contacts") for c in page.sidebar.caption)
    assert any(c.value.startswith("This run: about ") for c in page.caption)


def test_an_upload_over_the_size_limit_is_refused_in_the_page(page, monkeypatch):
    monkeypatch.setenv("MASHSIM_LIMIT_UPLOAD_KB", "1")
    text = b'extends = "london-borough.toml"\nname = "padded"\n' + b"# notes\n" * 200
    page.file_uploader(key="upload").set_value(("padded.toml", text, "application/toml")).run()
    assert not page.exception
    assert "padded.toml" in page.error[0].value and "this server takes uploads up to 1 KB" in page.error[0].value


def test_an_upload_nested_too_deeply_is_refused_in_the_page(page):
    page.file_uploader(key="upload").set_value(("deep.toml", b"a = " + b"[" * 50_000, "application/toml")).run()
    assert not page.exception
    assert "deep.toml" in page.error[0].value and "nested too deeply" in page.error[0].value


def refusal(at: AppTest) -> str:
    return next(w.value for w in at.warning if w.value.startswith("This run simulates")).replace("\\", "")


def test_a_run_over_the_limits_is_refused_with_the_numbers_and_run_is_off(page):
    widget(page.number_input, "Replications").set_value(1000).run()
    assert not page.exception
    assert "This run simulates 21,000 days (1,000 replications of 21 days" in refusal(page)
    assert "this server runs up to 5,000" in refusal(page)
    assert page.button(key="run").disabled
    widget(page.number_input, "Replications").set_value(200).run()  # 4,200 days: the contacts are too many
    assert "contacts (200 replications of about " in refusal(page) and "runs up to 50,000" in refusal(page)
    assert page.button(key="run").disabled
    widget(page.number_input, "Replications").set_value(3).run()
    assert not page.warning and not page.button(key="run").disabled


def test_a_run_when_the_server_is_busy_says_so_and_runs_later(page):
    with limits.SLOTS.slot(limits.SERVED), limits.SLOTS.slot(limits.SERVED):  # two participants' runs
        press(page, "run")
        assert not page.exception and not page.metric
        busy = "The server is busy: 2 runs in progress (it runs 2 at a time). Try again in a moment."
        assert any(busy in w.value.replace("\\", "") for w in page.warning)
    press(page, "run")
    no_trouble(page)
    assert page.metric and not any("busy" in w.value for w in page.warning)


def test_a_run_past_the_time_limit_is_stopped_with_a_message(page, monkeypatch):
    monkeypatch.setenv("MASHSIM_LIMIT_RUN_SECONDS", "1e-9")
    press(page, "run")
    assert not page.exception and not page.metric
    assert any("The run was stopped after" in w.value and "1 of 3 replications done" in w.value for w in page.warning)
    assert limits.SLOTS.running == 0  # its place is free again


def test_tracing_a_replication_for_the_cases_waits_for_a_place_too(page):
    press(page, "run")
    with limits.SLOTS.slot(limits.SERVED), limits.SLOTS.slot(limits.SERVED):
        widget(page.number_input, "Replication").set_value(1).run()
        assert not page.exception
        assert any("The server is busy" in w.value and "cases of replication 1 appear once" in w.value
                   for w in page.warning)
        assert page.metric  # the run's own results stay
    page.run()
    no_trouble(page)
    assert any(c.value.startswith("Cases arriving in the measured days of replication 1") for c in page.caption)


# --------------------------------------------------------------------------- issue 16: what misled a live session


def test_an_events_label_is_its_own_and_not_the_next_ones(page):
    add_event(page, "outage", day=8, hours=6, **{"Label (optional, shown on the charts)": "Niche down"})
    add_event(page, "absence", day=9, hours=6)
    no_trouble(page)
    lines = inject_lines(page)
    assert lines[0].startswith("1. Niche down:") and not lines[1].startswith("2. Niche down")
    held = next(v for k, v in page.session_state.items() if str(k).endswith(":injects"))
    assert held[0]["label"] == "Niche down" and "label" not in held[1] and held[1]["kind"] == "absence"
    assert widget(page.text_input, "Label (optional, shown on the charts)").value == ""


def test_events_that_cannot_happen_are_refused_and_one_in_the_warm_up_is_flagged(page):
    add_event(page, "absence", day=8, hours=6, **{"Staff off": 50})  # far more than the hub has
    assert "event 1, staff" in page.error[0].value.replace("\\", "")
    add_event(page, "outage", day=20, hours=48)  # the run ends at day 21
    assert "event 1, hours" in page.error[0].value.replace("\\", "") and "past the end" in page.error[0].value
    assert inject_lines(page) == []
    add_event(page, "surge", day=2, hours=6)  # in the 7-day warm-up: taken, with a warning
    assert len(inject_lines(page)) == 1
    assert any("event 1, start" in w.value.replace("\\", "") and "warm-up" in w.value for w in page.warning)


def test_old_results_are_flagged_when_the_set_up_cannot_run_and_put_away_for_another_scenario(page):
    press(page, "run")
    assert page.metric
    widget(page.slider, "screeners").set_value(0.0).run()
    assert page.button(key="run").disabled
    assert any("last run" in w.value for w in page.warning) and page.metric  # shown, but flagged
    page.selectbox(key="shipped").set_value("exercise-september-outage").run()
    assert not page.metric and not page.dataframe
    assert any("put away" in i.value for i in page.info)


def test_the_chosen_case_does_not_survive_into_another_replication(page):
    press(page, "run")
    widget(page.number_input, "Case").set_value(10**6).run()
    assert any("no case 1000000" in w.value for w in page.warning)
    widget(page.number_input, "Replication").set_value(1).run()
    no_trouble(page)
    assert not any("no case" in w.value for w in page.warning)
    assert widget(page.number_input, "Case").value < 10**6


def test_a_ci_too_wide_to_use_asks_for_more_replications(page):
    widget(page.number_input, "Days measured").set_value(2.0)
    widget(page.number_input, "Replications").set_value(2)
    press(page.run(), "run")
    wide = [w.value for w in page.warning if "Too uncertain" in w.value]
    assert wide and "Replications" in wide[0] and "2 replications" in wide[0]


def test_counts_carry_their_unit_and_the_tabs_keep_their_place(page):
    press(page, "run")
    assert as_number(kpi(page, "Open at the end (contacts)")) >= 0  # the unit in the label, the number alone
    assert page.session_state["result_tab"] == "Queues over time"  # keyed: the browser's choice is kept


def test_a_reload_keeps_the_set_up_the_events_the_run_and_run_a(page):
    press(page, "run")
    press(page, "pin")
    widget(page.slider, "police desk").set_value(0.5).run()
    add_event(page, "surge", day=8, hours=6)
    press(page, "run")
    session = page.query_params["session"]
    session = session[0] if isinstance(session, list) else session
    assert len(session) == 32
    figures = {m.label: (m.value, m.delta) for m in page.metric}

    reloaded = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S)  # a new browser session, same address
    reloaded.query_params["session"] = session
    reloaded.run()
    no_trouble(reloaded)
    assert not reloaded.warning or all("duplicat" not in w.value for w in reloaded.warning)
    assert widget(reloaded.slider, "police desk").value == 0.5
    assert widget(reloaded.number_input, "Days measured").value == 14.0
    assert len(inject_lines(reloaded)) == 1
    assert {m.label: (m.value, m.delta) for m in reloaded.metric} == figures  # the run, and its change from A

    fresh = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S).run()  # no id: a session of its own
    assert not fresh.metric and widget(fresh.slider, "police desk").value == 3.0
