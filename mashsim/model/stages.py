"""The hub's flow, declared once: each stage, the role that works it, its task time, and the next stage.

A contact passes the hub's stages in this order (the agency desks' research sits between
``screen`` and ``decide``: it is per agency, so it is declared by the scenario's ``agencies``,
not here).  Everything that names the hub's roles reads them from here: the hub (which role
each step queues at), the scenario's ``roles`` table (``roles.contact_officers`` ...), the
trace (which role a step waits for, to say it is closed), the queue-length series, the
dashboard's network chart and the validation configurations.

Each contact draws one task time per stage when it arrives (``Contact.stage_hours``, in the
order of :data:`STAGES`, from the stage's role's ``task_minutes``): the contact and its draws
name no stage.  The hub resolves this declaration to roles, task-time indices and callbacks
when it is built, so the per-contact loop reads no table.

Adding a stage: a ``Stage`` here (and the ``next`` of the stage before it, and the
``queued_on`` of the stage after it: the trace event that now ends the new stage), and its
role's field in ``mashsim/scenario/schema.py`` (``HubRoles``; with a default, scenario files
need not name it).  A plain stage (its role works the task, then the contact goes on to
``next``) needs nothing in the hub: only the flow's special steps (logging's time stamp,
screening's RAG, the desks' research, the decision) have methods there.  Tried with a
``triage_check`` stage between ``log`` and ``screen`` (its own role, ``triage_checkers``,
with a default): only this file and ``schema.py`` changed.  The run, the trace (a
``checked`` event, "closed" for the new role), the per-role metrics and series, and the
validation configurations took it as it was.  Its task time takes one more uniform per
contact (a wider row of own draws), so every scenario's draws and results change: the
recorded digests are regenerated, and tests pinned to one fixture's numbers may need a look.
A backlog at a stage after the research starts at the first stage after it.
"""

from __future__ import annotations

from typing import NamedTuple

#: A stage's task is urgent (taken by out-of-hours cover) when the referrer flagged the contact
#: urgent (before screening, the RAG is not known yet) ...
FLAGGED = "flagged"
#: ... or when the contact was screened Red.
RED_RATED = "red"


#: A stage's ``next`` that sends the contact to the agency desks' research; after it, the stage
#: declared next in :data:`STAGES`.
RESEARCH = "research"


class Stage(NamedTuple):
    """One step of the hub's flow."""

    name: str  # the stage, as code and docs call it
    role: str  # the staffed role that works it: its key in the scenario's ``roles`` table
    label: str  # the role, for people ("contact officers")
    queued_on: str  # the trace event after which the contact waits for this stage's role
    urgent: str  # which contacts' tasks are urgent: FLAGGED or RED_RATED
    node: str  # the hub node of the network it belongs to ("triage" or "decision")
    next: str  # the stage after it (RESEARCH goes through the agency desks; "" ends the flow)


STAGES: tuple[Stage, ...] = (
    Stage("log", "contact_officers", "contact officers", "arrived", FLAGGED, "triage", "screen"),
    Stage("screen", "screeners", "screeners", "logged", FLAGGED, "triage", RESEARCH),
    Stage("decide", "managers", "managers", "to decision", RED_RATED, "decision", ""),
)

#: The hub's staffed roles, in the flow's order (the scenario's ``roles`` table has one field each).
HUB_ROLES: tuple[str, ...] = tuple(s.role for s in STAGES)
#: The stage a contact waits for after each trace event (``arrived`` → log, ...).
STAGE_AFTER: dict[str, Stage] = {s.queued_on: s for s in STAGES}
#: The stages with a step of their own in the hub (found by name, so a stage added between them changes nothing here)
LOG, SCREEN, DECIDE = (next(s for s in STAGES if s.name == name) for name in ("log", "screen", "decide"))


def roles_at(node: str) -> list[str]:
    """The hub roles that work at network node kind ``node`` ("triage": contact officers, screeners)."""
    return [s.role for s in STAGES if s.node == node]


def urgent_task(stage: Stage, flagged: bool, red: bool) -> bool:
    """Whether a contact's task at ``stage`` is urgent work (out-of-hours cover takes it): by the
    referrer's flag (``flagged``) or by its Red rating (``red``), as the stage says."""
    return flagged if stage.urgent == FLAGGED else red


def next_index(stage: Stage) -> int:
    """The index in :data:`STAGES` of the stage a contact goes to after ``stage`` (after the
    research, for a stage whose ``next`` is RESEARCH), or -1 when ``stage`` ends the flow."""
    if not stage.next:
        return -1
    if stage.next == RESEARCH:
        return STAGES.index(stage) + 1
    return [s.name for s in STAGES].index(stage.next)
