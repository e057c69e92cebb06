"""The decisions a tabletop team takes at a pause, as data: what the decision log holds.

A decision is an inject made at a pause (:mod:`mashsim.model.injects`): it acts
on the running model through the same seams (a role's staffing switch, the
hub's policy) from the moment it is taken, and a decision log replayed from
time 0 applies each at its logged time, so any moment of an exercise can be
rebuilt exactly.  The kinds:

- ``move``: staff taken from one role or desk and put on another for some
  hours, within the day's headcount (working hours only: out-of-hours cover is
  a different team);
- ``overtime``: extra staff on a role or desk for some hours, at the
  exercise's cost per hour;
- ``policy``: any of the policy table's fields changed, for some hours or
  for the rest of the run (a policy inject's fields);
- ``screen``: the team rates a waiting contact itself (from its vignette):
  its RAG replaces the screener's for that contact only.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, TypeAdapter, model_validator

from mashsim.scenario.base import Model, tagged_union
from mashsim.scenario.bounds import Hours, PositiveHours, PositiveWholeStaff
from mashsim.scenario.injects import PolicyFields
from mashsim.scenario.schema import RAGS

KINDS = ("move", "overtime", "policy", "screen")


class DecisionBase(Model):
    """What every decision may say: the hub it acts on (in a scenario with hubs) and why it was taken."""

    hub: str | None = Field(None, description="in a scenario with hubs: the hub it acts on")
    note: str = Field("", description="the team's reason, for the debrief")


class MoveStaff(DecisionBase):
    """``staff`` of ``from_role`` work on ``to_role`` instead, for ``hours`` (working hours only)."""

    kind: Literal["move"]
    from_role: str = Field(description="a hub role (screeners) or an agency desk (police)")
    to_role: str = Field(description="a hub role or an agency desk")
    staff: PositiveWholeStaff
    hours: PositiveHours

    @model_validator(mode="after")
    def _two_roles(self) -> "MoveStaff":
        if self.from_role == self.to_role:
            raise ValueError(f"a move takes staff from one role to another (both are {self.from_role})")
        return self

    def describe(self) -> str:
        return f"move {self.staff} from {self.from_role} to {self.to_role} for {self.hours:g} h"


class Overtime(DecisionBase):
    """``staff`` more on ``role`` for ``hours`` (working hours), at the exercise's overtime cost."""

    kind: Literal["overtime"]
    role: str = Field(description="a hub role (screeners) or an agency desk (police)")
    staff: PositiveWholeStaff
    hours: PositiveHours

    def describe(self) -> str:
        return f"overtime: {self.staff} more on {self.role} for {self.hours:g} h"


class PolicyChange(DecisionBase, PolicyFields):
    """Policy fields changed for ``hours`` (or for the rest of the run): a policy inject's fields."""

    changing: ClassVar[str] = "a policy decision"

    kind: Literal["policy"]
    hours: PositiveHours | None = Field(None, description="how long it lasts; default the rest of the run")

    def describe(self) -> str:
        lasts = f" for {self.hours:g} h" if self.hours is not None else ""
        return "policy: " + ", ".join(f"{k} = {v}" for k, v in self.changes().items()) + lasts


class Screen(DecisionBase):
    """The team's own RAG for a contact waiting at screening (shown to it as a vignette)."""

    kind: Literal["screen"]
    contact_id: int = Field(ge=0, le=2**62, description="the contact's id, as its vignette shows it")
    rag: Literal["blue", "green", "amber", "red"]

    @property
    def rag_index(self) -> int:
        return RAGS.index(self.rag)

    def describe(self) -> str:
        return f"screen contact {self.contact_id} as {self.rag.title()}"


DECISION_MODELS: dict[str, type[DecisionBase]] = {
    "move": MoveStaff, "overtime": Overtime, "policy": PolicyChange, "screen": Screen,
}
Decision = tagged_union(DECISION_MODELS, "kind")


class LoggedDecision(Model):
    """One entry of a team's decision log: the decision and the simulated hour it was taken at."""

    at: Hours = Field(description="simulated hours after time 0 when the decision was taken")
    decision: Decision  # type: ignore[valid-type]


class DecisionLog(Model):
    """A whole log, in the order the decisions were taken."""

    decisions: list[LoggedDecision] = Field(default_factory=list)

    @model_validator(mode="after")
    def _in_time_order(self) -> "DecisionLog":
        for k in range(1, len(self.decisions)):
            if self.decisions[k].at < self.decisions[k - 1].at:
                raise ValueError(f"decisions[{k}].at: {self.decisions[k].at:g} is before the decision above "
                                 f"it ({self.decisions[k - 1].at:g}); a log is in the order decisions were taken")
        return self


_ADAPTER: TypeAdapter = TypeAdapter(Decision)


def parse_decision(data: dict | DecisionBase) -> DecisionBase:
    """A decision from its table (``{"kind": "move", ...}``), or itself; pydantic's error if malformed."""
    if isinstance(data, DecisionBase):
        return data
    return _ADAPTER.validate_python(data)
