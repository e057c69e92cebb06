"""Task times (minutes in the scenario, hours in the model), each made from a uniform draw.

Every task time is the inverse of its distribution function at a uniform number drawn for the
contact (:class:`mashsim.model.arrivals.ContactFactory` draws them), so that a contact's times
are fixed by its own uniforms, whatever else the run draws.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from mashsim.scenario.schema import Constant, Exponential, Lognormal, Triangular, Uniform

MINUTES_PER_HOUR = 60.0


def hours_at(duration, u: np.ndarray) -> np.ndarray:
    """The task times in hours at the quantiles ``u`` (uniforms in [0, 1)) of a scenario duration."""
    if isinstance(duration, Triangular):
        minutes = triangular_minutes(u, duration.min, duration.mode, duration.max)
    elif isinstance(duration, Exponential):
        minutes = -duration.mean * np.log1p(-u)
    elif isinstance(duration, Constant):
        minutes = np.full(u.shape, float(duration.mean))
    elif isinstance(duration, Lognormal):
        from scipy.special import ndtri  # here: SciPy's special functions add ~15 MiB to a run that loads them

        sigma2 = math.log1p((duration.sd / duration.mean) ** 2)
        minutes = np.exp(math.log(duration.mean) - sigma2 / 2 + math.sqrt(sigma2) * ndtri(u))
    elif isinstance(duration, Uniform):
        minutes = duration.min + u * (duration.max - duration.min)
    else:  # pragma: no cover - the schema admits no other kind
        raise TypeError(f"unknown duration {duration!r}")
    return minutes / MINUTES_PER_HOUR


def triangular_minutes(u: np.ndarray, low: Any, mode: Any, high: Any) -> np.ndarray:
    """The triangular distribution's inverse CDF at ``u``; ``low``, ``mode`` and ``high`` are numbers, or
    arrays of one per column of ``u`` (the same arithmetic either way, element by element)."""
    below = (mode - low) / (high - low)  # the chance of a time below the mode
    return np.where(u < below, low + np.sqrt(u * (high - low) * (mode - low)),
                    high - np.sqrt((1.0 - u) * (high - low) * (high - mode)))


class TaskTimes:
    """Several task times at once: column ``j`` of a draw array through ``durations[j]``, as
    :func:`hours_at` would give it column by column (the same arithmetic, element by element, so the
    same numbers bit for bit), in one set of array operations when all are triangular (the usual
    kind): a contact factory's handful of stages and desks cost one call, not one each."""

    def __init__(self, durations: Sequence[Any]) -> None:
        self.durations = list(durations)
        self.triangular = all(type(d) is Triangular for d in self.durations)
        if self.triangular:  # each column's parameters
            self.low, self.mode, self.high = (np.array([getattr(d, k) for d in self.durations], dtype=float)
                                              for k in ("min", "mode", "max"))

    def hours(self, u: np.ndarray) -> np.ndarray:
        """The task times in hours at the quantiles ``u``, shape ``(n, len(durations))``."""
        if self.triangular:
            return triangular_minutes(u, self.low, self.mode, self.high) / MINUTES_PER_HOUR
        columns = [hours_at(d, u[:, j]) for j, d in enumerate(self.durations)]
        return np.column_stack(columns) if columns else np.empty((u.shape[0], 0))


def mean_hours(duration) -> float:
    """The mean task time in hours."""
    return duration.mean / MINUTES_PER_HOUR
