"""A case trace as readable markdown: clock times and weekdays from the scenario calendar, for a debrief."""

from __future__ import annotations

import datetime as dt
import math

from mashsim.report.markdown import plain
from mashsim.scenario.schema import CAIT, PPD
from mashsim.trace import TraceEvent, TraceRun, is_missing

CAUSE_TEXT = {
    "not_asked": "its desk was not asked",
    "screened_out": "the contact was screened out (Blue)",
    "late": "its return was not back in time",
    "unmatched": "its search did not find the child's records",
    "lost_in_channel": "its return was lost on the way back",
    "desk_outage": "its systems were down",
}
OUTCOME_TEXT = {
    "nfa": "no further action",
    "early_help": "early help",
    "s17": "child in need assessment (s17)",
    "s47": "strategy discussion and s47 enquiries",
}


class Clock:
    """Simulated hours as calendar dates and clock times."""

    def __init__(self, start: dt.date) -> None:
        self.origin = dt.datetime.combine(start, dt.time())

    def at(self, hours: float) -> dt.datetime:
        return self.origin + dt.timedelta(hours=hours)

    def time(self, hours: float) -> str:
        return f"{self.at(hours):%H:%M}"

    def day(self, hours: float) -> str:
        when = self.at(hours)
        return f"{when:%A} {when.day} {when:%B %Y}"

    def when(self, hours: float) -> str:
        """``09:00 Wednesday 3 September``; ``never`` for an infinite time."""
        if math.isinf(hours):
            return "never (no working hours ahead)"
        when = self.at(hours)
        return f"{when:%H:%M %A} {when.day} {when:%B}"


def _names(items: list[str]) -> str:
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _team(name: str) -> str:
    """A police team's name as a trace shows it: the hub's own, or the pool shared by several hubs."""
    return "the hub's own team" if name in (PPD, CAIT) else f"shared team {plain(name)}"


def _hours(hours: float) -> str:
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def describe(event: TraceEvent, clock: Clock) -> str:
    """One event in words, without its time, as markdown (names from the scenario escaped)."""
    d = event.detail
    kind = event.kind
    if kind == "arrived":
        where = "was in the initial backlog" if d.get("backlog") else f"arrived from {plain(d['source'])}"
        urgent = ", flagged urgent by the referrer" if d.get("urgent") else ""
        return f"{where} (concern: {plain(d['concern'].replace('_', ' '))}{urgent})"
    if kind == "screened":
        return f"screened {d['rag'].capitalize()}"
    if kind == "asked":
        return f"{_names([plain(a) for a in d['agencies']])} asked"
    if kind == "closed":
        who = f"{plain(d['role'])} desk" if d["desk"] else d["role"].replace("_", " ")
        return f"{who} closed until {clock.when(d['until_hours'])}"
    if kind == "desk down":
        effect = "requests wait" if d["mode"] == "wait" else "requests return nothing"
        return f"{plain(d['agency'])} systems down until {clock.when(d['until_hours'])} ({effect})"
    if kind == "returned":
        agency = plain(d["agency"])
        if d["failed"]:
            return f"{agency} returned nothing: its systems were down"
        if d["content"]:
            return f"{agency} returned, with relevant information"
        if not d["held"]:
            return f"{agency} returned: nothing relevant held"
        why = "its search did not find the child's records" if d["unmatched"] else "the return was lost on the way"
        return f"{agency} returned, but {why}"
    if kind == "to decision":
        return "sent to the managers for a decision"
    if kind == "returned late":
        return f"{plain(d['agency'])} returned after the case had gone to decision"
    if kind == "deadline":
        return f"research cut off at the RAG deadline, still waiting for {_names([plain(a) for a in d['waiting_for']])}"
    if kind == "decided":
        rerated = "" if d["rag"] == d["screened_rag"] else f" (re-rated from {d['screened_rag'].capitalize()})"
        on = f"{_names([plain(a) for a in d['on']])} returns" if d["on"] else "no returns"
        return f"decided {d['rag'].capitalize()}{rerated} on {on}; outcome: {OUTCOME_TEXT[d['outcome']]}"
    if kind == "missed":
        return f"missed: {plain(d['agency'])} held relevant information, but {CAUSE_TEXT[d['cause']]}"
    if kind == "true risk":
        return f"true risk {d['risk']}" + (", so under-triaged" if d["under_triaged"] else "")
    if kind == "incident":
        return f"police child-welfare notification raised at an incident; queued at the public-protection " \
               f"desk ({_team(d['team'])})"
    if kind == "reviewed":
        return f"reviewed by the public-protection desk and sent to the MASH, {_hours(d['wait_hours'])} " \
               "after the incident"
    if kind == "visit due":
        return f"joint visit needed by the CAIT ({_team(d['team'])}), due by {clock.when(d['due_hours'])}"
    if kind == "visited":
        late = f"{_hours(d['late_hours'])} late" if d["late_hours"] > 0 else "by its deadline"
        return f"joint visit done by the CAIT, {late}"
    if kind == "open at end":
        return "still open when the run ended"
    return kind


def to_markdown(run: TraceRun, case_id: int) -> str:
    """The trace of one case as markdown: a summary table, then the timeline day by day."""
    row = run.case(case_id)
    events = run.events(case_id)
    clock = Clock(run.scenario.calendar.start_date)
    decided = not is_missing(row["decided_hours"])
    missed = [e.detail for e in events if e.kind == "missed"]
    title = f"Case {case_id}: {_rag(row['rag'], 'not yet screened')}"
    title += f", {OUTCOME_TEXT[row['outcome']]}" if decided else ", open at the end of the run"
    lines = [
        f"# {title}", "",
        f"Scenario {plain(run.scenario.name)}, seed {run.seed}, replication {run.replication}. "
        f"Times are simulated clock times; the run starts {clock.day(0.0)}.", "",
        "| | |", "|---|---|",
        *([f"| hub | {plain(row['hub'])} |"] if run.scenario.hubs else []),
        f"| source | {plain(row['source'])} |",
        f"| concern | {plain(row['concern'].replace('_', ' '))} |",
        f"| true risk | {row['true_risk']} |",
        f"| screened | {_rag(row['rag'], 'not yet')} |",
    ]
    if decided:
        lines += [
            f"| decided | {_rag(row['decided_rag'], '-')}: {OUTCOME_TEXT[row['outcome']]}, "
            f"{row['delay_hours']:.1f} hours after arrival |",
            f"| RAG deadline | {'breached' if row['breach'] else 'met' if row['deadline_hours'] else 'none (Blue)'} |",
            f"| missed signals | {_names([_missed(m) for m in missed])} |",
            f"| under-triaged | {'yes' if row['under_triaged'] else 'no'} |",
        ]
    lines.append("")
    day = None
    for event in events:
        today = clock.day(event.time_hours)
        if today != day:
            lines += ["", f"## {today}", ""]
            day = today
        lines.append(f"- {clock.time(event.time_hours)} {describe(event, clock)}")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def _rag(value, missing: str) -> str:
    return missing if is_missing(value) else str(value).capitalize()


def _missed(detail: dict) -> str:
    return f"{plain(detail['agency'])} ({CAUSE_TEXT[detail['cause']]})"
