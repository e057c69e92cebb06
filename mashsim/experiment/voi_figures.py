"""The figures a value-of-information study varies, and the range of each.

By default every value the scenario tags ``E`` that can be varied (see
:func:`mashsim.experiment.factors.estimate_factors`: a number, or a table of numbers varied by one
multiplier), less the ``annual_cost`` figures, which no run reads; or the paths asked for. A figure
ranges over ``±spread`` of the scenario's value, clipped to the field's limits, or, when it is a
column of a calibration ensemble, over its members' 5th to 95th percentile (a column inside an
estimated table replaces the table: it is what calibration left open).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Mapping, Sequence

import numpy as np

from mashsim.experiment.factors import estimate_factor, estimate_factors, rejects, scaled
from mashsim.experiment.paths import locate
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.schema import Scenario

EXCLUDED = ("*.annual_cost",)  # cost figures: read by compare --per-fte only, never by a run
ENSEMBLE_PERCENTILES = (5.0, 95.0)
ENSEMBLE_RANGE = "calibration ensemble"


@dataclass(frozen=True)
class Figure:
    """A figure to vary: its range, and how a point in the range becomes its value."""

    path: str
    tag: str
    base: Any
    low: float
    high: float
    scale: bool
    integer: bool
    source_of_range: str
    values: list[Any] | None = None  # as a design's factor: bounds, never a list of values

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    def value(self, x: float) -> Any:
        if self.scale:
            return scaled(self.base, x, self.path)
        return int(round(x)) if self.integer else float(x)


def choose_figures(scenario: Scenario, raw: dict[str, Any], paths: Sequence[str] | None, spread: float,
                   ensemble: Any = None) -> tuple[list[Figure], list[dict[str, str]]]:
    """The figures to vary and the ones left out (each ``{"path", "reason"}``); bad ``paths`` raise
    :class:`ScenarioError` naming ``--param``."""
    tags = {path: p.tag for path, _, p in scenario.provenance() if p.tag}
    dump = raw
    ranges = _ensemble_ranges(ensemble)
    skipped: list[dict[str, str]] = []
    if paths is None:
        found, skipped = estimate_factors(scenario, raw, spread, ["*"], list(EXCLUDED), set())
        skipped += [{"path": path, "reason": "a cost: no run reads it (compare --per-fte does)"}
                    for path, tag in tags.items() if tag == "E" and any(fnmatchcase(path, p) for p in EXCLUDED)]
        chosen = [f.path for f in found]
        # a calibrated column inside an estimated table replaces the table: it is what calibration left open
        for column in ranges:
            chosen = [p for p in chosen if not column.startswith(p + ".")]
            if column not in chosen:
                chosen.append(column)
    else:
        chosen = list(dict.fromkeys(paths))
    figures, problems = [], []
    for path in chosen:
        try:
            value = locate(dump, path)
        except LookupError as error:
            problems.append(Problem("--param", f"not a field of scenario '{scenario.name}': {error}", path))
            continue
        tag = _tag_of(path, tags)
        if path in ranges:
            figure, reason = _ensemble_figure(path, value, tag, ranges[path])
        else:
            figure, reason = _spread_figure(path, value, tag, spread, raw)
        if figure is not None:
            figures.append(figure)
        elif paths is None:
            skipped.append({"path": path, "reason": reason or "not varied"})
        else:
            problems.append(Problem("--param", reason or "cannot be varied", path))
    if problems:
        raise ScenarioError(problems, "--param")
    if not figures:
        raise ScenarioError([Problem("--param", "no figure to vary: the scenario tags no number E that can be "
                                                "varied; name figures with --param")], "--param")
    return figures, skipped


def _tag_of(path: str, tags: Mapping[str, str]) -> str:
    """The tag of ``path``, or of the tagged table it is inside (the longest such)."""
    holders = [p for p in tags if path == p or path.startswith(p + ".")]
    return tags[max(holders, key=len)] if holders else ""


def _spread_figure(path: str, value: Any, tag: str, spread: float, raw: dict[str, Any]) -> tuple[Figure | None, str | None]:
    factor, reason = estimate_factor(path, value, spread)
    if factor is None:
        return None, f"cannot be varied by ±{spread:g}: {reason}"
    reason = next(filter(None, (rejects(raw, [(path, factor.applied(v))]) for v in factor.checked_values())), None)
    if reason is not None:
        return None, reason
    low, high = factor.bounds  # type: ignore[misc]
    return Figure(path, tag, value, float(low), float(high), factor.scale, factor.integer,
                  f"±{spread:.0%} of the scenario's value"), None


def _ensemble_ranges(ensemble: Any) -> dict[str, tuple[float, float]]:
    if ensemble is None:
        return {}
    low, high = np.percentile(ensemble.values, ENSEMBLE_PERCENTILES, axis=0)
    return {path: (float(lo), float(hi)) for path, lo, hi in zip(ensemble.paths, low, high)}


def _ensemble_figure(path: str, value: Any, tag: str, span: tuple[float, float]) -> tuple[Figure | None, str | None]:
    integer = isinstance(value, int)
    low, high = (int(round(x)) for x in span) if integer else span
    if not low < high:
        return None, "the ensemble's members do not vary it (5th and 95th percentiles agree)"
    return Figure(path, tag, value, float(low), float(high), False, integer, ENSEMBLE_RANGE), None
