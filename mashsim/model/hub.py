"""The MASH front door: log, screen (RAG), ask the agency desks, decide.

Each step is a task for a staffed role; when it finishes, the role calls the
next step.  Writing the flow as callbacks rather than one SimPy process per
contact keeps the cost per contact low and the steps easy to read in order.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Protocol

import networkx as nx
import numpy as np
import simpy

from mashsim.model.calendar import WorkingClock
from mashsim.model.children import Children
from mashsim.model.concerns import ask_table, never_blue, school_notices
from mashsim.model.contact import BLUE, GREEN, HIGH, REACHED, RED, Contact, miss_kinds, signal_fates
from mashsim.model.cutoffs import CutoffQueue
from mashsim.model.events import call_later
from mashsim.model.network import DECISION, hub_node, research_node
from mashsim.model.roles import BY_DEADLINE, Role, queue_order
from mashsim.model.stages import DECIDE, FLAGGED, LOG, SCREEN, STAGES, next_index, urgent_task
from mashsim.model.tracing import Notes, TraceHook
from mashsim.scenario.schema import CONCERNS, OUTCOMES, RAGS, RESEARCHED_RAGS, HubSettings, Policy


class Observer(Protocol):
    """What the hub tells the metrics: a contact arrived, a contact was decided; ``for_concern`` gives
    the observer of one concern's contacts (the hub tells it directly: no call is passed on)."""

    def arrived(self, contact: Contact) -> None: ...

    def decided(self, contact: Contact) -> None: ...

    def for_concern(self, concern: int) -> "Observer": ...


# The stages with a step of their own in the hub (an index of STAGES each); every other stage is plain
LOG_AT, SCREEN_AT, DECIDE_AT = STAGES.index(LOG), STAGES.index(SCREEN), STAGES.index(DECIDE)


@dataclass
class Desk:
    """An agency's research desk as the hub sees it."""

    index: int
    name: str
    role: Role
    latency: float  # of the channel, each way
    failing: int = 0  # above 0 while an outage in "fail" mode lasts: requests are answered with nothing
    answered: Any = None  # called with the contact when the desk's task is done: sends the answer back
    outages: Any = ()  # for traces: (start, end, mode) of each outage that takes it down (the inject plan's)


class Hub:
    """One MASH: moves each contact through its roles and reports to the observer."""

    def __init__(self, env: simpy.Environment, scenario: HubSettings, roles: dict[str, Role],
                 network: nx.DiGraph, clocks: dict[str, WorkingClock], observer: Observer,
                 trace: TraceHook | None = None, name: str | None = None,
                 after_decision: Callable[[Contact], None] | None = None) -> None:
        """``scenario`` is this hub's settings (a one-hub Scenario, or one of its ``hubs``); ``roles``
        gives a role for each of its roles and agency desks (a pooled desk's is the pool's team);
        ``after_decision`` is told of each decision after the observer (the police pipeline's s47 work)."""
        self.env = env
        self.name = name
        self.observers = [observer.for_concern(k) for k in range(len(CONCERNS))]  # by the contact's concern
        self.after_decision = after_decision
        self.trace = trace
        self._note = Notes(env, trace)
        # the flow's stages (mashsim.model.stages), resolved once: the loop reads lists by a stage's index
        self.stage_roles = [roles[s.role] for s in STAGES]
        self.screening = self.stage_roles[SCREEN_AT]
        self.flagged = [s.urgent == FLAGGED for s in STAGES]  # its task is urgent by the flag, else if Red
        self.after = [next_index(s) for s in STAGES]  # the stage after each (after the research, for screen)
        self.done = self._steps()  # what happens when each stage's task is done
        self.stage_of_role = {s.role: k for k, s in enumerate(STAGES)}
        # a channel has the same latency each way; a desk no RAG asks (yet: a policy inject may) has
        # no request edge, so its return edge gives the latency
        latency = {agency: network.edges[research_node(scenario, agency, name), hub_node(name, DECISION)]["latency_hours"]
                   for agency in scenario.agencies}
        self.desks = [Desk(i, agency, roles[agency], latency[agency]) for i, agency in enumerate(scenario.agencies)]
        for desk in self.desks:
            desk.answered = partial(self._returned if desk.latency == 0.0 else self._send_back, desk=desk)
        self.deadlines = {
            RAGS.index(rag): (getattr(scenario.rag, rag).deadline_hours, getattr(scenario.rag, rag).clock)
            for rag in RESEARCHED_RAGS
        }
        # whether each RAG's clock starts at contact (the child's wait) rather than at screening
        self.from_contact = {RAGS.index(rag): getattr(scenario.rag, rag).clock_starts == "contact"
                             for rag in RESEARCHED_RAGS}
        self.hub_clock = clocks[scenario.hub_hours]
        self._cutoffs = {rag: CutoffQueue(env, self._cutoff) for rag in self.deadlines}
        self.screener_staffing = getattr(scenario.roles, SCREEN.role)
        self._in_post_day, self._in_post = -1, 1.0
        s = scenario.screening
        self.under, self.over = s.under_rating, s.over_rating
        self.under_per_waiting, self.under_max = s.under_rating_per_waiting, s.under_rating_max
        self.settings = scenario
        # concern pathways (mashsim.model.concerns): which concerns are never screened out, and the
        # contacts a school is told about before the next school day (their school days' clock)
        self.never_blue = never_blue(scenario)
        self.notices = {key: clocks[hours] for key, hours in school_notices(scenario).items()}
        self.recognition = scenario.decision.recognition
        # RAGs a tabletop team gave contacts it screened itself, by contact id (see mashsim.tabletop):
        # each replaces the screener's draw for that contact only; empty in every other run
        self.team_rags: dict[int, int] = {}
        self.outcome_cdf = {
            RAGS.index(rag): np.cumsum([getattr(getattr(scenario.decision.outcomes, rag), o) for o in OUTCOMES]).tolist()
            for rag in RAGS
        }
        self.children: Children | None = None  # with [children]: their histories (set by the run)
        self.set_policy(scenario.policy)

    def set_policy(self, policy: Policy) -> None:
        """Work to ``policy`` from now on: contacts screened from now, and every queue's priority."""
        by_name = {d.name: d.index for d in self.desks}
        self.ask = {RAGS.index(rag): tuple([by_name[a] for a in getattr(policy.ask, rag)]) for rag in RESEARCHED_RAGS}
        self.ask_of = ask_table(self.settings, policy, by_name)  # by concern, then RAG
        self.decide_at_deadline = policy.decide_at_deadline
        self.allowance = policy.decision_allowance_hours
        order = queue_order(policy)
        self.provisional = order == BY_DEADLINE  # contacts need a deadline before screening
        for role in (*self.stage_roles, *[d.role for d in self.desks]):
            role.set_order(order)

    def _steps(self) -> list[Callable[[Any], None]]:
        """Per stage, called with the contact when its task there is done: the stage's own step
        (logging, screening, deciding), or for a plain stage, going on to the next."""
        own: dict[int, Callable[[Any], None]] = {LOG_AT: self._logged, SCREEN_AT: self._screened,
                                                DECIDE_AT: self._decided}
        steps: list[Callable[[Any], None]] = []
        for k, stage in enumerate(STAGES):
            if k not in own and not 0 < self.after[k] < len(STAGES):
                raise ValueError(f"hub stage {stage.name!r} has no step of its own, so it must lead on to "
                                 f"another stage (its next is {stage.next!r})")
            steps.append(own[k] if k in own else partial(self._passed, k))
        return steps

    def _queue(self, c: Contact, k: int) -> None:
        """Queue ``c`` for stage ``k`` (an index of STAGES), tracing the event that brought it there."""
        if self.trace:
            self._note_queued(k, c)
        self._start(c, k)

    def _start(self, c: Contact, k: int) -> None:
        """Submit ``c``'s task at stage ``k`` to its role."""
        self.stage_roles[k].submit(c, c.urgent if self.flagged[k] else c.rag == RED, c.stage_hours[k], self.done[k])

    def _passed(self, k: int, c: Contact) -> None:
        """``c`` is through plain stage ``k``: on to the next."""
        self._queue(c, self.after[k])

    def _set_due(self, c: Contact) -> None:
        """The provisional deadline before screening (see :func:`queue_deadline`): the Red deadline
        for a contact flagged urgent, else one working day on the hub's clock."""
        if c.urgent:
            hours, clock = self.deadlines[RED]
            c.due = c.arrived + hours if clock == "elapsed" else self.hub_clock.add(c.arrived, hours)
        else:
            c.due = self.hub_clock.add(c.arrived, self.hub_clock.hours_per_day)

    def set_failing(self, agency: str, change: int) -> None:
        """Start (+1) or end (-1) an outage in "fail" mode at ``agency``'s desk."""
        next(d for d in self.desks if d.name == agency).failing += change

    def _note_queued(self, k: int, c: Contact) -> None:
        """Trace the event after which ``c`` waits for stage ``k`` (its ``queued_on``), then "closed"
        if the stage's role is off duty for it."""
        stage = STAGES[k]
        self._note(stage.queued_on, c)
        self._note.closed(c, self.stage_roles[k], stage.role, False,
                          urgent_task(stage, bool(c.urgent), c.rag == RED), self.env.now)

    def _note_desk_state(self, c: Contact, desk: Desk) -> None:
        """Trace why ``desk`` cannot start on ``c``'s request when it reaches it: systems down, or off
        duty (noted when asked, with the desk's state at arrival; a pooled desk's duty is its pool's)."""
        reaches = self.env.now + desk.latency
        for start, end, mode in desk.outages:
            if start <= reaches < end:
                self._note("desk down", c, agency=desk.name, until_hours=end, mode=mode)
        self._note.closed(c, desk.role, desk.name, True, c.rag == RED, reaches)

    # ------------------------------------------------------------------ flow
    def arrive(self, c: Contact) -> None:
        # the clock reached the drawn time as now + (t - now), which can differ from t in the last bit:
        # keep the contact's time equal to the simulation's, so traces and records agree exactly
        c.arrived = self.env._now
        if self.children is not None:
            self.children.arrived(c)
        self.observers[c.concern].arrived(c)
        if self.trace:
            self._note_queued(0, c)
        if self.provisional:
            self._set_due(c)
        if self.notices:
            school = self.notices.get((c.concern, c.source))
            if school is not None:  # Operation Encompass: the school is told before its next day starts
                c.notify_by = school.next_day_start(c.arrived)
        self._start(c, 0)

    def _logged(self, c: Contact) -> None:
        c.logged_at = self.env._now
        self._queue(c, self.after[LOG_AT])

    def _screened(self, c: Contact) -> None:
        # the screener's rating: one level too low (more often when the queue per screener in post is
        # long) or too high, else right.  Pressure is per screener in post, not per person on duty: at
        # night the out-of-hours cover is not rushed by routine contacts waiting for the morning.
        if self.team_rags and c.id in self.team_rags:  # rated by a tabletop team, not by the draw
            self.rate(c, self.team_rags.pop(c.id))
            return
        day = int(self.env._now // 24.0)
        if day != self._in_post_day:  # staff_on_day walks the changes: once a day is enough
            self._in_post_day = day
            self._in_post = max(self.screener_staffing.staff_on_day(day), 1.0)
        under = min(self.under + self.under_per_waiting * self.screening.waiting / self._in_post, self.under_max)
        self.rate(c, self._drawn_rag(c, under))

    def _drawn_rag(self, c: Contact, under: float) -> int:
        """The RAG ``c``'s screening draw gives when under-rating has chance ``under``: one level too low,
        one too high, or the correct one (one level per level of true risk)."""
        correct = c.risk
        if c.u_screen < under and correct > BLUE:
            return correct - 1
        if c.u_screen > 1.0 - self.over and correct < RED:
            return correct + 1
        return correct

    def unscreened_deadlines(self, c: Contact) -> tuple[float, float, float] | None:
        """For a contact still not screened at the run-out's cap: the RAG deadline it would have (as the
        hub works to it, on the working clock, elapsed) under the RAG its screening draw gives with no
        queue pressure; None when that RAG is Blue (no deadline) or its clock starts at screening (not
        started). A backlog nobody has screened then counts in the RAG breaches instead of hiding."""
        rag = self._given_rag(c, self._drawn_rag(c, self.under))
        if rag == BLUE or not self.from_contact[rag]:
            return None
        return self._deadlines(rag, c.arrived)

    def _given_rag(self, c: Contact, rag: int) -> int:
        """``rag`` as the hub gives it to ``c``: a mandatory report is never screened out (Green, not Blue)."""
        return GREEN if rag == BLUE and self.never_blue[c.concern] else rag

    def _deadlines(self, rag: int, start: float) -> tuple[float, float, float]:
        """The deadline of ``rag`` whose clock starts at ``start``: as the hub works to it, and under
        both readings of its hours (working clock, elapsed), which are reported side by side."""
        hours, clock = self.deadlines[rag]
        elapsed, working = start + hours, self.hub_clock.add(start, hours)
        return (elapsed if clock == "elapsed" else working), working, elapsed

    def enter_backlog(self, c: Contact, role: str) -> None:
        """Start ``c`` at time 0 waiting for ``role``: the scenario's initial backlog."""
        if self.children is not None:
            self.children.arrived(c)
        self.observers[c.concern].arrived(c)
        if self.provisional:
            self._set_due(c)
        k = self.stage_of_role.get(role, -1)
        if k != LOG_AT:
            c.logged_at = self.env.now
        if 0 <= k <= SCREEN_AT:  # a stage before the research: its queue
            self._start(c, k)
        elif k >= 0:  # after the research (the decision): rated as researched, and asked nothing
            self.rate(c, max(c.correct_rag, GREEN), asked=())
        else:
            desk = next(d for d in self.desks if d.name == role)
            self.rate(c, max(c.correct_rag, GREEN), asked=(desk.index,))

    def rate(self, c: Contact, rag: int, asked: tuple[int, ...] | None = None) -> None:
        """Give ``c`` its RAG and send it on: Blue is closed at once, the rest are researched
        by the desks ``asked`` (by default those the policy names for the RAG)."""
        now = self.env._now
        rag = self._given_rag(c, rag)
        c.screened_at = now
        c.rag = rag
        if self.trace:
            self._note("screened", c, rag=RAGS[rag])
        if rag == BLUE:
            c.sent_at = now
            self._close(c, BLUE, signal_fates(c))
            return
        start = c.arrived if self.from_contact[rag] else now
        c.deadline, c.deadline_working, c.deadline_elapsed = self._deadlines(rag, start)
        hours, clock = self.deadlines[rag]
        before = max(hours - self.allowance, 0.0)  # the research is cut off this long before the deadline
        cutoff = start + before if clock == "elapsed" else self.hub_clock.add(start, before)
        self.request(c, self.ask_of[c.concern][rag] if asked is None else asked)
        if self.decide_at_deadline and c.pending:
            self._cutoffs[rag].add(now + max(cutoff - now, 0.0), c)

    def request(self, c: Contact, asked: tuple[int, ...]) -> None:
        """Ask the desks ``asked`` what they hold on ``c``; with none to ask, go to decision."""
        c.asked = asked
        c.returned = [None] * len(self.desks)
        c.pending = len(asked)
        if not asked:
            self._to_decision(c)
            return
        if self.trace:
            self._note("asked", c, agencies=[self.desks[i].name for i in asked])
            for i in asked:
                self._note_desk_state(c, self.desks[i])
        for i in asked:
            desk = self.desks[i]
            if desk.latency > 0.0:
                call_later(self.env, desk.latency, partial(self._request_reaches, c, desk))
            else:
                self._request_arrives(c, desk)

    def _request_reaches(self, c: Contact, desk: Desk, _event: Any) -> None:
        """A request sent over a channel with latency reaches the desk."""
        self._request_arrives(c, desk)

    def _request_arrives(self, c: Contact, desk: Desk) -> None:
        if c.sent_at is not None:  # decided while the request was on its way
            return
        if desk.failing:  # its systems are down: the desk answers at once that it can find nothing
            c.failed = (*c.failed, desk.index)
            self._send_back(c, desk)
            return
        job = desk.role.submit(c, c.rag == RED, c.research_hours[desk.index], desk.answered)
        if job is not None:
            c.jobs.append(job)

    def _send_back(self, c: Contact, desk: Desk) -> None:
        if desk.latency > 0.0:
            call_later(self.env, desk.latency, lambda _e: self._returned(c, desk))
        else:
            self._returned(c, desk)

    def _returned(self, c: Contact, desk: Desk) -> None:
        if c.sent_at is not None:
            if self.trace:
                self._note("returned late", c, agency=desk.name)
            return
        c.returned[desk.index] = self.env._now
        c.pending -= 1
        if self.trace:
            self._note("returned", c, agency=desk.name, content=c.carries_signal(desk.index),
                       failed=desk.index in c.failed)
        if c.pending == 0:
            self._to_decision(c)

    def _cutoff(self, c: Contact) -> None:
        if c.sent_at is None:
            if self.trace:
                self._note("deadline", c, waiting_for=[self.desks[i].name for i in c.asked if c.returned[i] is None])
            self._to_decision(c)

    def _to_decision(self, c: Contact) -> None:
        c.sent_at = self.env._now
        k = self.after[SCREEN_AT]  # the stage after the research
        if self.trace:
            self._note_queued(k, c)
        for job in c.jobs:
            job.role.cancel(job)  # a queued one is withdrawn, a running one left to finish
        c.jobs = []
        self._start(c, k)

    def _decided(self, c: Contact) -> None:
        fates = signal_fates(c)
        reached = fates.count(REACHED)
        if self.children is not None:  # signals missed at the child's earlier contacts, found in its history
            reached += self.children.found(c, fates)
        seen = reached and c.u_reveal < 1.0 - (1.0 - self.recognition) ** reached
        self._close(c, c.correct_rag if seen else c.rag, fates)

    def _close(self, c: Contact, decided_rag: int, fates: list[int | None]) -> None:
        c.fates = fates
        c.decided_at = self.env._now
        c.decided_rag = decided_rag
        c.outcome = _drawn(self.outcome_cdf[decided_rag], c.u_outcome)
        if c.risk >= HIGH:
            # the headline's two questions, asked of high/critical-risk children only (they are all the
            # metrics need, and asking them of every child costs a borough year measurable time):
            # what the correct RAG would have given with the same draw, and was each miss avoidable
            c.correct_outcome = _drawn(self.outcome_cdf[c.correct_rag], c.u_outcome)
            c.kinds = miss_kinds(c, self.ask_of[c.concern].get(c.correct_rag, ()))
        if self.trace:
            self._note("decided", c, rag=RAGS[decided_rag], outcome=OUTCOMES[c.outcome])
        if self.children is not None:
            self.children.closed(c, fates)
        self.observers[c.concern].decided(c)
        if self.after_decision is not None:
            self.after_decision(c)


def _drawn(cdf: list[float], u: float) -> int:
    """The outcome an outcome mix (its cumulative shares ``cdf``) gives for the uniform draw ``u``:
    the first k with u < cdf[k]."""
    return min(bisect.bisect_right(cdf, u), len(cdf) - 1)
