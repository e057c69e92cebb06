"""The case list: one replication's cases, filtered, and the trace of any one, for a debrief.

The trace is the library's (:func:`mashsim.trace.trace_run` replays the replication with every
step kept; :func:`mashsim.report.trace_text.to_markdown` writes it out), the same text as
``mashsim trace FILE --replication R --case ID``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mashsim.app import limits, state, words
from mashsim.app.export_view import add_case
from mashsim.app.messages import plain
from mashsim.experiment import RunResult
from mashsim.report.trace_text import Clock, to_markdown
from mashsim.scenario.schema import RAGS
from mashsim.trace import CaseNotFound, PICKS, TraceRun, trace_run

RAG_ORDER = [*reversed(RAGS), state.NOT_SCREENED]  # red first; the contacts a backlog debrief is about last
_TABLE = {"id": "case", "arrived": "arrived", "source": "source", "concern": "concern", "true_risk": "true risk",
          "rag": "screened", "outcome": "outcome", "delay_hours": "hours to decision", "breach": "deadline breached",
          "missed": "missed signal", "under_triaged": "under-triaged"}


def cases_tab(result: RunResult, limit: limits.Limits) -> None:
    n = len(result.replications)
    top = st.columns([1, 3])
    replication = int(top[0].number_input("Replication", min_value=0, max_value=n - 1, value=0, step=1,
                                          key="case_replication"))
    run = _trace_run(result, replication, limit)
    if run is None:
        return
    if st.session_state.get("case_of") != st.session_state["case_trace"][0]:
        # another run or replication: its own first case, not a number chosen in the last one
        st.session_state["case_of"] = st.session_state["case_trace"][0]
        st.session_state.pop("case_id", None)
    top[1].caption(f"Cases arriving in the measured days of replication {replication}: "
                   f"the same as `mashsim trace FILE --seed {result.seed} --replication {replication}`.")
    rags = st.multiselect("Screened RAG", RAG_ORDER, RAG_ORDER, key="case_rags")
    boxes = st.columns(3)
    view = state.filter_cases(run.cases, rags, boxes[0].checkbox("RAG deadline breached", key="case_breach"),
                              boxes[1].checkbox("signal missed", key="case_missed"),
                              boxes[2].checkbox("under-triaged", key="case_under"))
    st.caption(f"{len(view):,} of {len(run.cases):,} cases")
    st.dataframe(case_table(view, run), hide_index=True, height=260)

    buttons = st.columns(len(PICKS))
    for column, (kind, what) in zip(buttons, PICKS.items()):
        column.button(f"Pick a {what}", key=f"pick:{kind}", on_click=_pick, args=(run, kind))
    if "case_pick_error" in st.session_state:
        st.warning(st.session_state.pop("case_pick_error"))
    first = int(view["id"].iloc[0]) if len(view) else 0
    case_id = int(st.number_input("Case", min_value=0, value=first, step=1, key="case_id"))
    try:
        text = to_markdown(run, case_id)
    except CaseNotFound as error:
        st.warning(str(error))
        return
    with st.container(border=True):
        st.markdown(text.replace("\n## ", "\n##### ").replace("# ", "#### ", 1))
    left, right = st.columns(2)
    left.download_button("Download this case for the debrief (markdown)", text, file_name=f"case-{case_id}.md",
                         mime="text/markdown", key="case_download")
    right.button("Add this case to the run's page", key="case:add", on_click=add_case,
                 args=(result, replication, case_id, text),
                 help="The run's page (Download page, in the sidebar) ends with the traces of the cases added.")


def case_table(cases: pd.DataFrame, run: TraceRun) -> pd.DataFrame:
    """The cases as the page lists them: arrival as a clock time, the columns a trainer reads."""
    clock = Clock(run.scenario.calendar.start_date)
    table = cases.assign(arrived=[f"{clock.at(h):%a %d %b %H:%M}" for h in cases["arrived_hours"]],
                         delay_hours=cases["delay_hours"].astype(float).round(1),
                         rag=cases["rag"].fillna(state.NOT_SCREENED),
                         outcome=[words.name(o) if isinstance(o, str) else "open at the end" for o in cases["outcome"]],
                         concern=cases["concern"].map(lambda c: words.name(c) if isinstance(c, str) else c),
                         source=cases["source"].map(lambda c: words.name(c) if isinstance(c, str) else c))
    return table[list(_TABLE)].rename(columns=_TABLE)


def _trace_run(result: RunResult, replication: int, limit: limits.Limits) -> TraceRun | None:
    """The traced replication, kept for the session; None, said in the page, while the server is busy
    (tracing replays a whole replication: it takes one of the server's places for runs)."""
    key = (result.scenario_hash, result.seed, replication)
    cached = st.session_state.get("case_trace")
    if cached is None or cached[0] != key:
        try:
            with limits.SLOTS.slot(limit), st.spinner(f"Tracing replication {replication}…"):
                cached = (key, trace_run(result.scenario, result.seed, replication))
        except limits.LimitReached as busy:
            st.warning(plain(f"{busy} The cases of replication {replication} appear once it has a place."))
            return None
        st.session_state["case_trace"] = cached
    return cached[1]


def _pick(run: TraceRun, kind: str) -> None:
    draws = st.session_state.get("case_draws", 0)
    st.session_state["case_draws"] = draws + 1
    try:
        st.session_state["case_id"] = run.pick(kind, np.random.default_rng(draws))
    except CaseNotFound as error:
        st.session_state["case_pick_error"] = str(error)
