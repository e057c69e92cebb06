"""Case traces: one replication run with every step of every contact kept, to follow one child's case.

>>> run = trace_run(load_scenario("london-borough", ["run.horizon_days=7"]), seed=1)   # doctest: +SKIP
>>> case = run.pick("red-missed", rng=0)                                                # doctest: +SKIP
>>> [e.kind for e in run.events(case)]                                                  # doctest: +SKIP
['arrived', 'logged', 'screened', 'asked', 'returned', ..., 'decided', 'missed', 'true risk']

Event kinds, in time order, each with its ``detail``:

- ``arrived``: source, concern, urgent (flagged by the referrer), backlog (in the initial backlog)
- ``closed``: role, desk (whether it is an agency's desk), until_hours: the role that takes the
  next step is off duty (out of hours) until then
- ``logged``; ``screened``: rag
- ``asked``: agencies; then for each desk whose systems are down ``desk down``: agency,
  until_hours, mode; for each desk off duty when the request reaches it, ``closed``
- ``returned``: agency, content (its information reaches the decision), held (it held relevant
  information), unmatched, lost, failed (systems down: it answered with nothing)
- ``deadline``: waiting_for (research cut off at the RAG deadline)
- ``to decision``: the case goes to the managers (then ``closed`` if they are off duty)
- ``returned late``: agency (back after the case went to decision)
- ``decided``: rag (at the decision), screened_rag, outcome, on (desks whose returns were in),
  held (desks that held relevant information)
- ``missed``: agency, cause (one per signal that did not reach the decision; see CAUSES)
- ``true risk``: risk, under_triaged
- ``open at end``: the case was not decided when the run ended (censored at the run-out's cap)

With the police pipeline (``[police]``), a police child-welfare notification starts earlier, and an
s47 outcome goes on after the decision:

- ``incident``: team (the public-protection desk that reviews it: ``police_ppd``, or the pool
  shared by several boroughs); then ``closed`` if the desk is off duty
- ``reviewed``: team, incident_hours, wait_hours (incident to the MASH); ``arrived`` follows at once
- ``visit due``: team (the CAIT), due_hours (the joint visit's deadline); then ``closed`` if the
  team is off duty
- ``visited``: team, due_hours, late_hours (0 if done by the deadline). An enquiry not yet visited
  when the run ends has ``visit due`` and no ``visited``.

Nothing here prints or reads files.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mashsim.model.calendar import HOURS_PER_DAY, CalendarView
from mashsim.model.contact import CAUSES, REACHED, Contact
from mashsim.replication import RUNOUT_CAP_DAYS, ReplicationResult, simulate
from mashsim.scenario.load import scenario_hash
from mashsim.scenario.schema import CONCERNS, RAGS, RISK_LEVELS, HubSettings, Scenario

PICKS = {
    "red-missed": "Red case with a missed signal",
    "breach": "case that breached its RAG deadline",
    "random": "case",
}
_CASE_COLUMNS = {
    "contact_id": "id", "arrived_h": "arrived_hours", "screened_h": "screened_hours",
    "deadline_h": "deadline_hours", "decided_h": "decided_hours", "decision_delay_h": "delay_hours",
    "rag_breach": "breach",
}


class CaseNotFound(LookupError):
    """No such case in the run, or none of the kind asked for."""


@dataclass(frozen=True)
class TraceEvent:
    """One step of a case: when (hours from time 0), what, and its particulars."""

    time_hours: float
    kind: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"time_hours": self.time_hours, "kind": self.kind, "detail": self.detail}


class TraceRun:
    """One replication with the trace of every contact: ``cases`` to choose from, ``events`` to follow."""

    def __init__(self, scenario: Scenario, seed: int, replication: int, result: ReplicationResult,
                 raw: dict[int, list[tuple[float, str, dict]]], contacts: dict[int, Contact]) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.result = result
        self.view = CalendarView(scenario.calendar)
        self._raw = raw
        self._contacts = contacts
        self.cases = _cases_frame(result.records or [])
        self._rows = {int(row["id"]): row for row in self.cases.to_dict("records")}

    @property
    def metrics(self) -> dict[str, float]:
        return self.result.metrics

    def case(self, case_id: int) -> dict[str, Any]:
        """The row of ``cases`` for one case, as a dict."""
        if case_id not in self._rows:
            raise CaseNotFound(self._unknown(case_id))
        return self._rows[case_id]

    def events(self, case_id: int) -> list[TraceEvent]:
        """Every step of case ``case_id``, in time order."""
        row = self.case(case_id)
        c = self._contacts[case_id]
        events: list[TraceEvent] = []
        for time, kind, detail in self._raw[case_id]:
            events.extend(self._explain(time, kind, detail, c, row))
        if is_missing(row["decided_hours"]):
            events.append(TraceEvent(self.result_end, "open at end", {}))
        events.sort(key=lambda e: e.time_hours)  # stable: steps at the same time keep their order
        return events

    @property
    def result_end(self) -> float:
        run = self.scenario.run  # the run-out's cap: only a case open then is never decided
        return (run.warmup_days + run.horizon_days + RUNOUT_CAP_DAYS) * HOURS_PER_DAY

    def pick(self, kind: str, rng: np.random.Generator | int | None = None) -> int:
        """The id of a case of ``kind`` ("red-missed", "breach", "random"), chosen at random by ``rng``."""
        if kind not in PICKS:
            raise ValueError(f"unknown kind {kind!r}; allowed: {', '.join(PICKS)}")
        cases = self.cases
        if kind == "red-missed":
            cases = cases[(cases["rag"] == "red") & cases["missed"]]
        elif kind == "breach":
            cases = cases[cases["breach"]]
        if cases.empty:
            raise CaseNotFound(f"no {PICKS[kind]} in this run (seed {self.seed}, replication {self.replication}); "
                               "try another seed or replication, or a longer horizon")
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        return int(cases["id"].iloc[int(rng.integers(len(cases)))])

    def to_dict(self, case_id: int) -> dict[str, Any]:
        """The JSON form of one case: what made the run, the case's row and its events."""
        return {
            "scenario": {"name": self.scenario.name, "hash": scenario_hash(self.scenario)},
            "seed": self.seed,
            "replication": self.replication,
            "calendar_start": self.scenario.calendar.start_date.isoformat(),
            "case": {k: (None if is_missing(v) else v) for k, v in self.case(case_id).items()},
            "events": [e.to_dict() for e in self.events(case_id)],
        }

    # ----------------------------------------------------------------- internal
    def _unknown(self, case_id: Any) -> str:
        ids = self.cases["id"]
        span = f"{ids.min()} to {ids.max()}" if len(ids) else "none"
        return f"no case {case_id} in this run (seed {self.seed}, replication {self.replication}); " \
               f"cases measured in this run have ids {span}"

    def _hub(self, row: dict) -> tuple[str | None, HubSettings]:
        """The name and settings of the case's hub (its row names it in a scenario with hubs)."""
        name = row.get("hub") if self.scenario.hubs else None
        return (name, self.scenario.hubs[name]) if name is not None else (None, self.scenario)

    def _explain(self, time: float, kind: str, detail: dict, c: Contact, row: dict) -> list[TraceEvent]:
        hub = self._hub(row)
        agencies = list(hub[1].agencies)
        if kind == "arrived":
            return [TraceEvent(time, kind, {"source": row["source"], "concern": CONCERNS[c.concern],
                                            "urgent": bool(c.urgent), "backlog": bool(c.backlog)})]
        if kind == "returned":
            i = agencies.index(detail["agency"])
            return [TraceEvent(time, kind, {
                "agency": detail["agency"], "content": bool(detail["content"]), "held": bool(c.holds[i]),
                "unmatched": bool(c.unmatched[i]), "lost": bool(c.lost[i]), "failed": i in c.failed})]
        if kind == "decided":
            on = [agencies[i] for i in c.asked if c.returned[i] is not None]
            held = [a for a, fate in zip(agencies, c.fates) if fate is not None]
            out = [TraceEvent(time, kind, {"rag": detail["rag"], "screened_rag": RAGS[c.rag],
                                           "outcome": detail["outcome"], "on": on, "held": held})]
            out += [TraceEvent(time, "missed", {"agency": a, "cause": CAUSES[fate]})
                    for a, fate in zip(agencies, c.fates) if fate is not None and fate != REACHED]
            out.append(TraceEvent(time, "true risk", {"risk": RISK_LEVELS[c.risk],
                                                      "under_triaged": bool(row["under_triaged"])}))
            return out
        return [TraceEvent(time, kind, dict(detail))]


def trace_run(scenario: Scenario, seed: int, replication: int = 0) -> TraceRun:
    """Run replication ``replication`` of ``scenario`` from ``seed`` keeping every contact's trace.

    The run is the very one ``simulate(scenario, seed, replication)`` makes (same metrics, bit for
    bit); ``cases`` holds the contacts that count in its metrics (arrived after the warm-up).
    """
    raw: dict[int, list[tuple[float, str, dict]]] = defaultdict(list)
    contacts: dict[int, Contact] = {}
    # a notification's steps at the public-protection desk come before the MASH counts it (or not):
    # kept here until it arrives, then joined to its case or dropped
    before_mash: dict[int, list[tuple[float, str, dict]]] = {}

    def hook(time: float, kind: str, c: Contact, detail: dict) -> None:
        steps = before_mash.pop(c.id, []) if kind == "arrived" else []
        if c.counted:  # set on arrival, before the hub notes it
            raw[c.id].extend(steps)
            raw[c.id].append((time, kind, detail))
            contacts[c.id] = c
        elif kind == "incident" or c.id in before_mash:
            before_mash.setdefault(c.id, []).append((time, kind, detail))

    result = simulate(scenario, seed, replication, record=True, trace=hook)
    counted = {row["contact_id"] for row in result.records or []}
    raw = {k: v for k, v in raw.items() if k in counted}
    return TraceRun(scenario, seed, replication, result, raw, {k: contacts[k] for k in raw})


def _cases_frame(records: list[dict]):
    import pandas as pd

    frame = pd.DataFrame(records).rename(columns=_CASE_COLUMNS)
    if frame.empty:
        return pd.DataFrame(columns=["id", *_CASE_COLUMNS.values(), "missed"])
    frame["missed"] = frame["signals_missed"].fillna(0).astype(float) > 0
    frame["open"] = frame["decided_hours"].isna()
    frame = frame.astype({"breach": bool, "under_triaged": bool})
    return frame.sort_values("id", kind="stable").reset_index(drop=True)


def is_missing(value: Any) -> bool:
    """None or NaN: how a case's field reads when it does not apply (not decided, not screened)."""
    return value is None or (isinstance(value, float) and math.isnan(value))
