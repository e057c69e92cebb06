"""Which chart shows the metrics against a factor: what goes along the x axis, which points are
joined by a line, and which are drawn apart (decided here, drawn by :mod:`mashsim.report.plots`).

A factor of numbers (staff, a scale) is an axis: a line through its values for each combination
of the other factors. A factor of names (scenarios, a true/false switch) is not: a line between
``london-wide`` and ``london-pooled`` would suggest values in between. Its values are categories,
drawn as points with their CIs side by side; and when another factor is numeric (the staffing
scale), as one line per category against that factor, which shows both the comparison and its trend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pandas as pd

MAX_LINES = 8  # more combinations of the other factors than this: points, not lines

LINES, POINTS, CATEGORIES = "lines", "points", "categories"


@dataclass(frozen=True)
class FactorChart:
    """How to draw the metrics against ``factor``.

    ``kind`` is ``"lines"`` (a line and CI band through ``x``'s values for each key), ``"points"``
    (points with CI error bars, not joined: more combinations than lines can show, as in a Latin
    hypercube) or ``"categories"`` (``x`` is categorical: each key's points with CI error bars,
    side by side at each category). ``keys`` are the combinations of the ``series`` factors' values,
    one line or colour each, in the experiment file's order; ``categories`` are ``x``'s values in
    that order when ``x`` is categorical, else None.
    """

    factor: str
    x: str
    series: tuple[str, ...]
    kind: str
    keys: tuple[tuple[Any, ...], ...]
    categories: tuple[Any, ...] | None = None

    @property
    def title(self) -> str:
        """What the chart shows: the axis, and what each line or colour is."""
        each = " × ".join(self.series)
        if self.kind == CATEGORIES:
            return f"Each {self.x}" + (f", side by side per {each}" if each else "")
        if self.kind == LINES:
            return f"Against {self.x}" + (f", one line per {each}" if each else "")
        return f"Against {self.x}" + (f" (points: more combinations of {each} than lines can show)" if each else "")

    def same_drawing(self, other: FactorChart) -> bool:
        """Whether ``other`` draws the same picture (another factor's chart may: the scenarios as
        lines against staff, and staff along the axis with a line per scenario)."""
        return (self.x, self.kind, set(self.series)) == (other.x, other.kind, set(other.series))


def is_categorical(values: pd.Series) -> bool:
    """Whether a factor's values are names rather than quantities: text (scenario names, JSON of a
    list or table) or true/false."""
    return pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values)


def factor_chart(points: pd.DataFrame, factor: str, others: Sequence[str],
                 order: Mapping[str, Sequence[Any]] | None = None) -> FactorChart:
    """The chart of the metrics against ``factor``.

    ``points`` has one row per design point and a column per factor; ``others`` are the factors
    whose combinations tell lines apart (none for a Latin hypercube, where every point differs);
    ``order`` gives factors' values in the experiment file's order (else sorted).
    """
    order = order or {}
    if is_categorical(points[factor]):
        numeric = [o for o in others if not is_categorical(points[o])]
        if numeric:
            x = numeric[0]
            series = (factor, *(o for o in others if o != x))
            return FactorChart(factor, x, series, _lines_or_points(points, x, series), _keys(points, series, order))
        categories = tuple(_ordered(points[factor], order.get(factor)))
        return FactorChart(factor, factor, tuple(others), CATEGORIES, _keys(points, others, order), categories)
    return FactorChart(factor, factor, tuple(others), _lines_or_points(points, factor, others),
                       _keys(points, others, order))


def _lines_or_points(points: pd.DataFrame, x: str, series: Sequence[str]) -> str:
    """Lines when there are few combinations of ``series`` and each has one point per value of ``x``."""
    groups = [g for _, g in points.groupby(list(series), sort=False, dropna=False)] if series else [points]
    few = len(groups) <= MAX_LINES
    return LINES if few and all(len(g) == g[x].nunique() for g in groups) else POINTS


def _keys(points: pd.DataFrame, series: Sequence[str], order: Mapping[str, Sequence[Any]]) -> tuple[tuple, ...]:
    """The combinations of ``series`` values the design has, each factor in its own order."""
    if not series:
        return ((),)
    found = {tuple(row) for row in points[list(series)].itertuples(index=False, name=None)}
    rank = {f: {v: i for i, v in enumerate(_ordered(points[f], order.get(f)))} for f in series}
    return tuple(sorted(found, key=lambda key: tuple(rank[f].get(v, len(rank[f])) for f, v in zip(series, key))))


def _ordered(values: pd.Series, written: Sequence[Any] | None) -> list[Any]:
    """``values``' distinct values: those in ``written`` in its order, then the rest sorted."""
    found = values.dropna().unique().tolist()
    first = [v for v in (written or []) if v in found]
    return first + sorted((v for v in found if v not in first), key=_sort_key)


def _sort_key(value: Any) -> tuple:
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))
