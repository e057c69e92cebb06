"""The debrief: every team side by side, the decisions that mattered most, children helped or missed.

:func:`debrief` computes it (slow: each team's account replays the week once per
decision, so it runs once, at the end, never per step); :func:`debrief_html`
writes it as one self-contained HTML page (a trainer prints it to PDF, or
:func:`to_pdf` does with headless chromium where installed).
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

from mashsim import __version__
from mashsim.app.classroom import Room
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
    for name, session in room.teams.items():
        effects = session.account()
        ranked = sorted(effects, key=lambda e: -sum(abs(v) for k, v in e.change.items() if k != "overtime_cost"))
        teams[name] = {"score": room.score(name).to_dict(),
                       "mattered": [{"when": e.when, "decision": e.decision, "effect": e.sentence()}
                                    for e in ranked[:TOP_DECISIONS]],
                       **_traces(session)}
    return {"scenario": room.scenario.name, "seed": room.seed, "mashsim_version": __version__,
            "teams": teams}


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r.values()) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def debrief_html(data: dict[str, Any]) -> str:
    """The debrief as one HTML page (no scripts, no external files)."""
    side = [{"team": t, **{m: f"{v:+g}" for m, v in d["score"]["against_baseline"].items()},
             "decisions": d["score"]["decisions"]} for t, d in data["teams"].items()]
    parts = [f"<h1>Debrief: {html.escape(data['scenario'])}</h1>",
             f"<p>seed {data['seed']}, mashsim {html.escape(str(data['mashsim_version']))}; "
             "each measure against the baseline, positive is better</p>", _table(side)]
    for team, d in data["teams"].items():
        parts += [f"<h2>Team {html.escape(team)}</h2>", "<h3>The decisions that mattered most</h3>",
                  _table(d["mattered"]), "<h3>Children helped</h3>", _table(d["helped"]),
                  "<h3>Children missed</h3>", _table(d["missed"])]
    # scoped to the debrief's own block: the dashboard shows the same page inline, and must keep its style
    style = (".debrief{font-family:sans-serif;margin:2em}.debrief table{border-collapse:collapse}"
             ".debrief td,.debrief th{border:1px solid #999;padding:4px}")
    return f"<!doctype html><html><head><meta charset='utf-8'><title>Debrief</title><style>{style}</style>" \
           f"</head><body><div class='debrief'>{''.join(parts)}</div></body></html>"


def to_pdf(page: str, chromium: str = "/usr/bin/chromium") -> bytes | None:
    """The page printed to PDF by headless chromium; None where chromium is not installed."""
    if shutil.which(chromium) is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "debrief.html", Path(tmp) / "debrief.pdf"
        source.write_text(page, encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={out}",
                        source.as_uri()], capture_output=True, timeout=120, check=False)
        return out.read_bytes() if out.exists() else None


def show_debrief(room: Room) -> None:
    data = debrief(room)
    page = debrief_html(data)
    st.header("Debrief")
    st.html(page)
    st.download_button("Download the debrief (HTML)", page, file_name="debrief.html", mime="text/html")
