"""The classroom pages: a team's view and the facilitator's, over one shared room.

``mashsim serve`` then ``?role=facilitator&room=CODE&exercise=NAME`` opens (or
rejoins) a room; ``?role=team&room=CODE&team=Red`` is a team's page.  All the
state lives in :data:`~mashsim.app.classroom.REGISTRY` (shared by every browser
of the server), so any page can be reloaded.  A team's page never shows a
child's true risk: it reads only the session's queues, stops and vignettes.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

import mashsim
from mashsim.app.classroom import REGISTRY, ClassroomError, Room
from mashsim.app.messages import plain
from mashsim.scenario import scenario_hash
from mashsim.tabletop import DecisionError

DEFAULT_EXERCISE = "exercise-september-outage"
RELEASE_POLL_S = 2.0  # how often a team's page looks for a release (a float compared: nothing to compute)


def _room(params: dict[str, Any], create: bool) -> Room | None:
    code = params.get("room", "class")
    try:
        if create:
            exercise = params.get("exercise", DEFAULT_EXERCISE)
            seed = int(params["seed"]) if "seed" in params else None
            return REGISTRY.open(code, mashsim.load_scenario(exercise), seed)
        return REGISTRY.get(code)
    except (ClassroomError, ValueError, mashsim.ScenarioError) as error:
        st.error(plain(str(error)))
        return None


def _take(room: Room, team: str, decision: dict[str, Any]) -> None:
    try:
        entry = room.apply(team, decision)
        said = entry.decision.describe()  # type: ignore[attr-defined]  # Decision is a tagged union
        st.success(f"Taken at {room.team(team).when(entry.at)}: {said}")
    except (ClassroomError, DecisionError, ValueError) as error:
        st.error(plain(str(error)))


def team_page(params: dict[str, Any]) -> None:
    room = _room(params, create=False)
    if room is None:
        return
    try:
        session = room.join(params.get("team", ""))
    except ClassroomError as error:
        st.error(plain(str(error)))
        return
    st.title(f"Team {session.team}: {plain(room.scenario.name)}")
    st.button("Refresh", key="refresh")
    _follow_releases(room, room.released)
    st.metric("Time", session.when())
    stop = session.pending_stop
    if stop is not None:
        st.info(f"**{stop.label}**" + (f"\n\n{stop.prompt}" if stop.prompt else ""))
    if session.finished:
        st.warning("The week is over: the facilitator has the debrief.")
    rows = [{"hub": hub or "-", "role or desk": role, **cells}
            for hub, roles in session.waiting().items() for role, cells in roles.items()]
    st.subheader("What is waiting")
    st.dataframe(rows, hide_index=True)
    if not session.finished:
        _decision_forms(room, session)
    st.subheader("Our decisions")
    log = [{"at": session.when(e.at), "decision": e.decision.describe()}  # type: ignore[attr-defined]
           for e in session.log]
    st.dataframe(log, hide_index=True)
    # the log as the core exports it: `mashsim tabletop` (or Session.from_export) replays it exactly
    st.download_button("Download our decisions (JSON)", json.dumps(session.export(), indent=1),
                       file_name=f"tabletop-{session.team}.json", mime="application/json")


@st.fragment(run_every=RELEASE_POLL_S)
def _follow_releases(room: Room, shown: float) -> None:
    """Redraw the team's page when the facilitator releases a step, with no reload: this small part of
    the page reruns every few seconds, compares the room's time with the one drawn, and reruns the
    whole page only when it has moved (a form half filled in keeps its values)."""
    if room.released != shown:
        st.rerun()


def _decision_forms(room: Room, session) -> None:
    options = session.available()
    roles = next(iter(options["roles"].values()))
    st.subheader("Decide")
    move, overtime, policy, screen = st.tabs(["Move staff", "Overtime", "Policy", "Screen"])
    with move.form("move"):
        a = st.selectbox("From", roles, key="move_from")
        b = st.selectbox("To", roles, index=min(1, len(roles) - 1), key="move_to")
        staff = st.number_input("Staff", 1, 20, 1, key="move_staff")
        hours = st.number_input("Hours", 1.0, 48.0, 4.0, key="move_hours")
        if st.form_submit_button("Move staff"):
            _take(room, session.team, {"kind": "move", "from_role": a, "to_role": b, "staff": int(staff),
                                       "hours": float(hours)})
    with overtime.form("overtime"):
        role = st.selectbox("Role or desk", roles, key="ot_role")
        staff = st.number_input("Staff", 1, 20, 1, key="ot_staff")
        hours = st.number_input("Hours", 1.0, 24.0, 4.0, key="ot_hours")
        st.caption(f"Costs {options['overtime_cost_per_hour']:g} per person-hour.")
        if st.form_submit_button("Book overtime"):
            _take(room, session.team, {"kind": "overtime", "role": role, "staff": int(staff),
                                       "hours": float(hours)})
    with policy.form("policy"):
        discipline = st.selectbox("Queue order", options["queue_disciplines"], key="pol_q")
        hours = st.number_input("Hours (0: rest of the run)", 0.0, 168.0, 0.0, key="pol_hours")
        if st.form_submit_button("Change policy"):
            _take(room, session.team, {"kind": "policy", "queue_discipline": discipline,
                                       **({"hours": float(hours)} if hours > 0 else {})})
    with screen:
        vignettes = session.vignettes()
        if not vignettes:
            st.caption("No contact is waiting to be screened now.")
        for v in vignettes:
            with st.form(f"screen_{v.contact_id}"):
                st.markdown(v.text())
                rag = st.radio("Your RAG", options["rags"], horizontal=True, key=f"rag_{v.contact_id}")
                if st.form_submit_button(f"Rate contact {v.contact_id}"):
                    _take(room, session.team, {"kind": "screen", "contact_id": v.contact_id, "rag": rag})


def _release(room: Room) -> None:
    if not room.finished:
        room.release()


def facilitator_page(params: dict[str, Any]) -> None:
    room = _room(params, create=True)
    if room is None:
        return
    code = params.get("room", "class")
    st.title(f"Facilitator: {plain(room.scenario.name)} (room {code}, seed {room.seed})")
    st.caption(f"Teams open this server with ?role=team&room={code}&team=NAME")
    left, right = st.columns(2)
    # a callback, so the release happens before the button is drawn (disabled once the week is over)
    left.button("Release next step", disabled=room.finished, on_click=_release, args=(room,))
    right.button("Refresh", key="refresh")
    st.metric("Released to", room.when())
    stop = room.pending_stop()
    if stop is not None:
        st.info(f"**{stop.label}**" + (f"\n\n{stop.prompt}" if stop.prompt else ""))
    if st.toggle("Show the hub over the week with no decisions (for the projector)", key="baseline_hub"):
        _baseline_hub(room, code)
    st.subheader("Leaderboard")
    if not room.teams:
        st.caption("No team has joined yet.")
        return
    st.dataframe(room.leaderboard(), hide_index=True)
    if room.finished and (st.button("Debrief") or st.session_state.get("debrief_open")):
        st.session_state["debrief_open"] = True  # stays open through the reruns its buttons make
        from mashsim.app.tabletop_debrief import show_debrief
        show_debrief(room)


def _baseline_hub(room: Room, code: str) -> None:
    """The animated hub of the week as it goes with no decisions (the baseline every team is scored
    against: replication 0 of the exercise), run once per room and kept for the session. Teams do
    not see it: it would show them the week ahead."""
    from mashsim.app.interactive_view import baseline_hub_page, show_hub

    key = f"baseline_hub:{code}:{room.seed}:{scenario_hash(room.scenario)}"
    if key not in st.session_state:
        st.session_state[key] = baseline_hub_page(room.scenario, room.seed)
    st.caption("Replication 0 of the exercise with no decisions: the baseline each team is scored against.")
    show_hub(st.session_state[key])
