"""Targets on metrics (``rag_breach_rate.red<=0.05``) and whether replications show them met.

A target is met *with 95% confidence* when the one-sided 95% confidence bound of the metric's
mean lies on the right side of the threshold: the upper bound for ``<=`` and ``<``, the lower
bound for ``>=`` and ``>``. It *fails* with 95% confidence when the opposite one-sided bound lies
on the wrong side. Otherwise the replications cannot yet tell: the decision is close.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from mashsim.experiment.stats import Interval, t_interval
from mashsim.metrics.names import UnknownMetric, resolve_metric
from mashsim.scenario.errors import Problem, ScenarioError

OPERATORS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
_TARGET = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*(%?)\s*$")

MET, FAILS, CLOSE = "met", "fails", "close"


@dataclass(frozen=True)
class Target:
    """``metric`` must be ``op`` ``threshold`` (its mean over replications)."""

    metric: str
    op: str
    threshold: float

    @property
    def upper(self) -> bool:
        """True when the metric must stay below the threshold (``<=`` or ``<``)."""
        return self.op in ("<=", "<")

    def holds(self, value: float) -> bool:
        return bool(OPERATORS[self.op](value, self.threshold))

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.threshold:g}"


def parse_target(text: str, known: Sequence[str], field: str = "--target") -> Target:
    """``METRIC<=X`` (or ``<``, ``>=``, ``>``; ``X`` may end in ``%``) with the metric resolved among
    ``known`` (short forms such as ``rag_breach_rate.red`` allowed). Bad input raises
    :class:`ScenarioError` naming ``field``, the value and what is allowed."""
    match = _TARGET.match(text)
    if not match:
        raise ScenarioError([Problem(field, "expected METRIC<=X, METRIC<X, METRIC>=X or METRIC>X, "
                                            "e.g. 'rag_breach_rate.red<=0.05'", text)], field)
    name, op, number, percent = match.groups()
    try:
        threshold = float(number) / (100.0 if percent else 1.0)
    except ValueError:
        raise ScenarioError([Problem(field, f"{number!r} is not a number", text)], field) from None
    if not math.isfinite(threshold):
        raise ScenarioError([Problem(field, "the threshold must be a finite number", text)], field)
    try:
        metric = resolve_metric(name, known)
    except UnknownMetric as error:
        raise ScenarioError([Problem(field, f"{name}: {error}", text)], field) from None
    return Target(metric, op, threshold)


@dataclass(frozen=True)
class Evidence:
    """What the replications say about one target: mean, two-sided 95% CI, the one-sided 95% bound
    that must meet the target, the replications where the metric is defined, and the verdict."""

    target: Target
    mean: float
    ci_low: float
    ci_high: float
    bound: float
    n: int
    verdict: str

    @property
    def gap(self) -> float:
        """How far the bound is from the threshold, as a fraction of the threshold (0 at it)."""
        scale = abs(self.target.threshold) or 1.0
        return abs(self.bound - self.target.threshold) / scale if not math.isnan(self.bound) else math.inf

    def to_dict(self) -> dict:
        def clean(v: float) -> float | None:
            return None if math.isnan(v) else v

        return {"target": str(self.target), "metric": self.target.metric, "mean": clean(self.mean),
                "ci_low": clean(self.ci_low), "ci_high": clean(self.ci_high), "bound": clean(self.bound),
                "replications": self.n, "verdict": self.verdict}


#: an interval of the mean from replications' values: Student's t, or a two-level one over an
#: ensemble's members (mashsim.experiment.two_level.round_robin_interval)
IntervalOf = Callable[[list[float], float], Interval]


def judge(target: Target, values: Sequence[float], level: float = 0.95,
          interval: IntervalOf = t_interval) -> Evidence:
    """The verdict on ``target`` from the metric's value in each replication (NaN left out).

    A one-sided ``level`` bound is a bound of the two-sided ``2 * level - 1`` interval. Fewer than
    two defined values (with an ensemble: members) decide nothing (``close``).
    """
    data = list(values)
    two_sided = interval(data, level)
    one_sided = interval(data, 2 * level - 1)
    good, bad = (one_sided.ci_high, one_sided.ci_low) if target.upper else (one_sided.ci_low, one_sided.ci_high)
    if one_sided.n < 2 or math.isnan(good):
        verdict = CLOSE
    elif target.holds(good):
        verdict = MET
    elif not target.holds(bad):
        verdict = FAILS
    else:
        verdict = CLOSE
    return Evidence(target, two_sided.mean, two_sided.ci_low, two_sided.ci_high, good, one_sided.n, verdict)
