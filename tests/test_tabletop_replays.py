"""The teams' replays played in worker processes as decisions are taken (mashsim.tabletop.replays):
the score and the per-decision account are identical to a session's own, the baseline is played once
for a room, and without worker processes the replays are played in the process as before."""

from __future__ import annotations

import pytest

import mashsim
from mashsim.app.classroom import Registry
from mashsim.tabletop import Session
from mashsim.tabletop.replays import Replays, replay_key

MOVE = {"kind": "move", "from_role": "contact_officers", "to_role": "screeners", "staff": 1, "hours": 6}
OVERTIME = {"kind": "overtime", "role": "screeners", "staff": 2, "hours": 4}
POLICY = {"kind": "policy", "queue_discipline": "deadline", "hours": 24}


@pytest.fixture(scope="module")
def september():
    return mashsim.load_scenario("exercise-september-outage")


@pytest.fixture(scope="module")
def replays():
    pool = Replays(workers=2)
    yield pool
    pool.close()


def _play(room, september):
    room.join("Red"), room.join("Blue"), room.join("Green")
    room.release()
    room.apply("Red", MOVE)
    room.apply("Blue", OVERTIME)
    room.release()
    room.apply("Red", POLICY)
    room.apply("Blue", MOVE)
    room.release()
    room.apply("Red", OVERTIME)


def test_accounts_and_scores_from_worker_processes_are_a_sessions_own(september, replays):
    room = Registry(replays).open("w1", september)
    _play(room, september)
    accounts = room.accounts()
    for name, session in room.teams.items():
        alone = Session.replay(september, session.seed, session.log, team=name)  # every replay here
        assert accounts[name] == alone.account()
        assert room.score(name) == alone.score()
    assert [len(accounts[n]) for n in ("Red", "Blue", "Green")] == [3, 2, 0]


def test_the_baseline_is_played_once_for_the_room_and_kept(september, replays):
    room = Registry(replays).open("w2", september)
    _play(room, september)
    room.accounts()
    red, blue = room.team("Red"), room.team("Blue")
    assert replay_key(red, 0) == replay_key(blue, 0)  # no decisions: the same replay for every team
    assert red.baseline() is blue.baseline()
    assert replay_key(red, 1) != replay_key(blue, 1)


def test_without_worker_processes_the_replays_are_played_here(september):
    none = Replays()
    none._failed = True  # as where no process can be started
    room = Registry(none).open("w3", september)
    _play(room, september)
    red = room.team("Red")
    assert none.submit(red, 1) is None
    assert room.accounts()["Red"] == Session.replay(september, red.seed, red.log).account()


def test_a_session_keeps_only_replays_of_its_own_log(september):
    session = Session(september)
    with pytest.raises(ValueError, match="decisions: 0 to 0"):
        session.keep_result(1, session.baseline())
