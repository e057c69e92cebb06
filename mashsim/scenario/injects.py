"""Injected events for training exercises: a surge, a desk outage, staff absence, a policy change.

Each inject starts ``start_day`` days after simulated time 0 (00:00 on
``calendar.start_date``, the start of the warm-up, as for ``roles.*.changes``)
and lasts ``hours``. They are written in a scenario file as ``[[injects]]``
tables, told apart by ``kind``::

    [[injects]]
    kind = "outage"
    agency = "police"
    mode = "wait"
    start_day = 15.375     # day 15, 09:00
    hours = 6

Names (roles, agencies, sources) and times are checked against the rest of
the scenario in :func:`mashsim.scenario.checks.check_injects`, with paths such as ``injects[2].agency``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from mashsim.scenario.base import Model, tagged_union

KINDS = ("surge", "outage", "absence", "policy")
HOURS_PER_DAY = 24.0


class InjectBase(Model):
    """What every inject has: when it starts, how long it lasts, a label for charts and traces."""

    start_day: Annotated[float, Field(ge=0.0)] = Field(
        description="days after time 0 (00:00 on calendar.start_date, warm-up included); 1.375 = day 1, 09:00")
    hours: float = Field(description="how long it lasts, in hours (> 0)")
    label: str = Field("", description="a short name shown on charts and in traces")

    @field_validator("hours")
    @classmethod
    def _positive_hours(cls, hours: float) -> float:
        if not hours > 0.0:
            raise ValueError(f"must be > 0 (got {hours:g}): the inject would end before it starts")
        return hours

    @property
    def start_hours(self) -> float:
        return self.start_day * HOURS_PER_DAY

    @property
    def end_hours(self) -> float:
        return self.start_hours + self.hours

    def describe(self) -> str:
        """A short text for charts and traces: the label, or what the inject does."""
        return self.label or self._what()

    def _what(self) -> str:  # pragma: no cover - every kind overrides it
        return self.kind


class SurgeInject(InjectBase):
    """Arrivals multiplied by ``factor`` (of one source, or all) for the duration."""

    kind: Literal["surge"]
    factor: float = Field(gt=0.0, description="arrival rate multiplier (> 0; below 1 a drop)")
    source: str | None = Field(None, description="one source's name; default every source")

    def _what(self) -> str:
        return f"surge x{self.factor:g}" + (f" ({self.source})" if self.source else "")


class OutageInject(InjectBase):
    """An agency desk's systems are down: no searching for the duration."""

    kind: Literal["outage"]
    agency: str = Field(description="the agency whose desk is down")
    mode: Literal["wait", "fail"] = Field(
        "wait", description="wait: requests wait for the desk to come back; "
                            "fail: requests arriving during the outage return nothing")

    def _what(self) -> str:
        return f"{self.agency} systems down ({self.mode})"


class AbsenceInject(InjectBase):
    """``staff`` of a role off, on top of the day's usual absence, in working hours."""

    kind: Literal["absence"]
    role: str = Field(description="a hub role (screeners) or an agency desk (agencies.police, or police)")
    staff: int = Field(gt=0, description="how many are off (> 0)")

    def _what(self) -> str:
        return f"{self.staff} {self.role_name} off"

    @property
    def role_name(self) -> str:
        """The staffed role's name as the model knows it (``police``, ``screeners``)."""
        return self.role.removeprefix("agencies.").removeprefix("roles.")


class AskOverride(Model):
    """The desks asked for a RAG while a policy inject lasts (a RAG left out keeps its list)."""

    red: list[str] | None = None
    amber: list[str] | None = None
    green: list[str] | None = None


class PolicyInject(InjectBase):
    """Any of the ``policy`` table's fields, changed for the duration."""

    kind: Literal["policy"]
    decide_at_deadline: bool | None = None
    decision_allowance_hours: Annotated[float, Field(ge=0.0)] | None = None
    red_priority: bool | None = None
    ask: AskOverride | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> "PolicyInject":
        if not self.changes():
            raise ValueError("a policy inject must set at least one of decide_at_deadline, "
                             "decision_allowance_hours, red_priority, ask")
        return self

    def changes(self) -> dict[str, Any]:
        """The policy fields this inject sets, as a partial ``policy`` table."""
        changed = self.model_dump(include={"decide_at_deadline", "decision_allowance_hours", "red_priority"},
                                  exclude_none=True)
        if self.ask is not None:
            ask = self.ask.model_dump(exclude_none=True)
            if ask:
                changed["ask"] = ask
        return changed

    def _what(self) -> str:
        return "policy: " + ", ".join(f"{k} = {v}" for k, v in self.changes().items())


INJECT_MODELS: dict[str, type[InjectBase]] = {
    "surge": SurgeInject, "outage": OutageInject, "absence": AbsenceInject, "policy": PolicyInject,
}
Inject = tagged_union(INJECT_MODELS, "kind")


def inject_path(index: int, field: str | None = None) -> str:
    """The path of an inject's field in error messages: ``injects[2].agency``."""
    return f"injects[{index}]" + (f".{field}" if field else "")


def validation_path(loc: list[str]) -> tuple[str, type[Model] | None, list[str]] | None:
    """For a pydantic error located in ``injects``: its path (``injects[2].hours``), the inject's model
    and the location inside it; None for errors elsewhere."""
    if len(loc) < 2 or loc[0] != "injects" or not loc[1].isdigit():
        return None
    rest = loc[2:]
    model = None
    if rest and rest[0] in INJECT_MODELS:
        model, rest = INJECT_MODELS[rest[0]], rest[1:]
    path = inject_path(int(loc[1]), ".".join(rest) or None)
    return path, model, rest
