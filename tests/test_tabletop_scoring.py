"""Tabletop scoring: team screening changes exactly the children screened; the score and its account."""

from __future__ import annotations

import pytest

import mashsim
from mashsim.scenario.schema import RAGS
from mashsim.tabletop import Session
from mashsim.tabletop.scoring import MEASURES
from support import build, everyone_unlimited, small_scenario_dict
from test_tabletop import until_someone_waits


def _screen_against_the_draw(session: Session, contacts: int) -> dict[int, str]:
    """Screen ``contacts`` waiting contacts (at two moments), each one RAG away from the baseline's."""
    baseline = {r["contact_id"]: r["rag"] for r in session.baseline().records}
    given = {}
    for _ in range(2):
        until_someone_waits(session, contacts // 2)
        for vignette in session.vignettes(contacts // 2):
            was = RAGS.index(baseline[vignette.contact_id])
            rag = RAGS[was + 1 if was < 3 else was - 1]
            session.apply({"kind": "screen", "contact_id": vignette.contact_id, "rag": rag})
            given[vignette.contact_id] = rag
        session.step(5)
    return given


def test_screening_with_ample_staff_after_screening_changes_exactly_the_children_screened():
    """Everyone after screening unlimited, so no child waits for another: the children the team screened
    get its RAG (and their cases change); every other child's record is the same bit for bit.

    With staff short after screening a changed RAG moves other children in the desks' queues, so their
    times (and, through late returns, their decisions) may change too: what stays exact there is
    tested below (every other child's screening)."""
    raw = everyone_unlimited(small_scenario_dict())
    raw["roles"]["screeners"].update(staff=1, hours="office", out_of_hours_staff=0)  # a queue to screen from
    session = Session(build(raw))
    given = _screen_against_the_draw(session, 6)
    assert len(given) == 6
    team = {r["contact_id"]: r for r in session.result().records}
    baseline = {r["contact_id"]: r for r in session.baseline().records}
    assert team.keys() == baseline.keys()
    changed = {i for i in team if team[i] != baseline[i]}
    assert changed == set(given)
    assert all(team[i]["rag"] == rag for i, rag in given.items())


def test_screening_in_a_short_staffed_exercise_leaves_every_other_childs_screening_as_it_was():
    september = mashsim.load_scenario("exercise-september-outage")
    session = Session(september)
    session.run_to_next_stop()
    given = _screen_against_the_draw(session, 4)
    team = {r["contact_id"]: r for r in session.result().records}
    baseline = {r["contact_id"]: r for r in session.baseline().records}
    for i in team:
        if i in given:
            assert team[i]["rag"] == given[i] != baseline[i]["rag"]
        else:  # the screening queue never waits on research, so everyone else is screened as before
            assert (team[i]["rag"], team[i]["screened_h"]) == (baseline[i]["rag"], baseline[i]["screened_h"])


@pytest.fixture(scope="module")
def played():
    session = Session(mashsim.load_scenario("exercise-september-outage"), team="blue")
    session.run_to_next_stop()  # Monday 09:00
    session.apply({"kind": "overtime", "role": "screeners", "staff": 2, "hours": 6})
    session.apply({"kind": "policy", "ask": {"amber": ["police", "health"]}, "hours": 48})
    session.run_to_next_stop()
    session.apply({"kind": "move", "from_role": "managers", "to_role": "health", "staff": 1, "hours": 3})
    session.run_to_next_stop()
    session.apply({"kind": "policy", "decide_at_deadline": False})
    return session


def test_the_score_carries_scenario_seed_and_version_and_costs_overtime(played):
    score = played.score()
    assert (score.scenario, score.seed, score.team, score.decisions) == ("exercise-september-outage", 42, "blue", 4)
    assert score.version == mashsim.__version__ and len(score.scenario_hash) == 16
    assert score.team_measures["overtime_cost"] == 2 * 6 * 45.0 and score.baseline["overtime_cost"] == 0.0
    assert score.children == len(played.baseline().records) and 0 < score.high_risk < score.children
    assert 0 <= score.team_measures["protected"] <= score.high_risk


def test_the_account_of_each_decision_adds_up_to_the_team_against_the_baseline(played):
    effects = played.account()
    score = played.score()
    assert len(effects) == 4
    for m in MEASURES:
        assert sum(e.change[m] for e in effects) == pytest.approx(score.team_measures[m] - score.baseline[m])
    assert effects[0].sentence().startswith("overtime: 2 more on screeners for 6 h at 09:00 Monday 1 September:")
    assert "overtime cost £540" in effects[0].sentence()
    assert any(e.in_time or e.signals for e in effects)  # the decisions did change some children's cases


def test_a_decision_that_changes_nothing_is_accounted_as_such():
    session = Session(mashsim.load_scenario("exercise-september-outage"))
    session.run_to_next_stop()
    session.run_to_next_stop()
    session.apply({"kind": "policy", "red_priority": True, "hours": 1})  # the policy already in force
    (effect,) = session.account()
    assert effect.change == {m: 0.0 for m in MEASURES}
    assert effect.sentence().endswith("no child's outcome changed.")
