"""The target table: published figures the model must reproduce, and how a calibration runs against them.

A targets file is TOML, checked field by field like an experiment file::

    scenario = "london-borough"            # default base scenario (the command line may name another)
    set = { "run.horizon_days" = 182 }     # changes to the base scenario for every run

    [calibrate]                            # the budget and the rule (all optional)
    waves = 4                              # at most this many waves
    points = 30                            # design points per wave
    replications = 3                       # replications per point (at least 2: the simulator's variance)
    cutoff = 3.0                           # implausibility above which a point is ruled out
    rule = "max"                           # max | second_max: which target's implausibility is judged

    [parameters]                           # what is calibrated: dotted --set paths and their ranges
    "roles.managers.task_minutes.mode" = [15, 50]

    [[targets]]
    name = "amber-turnaround"
    metric = "decision_delay_hours.by_rag.amber.mean / 24"   # a metric, or arithmetic on metrics
    low = 1.25                             # the published band (or value and sd)
    high = 1.5
    unit = "days"
    source = "University of Greenwich for London Councils (Crockett et al.)"
    date = "2013-12"
    use = "calibrate"                      # calibrate | validate (kept back, checked on the ensemble)
    # for the validation report (mashsim check-model), all optional here:
    title = "turnaround, high or complex need"      # the figure in words (default: name)
    published = "slightly over 1¼ days"             # the source's own words
    model_figure = "mean time from contact to decision of contacts rated Amber"
    driver = "education's research_minutes (E)"     # what drives the model figure
    calibrated = "research_minutes was set to ..."  # what was tuned to it (only with use = "calibrate")

A band ``[low, high]`` is read as the published value plus or minus two standard deviations of
observation error (sd = (high - low) / 4), centred on ``value`` (default: the band's middle);
``sd`` gives the observation error directly.  ``discrepancy`` is the standard deviation of the
model's own structural error for this figure (default 0), in the target's unit.

The same table is the calibration table of the validation report
(:mod:`mashsim.validation.calibration` reads the shipped one): one declaration of each figure.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Sequence

from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator

from mashsim.experiment import limits
from mashsim.experiment.spec_base import FieldProblem, Strict, located, unusable_numbers
from mashsim.history_matching.expressions import Expression, ExpressionError, parse_expression
from mashsim.scenario.errors import Problem, ScenarioError, problems_from_validation
from mashsim.scenario.load import read_toml

USES = ("calibrate", "validate")
MAX_WAVES = 20
MAX_POINTS = 5_000


class TargetSpec(Strict):
    """One published figure and the model's counterpart."""

    name: str = Field(min_length=1, description="a short name, unique in the file")
    metric: str = Field(min_length=1, description="a metric, or + - * / on metrics and numbers")
    value: float | None = Field(None, description="the published figure (default: the band's middle)")
    low: float | None = Field(None, description="the band taken as agreement: low end")
    high: float | None = Field(None, description="the band taken as agreement: high end")
    sd: Annotated[float, Field(gt=0)] | None = Field(None, description="observation error sd (default: band / 4)")
    discrepancy: Annotated[float, Field(ge=0)] = Field(0.0, description="model discrepancy sd, target's unit")
    unit: str = ""
    source: str = Field(min_length=1, description="where the figure was published")
    date: str | datetime.date = Field(description="when it was published (text, e.g. \"2013-12\", or a date)")
    use: Literal["calibrate", "validate"] = Field(description="calibrate: matched; validate: kept back")
    note: str = ""
    # what the validation report (mashsim check-model) shows of the figure; calibrate needs none of it
    title: str = Field("", description="the figure in words, as the validation report names it (default: name)")
    published: str = Field("", description="the figure in the source's own words")
    model_figure: str = Field("", description="what the model measures for it, in words")
    driver: str = Field("", description="the scenario's values that drive the model figure")
    calibrated: str | None = Field(None, min_length=1, description="what was tuned to match it (absent: nothing)")

    @field_validator("date")
    @classmethod
    def _as_text(cls, value: str | datetime.date) -> str:
        return value.isoformat() if isinstance(value, datetime.date) else value

    @model_validator(mode="after")
    def _band(self) -> "TargetSpec":
        if (self.low is None) != (self.high is None):
            raise FieldProblem("high" if self.high is None else "low", "give both ends of the band, or neither")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise FieldProblem("high", f"the band is empty: need low < high (got {self.low:g} to {self.high:g})")
        if self.low is None and (self.value is None or self.sd is None):
            raise FieldProblem("sd", "give a band (low, high), or value and sd")
        if self.value is not None and self.low is not None and not self.low <= self.value <= self.high:
            raise FieldProblem("value", f"outside its own band [{self.low:g}, {self.high:g}]")
        # a figure something was tuned to is no evidence: it cannot be the one kept back to validate
        if self.calibrated is not None and self.use == "validate":
            raise FieldProblem("calibrated", "a figure something was tuned to is not kept back: give use = "
                                             "\"calibrate\", or drop calibrated if nothing was tuned to it")
        return self

    @property
    def heading(self) -> str:
        """The figure in words: ``title``, else ``name``."""
        return self.title or self.name

    @property
    def point(self) -> float:
        """The figure matched: ``value``, else the band's middle."""
        return self.value if self.value is not None else (self.low + self.high) / 2  # type: ignore[operator]

    @property
    def observation_sd(self) -> float:
        return self.sd if self.sd is not None else (self.high - self.low) / 4  # type: ignore[operator]

    @property
    def band(self) -> tuple[float, float]:
        """The band taken as agreement (value +/- 2 sd when none is given)."""
        if self.low is not None and self.high is not None:
            return self.low, self.high
        return self.point - 2 * self.observation_sd, self.point + 2 * self.observation_sd


class Settings(Strict):
    """How a calibration runs: its budget, and when a point is implausible."""

    waves: Annotated[int, Field(ge=1, le=MAX_WAVES)] = Field(4, description="at most this many waves")
    points: Annotated[int, Field(ge=4, le=MAX_POINTS)] = Field(30, description="design points per wave")
    replications: Annotated[int, Field(ge=2, le=1000)] = Field(
        3, description="replications per point (two at least: the simulator's variance is estimated)")
    max_runs: Annotated[int, Field(ge=1)] | None = Field(None, description="stop before a wave would pass this")
    cutoff: Annotated[float, Field(gt=0)] = Field(3.0, description="implausibility cutoff (3: Pukelsheim's rule)")
    rule: Literal["max", "second_max"] = Field("max", description="which target's implausibility is judged")
    stop_shrink: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.1, description="stop when a wave cuts the region kept by less than this share of it")
    candidates: Annotated[int, Field(ge=100, le=1_000_000)] = Field(
        20_000, description="points of the parameter space the emulators judge each wave")
    seed: Annotated[int, Field(ge=0), AfterValidator(limits.check_seed)] | None = Field(
        None, description="default: the base scenario's run.seed")


class TargetsFile(Strict):
    """A whole targets file."""

    scenario: str | None = Field(None, min_length=1, description="default base scenario: a name or a file")
    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set",
                                      description="changes to the base scenario: dotted path = value")
    calibrate: Settings = Field(default_factory=Settings)
    parameters: dict[str, tuple[float, float]] = Field(default_factory=dict,
                                                       description="dotted path = [low, high]")
    targets: list[TargetSpec] = Field(min_length=1)

    @field_validator("parameters", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}
        return value

    @field_validator("parameters")
    @classmethod
    def _ordered(cls, value: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for path, (low, high) in value.items():
            if not low < high:
                raise FieldProblem(path, f"range reversed or empty: need low < high (got [{low:g}, {high:g}])")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> "TargetsFile":
        seen: dict[str, int] = {}
        for i, target in enumerate(self.targets):
            if target.name in seen:
                raise FieldProblem(f"targets.{i}.name", f"the same name as targets.{seen[target.name]}")
            seen[target.name] = i
        if not any(t.use == "calibrate" for t in self.targets):
            raise FieldProblem("targets", "no target has use = \"calibrate\": nothing to match")
        return self


@dataclass(frozen=True)
class Target:
    """A target checked against the scenario: its spec and its parsed model figure."""

    spec: TargetSpec
    figure: Expression

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def calibrates(self) -> bool:
        return self.spec.use == "calibrate"


def read_targets_file(path: str | Path) -> TargetsFile:
    """Read and check a targets file's format; problems raise :class:`ScenarioError` naming the file."""
    raw = read_toml(path)
    unusable = list(unusable_numbers(raw))
    if unusable:
        raise ScenarioError(unusable, str(path))
    try:
        return TargetsFile.model_validate(raw)
    except ValidationError as error:
        problems = [located(problem, item.get("ctx", {}).get("error")) for problem, item in
                    zip(problems_from_validation(error, TargetsFile), error.errors(include_url=False), strict=True)]
        raise ScenarioError(problems, str(path)) from None


def resolve_targets(table: TargetsFile, known: Sequence[str], source: str) -> list[Target]:
    """Every target's model figure parsed against the scenario's metrics ``known``; all problems at once."""
    targets: list[Target] = []
    problems: list[Problem] = []
    for i, spec in enumerate(table.targets):
        try:
            targets.append(Target(spec, parse_expression(spec.metric, known)))
        except ExpressionError as error:
            problems.append(Problem(f"targets.{i}.metric", str(error), spec.metric))
    if problems:
        raise ScenarioError(problems, source)
    return targets


def parse_range(text: str) -> tuple[str, tuple[float, float]]:
    """``PATH=LO..HI`` (as ``--range`` takes it) as ``(path, (lo, hi))``; :class:`ScenarioError` if not."""
    path, sep, span = text.partition("=")
    low, dots, high = span.partition("..")
    try:
        bounds = (float(low), float(high))
    except ValueError:
        bounds = (math.nan, math.nan)
    if not sep or not dots or not path.strip() or not all(math.isfinite(b) for b in bounds):
        raise ScenarioError([Problem("--range", "expected PATH=LO..HI with two numbers, e.g. "
                                                "roles.managers.task_minutes.mode=15..50", text)], "--range")
    if not bounds[0] < bounds[1]:
        raise ScenarioError([Problem("--range", "range reversed or empty: need LO < HI", text)], "--range")
    return path.strip(), bounds
