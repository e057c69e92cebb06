"""What every table of an experiment file shares: strict fields, limits with their reasons, problems
that belong to one field, and the numbers no experiment can use (checked on the raw file first).
"""

from __future__ import annotations

import math
from typing import Any, Iterator

from pydantic import AfterValidator, BaseModel, ConfigDict

from mashsim.experiment import limits
from mashsim.scenario.errors import Problem


class FieldProblem(ValueError):
    """A check of several fields whose problem belongs to one of them: ``field`` (relative to the model
    checked) names it in the report, rather than the model as a whole."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Strict(BaseModel):
    # strict: "3" is not 3 and "yes" is not true; TOML has types, and a mistyped value is an error.
    # No inf or nan: a sweep cannot be built from them (load_experiment names any, anywhere, first)
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True, allow_inf_nan=False)


def at_most(limit: limits.Limit) -> AfterValidator:
    """A field validator refusing a number past ``limit``, with the limit's reason."""
    def check(value: int | None) -> int | None:
        problem = None if value is None else limit.refuse(value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def located(problem: Problem, cause: Any) -> Problem:
    """``problem`` at the field a :class:`FieldProblem` names (without the whole table as its value)."""
    if not isinstance(cause, FieldProblem):
        return problem
    return Problem(".".join(filter(None, [problem.path, cause.field])), problem.message)



_INT64 = (-2**63, 2**63 - 1)


def unusable_numbers(value: Any, path: str = "") -> Iterator[Problem]:
    """A problem for every number in ``value`` (a raw table, at any depth) that no experiment can use:
    inf and nan, and integers beyond 64 bits (TOML's own limit, and the results' columns)."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from unusable_numbers(child, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from unusable_numbers(child, f"{path}.{i}")
    elif isinstance(value, float) and not math.isfinite(value):
        yield Problem(path, "must be a finite number (not inf or nan)", value)
    elif isinstance(value, int) and not isinstance(value, bool) and not _INT64[0] <= value <= _INT64[1]:
        yield Problem(path, f"beyond a 64-bit integer (from {_INT64[0]} to {_INT64[1]})", value)
