"""The hub's flow, declared once: each stage, the role that works it, its task time, and the next stage.

A contact passes the hub's stages in this order (the agency desks' research sits between
``screen`` and ``decide``: it is per agency, so it is declared by the scenario's ``agencies``,
not here).  Everything that names the hub's roles reads them from here: the hub (which role
each step queues at), the scenario's ``roles`` table (``roles.contact_officers`` ...), the
trace (which role a step waits for, to say it is closed), the queue-length series, the
dashboard's network chart and the validation configurations.

The hub resolves this declaration to bound methods and roles when it is built, so the
per-contact loop reads no table.  Adding a stage means: a ``Stage`` here, its role's field in
``mashsim/scenario/schema.py`` (``HubRoles``), and its step in ``mashsim/model/hub.py``.
"""

from __future__ import annotations

from typing import NamedTuple

#: A stage's task is urgent (taken by out-of-hours cover) when the referrer flagged the contact
#: urgent (before screening, the RAG is not known yet) ...
FLAGGED = "flagged"
#: ... or when the contact was screened Red.
RED_RATED = "red"


class Stage(NamedTuple):
    """One step of the hub's flow."""

    name: str  # the stage, as code and docs call it
    role: str  # the staffed role that works it: its key in the scenario's ``roles`` table
    label: str  # the role, for people ("contact officers")
    hours: str  # the Contact field holding the task's drawn hours (drawn from ``roles.<role>.task_minutes``)
    queued_on: str  # the trace event after which the contact waits for this stage's role
    urgent: str  # which contacts' tasks are urgent: FLAGGED or RED_RATED
    node: str  # the hub node of the network it belongs to ("triage" or "decision")
    next: str  # the stage after it ("research" goes through the agency desks; "" ends the flow)


STAGES: tuple[Stage, ...] = (
    Stage("log", "contact_officers", "contact officers", "log_hours", "arrived", FLAGGED, "triage", "screen"),
    Stage("screen", "screeners", "screeners", "screen_hours", "logged", FLAGGED, "triage", "research"),
    Stage("decide", "managers", "managers", "decide_hours", "to decision", RED_RATED, "decision", ""),
)

#: The hub's staffed roles, in the flow's order (the scenario's ``roles`` table has one field each).
HUB_ROLES: tuple[str, ...] = tuple(s.role for s in STAGES)
#: Each hub role's stage.
STAGE_OF: dict[str, Stage] = {s.role: s for s in STAGES}
#: The stage a contact waits for after each trace event (``arrived`` → log, ...).
STAGE_AFTER: dict[str, Stage] = {s.queued_on: s for s in STAGES}
LOG, SCREEN, DECIDE = STAGES


def roles_at(node: str) -> list[str]:
    """The hub roles that work at network node kind ``node`` ("triage": contact officers, screeners)."""
    return [s.role for s in STAGES if s.node == node]


def urgent_task(stage: Stage, flagged: bool, red: bool) -> bool:
    """Whether a contact's task at ``stage`` is urgent work (out-of-hours cover takes it): by the
    referrer's flag (``flagged``) or by its Red rating (``red``), as the stage says."""
    return flagged if stage.urgent == FLAGGED else red
