"""Tabletop sessions: steps and stops, decisions, replay, export, and the baseline as a plain run."""

from __future__ import annotations

import json

import pytest

import mashsim
from mashsim.replication import simulate
from mashsim.scenario import ScenarioError
from mashsim.tabletop import DecisionError, Session
from mashsim.tabletop.session import play
from support import assert_same_metrics, small_scenario_dict, build

EXERCISES = ["exercise-september-outage", "exercise-da-surge-holiday", "exercise-london-pooled-research"]


@pytest.fixture(scope="module")
def september():
    return mashsim.load_scenario("exercise-september-outage")


def until_someone_waits(session: Session, at_least: int = 1) -> None:
    """Step an hour at a time until contacts wait to be screened (there are some most working hours)."""
    while len(session.vignettes(at_least)) < at_least:
        session.step(1)


def _team_play(session: Session) -> Session:
    """A team's morning: to the first decision points, moves, overtime, a policy switch, two screenings."""
    session.run_to_next_stop()
    session.run_to_next_stop()  # Monday 09:00
    session.apply({"kind": "move", "from_role": "contact_officers", "to_role": "screeners", "staff": 1, "hours": 6})
    session.step(2.5)
    session.apply({"kind": "policy", "queue_discipline": "deadline", "hours": 30})
    session.run_to_next_stop()  # Tuesday 09:00, police systems down
    session.apply({"kind": "overtime", "role": "managers", "staff": 1, "hours": 4})
    until_someone_waits(session, 2)
    for vignette in session.vignettes(2):
        session.apply({"kind": "screen", "contact_id": vignette.contact_id, "rag": "red"})
    session.step(7)
    return session


@pytest.mark.parametrize("name", EXERCISES)
def test_the_baseline_is_a_plain_run_of_the_exercise(name):
    """No decisions: the session's replication is replication 0 of ``mashsim run`` exactly."""
    scenario = mashsim.load_scenario(name)
    plain = simulate(scenario, scenario.run.seed, 0, record=True)
    session = Session(scenario)
    while not session.finished:  # stepped, not run straight through: the pauses change nothing
        session.step()
    baseline = session.live.result()
    assert_same_metrics(baseline.metrics, plain.metrics)
    assert baseline.records == plain.records
    assert_same_metrics(session.baseline().metrics, plain.metrics)
    as_run = mashsim.run_replications(scenario, replications=1, record=True)  # what `mashsim run` calls
    assert_same_metrics(baseline.metrics, as_run.replications[0].metrics)
    assert baseline.records == as_run.replications[0].records


def test_a_live_session_and_its_replay_agree_exactly(september):
    session = _team_play(Session(september, team="red team"))
    data = json.loads(json.dumps(session.export()))
    again = Session.from_export(data)
    assert again.now == session.now and again.team == "red team"
    assert again.waiting() == session.waiting()
    assert [v.text() for v in again.vignettes(5)] == [v.text() for v in session.vignettes(5)]
    assert again.log == session.log
    live, replayed = session.live.result(), again.live.result()  # each played on to the end as it stands
    assert_same_metrics(live.metrics, replayed.metrics)
    assert live.records == replayed.records
    assert live.records == play(september, september.run.seed, session.log).records


def test_the_same_decisions_always_give_the_same_score(september):
    first, second = _team_play(Session(september)), _team_play(Session(september))
    assert first.score().to_dict() == second.score().to_dict()
    assert [e.sentence() for e in first.account()] == [e.sentence() for e in second.account()]


def test_a_teams_decisions_change_only_its_own_results(september):
    acting, watching = Session(september, team="a"), Session(september, team="b")
    acting.run_to_next_stop()
    watching.run_to_next_stop()
    acting.run_to_next_stop()
    acting.apply({"kind": "policy", "decide_at_deadline": False})
    acting.apply({"kind": "overtime", "role": "police", "staff": 3, "hours": 8})
    watching.step(3)
    acting.step(3)
    plain = simulate(september, september.run.seed, 0, record=True)
    assert watching.live.result().records == plain.records
    assert acting.live.result().records != plain.records


def test_play_stops_at_every_inject_and_decision_point_in_time_order(september):
    session = Session(september)
    assert session.now == september.run.warmup_days * 24
    seen = []
    while not session.finished:
        stop = session.run_to_next_stop()
        if stop is not None:
            assert stop.at <= session.now < stop.at + 1e-5
            seen.append(stop.label)
    assert seen == [s.label for s in session.stops][1:]  # the first is where play starts
    assert "Police systems down" in seen and "Police systems back" in seen
    with pytest.raises(DecisionError, match="week has ended"):
        session.apply({"kind": "policy", "decide_at_deadline": False})


def test_a_step_stops_early_at_a_stop(september):
    session = Session(september)
    session.step(6)
    assert session.pending_stop is None and session.now == 14 * 24 + 6
    stop = session.step(10)  # 06:00 + 10 h passes Monday 09:00, a decision point
    assert stop is not None and stop.label.startswith("Monday morning") and session.now == pytest.approx(14.375 * 24)


def test_a_move_takes_staff_off_one_role_and_onto_another_for_its_hours(september):
    session = Session(september)
    session.run_to_next_stop()
    before = session.waiting()[""]
    session.apply({"kind": "move", "from_role": "managers", "to_role": "police", "staff": 1, "hours": 2})
    after = session.waiting()[""]
    assert after["managers"]["on_duty"] == before["managers"]["on_duty"] - 1
    assert after["police"]["on_duty"] == before["police"]["on_duty"] + 1
    session.step(2)
    back = session.waiting()[""]
    assert (back["managers"]["on_duty"], back["police"]["on_duty"]) == \
        (before["managers"]["on_duty"], before["police"]["on_duty"])


@pytest.mark.parametrize("decision, message", [
    ({"kind": "move", "from_role": "screeners", "to_role": "polce", "staff": 1, "hours": 2}, "unknown role 'polce'"),
    ({"kind": "move", "from_role": "screeners", "to_role": "police", "staff": 40, "hours": 2}, "at most that many"),
    ({"kind": "move", "from_role": "police", "to_role": "police", "staff": 1, "hours": 2}, "from one role to another"),
    ({"kind": "overtime", "role": "screeners", "staff": 0, "hours": 2}, "staff"),
    ({"kind": "overtime", "role": "screeners", "staff": 1, "hours": -2}, "hours"),
    ({"kind": "policy"}, "a policy decision must set at least one of"),
    ({"kind": "policy", "ask": {}}, "a policy decision must set at least one of"),  # an empty ask changes nothing
    ({"kind": "policy", "ask": {"red": ["polise"]}}, "ask.red: unknown agency 'polise'"),
    ({"kind": "policy", "queue_discipline": "lifo"}, "queue_discipline"),
    ({"kind": "screen", "contact_id": 10**9, "rag": "red"}, "not waiting to be screened"),
    ({"kind": "screen", "contact_id": 1, "rag": "purple"}, "rag"),
    ({"kind": "retire"}, "allowed: move, overtime, policy, screen"),
    ({"kind": "move", "from_role": "screeners", "to_role": "police", "staff": 1, "hours": 2, "hub": "camden"},
     "unknown hub 'camden'"),
])
def test_a_bad_decision_is_refused_saying_why_and_nothing_is_logged(september, decision, message):
    session = Session(september)
    session.run_to_next_stop()
    state = session.waiting()
    with pytest.raises(DecisionError, match=message.replace("(", r"\(").replace(".", r"\.")):
        session.apply(decision)
    assert session.log == [] and session.waiting() == state


def test_staff_cannot_be_moved_off_duty(september):
    session = Session(september)  # Monday 00:00: out of hours
    with pytest.raises(DecisionError, match="off duty now"):
        session.apply({"kind": "move", "from_role": "screeners", "to_role": "police", "staff": 1, "hours": 2})


def test_a_contact_is_screened_by_the_team_once(september):
    session = Session(september)
    until_someone_waits(session)
    contact = session.vignettes(1)[0].contact_id
    session.apply({"kind": "screen", "contact_id": contact, "rag": "amber"})
    assert contact not in [v.contact_id for v in session.vignettes(50)]
    with pytest.raises(DecisionError, match="screened contact .* already"):
        session.apply({"kind": "screen", "contact_id": contact, "rag": "red"})


def test_an_export_is_resumed_only_with_its_own_scenario(september):
    data = _team_play(Session(september)).export()
    other = mashsim.load_scenario("exercise-da-surge-holiday")
    with pytest.raises(DecisionError, match="scenario_hash"):
        Session.from_export(data, other)
    assert Session.from_export(data, september).log == Session.from_export(data).log
    with pytest.raises(DecisionError, match="carries no exercise file"):
        Session.from_export({k: v for k, v in data.items() if k != "exercise"})
    with pytest.raises(DecisionError, match="not a tabletop session export"):
        Session.from_export({"format": "something else"})
    shuffled = dict(data, decisions=list(reversed(data["decisions"])))
    with pytest.raises(DecisionError, match=r"decisions\[\d\]\.at: .* before the decision above it"):
        Session.from_export(shuffled)
    broken = dict(data, decisions=[{"at": 340.0, "decision": {"kind": "overtime", "role": "screeners"}}])
    with pytest.raises(DecisionError, match=r"decisions\[0\]\.decision\.overtime\.staff: Field required"):
        Session.from_export(broken)


def test_the_tabletop_table_is_checked_and_optional(small_raw):
    build(small_raw)  # no [tabletop]: an ordinary scenario, played from the end of the warm-up
    raw = small_scenario_dict()
    raw["tabletop"] = {"step_hours": 0, "decision_points": [{"day": 3, "label": "x"}]}
    with pytest.raises(ScenarioError, match="tabletop.step_hours"):
        build(raw)
    raw["tabletop"] = {"decision_points": [{"day": 3}]}
    with pytest.raises(ScenarioError, match=r"tabletop.decision_points.0.label: required field is missing"):
        build(raw)
    raw["tabletop"] = {"decision_points": [{"day": 3, "label": "x"}], "start_day": 2.5}
    session = Session(build(raw))
    assert session.now == 60.0 and [s.label for s in session.stops] == ["x"]


def test_the_command_line_replays_an_export_or_a_log_and_refuses_bad_input(september, tmp_path, capsys):
    from mashsim.cli import main

    session = _team_play(Session(september))
    export, log = tmp_path / "team.json", tmp_path / "log.json"
    export.write_text(json.dumps(session.export()))
    log.write_text(json.dumps([e.model_dump(mode="json") for e in session.log]))
    assert main(["tabletop", "exercise-september-outage", "--decisions", str(export), "--json"]) == 0
    from_export = json.loads(capsys.readouterr().out)
    assert from_export["score"] == session.score().to_dict()
    assert len(from_export["account"]) == len(session.log)
    assert main(["tabletop", "exercise-september-outage", "--decisions", str(log), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["score"]["measures"] == from_export["score"]["measures"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"at": 400.0, "decision": {"kind": "overtime", "role": "screeners", "hours": 2}}]))
    assert main(["tabletop", "exercise-september-outage", "--decisions", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and "decisions[0].decision.overtime.staff: Field required" in err
    assert main(["tabletop", "exercise-da-surge-holiday", "--decisions", str(export)]) == 2
    assert "scenario_hash" in capsys.readouterr().err


def test_every_shipped_exercise_fits_a_served_classroom_and_a_city_year_does_not():
    from mashsim.app.limits import SERVED, LimitReached
    from mashsim.tabletop.served import session_size

    for name in EXERCISES:
        assert session_size(mashsim.load_scenario(name), SERVED).contacts < SERVED.contacts / 10
    with pytest.raises(LimitReached, match="contacts"):
        session_size(mashsim.load_scenario("london-wide", ["run.horizon_days=60"]), SERVED)


def test_a_team_keeps_at_most_max_decisions(september, monkeypatch):
    from mashsim.tabletop import session as module

    monkeypatch.setattr(module, "MAX_DECISIONS", 2)
    session = Session(september)
    session.run_to_next_stop()
    for _ in range(2):
        session.apply({"kind": "policy", "red_priority": True, "hours": 1})
    with pytest.raises(DecisionError, match="taken 2 decisions"):
        session.apply({"kind": "policy", "red_priority": True, "hours": 1})


def test_a_london_session_with_decisions_per_borough_and_on_the_shared_team_replays_exactly():
    london = mashsim.load_scenario("exercise-london-pooled-research")
    session = Session(london)
    session.run_to_next_stop()  # Monday 09:00
    with pytest.raises(DecisionError, match="name the hub"):
        session.apply({"kind": "overtime", "role": "screeners", "staff": 1, "hours": 4})
    session.apply({"kind": "overtime", "role": "screeners", "staff": 1, "hours": 4, "hub": "camden"})
    session.apply({"kind": "policy", "ask": {"amber": ["health"]}, "hours": 24, "hub": "croydon"})
    before = session.waiting()
    session.apply({"kind": "move", "from_role": "managers", "to_role": "police", "staff": 1, "hours": 3,
                   "hub": "lambeth"})
    after = session.waiting()
    for hub in ("camden", "croydon", "hackney", "lambeth"):  # one shared team: every borough sees it grow
        assert after[hub]["police"]["on_duty"] == before[hub]["police"]["on_duty"] + 1
    until_someone_waits(session, 2)
    for vignette in session.vignettes(2):
        assert vignette.hub in ("camden", "croydon", "hackney", "lambeth")
        session.apply({"kind": "screen", "contact_id": vignette.contact_id, "rag": "red", "hub": vignette.hub})
    session.step(5)
    again = Session.from_export(json.loads(json.dumps(session.export())))
    assert again.waiting() == session.waiting()
    live, replayed = session.live.result(), again.live.result()
    assert_same_metrics(live.metrics, replayed.metrics)
    assert live.records == replayed.records
