"""The debrief: every team side by side, the decisions that mattered most, children helped or missed.

:func:`debrief` computes it (each team's account replays the week once per decision: in a
served room those replays start in worker processes as the decisions are taken, so by the
debrief most are done; see :mod:`mashsim.tabletop.replays`); :func:`debrief_html`
writes it as one self-contained HTML page (a trainer prints it to PDF, or
:func:`to_pdf` does with headless chromium where installed).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from mashsim import __version__
from mashsim.app.classroom import Room
from mashsim.report.page_html import document, e, pdf_missing_reason, records_table, to_pdf
from mashsim.tabletop.scoring import _protected

TOP_DECISIONS = 3
TRACES = 3


def _traces(session) -> dict[str, list[dict[str, Any]]]:
    """Children the team's decisions protected that the baseline did not (helped), and the reverse."""
    base = {r["contact_id"]: r for r in session.baseline().records}
    helped: list[dict[str, Any]] = []
    missed: list[dict[str, Any]] = []
    for row in session.result().records:
        before = base.get(row["contact_id"])
        if before is None or _protected(row) == _protected(before):
            continue
        trace = {"contact": row["contact_id"], "true risk": row["true_risk"], "screened": row["rag"],
                 "decided": row["decided_rag"], "deadline breached": bool(row["rag_breach"])}
        (helped if _protected(row) else missed).append(trace)
    return {"helped": helped[:TRACES], "missed": missed[:TRACES]}


def debrief(room: Room) -> dict[str, Any]:
    """Scores, the decisions that mattered most and a few traces, per team (with scenario, seed, version)."""
    teams: dict[str, dict[str, Any]] = {}
    for name, effects in room.accounts().items():
        session = room.teams[name]
        ranked = sorted(effects, key=lambda e: -sum(abs(v) for k, v in e.change.items() if k != "overtime_cost"))
        teams[name] = {"score": room.score(name).to_dict(),
                       "mattered": [{"when": e.when, "decision": e.decision, "effect": e.sentence()}
                                    for e in ranked[:TOP_DECISIONS]],
                       **_traces(session)}
    return {"scenario": room.scenario.name, "seed": room.seed, "mashsim_version": __version__,
            "teams": teams}


def debrief_html(data: dict[str, Any]) -> str:
    """The debrief as one HTML page (no scripts, no external files), in the run page's skeleton."""
    side = [{"team": t, **{m: f"{v:+g}" for m, v in d["score"]["against_baseline"].items()},
             "decisions": d["score"]["decisions"]} for t, d in data["teams"].items()]
    parts = [f"<h1>Debrief: {e(data['scenario'])}</h1>",
             f"<p class='meta'>seed {e(data['seed'])}, mashsim {e(data['mashsim_version'])}; "
             "each measure against the baseline, positive is better</p>", records_table(side)]
    for team, d in data["teams"].items():
        parts += [f"<h2>Team {e(team)}</h2>", "<h3>The decisions that mattered most</h3>",
                  records_table(d["mattered"]), "<h3>Children helped</h3>", records_table(d["helped"]),
                  "<h3>Children missed</h3>", records_table(d["missed"])]
    return document(f"Debrief: {data['scenario']}", parts)


def show_debrief(room: Room) -> None:
    # kept for this browser session while no team's log changes: the page reruns on every click
    key = (id(room), tuple((name, len(s.log)) for name, s in room.teams.items()))
    kept = st.session_state.get("debrief_page")
    if kept is None or kept[0] != key:
        kept = st.session_state["debrief_page"] = (key, debrief_html(debrief(room)))
    page = kept[1]
    st.header("Debrief")
    st.html(page)
    left, right = st.columns(2)
    left.download_button("Download the debrief (HTML)", page, file_name="debrief.html", mime="text/html",
                         on_click="ignore")
    missing = pdf_missing_reason()
    # made when pressed (chromium takes a few seconds), not on every rerun of the page
    right.download_button("Download the debrief (PDF)", lambda: to_pdf(page) or b"", file_name="debrief.pdf",
                          mime="application/pdf", on_click="ignore", disabled=missing is not None,
                          help=missing or "The same page, printed to PDF.")
    if missing:
        right.caption(missing)
