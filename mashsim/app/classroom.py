"""The classroom: one exercise room shared by every browser session of one server.

A trainer runs one server; the facilitator and each team open it in their own
browser.  Streamlit gives each browser its own script run, so what they share
must live outside any one of them: a module-level :class:`Registry` of rooms,
each room an exercise (scenario, seed) with named teams, each team a tabletop
:class:`~mashsim.tabletop.Session` of its own (so one team's decisions can
never touch another's results).  A lock per room serialises changes because
Streamlit runs browser sessions on separate threads.

The facilitator's "release" advances every team together, to the same moment,
so teams decide at the same stops; a team cannot play ahead of the release.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from mashsim.scenario import Scenario
from mashsim.tabletop import LoggedDecision, Session
from mashsim.tabletop.replays import Replays
from mashsim.tabletop.scoring import Effect, Score

MAX_TEAMS = 12  # a classroom's worth; each team holds a live run in memory


class ClassroomError(ValueError):
    """A request the room cannot take (an unknown or duplicate team, a bad name, play already over)."""


@dataclass
class Room:
    """One exercise played by several teams at once, released step by step by a facilitator."""

    scenario: Scenario
    seed: int
    teams: dict[str, Session] = field(default_factory=dict)
    released: float = 0.0  # simulated hours every team has been released to
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # where the teams' replays are played: worker processes started as each decision is taken (the
    # server's rooms share one pool), or None to play them in this process when asked
    replays: Replays | None = field(default=None, repr=False)
    _scores: dict[tuple[str, int], Score] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # The start of play comes from the exercise: a throwaway session knows it and the stops.
        self._probe = Session(self.scenario, self.seed, team="")
        self.released = self._probe.now

    # ------------------------------------------------------------------ teams
    def join(self, team: str) -> Session:
        """The session of ``team``, created at the released moment if new (joining twice is harmless)."""
        name = team.strip()
        if not name or len(name) > 40 or not all(c.isalnum() or c in " -_" for c in name):
            raise ClassroomError(f"team name {team!r}: use 1-40 letters, digits, spaces, '-' or '_'")
        with self.lock:
            if name in self.teams:
                return self.teams[name]
            if len(self.teams) >= MAX_TEAMS:
                raise ClassroomError(f"the room has {MAX_TEAMS} teams already (the most it takes)")
            session = Session(self.scenario, self.seed, team=name)
            if self.released > session.now:
                session.live.advance(self.released)  # a late team starts where the others are
            self.teams[name] = session
            return session

    def team(self, name: str) -> Session:
        with self.lock:
            if name not in self.teams:
                raise ClassroomError(f"no team {name!r} in this room (teams: {', '.join(self.teams) or 'none'})")
            return self.teams[name]

    def apply(self, name: str, decision: dict[str, Any]) -> LoggedDecision:
        """Take one team's decision (it changes that team's session only)."""
        with self.lock:
            session = self.team(name)
            entry = session.apply(decision)
        if self.replays is not None:  # the week with this decision, played while the class goes on
            self.replays.submit(session)
        return entry

    # ------------------------------------------------------------------ time
    @property
    def finished(self) -> bool:
        return self.released >= self._probe.end

    def release(self, hours: float | None = None) -> float:
        """Advance every team together: ``hours`` on, or (None) to the exercise's next stop; the new time."""
        with self.lock:
            if self.finished:
                raise ClassroomError("the exercise has reached the end of its week: go to the debrief")
            self._probe.live.advance(self.released)
            if hours is None:
                self._probe.run_to_next_stop()
            else:
                self._probe.step(hours)
            self.released = self._probe.now
            for session in self.teams.values():
                if session.now < self.released:
                    session.live.advance(self.released)
            return self.released

    def when(self) -> str:
        return self._probe.when(self.released)

    def pending_stop(self):
        return self._probe.pending_stop

    # ------------------------------------------------------------------ scores
    def score(self, name: str) -> Score:
        """The team's score, cached by the length of its log (scoring replays the whole week)."""
        with self.lock:
            session = self.team(name)
            key = (name, len(session.log))
            if key in self._scores:
                return self._scores[key]
        if self.replays is not None:  # outside the lock: other teams decide while this waits
            self.replays.fill(session, [0, key[1]])
        with self.lock:
            if key not in self._scores:
                self._scores[key] = session.score()
            return self._scores[key]

    def accounts(self) -> dict[str, list[Effect]]:
        """Each team's per-decision account (the debrief's): every replay it needs is started at once,
        in parallel, before any is waited for (most are done already, started as decisions came)."""
        with self.lock:
            teams = dict(self.teams)
        if self.replays is not None:
            for session in teams.values():
                for k in range(len(session.log) + 1):
                    self.replays.submit(session, k)
            for session in teams.values():
                self.replays.fill(session)
        # no lock: the week is over, no log changes (and without replays, these replay for a while)
        return {name: session.account() for name, session in teams.items()}

    def leaderboard(self) -> list[dict[str, Any]]:
        """One row per team, best first by children protected (the score's lead measure), then name."""
        rows = []
        with self.lock:
            names = list(self.teams)
        for name in names:
            s = self.score(name)
            better = s.against_baseline
            rows.append({"team": name, "decisions": s.decisions, "reached": self.teams[name].when(),
                         **{f"{m} vs baseline": v for m, v in better.items()},
                         "scenario": s.scenario, "seed": s.seed, "mashsim_version": s.version})
        lead = next((k for k in rows[0] if k.endswith("vs baseline")), None) if rows else None
        return sorted(rows, key=lambda r: (-(r[lead] if lead else 0.0), r["team"]))


class Registry:
    """Every room of this server, by a short code the trainer shares (``?room=...``)."""

    def __init__(self, replays: Replays | None = None) -> None:
        self._rooms: dict[str, Room] = {}
        self.replays = replays
        self._lock = threading.Lock()

    def open(self, code: str, scenario: Scenario, seed: int | None = None) -> Room:
        """The room ``code``; created for ``scenario`` and ``seed`` if new (opening again returns it)."""
        with self._lock:
            room = self._rooms.get(code)
            if room is None:
                room = Room(scenario, scenario.run.seed if seed is None else seed, replays=self.replays)
                self._rooms[code] = room
            elif room.scenario.name != scenario.name:
                raise ClassroomError(f"room {code!r} plays {room.scenario.name}, not {scenario.name}")
            return room

    def get(self, code: str) -> Room:
        with self._lock:
            if code not in self._rooms:
                raise ClassroomError(f"no room {code!r} on this server (the facilitator opens it first)")
            return self._rooms[code]

    def close(self, code: str) -> None:
        with self._lock:
            self._rooms.pop(code, None)


REGISTRY = Registry(Replays())  # one per server process: shared by all browser sessions (workers start lazily)
