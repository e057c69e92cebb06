"""Factors resolved against the base scenario: the value each applies, and factors made from estimates.

A factor is a dotted scenario path with values (``kind = "values"``) or bounds (``"bounds"``).
A *scale* factor's value is a multiplier of the base value: every number in it (all three of a
triangular task time, all four of a ``holds_information`` table) is multiplied, then clipped to
what the field allows, so a probability scaled up stays at most 1.
"""

from __future__ import annotations

import fnmatch
import math
import types
import typing
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Mapping

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from mashsim.experiment.paths import locate
from mashsim.experiment.spec import Factor, is_pattern
from mashsim.scenario.errors import ScenarioError
from mashsim.scenario.load import apply_overrides, build_scenario
from mashsim.scenario.schema import Scenario

Limits = tuple[float, float]
_NO_LIMITS: Limits = (-math.inf, math.inf)


Target = tuple[str, Any]  # a field a factor sets: its path, and its value in the base scenario


@dataclass(frozen=True)
class ResolvedFactor:
    """A factor checked against the base scenario (or each of them, with a scenario factor).

    ``path`` is the factor's label: its key in the design points and its column in the results
    (the ``name`` written, else the path).  ``targets`` holds, for each base scenario (by the
    name or file written in the experiment), the fields the factor sets there; ``base`` is the
    base value of a factor that sets one field of one scenario.
    """

    path: str
    kind: Literal["values", "bounds"]
    values: list[Any] | None
    bounds: tuple[float, float] | None
    integer: bool
    scale: bool
    base: Any
    where: str  # where the factor came from: "factors.2" or "estimates"
    written: str | list[str] | None = None  # the path as written, when it is not the label
    targets: Mapping[str, tuple[Target, ...]] = field(default_factory=dict)
    chooses_scenario: bool = False

    @classmethod
    def from_spec(cls, spec: Factor, targets: Mapping[str, tuple[Target, ...]], where: str) -> "ResolvedFactor":
        """``spec`` setting ``targets`` (empty for the factor that chooses the scenario)."""
        bounds = None
        if spec.bounds is not None:
            bounds = (int(spec.bounds[0]), int(spec.bounds[1])) if spec.integer else spec.bounds
        fields = [t for ts in targets.values() for t in ts]
        base = fields[0][1] if len(targets) == 1 and len(fields) == 1 else None
        written = None if spec.path == spec.label else spec.path
        return cls(spec.label, spec.kind, spec.levels() if spec.kind == "values" else None, bounds,
                   spec.integer, spec.scale, base, where, written, dict(targets), spec.chooses_scenario)

    @property
    def plain(self) -> bool:
        """One field of one scenario, named by its path: recorded as before there were patterns."""
        return self.written is None and not is_pattern(self.path) and len(self.targets) <= 1 \
            and not self.chooses_scenario

    def checked_values(self) -> list[Any]:
        """The values to check against the scenario: every value, or both bounds."""
        return list(self.values) if self.values is not None else list(self.bounds or ())

    def applied(self, value: Any, path: str | None = None, base: Any = None) -> Any:
        """The value field ``path`` (default: the factor's one field) gets when the factor is at ``value``."""
        if path is None:
            path, base = self.path, self.base
        return scaled(base, value, path) if self.scale else value

    def assignments(self, value: Any, scenario: str) -> list[tuple[str, Any]]:
        """The ``(path, value)`` overrides the factor makes at ``value`` in base scenario ``scenario``."""
        return [(path, self.applied(value, path, base)) for path, base in self.targets.get(scenario, ())]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path if self.written is None else self.written}
        if self.written is not None:
            data["name"] = self.path
        data["kind"] = self.kind
        if self.values is not None:
            data["values"] = self.values
        else:
            data["bounds"] = list(self.bounds or ())
        data["integer"] = self.integer
        data["scale"] = self.scale
        if self.plain and self.scale:
            data["base"] = self.base
        elif not self.plain and not self.chooses_scenario:
            # every field set in each scenario, with its base value (what a scale factor multiplies)
            data["fields"] = {scenario: dict(targets) for scenario, targets in self.targets.items()}
        data["from"] = self.where
        return data


def scaled(value: Any, factor: float, path: str = "") -> Any:
    """``value`` with every number multiplied by ``factor`` and clipped to its field's limits.

    Whole numbers stay whole (rounded).  Returns None when ``value`` holds no number.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, (int, float)):
        low, high = field_limits(path)
        result = min(max(value * factor, low), high)
        return int(round(result)) if isinstance(value, int) else float(result)
    if isinstance(value, dict):
        out = {k: scaled(v, factor, f"{path}.{k}") for k, v in value.items()}
        if all(v is None for v in out.values()):
            return None
        return {k: value[k] if v is None else v for k, v in out.items()}
    return None  # lists (profiles, dates, ask lists) are not scaled: their numbers are relative


def field_limits(path: str) -> Limits:
    """The ``ge``/``le`` (or ``gt``/``lt``) limits of the scenario field at ``path``; none if unknown."""
    annotation: Any = Scenario
    metadata: list[Any] = []
    for part in path.split("."):
        annotation, metadata = _child(annotation, part)
        if annotation is None:
            return _NO_LIMITS
    low, high = _NO_LIMITS
    for item in metadata:
        if isinstance(item, (Ge, Gt)):
            low = max(low, float(item.ge if isinstance(item, Ge) else item.gt))
        if isinstance(item, (Le, Lt)):
            high = min(high, float(item.le if isinstance(item, Le) else item.lt))
    return low, high


def _child(annotation: Any, part: str) -> tuple[Any, list[Any]]:
    """The annotation of ``part`` under ``annotation`` and the constraints found on the way."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin in (dict, list):
        return unwrap(typing.get_args(annotation)[-1], metadata), metadata
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (_child(members[0], part) if len(members) == 1 else (None, metadata))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        info = annotation.model_fields.get(part)
        if info is None:
            return None, metadata
        metadata += info.metadata
        return unwrap(info.annotation, metadata), metadata
    return None, metadata


def unwrap(annotation: Any, metadata: list[Any] | None = None) -> Any:
    """Strip ``Annotated`` (and an optional ``None``), collecting its field constraints into ``metadata``
    when given."""
    if metadata is None:
        metadata = []
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            base, *extras = typing.get_args(annotation)
            for extra in extras:
                metadata += getattr(extra, "metadata", [extra])
            annotation = base
            continue
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation


def rejects(raw: dict[str, Any], assignments: list[tuple[str, Any]], scenario: str = "") -> str | None:
    """Why the base scenario (raw table) rejects the ``(path, value)`` assignments; None if it accepts them.

    ``scenario`` names the base scenario in the message when an experiment has several.
    """
    try:
        build_scenario(apply_overrides(raw, assignments))
    except ScenarioError as error:
        reasons = "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in error.problems)
        which = f"base scenario '{scenario}'" if scenario else "the base scenario"
        if len(assignments) == 1:
            path, applied = assignments[0]
            return f"{which} rejects {path} = {applied!r}: {reasons}"
        return f"{which} rejects the {len(assignments)} fields this sets: {reasons}"
    return None


def estimate_factors(base: Scenario, raw: dict[str, Any], spread: float, include: list[str],
                     exclude: list[str], taken: set[str], scenario: str = "",
                     ) -> tuple[list[ResolvedFactor], list[dict[str, str]]]:
    """A bounds factor for each value ``base`` tags ``E``, from ``value x (1 - spread)`` to ``x (1 + spread)``.

    A number becomes a factor over those bounds (clipped to the field's limits; whole numbers
    rounded); a table of numbers (a task time, ``holds_information``) a *scale* factor over
    ``[1 - spread, 1 + spread]``.  Values that cannot be varied so are returned as skipped, with why:
    lists (profiles, ask lists), mixes that must sum to 1, zeros, whole numbers that round to one value.
    ``taken`` are the fields other factors set; ``scenario`` is the base scenario as the experiment names it.
    """
    dump = base.model_dump(mode="json")
    found: list[ResolvedFactor] = []
    skipped: list[dict[str, str]] = []
    for path, _, provenance in base.provenance():
        if provenance.tag != "E" or path in taken or not _matches(path, include, exclude):
            continue
        value = locate(dump, path)
        factor, reason = estimate_factor(path, value, spread)
        if factor is not None:
            reason = next(filter(None, (rejects(raw, [(path, factor.applied(v))])
                                        for v in factor.checked_values())), None)
        if reason is None and factor is not None:
            found.append(replace(factor, targets={scenario: ((path, value),)}))
        else:
            skipped.append({"path": path, "reason": reason or "not varied"})
    return found, skipped


def _tidy(x: int | float) -> int | float:
    """``x`` to 12 significant digits: bounds of 0.075, not 0.07500000000000001."""
    return x if isinstance(x, int) else float(f"{x:.12g}")


def _matches(path: str, include: list[str], exclude: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, p) for p in include) and \
        not any(fnmatch.fnmatchcase(path, p) for p in exclude)


def estimate_factor(path: str, value: Any, spread: float) -> tuple[ResolvedFactor | None, str | None]:
    """The factor varying the estimate ``value`` at ``path`` by ``spread`` either side, or None and why
    it cannot vary (the sensitivity designs and the value of information both use it)."""
    if isinstance(value, bool) or isinstance(value, str):
        return None, "not a number"
    if isinstance(value, (int, float)):
        if value == 0:
            return None, "zero: a spread of it is zero"
        low, high = sorted(_tidy(scaled(value, m, path)) for m in (1 - spread, 1 + spread))
        if not low < high:
            return None, f"{'whole number' if isinstance(value, int) else 'value'} rounds to one value"
        return ResolvedFactor(path, "bounds", None, (low, high), isinstance(value, int), False, value,
                              "estimates"), None
    if isinstance(value, dict) and scaled(value, 1.0, path) is not None:
        return ResolvedFactor(path, "bounds", None, (_tidy(1 - spread), _tidy(1 + spread)), False, True, value,
                              "estimates"), None
    return None, "a list (a profile or names): not scaled"
