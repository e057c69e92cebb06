"""One verification check: what theory (or an independent simulator) expects, what mashsim gave, the verdict.

A check is statistical: the model's figure is a mean over independent
replications with a Student-t interval.  Against theory it is an equivalence
test (:mod:`~mashsim.validation.equivalence`): it passes when the 90% interval
of the relative error lies inside a stated tolerance, and it reports its
power to detect a 5% error and the chance a correct model passes.  Against
another simulator (Ciw), whose figures are noisy too, it is a difference
test: a family of ``k`` comparisons is judged with Bonferroni-adjusted Welch
intervals at level ``1 - 0.05 / k``, and its power is reported as well.
Seeds are fixed, so a run is repeatable bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from mashsim.experiment.stats import Interval, t_interval, welch_interval, welch_parts
from mashsim.validation.equivalence import DETECT, Tolerance, difference_power, equivalence

PASS, FAIL, SKIP = "pass", "fail", "skip"
FAMILY_LEVEL = 0.95


@dataclass(frozen=True)
class Check:
    """One check and its verdict.

    ``simulated`` is mashsim's mean with its 95% interval over replications
    (None for a skipped check); ``test`` says in words what the verdict was
    based on (the equivalence interval, a difference interval, an exact
    equality).  ``tolerance`` (relative), ``power`` (chance of failing at a
    true 5% error) and ``assurance`` (chance a correct model passes) are set
    for statistical checks (``tolerance`` for equivalence tests only).
    """

    family: str
    name: str
    expected: float
    simulated: Interval | None
    status: str
    test: str = ""
    unit: str = ""
    note: str = ""
    tolerance: float | None = None
    power: float | None = None
    assurance: float | None = None

    @property
    def failed(self) -> bool:
        return self.status == FAIL


def family_level(size: int, level: float = FAMILY_LEVEL) -> float:
    """Per-check confidence level giving a family of ``size`` checks a ``level`` family-wise level."""
    if size < 1:
        raise ValueError(f"a family has at least one check, got {size}")
    return 1.0 - (1.0 - level) / size


def fmt(value: float, unit: str = "") -> str:
    """A figure to four significant digits (three decimals at most below 1), with its unit."""
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "∞"
    text = f"{value:.4g}" if abs(value) >= 1 else f"{value:.3g}" if value else "0"
    return f"{text} {unit}".rstrip()


def simulated_text(check: Check) -> str:
    """The simulated mean with its 95% interval (just the mean when the interval is a point)."""
    s = check.simulated
    if s is None:
        return "-"
    if s.n < 2 or s.ci_low == s.ci_high:
        return fmt(s.mean, check.unit)
    return f"{fmt(s.mean, check.unit)} ({fmt(s.ci_low)} – {fmt(s.ci_high)})"


def _range(interval: Interval, unit: str = "") -> str:
    return f"{fmt(interval.ci_low)} – {fmt(interval.ci_high, unit)}"


def within(family: str, name: str, expected: float, values: Sequence[float], tolerance: Tolerance, fast: bool,
           unit: str = "", note: str = "") -> Check:
    """Pass when the 90% interval of the replications' relative error from ``expected`` lies inside the
    tolerance (the full run's or the fast subset's)."""
    tol = tolerance.value(fast)
    test = equivalence(expected, values, tol)
    return Check(family, name, expected, t_interval(values), PASS if test.passed else FAIL,
                 f"relative error {test.error:+.2%}, 90% CI {test.low:+.2%} to {test.high:+.2%} "
                 f"{'inside' if test.passed else 'NOT inside'} ±{tol:.0%}",
                 unit, note, tol, test.power, test.assurance)


def against_sample(family: str, name: str, reference: Sequence[float], values: Sequence[float], size: int,
                   reference_name: str, unit: str = "", note: str = "") -> Check:
    """Pass when the family-wise Welch interval of ``mean(values) - mean(reference)`` holds 0.

    For comparing with another simulator: both figures carry sampling error.
    """
    level = family_level(size)
    diff = welch_interval(values, reference, level)
    ref = t_interval(reference)
    agree = diff.ci_low <= 0.0 <= diff.ci_high
    _, se, df, _ = welch_parts(values, reference)
    return Check(family, name, ref.mean, t_interval(values), PASS if agree else FAIL,
                 f"{reference_name} {fmt(ref.mean)} ({_range(ref, unit)}); difference {fmt(diff.mean)}, "
                 f"{level:.3%} CI {_range(diff, unit)} holds 0 (Welch, Bonferroni, {size} comparisons)",
                 unit, note, power=difference_power(se, ref.mean, df, level, DETECT))


def exactly(family: str, name: str, expected: float, values: Sequence[float], unit: str = "",
            note: str = "") -> Check:
    """Pass when every replication gives exactly ``expected`` (for extreme cases with a certain answer)."""
    same = all(v == expected for v in values)
    return Check(family, name, expected, t_interval(values), PASS if same else FAIL,
                 f"every one of {len(values)} replications exactly {fmt(expected)}", unit, note, 0.0, 1.0, 1.0)


def skipped(family: str, name: str, reason: str) -> Check:
    """A check that could not run here, with the reason."""
    return Check(family, name, math.nan, None, SKIP, reason)
