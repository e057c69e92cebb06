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

In a scenario with ``[hubs.*]`` an inject acts on the hub named by ``hub``,
or on every hub when ``hub`` is left out; an outage or absence of a team
shared by several hubs names the pool instead (``pool = "met_police"``).

Names (hubs, pools, roles, agencies, sources) and times are checked against the rest of
the scenario in :func:`mashsim.scenario.inject_checks.check_injects`, with paths such as ``injects[2].agency``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from mashsim.scenario.base import Model, tagged_union
from mashsim.scenario.bounds import AnyHours, Day, Hours, PositiveMultiplier, PositiveWholeStaff

KINDS = ("surge", "outage", "absence", "policy")
HOURS_PER_DAY = 24.0


class InjectBase(Model):
    """What every inject has: when it starts, how long it lasts, a label for charts and traces."""

    start_day: Day = Field(
        description="days after time 0 (00:00 on calendar.start_date, warm-up included); 1.375 = day 1, 09:00")
    hours: AnyHours = Field(description="how long it lasts, in hours (> 0)")
    label: str = Field("", description="a short name shown on charts and in traces")
    hub: str | None = Field(None, description="in a scenario with hubs: the hub it acts on; default every hub")

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
        """A short text for charts and traces: the label, or what the inject does (and where)."""
        if self.label:
            return self.label
        return self._what() if self.hub is None else f"{self.hub}: {self._what()}"

    def where(self) -> str:
        """Where it acts in a scenario with hubs: ``croydon``, ``pool met_police`` or ``every hub``."""
        pool = getattr(self, "pool", None)
        return f"pool {pool}" if pool is not None else self.hub or "every hub"

    def acts_on(self, hub: str | None) -> bool:
        """Whether the inject acts on hub ``hub`` itself (``None``: the hub of a one-hub scenario);
        a pool's outage or absence acts on the pool, not on a hub."""
        return getattr(self, "pool", None) is None and self.hub in (None, hub)

    def _what(self) -> str:  # pragma: no cover - every kind overrides it
        return self.kind


class SurgeInject(InjectBase):
    """Arrivals multiplied by ``factor`` (of one source, or all) for the duration."""

    kind: Literal["surge"]
    factor: PositiveMultiplier = Field(description="arrival rate multiplier (> 0; below 1 a drop)")
    source: str | None = Field(None, description="one source's name; default every source")

    def _what(self) -> str:
        return f"surge x{self.factor:g}" + (f" ({self.source})" if self.source else "")


def _one_target(inject: InjectBase, field: str) -> None:
    # a desk of a hub, or a team shared by hubs: exactly one of them, so the target is never in doubt
    if (getattr(inject, field) is None) == (getattr(inject, "pool") is None):
        raise ValueError(f"an {inject.kind} names {field} (a hub's {_TARGETS[field]}) or pool "
                         "(a team shared by hubs, in pools): give one of them")


_TARGETS = {"agency": "agency desk", "role": "role or agency desk"}


class OutageInject(InjectBase):
    """An agency desk's systems are down, or a shared team's: no searching for the duration."""

    kind: Literal["outage"]
    agency: str | None = Field(None, description="the agency whose desk is down (or give pool)")
    pool: str | None = Field(None, description="a shared team in pools whose systems are down (instead of agency)")
    mode: Literal["wait", "fail"] = Field(
        "wait", description="wait: requests wait for the desk to come back; "
                            "fail: requests arriving during the outage return nothing")

    @model_validator(mode="after")
    def _names_one_desk(self) -> "OutageInject":
        _one_target(self, "agency")
        return self

    def _what(self) -> str:
        return f"{self.agency or self.pool} systems down ({self.mode})"

    def takes_down(self, hub: str | None, agency: str, pool: str | None) -> bool:
        """Whether this outage takes down ``agency``'s desk at ``hub``, a desk staffed by ``pool``
        (a shared team's name, or None for the hub's own desk)."""
        if self.pool is not None:
            return self.pool == pool
        return pool is None and self.agency == agency and self.acts_on(hub)


class AbsenceInject(InjectBase):
    """``staff`` of a role (or of a shared team) off, on top of the day's usual absence, in working hours."""

    kind: Literal["absence"]
    role: str | None = Field(
        None, description="a hub role (screeners) or an agency desk (agencies.police, or police); or give pool")
    pool: str | None = Field(None, description="a shared team in pools that loses staff (instead of role)")
    staff: PositiveWholeStaff = Field(description="how many are off (> 0)")

    @model_validator(mode="after")
    def _names_one_role(self) -> "AbsenceInject":
        _one_target(self, "role")
        return self

    def _what(self) -> str:
        return f"{self.staff} {self.role_name or self.pool} off"

    @property
    def role_name(self) -> str | None:
        """The staffed role's name as the model knows it (``police``, ``screeners``); None for a pool."""
        if self.role is None:
            return None
        return self.role.removeprefix("agencies.").removeprefix("roles.")


class AskOverride(Model):
    """The desks asked for a RAG while a policy inject lasts (a RAG left out keeps its list)."""

    red: list[str] | None = None
    amber: list[str] | None = None
    green: list[str] | None = None


class PolicyFields(Model):
    """The ``policy`` table's fields a policy inject (or a tabletop team's policy decision) may change."""

    changing: ClassVar[str] = "a policy inject"  # what the model is, in its error message

    decide_at_deadline: bool | None = None
    decision_allowance_hours: Hours | None = None
    red_priority: bool | None = None
    queue_discipline: Literal["fifo", "rag", "deadline"] | None = None
    ask: AskOverride | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if not self.changes():
            raise ValueError(f"{self.changing} must set at least one of decide_at_deadline, "
                             "decision_allowance_hours, red_priority, queue_discipline, ask")
        return self

    def changes(self) -> dict[str, Any]:
        """The policy fields it sets, as a partial ``policy`` table."""
        changed = self.model_dump(include={"decide_at_deadline", "decision_allowance_hours", "red_priority",
                                           "queue_discipline"},
                                  exclude_none=True)
        if self.ask is not None:
            ask = self.ask.model_dump(exclude_none=True)
            if ask:
                changed["ask"] = ask
        return changed


class PolicyInject(InjectBase, PolicyFields):
    """Any of the ``policy`` table's fields, changed for the duration."""

    kind: Literal["policy"]

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
