"""The classroom registry: rooms shared by browser sessions, teams isolated, the facilitator's release."""

from __future__ import annotations

import threading

import pytest

import mashsim
from mashsim.app.classroom import ClassroomError, Registry
from mashsim.tabletop import Session

MOVE = {"kind": "move", "from_role": "contact_officers", "to_role": "screeners", "staff": 1, "hours": 6}


@pytest.fixture(scope="module")
def september():
    return mashsim.load_scenario("exercise-september-outage")


def test_release_moves_every_team_together_and_late_teams_catch_up(september):
    room = Registry().open("r1", september)
    red, blue = room.join("Red"), room.join("Blue")
    assert room.join("Red") is red  # joining twice is the same session
    at = room.release()
    assert red.now == blue.now == at == room.released
    green = room.join("Green")
    assert green.now == at  # a late team starts where the others are
    assert room.release(2.0) > at


def test_each_team_decisions_change_only_its_own_results(september):
    room = Registry().open("r2", september)
    room.join("Red"), room.join("Blue")
    room.release(), room.release()
    room.apply("Red", MOVE)
    assert len(room.team("Red").log) == 1 and room.team("Blue").log == []
    red, blue = room.score("Red"), room.score("Blue")
    assert blue.team_measures == blue.baseline  # no decisions: Blue plays the baseline
    assert red.baseline == blue.baseline
    # the same decisions always give the same score (replay of Red's export)
    again = Session.from_export(room.team("Red").export(), september).score()
    assert again.team_measures == red.team_measures
    board = room.leaderboard()
    assert {r["team"] for r in board} == {"Red", "Blue"}
    assert all(r["scenario"] == september.name and r["seed"] == september.run.seed for r in board)


def test_bad_requests_are_refused_with_a_message(september):
    registry = Registry()
    room = registry.open("r3", september)
    with pytest.raises(ClassroomError, match="team name"):
        room.join("<script>")
    with pytest.raises(ClassroomError, match="no team"):
        room.team("Nobody")
    with pytest.raises(ClassroomError, match="no room"):
        registry.get("elsewhere")
    other = mashsim.load_scenario("exercise-da-surge-holiday")
    with pytest.raises(ClassroomError, match="plays"):
        registry.open("r3", other)


def test_concurrent_joins_from_many_browsers_make_one_session_per_team(september):
    room = Registry().open("r4", september)
    got: list[Session] = []
    threads = [threading.Thread(target=lambda: got.append(room.join("Red"))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in got}) == 1 and list(room.teams) == ["Red"]


def test_debrief_side_by_side_with_traces_and_one_html_page(september):
    from mashsim.app.tabletop_debrief import debrief, debrief_html
    room = Registry().open("r5", september)
    room.join("Red"), room.join("Blue")
    room.release(), room.release()
    room.apply("Red", MOVE)
    data = debrief(room)
    assert data["scenario"] == september.name and data["seed"] == september.run.seed and data["mashsim_version"]
    assert set(data["teams"]) == {"Red", "Blue"}
    assert len(data["teams"]["Red"]["mattered"]) == 1 and data["teams"]["Blue"]["mattered"] == []
    assert data["teams"]["Blue"]["helped"] == data["teams"]["Blue"]["missed"] == []  # Blue is the baseline
    page = debrief_html(data)
    assert page.startswith("<!doctype html>") and "Team Red" in page and "<script" not in page
