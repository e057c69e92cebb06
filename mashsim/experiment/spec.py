"""The experiment format: a base scenario, factors, a design and how many replications.

An experiment file is TOML, checked field by field like a scenario (unknown fields are errors,
with a "did you mean")::

    name = "staffing-grid"
    scenario = "london-borough"            # a shipped name, or a path relative to this file
    seed = 42
    set = { "run.horizon_days" = 91 }      # changes to the base scenario, as dotted paths

    [[factors]]
    path = "agencies.police.staff"
    values = [1, 2, 3, 4]                  # or range = "1..8", range = { from = 1, to = 8, step = 1 }

    [[factors]]
    path = "roles.screeners.task_minutes"
    bounds = [0.8, 1.2]                    # a continuous factor (lhs, morris, sobol designs)
    scale = true                           # ... that multiplies every number of the base value

    [[factors]]                            # several fields moved together, '*' matching any name
    name = "police_staff"
    path = ["hubs.*.agencies.police.staff", "pools.*.staff"]
    values = [0.8, 1.0]
    scale = true

    [[factors]]                            # the scenario itself (instead of the top-level scenario)
    path = "scenario"
    values = ["london-wide", "london-pooled"]

    [design]
    kind = "grid"                          # grid | lhs | morris | sobol

    [replications]
    n = 10                                 # or: metric, relative_half_width, min, max

What depends on the base scenario (factor paths, values it rejects, metric names) is checked in
:mod:`mashsim.experiment.plan`; the ``[design]`` and ``[replications]`` tables are in
:mod:`mashsim.experiment.spec_design`; how large an experiment may be is in
:mod:`mashsim.experiment.limits`.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Sequence

from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator

from mashsim.experiment import limits
from mashsim.experiment.spec_base import FieldProblem, Strict, located, unusable_numbers
from mashsim.experiment.spec_design import Design, Replications
from mashsim.scenario.errors import ScenarioError, problems_from_validation
from mashsim.scenario.load import read_toml

DESIGNS = ("grid", "lhs", "morris", "sobol")
SCENARIO_FACTOR = "scenario"  # the path of the factor that chooses the base scenario
# columns every results row has besides factors and metrics: a factor may not take their names
RESERVED_COLUMNS = ("point", "replication", "seed", "scenario_name", "scenario_hash", "mashsim_version")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_RANGE_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)\s*$")


def _number(value: float) -> int | float:
    """An integral float as an int (TOML ``3`` and ``3.0`` mean the same staff)."""
    return int(value) if float(value).is_integer() else value


class Range(Strict):
    """Evenly spaced values from ``from`` to ``to`` inclusive: ``{from = 1, to = 8, step = 1}``."""

    start: float = Field(alias="from")
    to: float
    step: Annotated[float, Field(gt=0)] = 1.0

    @model_validator(mode="after")
    def _not_empty(self) -> "Range":
        if self.to < self.start:
            raise ValueError(f"empty range: 'to' ({_number(self.to)}) is below 'from' ({_number(self.start)})")
        # counted from the ends and the step, before a value is made (1..100000000 would fill memory)
        steps = (self.to - self.start) / self.step
        if not math.isfinite(steps):
            raise ValueError(f"the range from {self.start:g} to {self.to:g} in steps of {self.step:g} holds too "
                             f"many values to count")
        problem = limits.LEVELS.refuse(self.count, f"the range holds {self.count:,} values")
        if problem:
            raise ValueError(problem)
        _distinct(self.values(), "the range's values (use a larger step)")
        return self

    @property
    def count(self) -> int:
        """How many values the range holds."""
        return math.floor((self.to - self.start) / self.step + 1e-9) + 1

    def values(self) -> list[int | float]:
        count = self.count
        integral = all(float(x).is_integer() for x in (self.start, self.step))
        # rounding keeps 0.1 steps from drifting to 0.30000000000000004
        return [int(self.start + i * self.step) if integral else round(self.start + i * self.step, 10)
                for i in range(count)]


def _distinct(values: list[Any], where: str) -> None:
    """Refuse a value given twice: each value is a design point of its own, and the points would repeat."""
    seen: set[str] = set()
    for value in values:
        # 3 and 3.0 are the same staff; true is not 1
        key = json.dumps(_number(value) if isinstance(value, float) else value, sort_keys=True, default=str)
        if key in seen:
            raise ValueError(f"{value!r} twice in {where}: each value is a design point, and the points would "
                             f"repeat")
        seen.add(key)


def is_pattern(path: str) -> bool:
    """Whether a factor path holds shell-style wildcards (``hubs.*.agencies.police.staff``)."""
    return any(c in path for c in "*?[")


class Factor(Strict):
    """One thing varied: a dotted scenario field path (or several) and its values or bounds.

    ``path = "scenario"`` makes the factor choose the base scenario itself: its values are
    scenario names or files, and the top-level ``scenario`` is then left out.
    """

    path: str | list[str] = Field(description="dotted field path, as for --set: agencies.police.staff; '*' matches "
                                           "any one name; a list moves several fields together")
    name: str | None = Field(None, min_length=1, description="the factor's column in the results (default: path)")
    values: list[Any] | None = Field(None, min_length=1, description="the values to try")
    range: Range | None = Field(None, description='evenly spaced values: "1..8" or {from, to, step}')
    bounds: tuple[float, float] | None = Field(None, description="[low, high] for lhs, morris and sobol designs")
    integer: bool = Field(False, description="bounds: whole numbers only")
    scale: bool = Field(False, description="values or bounds multiply every number of the base value")

    @field_validator("path", mode="before")
    @classmethod
    def _path_text(cls, value: Any) -> Any:
        # one clear message, rather than one for each member of the union
        if isinstance(value, str) and value or \
                isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return value
        raise ValueError('a dotted field path ("agencies.police.staff"), or a list of them '
                         '(["hubs.*.agencies.police.staff", "pools.*.staff"])')

    @field_validator("range", mode="before")
    @classmethod
    def _range_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _RANGE_TEXT.match(value)
            if not match:
                raise ValueError('write a range as "FROM..TO" (step 1), e.g. "1..8", or {from, to, step}')
            return {"from": float(match[1]), "to": float(match[2])}
        return value

    @field_validator("values")
    @classmethod
    def _few_and_distinct(cls, values: list[Any] | None) -> list[Any] | None:
        if values is None:
            return values
        problem = limits.LEVELS.refuse(len(values), f"{len(values):,} values")
        if problem:
            raise ValueError(problem)
        _distinct(values, "values")
        return values

    @field_validator("bounds", mode="before")
    @classmethod
    def _pair(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value  # TOML has arrays, not tuples

    @field_validator("bounds")
    @classmethod
    def _ordered(cls, bounds: tuple[float, float] | None) -> tuple[float, float] | None:
        if bounds is not None and not bounds[0] < bounds[1]:
            raise ValueError(f"bounds reversed or empty: need low < high (got [{_number(bounds[0])}, "
                             f"{_number(bounds[1])}])")
        if bounds is not None and not math.isfinite(bounds[1] - bounds[0]):
            raise ValueError("bounds too far apart to sample between (high - low is not a finite number)")
        return bounds

    @model_validator(mode="after")
    def _one_kind(self) -> "Factor":
        given = [name for name in ("values", "range", "bounds") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of values, range or bounds (got {', '.join(given) or 'none'})")
        if self.integer and self.bounds is not None and not all(float(b).is_integer() for b in self.bounds):
            raise ValueError("integer bounds must be whole numbers")
        if self.integer and self.bounds is None:
            raise ValueError("integer goes with bounds (values and ranges are used as written)")
        if isinstance(self.path, list) and self.name is None:
            raise ValueError("a factor with several paths needs a name (its column in the results)")
        if isinstance(self.path, list) and len(set(self.path)) < len(self.path):
            raise ValueError("the same path twice in path")
        if self.label in RESERVED_COLUMNS:
            raise ValueError(f"'{self.label}' is a column every result row has: choose another name")
        if SCENARIO_FACTOR in self.paths:
            self._check_scenario_choice()
        elif self.label == SCENARIO_FACTOR:
            raise ValueError(f"'{SCENARIO_FACTOR}' is the name of the factor that chooses the scenario: choose "
                             f"another name")
        # checked after the scenario factor's rules, whose message ("takes only path and values") is the apter
        if self.scale and self.values is not None and not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in self.values):
            # a scale factor multiplies numbers: text, true/false or a table would fail only when the sweep ran
            raise ValueError("a scale factor's values are multipliers: finite numbers, e.g. [0.8, 1.0, 1.2]")
        return self

    def _check_scenario_choice(self) -> None:
        if self.path != SCENARIO_FACTOR:
            raise ValueError(f"path = \"{SCENARIO_FACTOR}\" chooses the base scenario: give it alone, not in a list")
        if self.values is None:
            raise ValueError("a scenario factor takes values: scenario names or files, e.g. "
                             "values = [\"london-wide\", \"london-pooled\"]")
        if self.scale or self.name is not None:
            raise ValueError("a scenario factor takes only path and values")
        if not all(isinstance(v, str) and v for v in self.values):
            raise ValueError("a scenario factor's values are scenario names or files (text)")

    @property
    def kind(self) -> Literal["values", "bounds"]:
        return "bounds" if self.bounds is not None else "values"

    @property
    def paths(self) -> list[str]:
        """The paths (or path patterns) the factor sets, as a list."""
        return list(self.path) if isinstance(self.path, list) else [self.path]

    @property
    def label(self) -> str:
        """The factor's name in design points and result columns: ``name``, else ``path``."""
        return self.name or (self.path if isinstance(self.path, str) else "")

    @property
    def chooses_scenario(self) -> bool:
        return self.path == SCENARIO_FACTOR

    @property
    def level_count(self) -> int:
        """How many values a values/range factor has, counted without making a range's (0 for bounds)."""
        return self.range.count if self.range is not None else len(self.values or [])

    def levels(self) -> list[Any]:
        """The values of a values/range factor, in order."""
        if self.range is not None:
            return self.range.values()
        return list(self.values or [])


class Estimates(Strict):
    """Add a bounds factor for every value the base scenario tags ``E`` (an estimate)."""

    spread: Annotated[float, Field(gt=0, lt=1)] = Field(
        description="bounds are the value x (1 - spread) to x (1 + spread): 0.2 for +/-20%")
    include: list[str] = Field(default_factory=lambda: ["*"], description="field path patterns to take (fnmatch)")
    exclude: list[str] = Field(default_factory=list, description="field path patterns to leave out (fnmatch)")


class Experiment(Strict):
    """A whole experiment file."""

    name: str = Field(description="names the results folder: letters, digits, '.', '_', '-'")
    description: str = ""
    scenario: str | None = Field(None, min_length=1, description="base scenario: a shipped name or a path "
                                                                "relative to this file (or a scenario factor)")
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set",
                                      description="changes to the base scenario: dotted path = value")
    seed: Annotated[int, Field(ge=0), AfterValidator(limits.check_seed)] | None = Field(
        None, description="default: the base scenario's run.seed")
    factors: list[Factor] = Field(default_factory=list)
    estimates: Estimates | None = None
    design: Design = Field(default_factory=Design)
    replications: Replications | None = Field(None, description="default: the base scenario's run.replications")

    @field_validator("name")
    @classmethod
    def _folder_name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError("names the results folder: use letters, digits, '.', '_' and '-' (no spaces or '/')")
        return name

    @model_validator(mode="after")
    def _something_varies(self) -> "Experiment":
        if not self.factors and self.estimates is None:
            raise FieldProblem("factors", "nothing varies: add [[factors]] or an [estimates] table")
        return self

    @model_validator(mode="after")
    def _one_way_to_name_the_scenario(self) -> "Experiment":
        choices = [i for i, f in enumerate(self.factors) if f.chooses_scenario]
        if len(choices) > 1:
            raise FieldProblem(f"factors.{choices[1]}.path", f"factors.{choices[0]} and factors.{choices[1]} both "
                                                             f"choose the scenario: merge their values")
        if choices and self.scenario is not None:
            raise FieldProblem("scenario", f"factors.{choices[0]} chooses the scenario: leave out the top-level "
                                           f"scenario")
        if not choices and self.scenario is None:
            raise FieldProblem("scenario", "give scenario (a shipped name or a file), or a factor with "
                                           "path = \"scenario\"")
        if choices and self.estimates is not None:
            raise FieldProblem("estimates", "[estimates] takes the estimates of one scenario: use a top-level "
                                            "scenario with it")
        return self

    @property
    def scenario_factor(self) -> Factor | None:
        """The factor that chooses the scenario, if there is one."""
        return next((f for f in self.factors if f.chooses_scenario), None)

    @property
    def scenarios(self) -> list[str]:
        """The base scenarios as written: the scenario factor's values, or the one top-level scenario."""
        choice = self.scenario_factor
        return list(choice.values or []) if choice is not None else [self.scenario or ""]


def set_paths(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``set`` as ``(dotted path, value)`` pairs in the order written.

    TOML reads ``run.horizon_days = 91`` as nested tables and ``"run.horizon_days" = 91`` as one
    key; both mean the same path.  A quoted key holding a dot sets its value whole (write
    ``"roles.screeners.task_minutes" = {dist = "exponential", mean = 30}`` to replace a table).
    """
    pairs: list[tuple[str, Any]] = []
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and "." not in key and "value" not in value:
            pairs += set_paths(value, f"{path}.")
        else:
            pairs.append((path, value))
    return pairs


def load_experiment(path: str | Path, overrides: Sequence[tuple[str, Any]] = ()) -> Experiment:
    """Read and check an experiment file; problems raise :class:`ScenarioError` naming the file.

    ``overrides`` (``(dotted path, value)``, as ``--set`` gives them) are added to its ``set`` table,
    after what the file sets: they become part of the experiment (and of its hash), as if written there.
    """
    raw = read_toml(path)
    if overrides:
        table = raw.get("set")
        raw["set"] = {**(table if isinstance(table, dict) else {}), **dict(overrides)}
    unusable = list(unusable_numbers(raw))
    if unusable:
        raise ScenarioError(unusable, str(path))
    try:
        return Experiment.model_validate(raw)
    except ValidationError as error:
        problems = [located(problem, item.get("ctx", {}).get("error")) for problem, item in
                    zip(problems_from_validation(error, Experiment), error.errors(include_url=False), strict=True)]
        raise ScenarioError(problems, str(path)) from None
