"""The run's page for a debrief: download it as HTML or PDF, and the presenter view's switch.

The page itself is built without Streamlit (:func:`mashsim.report.run_page.run_page`); here are
only its buttons. Both build the page when pressed (Streamlit calls the function then), from
the run, run A, the set-up's changes from the scenario as loaded, the charts the dashboard has
drawn already and the cases added from the Cases tab.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from mashsim.app import kpis
from mashsim.experiment import RunResult
from mashsim.report.page_html import pdf_missing_reason, to_pdf
from mashsim.report.run_page import chart_images, run_page
from mashsim.scenario import Scenario

VIEW, PRESENTER = "view", "presenter"  # ?view=presenter opens the presenter view
CASES = "page_cases"  # the cases added to the page: [(scenario hash, seed, title, markdown)]
MAX_CASES = 10


def presenting() -> bool:
    return st.query_params.get(VIEW) == PRESENTER


def _set_presenter(on: bool) -> None:
    if on:
        st.query_params[VIEW] = PRESENTER
    elif VIEW in st.query_params:
        del st.query_params[VIEW]


def presenter_switch(where=st.sidebar) -> None:
    """The way into the presenter view (in the sidebar) or out of it (at the top of the page)."""
    if presenting():
        where.button("Back to the set-up", key="presenter_off", on_click=_set_presenter, args=(False,),
                     help="The set-up and the sidebar again.")
    else:
        where.button("Presenter view", key="presenter_on", on_click=_set_presenter, args=(True,),
                     use_container_width=True,
                     help="For a projector: the set-up and sidebar hidden, the latest run's figures and charts "
                          "large (also ?view=presenter in the address).")


def page_builder(base: Scenario) -> Callable[[], str] | None:
    """The latest run's page, made when called (None before any run): the values it needs are taken
    now, because Streamlit calls a download's function outside the page's run."""
    result: RunResult | None = st.session_state.get("result")
    if result is None:
        return None
    pinned = st.session_state.get("pinned")
    cache = st.session_state.get("figures", {})
    drawn = dict(cache) if cache.get("run") is result else {}  # the charts the page has drawn already
    cases = [(title, text) for run, seed, title, text in st.session_state.get(CASES, [])
             if (run, seed) == (result.scenario_hash, result.seed)]
    changes = kpis.scenario_changes(base, result.scenario)
    return lambda: run_page(result, pinned=pinned, changes=changes, images=chart_images(result, drawn), cases=cases)


def download_buttons(base: Scenario, where=st.sidebar, pdf_where=None) -> None:
    """"Download page (HTML)" and "Download PDF" (below it, or in ``pdf_where``) for the latest run; the
    PDF where chromium is installed, or the button is off and says why."""
    build = page_builder(base)
    if build is None:
        return
    result: RunResult = st.session_state["result"]
    name = f"{result.scenario.name}-seed{result.seed}"
    where.download_button("Download page (HTML)", build, file_name=f"{name}.html", mime="text/html",
                          key="page_html", on_click="ignore", use_container_width=True,
                          help="The run on one page for a debrief: set-up, headline figures with CIs, charts, "
                               "the A/B table and the cases added from the Cases tab.")
    missing = pdf_missing_reason()
    where = where if pdf_where is None else pdf_where
    where.download_button("Download PDF", lambda: to_pdf(build()) or b"", file_name=f"{name}.pdf",
                          mime="application/pdf", key="page_pdf", on_click="ignore", disabled=missing is not None,
                          use_container_width=True, help=missing or "The same page, printed to PDF.")
    if missing:
        where.caption(missing)


def add_case(result: RunResult, replication: int, case_id: int, text: str) -> None:
    """Keep a case's trace for the run's page (the latest ones, once each)."""
    title = f"Case {case_id}, replication {replication}"
    kept = [c for c in st.session_state.get(CASES, []) if c[2] != title or c[:2] != (result.scenario_hash, result.seed)]
    st.session_state[CASES] = (kept + [(result.scenario_hash, result.seed, title, text)])[-MAX_CASES:]
