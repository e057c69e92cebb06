"""The dashboard page under Streamlit's AppTest: it runs, its controls change the results, bad input
is a message in the page (never an exception), A/B compares paired runs, an export replays exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from mashsim.app import exercise, state  # noqa: E402

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
    """The page opened on the default scenario, cut to 14 days and 3 replications for speed."""
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S)
    at.run()
    widget(at.number_input, "Days measured").set_value(14.0)
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
    assert kpi(page, "Missed signals").endswith("%")
    captions = [c.value for c in page.caption]
    assert any(c.startswith("95% CI") for c in captions)
    assert any("3 replications from seed 42" in c for c in captions)


def test_fewer_police_researchers_raise_late_returns_and_delay(page):
    press(page, "run")
    late, hours = as_number(kpi(page, "Missed: late returns")), as_number(kpi(page, "Hours to decision"))
    widget(page.slider, "police desk").set_value(0.5).run()
    assert any("changed since this run" in i.value for i in page.info)
    press(page, "run")
    no_trouble(page)
    # from 3 researchers to 0.5 the police desk is swamped: the effect dwarfs the noise
    assert as_number(kpi(page, "Missed: late returns")) > late + 1.0
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
    changes = next(f for f in frames if "field" in f.columns)
    assert list(changes["field"]) == ["agencies.police.staff"]
    paired = next(f for f in frames if "B − A" in f.columns)
    late = paired.set_index("metric").loc["missed_signal_rate.by_cause.late"]
    assert late["clear difference"] == "yes" and late["B − A"].startswith("+")


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
    settings = {"run.horizon_days": 14.0, "run.replications": 3, "roles.screeners.staff": 4.0}
    text = exercise.export_exercise(state.build(base, {**state.run_settings(base), **settings}))

    fresh = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S)
    fresh.run()
    fresh.file_uploader(key="upload").set_value(("exercise.toml", text.encode(), "application/toml")).run()
    no_trouble(fresh)
    assert not fresh.warning  # the saved hash matches
    assert widget(fresh.slider, "screeners").value == 4.0
    assert widget(fresh.number_input, "Days measured").value == 14.0
    press(fresh, "run")
    assert {m.label: m.value for m in fresh.metric} == before
