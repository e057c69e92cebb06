"""Factors resolved against the base scenario: the value each applies, and factors made from estimates.

A factor is a dotted scenario path with values (``kind = "values"``) or bounds (``"bounds"``).
A *scale* factor's value is a multiplier of the base value: every number in it (all three of a
triangular task time, all four of a ``holds_information`` table) is multiplied, then clipped to
what the field allows, so a probability scaled up stays at most 1.
"""

from __future__ import annotations

import difflib
import fnmatch
import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from mashsim.experiment.spec import Factor
from mashsim.scenario.errors import ScenarioError
from mashsim.scenario.load import apply_overrides, build_scenario
from mashsim.scenario.schema import Scenario

Limits = tuple[float, float]
_NO_LIMITS: Limits = (-math.inf, math.inf)


@dataclass(frozen=True)
class ResolvedFactor:
    """A factor checked against the base scenario."""

    path: str
    kind: Literal["values", "bounds"]
    values: list[Any] | None
    bounds: tuple[float, float] | None
    integer: bool
    scale: bool
    base: Any
    where: str  # where the factor came from: "factors.2" or "estimates"

    @classmethod
    def from_spec(cls, spec: Factor, base: Any, where: str) -> "ResolvedFactor":
        bounds = None
        if spec.bounds is not None:
            bounds = (int(spec.bounds[0]), int(spec.bounds[1])) if spec.integer else spec.bounds
        return cls(spec.path, spec.kind, spec.levels() if spec.kind == "values" else None, bounds,
                   spec.integer, spec.scale, base, where)

    def checked_values(self) -> list[Any]:
        """The values to check against the scenario: every value, or both bounds."""
        return list(self.values) if self.values is not None else list(self.bounds or ())

    def applied(self, value: Any) -> Any:
        """The value the scenario gets at the path when the factor is at ``value``."""
        return scaled(self.base, value, self.path) if self.scale else value

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "kind": self.kind}
        if self.values is not None:
            data["values"] = self.values
        else:
            data["bounds"] = list(self.bounds or ())
        data["integer"] = self.integer
        data["scale"] = self.scale
        if self.scale:
            data["base"] = self.base
        data["from"] = self.where
        return data


def locate(table: Any, path: str) -> Any:
    """The value at dotted ``path`` in a scenario's JSON dump; LookupError says where it stops."""
    node = table
    parts = path.split(".")
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "the scenario"
        if isinstance(node, dict):
            if part not in node:
                close = difflib.get_close_matches(part, list(node), n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise LookupError(f"no '{part}' in {here}; {hint}allowed: {', '.join(node) or 'none'}")
            node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise LookupError(f"{here} is a list of {len(node)}; give an index from 0 to {len(node) - 1}")
            node = node[int(part)]
        elif node is None:
            raise LookupError(f"{here} is not set in the base scenario; vary the whole table ({here})")
        else:
            raise LookupError(f"{here} is a value, not a table")
    return node


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
        return _unwrap(typing.get_args(annotation)[-1], metadata), metadata
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (_child(members[0], part) if len(members) == 1 else (None, metadata))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        info = annotation.model_fields.get(part)
        if info is None:
            return None, metadata
        metadata += info.metadata
        return _unwrap(info.annotation, metadata), metadata
    return None, metadata


def _unwrap(annotation: Any, metadata: list[Any]) -> Any:
    """Strip ``Annotated`` (and an optional ``None``), collecting its field constraints."""
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


def rejects(raw: dict[str, Any], factor: ResolvedFactor, value: Any) -> str | None:
    """Why the base scenario (raw table) rejects ``factor`` at ``value``; None if it accepts it."""
    applied = factor.applied(value)
    try:
        build_scenario(apply_overrides(raw, [(factor.path, applied)]))
    except ScenarioError as error:
        reasons = "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in error.problems)
        return f"the base scenario rejects {factor.path} = {applied!r}: {reasons}"
    return None


def estimate_factors(base: Scenario, raw: dict[str, Any], spread: float, include: list[str],
                     exclude: list[str], taken: set[str]) -> tuple[list[ResolvedFactor], list[dict[str, str]]]:
    """A bounds factor for each value ``base`` tags ``E``, from ``value x (1 - spread)`` to ``x (1 + spread)``.

    A number becomes a factor over those bounds (clipped to the field's limits; whole numbers
    rounded); a table of numbers (a task time, ``holds_information``) a *scale* factor over
    ``[1 - spread, 1 + spread]``.  Values that cannot be varied so are returned as skipped, with why:
    lists (profiles, ask lists), mixes that must sum to 1, zeros, whole numbers that round to one value.
    """
    dump = base.model_dump(mode="json")
    found: list[ResolvedFactor] = []
    skipped: list[dict[str, str]] = []
    for path, _, provenance in base.provenance():
        if provenance.tag != "E" or path in taken or not _matches(path, include, exclude):
            continue
        value = locate(dump, path)
        factor, reason = _estimate(path, value, spread)
        if factor is not None:
            reason = next(filter(None, (rejects(raw, factor, v) for v in factor.checked_values())), None)
        if reason is None and factor is not None:
            found.append(factor)
        else:
            skipped.append({"path": path, "reason": reason or "not varied"})
    return found, skipped


def _tidy(x: int | float) -> int | float:
    """``x`` to 12 significant digits: bounds of 0.075, not 0.07500000000000001."""
    return x if isinstance(x, int) else float(f"{x:.12g}")


def _matches(path: str, include: list[str], exclude: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, p) for p in include) and \
        not any(fnmatch.fnmatchcase(path, p) for p in exclude)


def _estimate(path: str, value: Any, spread: float) -> tuple[ResolvedFactor | None, str | None]:
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
