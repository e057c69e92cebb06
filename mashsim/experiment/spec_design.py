"""The ``[design]`` and ``[replications]`` tables of an experiment file: how design points are
chosen, and how many replications each runs (see :mod:`mashsim.experiment.spec`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from mashsim.experiment import limits
from mashsim.experiment.spec_base import Strict, at_most


_DESIGN_FIELDS = {"grid": (), "lhs": ("n",), "morris": ("trajectories", "levels"), "sobol": ("n", "second_order")}


class Design(Strict):
    """How design points are chosen from the factors."""

    kind: Literal["grid", "lhs", "morris", "sobol"] = "grid"
    n: Annotated[int, Field(ge=2)] | None = Field(
        None, description="lhs: number of points; sobol: base samples N (a power of 2)")
    trajectories: Annotated[int, Field(ge=2)] | None = Field(None, description="morris: number of trajectories r")
    levels: Annotated[int, Field(ge=2), at_most(limits.MORRIS_LEVELS)] = Field(
        4, description="morris: grid levels p (even)")
    second_order: bool = Field(False, description="sobol: also sample for second-order indices")

    @model_validator(mode="after")
    def _fields_for_kind(self) -> "Design":
        if self.kind in ("lhs", "sobol") and self.n is None:
            raise ValueError(f"design '{self.kind}' needs n (the number of {'points' if self.kind == 'lhs' else 'base samples'})")
        if self.kind == "sobol" and self.n is not None and self.n & (self.n - 1):
            lower = 1 << (self.n.bit_length() - 1)
            raise ValueError(f"sobol needs n a power of 2 (Saltelli sampling); try {lower} or {lower * 2}")
        if self.kind == "morris" and self.trajectories is None:
            raise ValueError("design 'morris' needs trajectories (10 to 20 is usual)")
        if self.kind == "morris" and self.levels % 2:
            raise ValueError("morris levels must be even (4 is usual)")
        unused = {"n": self.kind in ("grid", "morris"), "trajectories": self.kind != "morris"}
        for name, not_here in unused.items():
            if not_here and getattr(self, name) is not None:
                raise ValueError(f"{name} does not apply to design '{self.kind}'")
        return self

    def describe(self) -> dict[str, Any]:
        """The design as recorded with results: its kind and the fields that apply to it."""
        return {"kind": self.kind, **{name: getattr(self, name) for name in _DESIGN_FIELDS[self.kind]}}


class Replications(Strict):
    """A fixed number per design point, or enough for a relative precision (Hoad et al. 2010)."""

    n: Annotated[int, Field(ge=1), at_most(limits.REPLICATIONS)] | None = Field(
        None, description="fixed replications per design point")
    metric: str | None = Field(None, description="precision rule: the metric whose CI is judged")
    relative_half_width: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None, description="precision rule: 95% CI half-width as a fraction of the mean (0.05 for 5%)")
    min: Annotated[int, Field(ge=2), at_most(limits.REPLICATIONS)] = Field(
        3, description="precision rule: replications before the first check")
    max: Annotated[int, Field(ge=2), at_most(limits.REPLICATIONS)] = Field(
        100, description="precision rule: cap per design point")
    look_ahead: Annotated[int, Field(ge=0), at_most(limits.REPLICATIONS)] = Field(
        5, description="precision rule: kLimit of the look-ahead")
    batch: Annotated[int, Field(ge=1), at_most(limits.REPLICATIONS)] | None = Field(
        None, description="replications per task (default: chosen from the size of the sweep)")

    @model_validator(mode="before")
    @classmethod
    def _plain_number(cls, data: Any) -> Any:
        return {"n": data} if isinstance(data, int) and not isinstance(data, bool) else data

    @model_validator(mode="after")
    def _one_rule(self) -> "Replications":
        rule = self.metric is not None or self.relative_half_width is not None
        if self.n is not None and rule:
            raise ValueError("give either n or the precision rule (metric, relative_half_width), not both")
        if self.n is None and not rule:
            raise ValueError("give n, or metric and relative_half_width")
        if rule and (self.metric is None or self.relative_half_width is None):
            raise ValueError("the precision rule needs both metric and relative_half_width")
        if rule and self.max < self.min:
            raise ValueError(f"max ({self.max}) must be at least min ({self.min})")
        return self

    @property
    def fixed(self) -> bool:
        return self.n is not None

    @property
    def most(self) -> int:
        """The most replications one design point may run: n, or the precision rule's cap."""
        return self.n if self.n is not None else self.max

    def describe(self) -> dict[str, Any]:
        """The rule as recorded with results: only the fields that apply to it."""
        if self.fixed:
            return self.model_dump(mode="json", include={"n", "batch"}, exclude_none=True)
        rule = self.model_dump(mode="json", include={"metric", "relative_half_width", "min", "max", "look_ahead",
                                                    "batch"}, exclude_none=True)
        return {**rule, "confidence_level": 0.95}
