"""The model's "closed" and "desk down" trace events equal what traces used to derive after the run.

Traces once worked out, from the calendar and the scenario's outage injects, whether the role taking a
case's next step was off duty (until when) and whether a desk's systems were down; the hub now notes
both itself.  ``_derived`` below is that old derivation, kept here only to prove the two agree.
"""

from __future__ import annotations

import math

import pytest

from mashsim import load_scenario
from mashsim.model.calendar import HOURS_PER_DAY
from mashsim.model.contact import RED
from mashsim.model.stages import FLAGGED, STAGE_AFTER
from mashsim.scenario.injects import OutageInject
from mashsim.trace import TraceEvent, is_missing, trace_run

MODEL_KINDS = ("closed", "desk down")


def _next_opening(view, pattern, t: float) -> float | None:
    day = int(t // HOURS_PER_DAY)
    for d in range(day, day + 366):
        interval = view.duty_interval(pattern, d)
        if interval is None:
            continue
        start, end = d * HOURS_PER_DAY + interval[0], d * HOURS_PER_DAY + interval[1]
        if t < start:
            return start
        if t < end:
            return None
    return math.inf


def _closed(run, time, role, urgent, hub, at=None) -> list[TraceEvent]:
    desk = hub.agencies.get(role)
    staffing = run.scenario.pools[desk.pool] if desk and desk.pool else hub.staffed_roles()[role]
    if urgent and staffing.out_of_hours_staff > 0:
        return []
    opens = _next_opening(run.view, run.scenario.calendar.hours[staffing.hours], time)
    if opens is None:
        return []
    return [TraceEvent(time if at is None else at, "closed",
                       {"role": role, "desk": desk is not None, "until_hours": opens})]


def _desk_state(run, time, agency, c, name, settings) -> list[TraceEvent]:
    reaches = time + settings.channel_for(agency).latency_hours
    pool = settings.agencies[agency].pool
    out = [TraceEvent(time, "desk down", {"agency": agency, "until_hours": i.end_hours, "mode": i.mode})
           for i in run.scenario.injects
           if isinstance(i, OutageInject) and i.takes_down(name, agency, pool) and i.start_hours <= reaches < i.end_hours]
    return out + _closed(run, reaches, agency, c.rag == RED, settings, at=time)


def _derived(run, case_id: int) -> list[TraceEvent]:
    """A case's events as traces derived them before the model noted them (the old trace.py)."""
    row, c = run.case(case_id), run._contacts[case_id]
    name, settings = run._hub(row)
    events: list[TraceEvent] = []
    for time, kind, detail in run._raw[case_id]:
        if kind in MODEL_KINDS:
            continue
        events += run._explain(time, kind, detail, c, row)
        stage = STAGE_AFTER.get(kind)
        if stage is not None:
            urgent = bool(c.urgent) if stage.urgent == FLAGGED else c.rag == RED
            events += _closed(run, time, stage.role, urgent, settings)
        if kind == "asked":
            for agency in detail["agencies"]:
                events += _desk_state(run, time, agency, c, name, settings)
    if is_missing(row["decided_hours"]):
        events.append(TraceEvent(run.result_end, "open at end", {}))
    events.sort(key=lambda e: e.time_hours)
    return events


CASES = {
    "london-borough 14 days (a channel with latency)": ("london-borough", ["run.horizon_days=14"]),
    "exercise-september-outage": ("exercise-september-outage", []),
    "the same outage in fail mode": ("exercise-september-outage", ["injects.0.mode=fail"]),
    "pooled, with the pool's outage": ("exercise-london-police-outage",
                                       ["run.warmup_days=14", "run.horizon_days=3"]),
}


@pytest.mark.parametrize("label", list(CASES))
def test_model_events_equal_the_old_derivation(label):
    name, overrides = CASES[label]
    run = trace_run(load_scenario(name, overrides), seed=3)
    kinds = {"closed": 0, "desk down": 0}
    for case_id in run.cases["id"]:
        events = run.events(int(case_id))
        assert events == _derived(run, int(case_id)), f"case {case_id}"
        for e in events:
            if e.kind in kinds:
                kinds[e.kind] += 1
    assert kinds["closed"] > 0  # the comparison is not empty
    if run.scenario.injects:
        assert kinds["desk down"] > 0
