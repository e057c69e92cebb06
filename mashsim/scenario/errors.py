"""Problems found in a scenario or experiment, reported all at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import difflib
import types
import typing

from pydantic import BaseModel, ValidationError

from mashsim.scenario.injects import validation_path

_MISSING = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what was given, what is allowed."""

    path: str
    message: str
    value: Any = _MISSING

    def __str__(self) -> str:
        where = self.path or "(top level)"
        if self.value is _MISSING:
            return f"{where}: {self.message}"
        return f"{where} = {_show(self.value)}: {self.message}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class ScenarioError(ValueError):
    """Raised for bad input; ``problems`` lists every problem found, ``source`` names the file."""

    def __init__(self, problems: list[Problem], source: str = "<scenario>") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.report())

    def report(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def problems_from_validation(
    error: ValidationError, model: type[BaseModel] | None = None, prefix: str = ""
) -> list[Problem]:
    """Turn pydantic's errors into problems with dotted paths.

    With ``model``, an unknown field's message lists the fields allowed there
    and the closest one to what was written.
    """
    problems = []
    for item in error.errors(include_url=False):
        loc = [str(p) for p in item["loc"] if not _is_union_tag(p)]
        path = ".".join(filter(None, [prefix, *loc]))
        message = item["msg"]
        within = model
        inject = validation_path(loc)
        if inject is not None:  # injects[i].field, and the fields of that kind of inject
            path, within, loc = inject
            path = ".".join(filter(None, [prefix, path]))
        if item["type"] == "provenance":
            context = item.get("ctx", {})
            problems.append(Problem(f"{path}.{context['field']}", context["message"],
                                    context.get("input", _MISSING)))
            continue
        if item["type"] == "extra_forbidden":
            message = _unknown_field_message(within, loc)
        elif item["type"] == "finite_number":
            message = "must be a finite number: inf and nan cannot be simulated"
        elif item["type"] == "missing":
            problems.append(Problem(path, "required field is missing"))
            continue
        message = message.removeprefix("Value error, ")
        problems.append(Problem(path, message, item.get("input")))
    return problems


def _unknown_field_message(model: type[BaseModel] | None, loc: list[str]) -> str:
    allowed = _fields_at(model, loc[:-1]) if model else None
    if not allowed:
        return "unknown field (is it misspelt? `mashsim schema` lists the fields)"
    close = difflib.get_close_matches(loc[-1], allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown field; {hint}allowed: {', '.join(allowed)}"


def _fields_at(model: type[BaseModel], loc: list[str]) -> list[str] | None:
    """The field names of the model found by following ``loc`` from ``model``."""
    annotation: Any = model
    for part in loc:
        annotation = _as_model(annotation, part)
        if annotation is None:
            return None
    target = _as_model(annotation, None)
    if target is None:
        return None
    return [info.alias or name for name, info in target.model_fields.items()]  # as written in the file


def _as_model(annotation: Any, part: str | None) -> Any:
    """Step from a type to the type of its child ``part`` (None: the model itself)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Annotated,):
        return _as_model(typing.get_args(annotation)[0], part)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _as_model(arg, part)
            if found is not None:
                return found
        return None
    if origin in (dict, list, tuple):
        args = typing.get_args(annotation)
        return args[-1] if part is not None and args else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if part is None:
            return annotation
        field = annotation.model_fields.get(part)
        return field.annotation if field else None
    return None


def _is_union_tag(part: Any) -> bool:
    # pydantic names the chosen member of a tagged union in the location
    return isinstance(part, str) and part in {"triangular", "exponential", "constant", "lognormal", "uniform"}
