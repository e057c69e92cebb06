"""Whether a headline figure's CI is too wide to use, and about how many replications would narrow it.

A share whose 95% CI spans more than ±10 percentage points (42%, CI 4.6–79.4% at 5 replications),
or another figure whose CI spans more than ±25% of its mean, cannot carry a debrief's point. The
half-width of a t-interval shrinks as 1/√n, so about n·(h/target)² replications bring a half-width
h down to the target (a rough guide: the spread between replications is itself an estimate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mashsim.experiment import Interval

SHARE_HALF_WIDTH = 0.10   # ±10 percentage points
RELATIVE_HALF_WIDTH = 0.25  # ±25% of the mean


@dataclass(frozen=True)
class Wide:
    """A figure whose CI is too wide: its half-width, the target, the replications suggested."""

    half_width: float
    target: float
    replications: int


def too_wide(interval: Interval, share: bool) -> Wide | None:
    """A :class:`Wide` when the interval's half-width is over the target for its kind of figure."""
    if math.isnan(interval.ci_low) or interval.n < 2:
        return None
    half = (interval.ci_high - interval.ci_low) / 2
    target = SHARE_HALF_WIDTH if share else RELATIVE_HALF_WIDTH * abs(interval.mean)
    if target <= 0 or half <= target:
        return None
    return Wide(half, target, math.ceil(interval.n * (half / target) ** 2))
