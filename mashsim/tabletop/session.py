"""A team's tabletop session: one replication of an exercise, played in steps, decided on at pauses.

>>> session = Session(load_exercise("scenarios/exercise-september-outage.toml").scenario)  # doctest: +SKIP
>>> session.run_to_next_stop()          # to the next inject or named decision point
>>> session.waiting()                   # the queues now, per hub and role or desk
>>> session.apply({"kind": "move", "from_role": "screeners", "to_role": "police", "staff": 1, "hours": 4})
>>> [v.text() for v in session.vignettes(3)]     # contacts waiting at screening, as case vignettes
>>> session.apply({"kind": "screen", "contact_id": 4012, "rag": "red"})
>>> session.score()                     # against the hidden true risks and the baseline (no decisions)

The state of a session is its scenario, its seed and its decision log: any
moment is rebuilt exactly by replaying the log from time 0 (:meth:`Session.replay`,
:meth:`Session.from_export`), and the baseline (no decisions) is a plain run of
the scenario's replication 0 (:func:`mashsim.replication.simulate`).  Each
session holds its own live model: teams' decisions never touch each other's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from mashsim._version import __version__
from mashsim.replication import ReplicationResult
from mashsim.report.trace_text import Clock
from mashsim.scenario.load import scenario_hash
from mashsim.scenario.schema import HUB_ROLES, RAGS, Scenario
from mashsim.scenario.tabletop import Tabletop
from mashsim.tabletop.decisions import (DecisionBase, DecisionLog, LoggedDecision, MoveStaff, Overtime,
                                        PolicyChange, Screen, parse_decision)
from mashsim.tabletop import scoring
from mashsim.tabletop.live import SETTLE_HOURS, DecisionError, LiveRun
from mashsim.tabletop.scoring import Effect, Score
from mashsim.tabletop.vignettes import Vignette, vignettes_of

EXPORT_FORMAT = "mashsim-tabletop/1"
#: the most decisions one team may log: the account replays the week once per decision
MAX_DECISIONS = 200


@dataclass(frozen=True)
class Stop:
    """Where play stops by itself: an inject starts, or a decision point the exercise names."""

    at: float  # simulated hours after time 0
    kind: str  # "inject" or "decision point"
    label: str
    prompt: str = ""


def stops_of(scenario: Scenario) -> list[Stop]:
    """Every stop of ``scenario``'s exercise, in time order (an inject's start, a named decision point)."""
    settings = scenario.tabletop or Tabletop()
    stops = [Stop(i.start_hours, "inject", i.describe()) for i in scenario.injects]
    stops += [Stop(p.hours, "decision point", p.label, p.prompt) for p in settings.decision_points]
    return sorted(stops, key=lambda s: s.at)


class Session:
    """One team's play of ``scenario`` (replication 0 of ``seed``; default the scenario's run.seed)."""

    def __init__(self, scenario: Scenario, seed: int | None = None, *, team: str = "") -> None:
        self.scenario = scenario
        self.seed = scenario.run.seed if seed is None else seed
        self.team = team
        self.settings = scenario.tabletop or Tabletop()
        self.live = LiveRun(scenario, self.seed)
        self.start = (self.settings.start_day * 24.0 if self.settings.start_day is not None
                      else scenario.run.warmup_days * 24.0)
        self.end = self.live.end
        if not self.start < self.end:
            raise DecisionError(f"{scenario.name}: tabletop.start_day ({self.start / 24:g}) must be before the "
                                f"end of the run ({self.end / 24:g} days)")
        self.stops = [s for s in stops_of(scenario) if self.start <= s.at < self.end]
        self.log: list[LoggedDecision] = []
        self.clock = Clock(scenario.calendar.start_date)
        self._results: dict[int, ReplicationResult] = {}  # by length of the log they played: see result()
        self.live.advance(self.start)

    # ------------------------------------------------------------------ time
    @property
    def now(self) -> float:
        return self.live.now

    @property
    def finished(self) -> bool:
        """Whether play has reached the end of the measured week (no more steps or decisions)."""
        return self.now >= self.end

    def when(self, hours: float | None = None) -> str:
        """``09:00 Tuesday 2 September``: now, or ``hours`` after time 0."""
        return self.clock.when(self.now if hours is None else hours)

    @property
    def pending_stop(self) -> Stop | None:
        """The stop play is at now (an inject just started, or a decision point), if any."""
        return next((s for s in self.stops if s.at <= self.now <= s.at + SETTLE_HOURS), None)

    def next_stop(self) -> Stop | None:
        return next((s for s in self.stops if s.at > self.now + SETTLE_HOURS), None)

    def step(self, hours: float | None = None) -> Stop | None:
        """Play ``hours`` on (default the exercise's step), stopping early at a stop; the stop reached."""
        hours = self.settings.step_hours if hours is None else hours
        if not hours > 0.0:
            raise DecisionError(f"a step is a number of hours > 0 (got {hours})")
        stop = self.next_stop()
        until = min(self.now + hours, stop.at if stop else self.end, self.end)
        self.live.advance(until)
        return self.pending_stop

    def run_to_next_stop(self) -> Stop | None:
        """Play on to the next stop (or the end of the week); the stop reached."""
        stop = self.next_stop()
        self.live.advance(stop.at if stop else self.end)
        return self.pending_stop

    # ------------------------------------------------------------------ what is there
    def waiting(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Per hub (``""`` in a one-hub scenario) and role or desk: work waiting, in hand, staff on duty.

        A desk staffed by a shared team shows the team's queue (every hub's requests)."""
        table: dict[str, dict[str, dict[str, Any]]] = {}
        for name, settings in self.scenario.hub_list():
            roles = {}
            for role in [*HUB_ROLES, *settings.agencies]:
                staffed = self.live.switch(name, role).role
                roles[role] = {"waiting": staffed.waiting, "in_hand": staffed.busy,
                               "on_duty": staffed.capacity, "out_of_hours": staffed.urgent_only}
            table[name or ""] = roles
        return table

    def available(self) -> dict[str, Any]:
        """The decisions a team can take now, and their options (what a decision form offers)."""
        hubs = [name for name, _ in self.scenario.hub_list()]
        settings = dict(self.scenario.hub_list())
        return {
            "open": not self.finished,
            "hubs": [h for h in hubs if h is not None],
            "roles": {h or "": [*HUB_ROLES, *settings[h].agencies] for h in hubs},
            "kinds": ["move", "overtime", "policy", "screen"],
            "policy": {h or "": self.live.plan.policy_now(h).model_dump(mode="json") for h in hubs},
            "queue_disciplines": ["fifo", "rag", "deadline"],
            "rags": list(RAGS),
            "to_screen": sum(len(self.live.hub(h).screening.queued()) for h in hubs),
            "overtime_cost_per_hour": self.settings.overtime_cost_per_hour,
        }

    def vignettes(self, n: int | None = None) -> list[Vignette]:
        """Up to ``n`` (default the exercise's number) contacts waiting at screening, as case vignettes.

        The same session at the same moment shows the same ones; a contact the team has rated already is
        not shown again.  A vignette never carries the child's true risk (see :mod:`.vignettes`)."""
        return vignettes_of(self.live, self.scenario, self.seed, self.settings.vignettes if n is None else n,
                            self.clock)

    # ------------------------------------------------------------------ deciding
    def apply(self, decision: dict | DecisionBase) -> LoggedDecision:
        """Take ``decision`` now: checked against the state now (:class:`DecisionError` says why not),
        acted on, and logged at the current time."""
        if self.finished:
            raise DecisionError("the exercise's week has ended: no more decisions")
        if len(self.log) >= MAX_DECISIONS:
            raise DecisionError(f"this team has taken {MAX_DECISIONS} decisions, the most a session keeps "
                                "(scoring replays the week once for each)")
        try:
            parsed = parse_decision(decision)
        except ValidationError as error:
            raise DecisionError(_explained(error)) from None
        self._check(parsed)
        self.live.apply(parsed)
        entry = LoggedDecision(at=self.now, decision=parsed)
        self.log.append(entry)
        return entry

    def _check(self, d: DecisionBase) -> None:
        live = self.live
        live.hub(d.hub)  # in a scenario with hubs every decision names its hub
        if isinstance(d, (MoveStaff, Overtime)):
            role = d.from_role if isinstance(d, MoveStaff) else d.role
            staffed = live.switch(d.hub, role).role
            if staffed.urgent_only:
                raise DecisionError(f"{role} are off duty now (out of hours): staff can be moved or called "
                                    "in while the role is on duty")
            if isinstance(d, MoveStaff):
                live.switch(d.hub, d.to_role)
                if d.staff > staffed.capacity:
                    raise DecisionError(f"staff: {role} have {staffed.capacity} on duty now; a move can take "
                                        f"at most that many (asked {d.staff})")
        elif isinstance(d, PolicyChange):
            agencies = dict(self.scenario.hub_list())[d.hub].agencies
            for rag, asked in (d.ask.model_dump(exclude_none=True) if d.ask else {}).items():
                unknown = [a for a in asked if a not in agencies]
                if unknown:
                    raise DecisionError(f"ask.{rag}: unknown agency {unknown[0]!r} (allowed: {', '.join(agencies)})")
        elif isinstance(d, Screen):
            hub = live.hub_screening(d.contact_id)
            if hub is None:
                raise DecisionError(f"contact_id: contact {d.contact_id} is not waiting to be screened now "
                                    "(only contacts of the measured week shown as vignettes can be)")
            if d.hub is not None and hub.name != d.hub:
                raise DecisionError(f"hub: contact {d.contact_id} waits at {hub.name}, not at {d.hub}")
            if d.contact_id in hub.team_rags:
                raise DecisionError(f"contact_id: the team has screened contact {d.contact_id} already")

    # ------------------------------------------------------------------ results
    def result(self, decisions: int | None = None) -> ReplicationResult:
        """The whole replication's result (window and run-out) with the first ``decisions`` of the log
        (default all), by replay: the live session is left where it is.  Results are kept."""
        k = len(self.log) if decisions is None else decisions
        if k not in self._results:
            self._results[k] = play(self.scenario, self.seed, self.log[:k])
        return self._results[k]

    def has_result(self, decisions: int) -> bool:
        """Whether the replay with the first ``decisions`` of the log is kept already."""
        return decisions in self._results

    def keep_result(self, decisions: int, result: ReplicationResult) -> None:
        """Keep a replay with the first ``decisions`` of the log played elsewhere (:mod:`.replays`, in a
        worker process: the same :func:`play`, so the same result)."""
        if not 0 <= decisions <= len(self.log):
            raise ValueError(f"decisions: 0 to {len(self.log)} (the log's length), got {decisions}")
        self._results[decisions] = result

    def baseline(self) -> ReplicationResult:
        """The same replication with no decisions: a plain run of the exercise's replication 0."""
        return self.result(0)

    def score(self) -> Score:
        """The team against the hidden true risks and the baseline (see :mod:`.scoring`)."""
        return scoring.score(self)

    def account(self) -> list[Effect]:
        """What each decision changed, given the ones before it (see :mod:`.scoring`)."""
        return scoring.account(self)

    # ------------------------------------------------------------------ export, replay
    def export(self) -> dict[str, Any]:
        """The session as JSON-ready data: scenario (name, hash, the exercise file's text), seed,
        version, the time reached and the decision log; :meth:`from_export` resumes it exactly."""
        from mashsim.scenario.exercise import export_exercise
        return {
            "format": EXPORT_FORMAT,
            "mashsim_version": __version__,
            "scenario": self.scenario.name,
            "scenario_hash": scenario_hash(self.scenario),
            "seed": self.seed,
            "replication": 0,
            "team": self.team,
            "now_hours": self.now,
            "decisions": [entry.model_dump(mode="json", exclude_none=True) for entry in self.log],
            "exercise": export_exercise(self.scenario),
        }

    @classmethod
    def from_export(cls, data: dict[str, Any], scenario: Scenario | None = None) -> "Session":
        """The session ``data`` (from :meth:`export`) rebuilt by replay, at the moment it was exported;
        ``scenario`` defaults to the exercise text it carries, and must have its hash."""
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            raise DecisionError(f"format: not a tabletop session export (expected format {EXPORT_FORMAT!r})")
        if scenario is None:
            from mashsim.scenario.exercise import load_exercise
            from mashsim.scenario.errors import ScenarioError
            text = data.get("exercise")
            if not isinstance(text, str) or "\n" not in text:
                raise DecisionError("exercise: the export carries no exercise file; give its scenario")
            try:
                scenario = load_exercise(text).scenario
            except ScenarioError as error:
                raise DecisionError(f"exercise: {error.report()}") from None
        if scenario_hash(scenario) != data.get("scenario_hash"):
            raise DecisionError(f"scenario_hash: the export was made with scenario {data.get('scenario')!r} "
                                f"(hash {data.get('scenario_hash')}); this one is {scenario.name!r} "
                                f"(hash {scenario_hash(scenario)})")
        seed = data.get("seed")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise DecisionError(f"seed: a whole number (got {seed!r})")
        log = parse_log(data.get("decisions", []))
        now = data.get("now_hours")
        return cls.replay(scenario, seed, log, until=now if isinstance(now, (int, float)) else None,
                          team=str(data.get("team", "")))

    @classmethod
    def replay(cls, scenario: Scenario, seed: int, log: list[LoggedDecision], *, until: float | None = None,
               team: str = "") -> "Session":
        """A session rebuilt from time 0: each decision applied at its logged time, then on to ``until``."""
        session = cls(scenario, seed, team=team)
        for k, entry in enumerate(log):
            if entry.at < session.now:
                raise DecisionError(f"decisions[{k}].at: {entry.at:g} is before play starts or before the "
                                    f"decision above it ({session.now:g})")
            if entry.at > session.end:
                raise DecisionError(f"decisions[{k}].at: {entry.at:g} is after the end of the week "
                                    f"({session.end:g})")
            session.live.advance(entry.at)
            try:
                session.apply(entry.decision)
            except DecisionError as error:
                raise DecisionError(f"decisions[{k}]: {error}") from None
        if until is not None:
            session.live.advance(until)
        return session


def play(scenario: Scenario, seed: int, log: list[LoggedDecision]) -> ReplicationResult:
    """The whole replication with the decisions ``log`` taken at their times (none: the baseline)."""
    session = Session.replay(scenario, seed, log)
    return session.live.result()


def parse_log(data: Any) -> list[LoggedDecision]:
    """A decision log from JSON data (a list of ``{"at": hours, "decision": {...}}``), checked."""
    try:
        return DecisionLog.model_validate({"decisions": data}).decisions
    except ValidationError as error:
        raise DecisionError(_explained(error)) from None


def _explained(error: ValidationError) -> str:
    """pydantic's errors as one line each: ``decisions[2].decision.staff: Input should be ...``."""
    lines = []
    for e in error.errors():
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]).lstrip(".")
        lines.append(f"{loc}: {e['msg']}" if loc else e["msg"])
    return "; ".join(lines)
