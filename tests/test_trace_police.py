"""Case traces with the police pipeline: a notification's public-protection desk review before the
MASH, an s47 enquiry's CAIT joint visit after it, with a borough's own teams or shared ones."""

from __future__ import annotations

import json

import pytest

from mashsim.cli import main
from mashsim.report.trace_text import to_markdown
from mashsim.scenario.load import load_scenario
from mashsim.scenario.schema import CAIT, PPD
from mashsim.trace import trace_run
from support import build, two_police_hubs

# a thin CAIT, so that some joint visits are late in a short run
SETS = ("run.horizon_days=21", "run.warmup_days=7", "police.cait.staff=0.5")


@pytest.fixture(scope="module", params=[False, True], ids=["own teams", "shared teams"])
def traced(request):
    raw = two_police_hubs(request.param)
    if request.param:
        raw["pools"]["cait_team"]["staff"] = 1.0  # the two hubs' 0.5 each
    return trace_run(build(raw, *SETS), seed=6)


def _cases(traced):
    return {int(case): traced.events(int(case)) for case in traced.cases["id"]}


def test_a_notification_starts_at_the_incident_and_reaches_the_mash_when_reviewed(traced):
    pooled = bool(traced.scenario.pools)
    notifications = 0
    for case, events in _cases(traced).items():
        kinds = [e.kind for e in events]
        row = traced.case(case)
        if "incident" not in kinds:
            assert kinds[0] == "arrived" and "reviewed" not in kinds
            continue
        notifications += 1
        assert row["source"] == "police" and kinds[0] == "incident"
        incident, reviewed = events[0], events[kinds.index("reviewed")]
        arrived = events[kinds.index("arrived")]
        assert kinds.index("reviewed") + 1 == kinds.index("arrived")  # sent on, and the MASH has it at once
        assert reviewed.time_hours == arrived.time_hours == row["arrived_hours"]
        assert reviewed.detail["incident_hours"] == incident.time_hours
        assert reviewed.detail["wait_hours"] == pytest.approx(reviewed.time_hours - incident.time_hours, abs=1e-9)
        assert incident.detail["team"] == reviewed.detail["team"] == ("ppd_team" if pooled else PPD)
        between = kinds[1:kinds.index("reviewed")]
        assert set(between) <= {"closed"}  # only the desk being off duty comes between
    assert notifications > 100


def test_an_s47_enquiry_waits_for_its_joint_visit_and_the_trace_matches_the_metric(traced):
    pooled = bool(traced.scenario.pools)
    deadline = traced.scenario.police.cait.joint_visit_deadline_hours
    due_n = late = open_ = 0
    for case, events in _cases(traced).items():
        kinds = [e.kind for e in events]
        row = traced.case(case)
        if row["outcome"] != "s47":
            assert "visit due" not in kinds and "visited" not in kinds
            continue
        due_n += 1
        decided, due = events[kinds.index("decided")], events[kinds.index("visit due")]
        assert due.time_hours == decided.time_hours
        assert due.detail["due_hours"] == pytest.approx(decided.time_hours + deadline)
        assert due.detail["team"] == ("cait_team" if pooled else CAIT)
        if "visited" not in kinds:
            open_ += 1  # still waiting when the run stopped
            continue
        visited = events[kinds.index("visited")]
        assert visited.time_hours > due.time_hours
        assert visited.detail["late_hours"] == max(visited.time_hours - due.detail["due_hours"], 0.0)
        late += visited.detail["late_hours"] > 0
    m = traced.metrics
    assert due_n == m["s47_enquiries"] > 10
    assert late > 0
    # the metric also counts, as past the deadline, the enquiries still waiting past it at the end
    assert late <= m["s47_past_deadline"] <= late + open_


def test_markdown_and_json_tell_the_police_steps(traced, tmp_path):
    cases = _cases(traced)
    case = next(c for c, events in cases.items()
                if {"incident", "visited"} <= {e.kind for e in events})
    text = to_markdown(traced, case)
    assert "police child-welfare notification raised at an incident" in text
    assert "reviewed by the public-protection desk and sent to the MASH" in text
    assert "joint visit needed by the CAIT" in text and "joint visit done by the CAIT" in text
    shared = "shared team ppd\\_team" if traced.scenario.pools else "the hub's own team"
    assert shared in text
    kinds = [e["kind"] for e in traced.to_dict(case)["events"]]
    assert kinds[0] == "incident" and "visited" in kinds


def test_the_cli_traces_a_notification_of_the_bcu_scenario(capsys):
    sets = ["run.horizon_days=3", "run.warmup_days=1"]
    traced = trace_run(load_scenario("london-met-bcu", sets), seed=2)
    case = next(int(c) for c in traced.cases["id"] if traced.events(int(c))[0].kind == "incident")
    hub = traced.case(case)["hub"]
    assert main(["trace", "london-met-bcu", *(a for s in sets for a in ("--set", s)), "--seed", "2",
                 "--case", str(case), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scenario"]["name"] == "london-met-bcu" and out["events"] == traced.to_dict(case)["events"]
    incident = out["events"][0]
    assert incident["kind"] == "incident"
    assert incident["detail"]["team"] == traced.scenario.hubs[hub].police.ppd.pool  # its BCU's desk
