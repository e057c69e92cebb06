"""The presenter view and the run's page in the dashboard (Streamlit's AppTest): the view hides the
set-up and keeps the results; the download buttons appear after a run; a case added in the Cases tab
goes on the page."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from mashsim.app import export_view  # noqa: E402
from test_app import PAGE, TIMEOUT_S, no_trouble, press, widget  # noqa: E402


def _short(at: AppTest) -> AppTest:
    widget(at.number_input, "Days measured").set_value(14.0)
    widget(at.number_input, "Warm-up days (not measured)").set_value(7.0)
    widget(at.number_input, "Replications").set_value(3)
    return at.run()


def _buttons(at: AppTest) -> set[str]:
    return {b.proto.label for b in at.get("download_button")}


def test_downloads_appear_after_a_run_and_the_presenter_view_keeps_the_results():
    at = _short(AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S).run())
    assert "Download page (HTML)" not in _buttons(at)  # no run to export yet
    at = press(at, "run")
    no_trouble(at)
    assert {"Download page (HTML)", "Download PDF"} <= _buttons(at)
    headline = [m.value for m in at.metric]
    at = press(at, "presenter_on")
    no_trouble(at)
    assert at.query_params[export_view.VIEW] in (export_view.PRESENTER, [export_view.PRESENTER])
    assert [m.value for m in at.metric] == headline  # the same run's figures
    assert at.button(key="presenter_off")  # the way back, in the page (the sidebar is hidden)
    assert any(".st-key-setup" in h.proto.body for h in at.get("html"))
    at = press(at, "presenter_off")
    no_trouble(at)
    assert export_view.VIEW not in at.query_params
    assert widget(at.number_input, "Days measured").value == 14.0  # the set-up kept through the view


def test_a_case_added_in_the_cases_tab_goes_on_the_page():
    at = press(_short(AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S).run()), "run")
    case = int(at.number_input(key="case_id").value)
    at = press(at, "case:add")
    no_trouble(at)
    kept = at.session_state[export_view.CASES]
    assert [title for _, _, title, _ in kept] == [f"Case {case}, replication 0"]
    assert kept[0][3].startswith(f"# Case {case}")
