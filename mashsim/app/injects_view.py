"""The injects editor: the exercise's injected events, listed, added and removed in the page.

The page keeps its own list of injects (starting from the scenario's) in the session; the list
goes into the settings as ``injects``, so it is validated, exported and compared like any other
setting. A new event is checked before it is added: its problems are shown and it is left out.
"""

from __future__ import annotations

import copy
from typing import Any

import streamlit as st

from mashsim.app import events, state
from mashsim.app.messages import plain, show_problems
from mashsim.scenario import ScenarioError

KINDS = {"surge": "Arrival surge", "outage": "Agency systems down", "absence": "Staff off",
         "policy": "Policy change"}
POLICY_CHANGES = {
    "Wait for every return": {"decide_at_deadline": False},
    "Decide at the deadline with what has come back": {"decide_at_deadline": True},
    "One queue (no Red priority)": {"red_priority": False},
    "Red work first": {"red_priority": True},
}


def injects_editor(base: state.BaseScenario, settings: dict[str, Any]):
    """The injects as the page holds them, and an empty slot where the page draws their timeline."""
    key = f"{base.key}:injects"
    if key not in st.session_state:
        st.session_state[key] = copy.deepcopy(state.lookup(base.scenario, "injects") or [])
    injects: list[dict] = st.session_state[key]
    with st.expander(f"Injected events ({len(injects)})", expanded=bool(injects)):
        timeline = st.container()
        start = base.scenario.calendar.start_date
        for i, inject in enumerate(injects):
            left, right = st.columns([6, 1])
            left.markdown(f"{i + 1}. {plain(state.describe_inject(inject, start))}")
            if right.button("Remove", key=f"{key}:remove:{i}"):
                del injects[i]
                st.rerun()
        new = _new_inject(base, settings, key, len(injects))
        if new is not None:
            problems = _problems_of(base, {**settings, "injects": [*injects, new]}, len(injects))
            if problems:
                show_problems(problems)
            else:
                injects.append(new)
                st.rerun()
    return list(injects), timeline


def _problems_of(base: state.BaseScenario, settings: dict[str, Any], index: int) -> ScenarioError | None:
    """The problems of inject ``index`` (others, such as zero staff, are shown elsewhere): the
    scenario's own checks, then the page's (:mod:`~mashsim.app.events`)."""
    try:
        found = events.problems(state.build(base, settings))
    except ScenarioError as error:
        found = error.problems
    own = [p for p in found if p.path.startswith(f"injects[{index}]")]
    return ScenarioError(own, "the new event") if own else None


def _new_inject(base: state.BaseScenario, settings: dict[str, Any], key: str, count: int) -> dict[str, Any] | None:
    """The 'Add an event' controls; the new inject's table when Add is pressed. The label's box is
    new for each event (keyed by how many there are), so one event's label never carries over to
    the next."""
    scenario = base.scenario
    warmup, horizon = settings["run.warmup_days"], settings["run.horizon_days"]
    st.markdown("**Add an event**")
    kind = st.selectbox("Kind", list(KINDS), format_func=KINDS.get, key=f"{key}:kind")
    day, hour, hours = st.columns(3)
    start_day = day.number_input(
        "Starts on day", min_value=0, value=int(warmup), step=1, key=f"{key}:day",
        help=f"Days count from 00:00 on {scenario.calendar.start_date:%A %d %B %Y} (day 0), the first "
             f"day of the warm-up; the measured days are {warmup:g} to {warmup + horizon:g}.")
    at = hour.number_input("at (hour of the day)", min_value=0.0, max_value=23.75, value=9.0, step=0.25,
                           format="%g", key=f"{key}:hour")
    lasts = hours.number_input("Lasts (hours)", min_value=0.0, value=6.0, step=1.0, format="%g",
                               key=f"{key}:hours")
    new: dict[str, Any] = {"kind": kind, "start_day": start_day + at / 24, "hours": lasts}
    left, right = st.columns(2)
    if kind == "surge":
        new["factor"] = left.number_input("Arrivals ×", min_value=0.0, value=1.5, step=0.1, format="%g",
                                          key=f"{key}:factor", help="below 1 a drop")
        source = right.selectbox("From", ["every source", *scenario.arrivals.sources], key=f"{key}:source")
        if source != "every source":
            new["source"] = source
    elif kind == "outage":
        new["agency"] = left.selectbox("Agency", list(scenario.agencies), key=f"{key}:agency")
        new["mode"] = right.radio("Requests made meanwhile", ["wait", "fail"], key=f"{key}:mode", horizontal=True,
                                  help="wait: they wait until the systems are back; fail: they return nothing")
    elif kind == "absence":
        new["role"] = left.selectbox("Role", list(scenario.staffed_roles()), key=f"{key}:role")
        new["staff"] = int(right.number_input("Staff off", min_value=1, value=1, step=1, key=f"{key}:staff"))
    else:
        change = left.selectbox("Change", list(POLICY_CHANGES), key=f"{key}:policy")
        new.update(POLICY_CHANGES[change])
    label = st.text_input("Label (optional, shown on the charts)", key=f"{key}:label:{count}")
    if label:
        new["label"] = label
    return new if st.button("Add event", key=f"{key}:add") else None
