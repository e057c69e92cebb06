"""Task times (minutes in the scenario, hours in the model), each made from a uniform draw.

Every task time is the inverse of its distribution function at a uniform number drawn for the
contact (:class:`mashsim.model.arrivals.ContactFactory` draws them), so that a contact's times
are fixed by its own uniforms, whatever else the run draws.
"""

from __future__ import annotations

import math

import numpy as np

from mashsim.scenario.schema import Constant, Exponential, Lognormal, Triangular, Uniform

MINUTES_PER_HOUR = 60.0


def hours_at(duration, u: np.ndarray) -> np.ndarray:
    """The task times in hours at the quantiles ``u`` (uniforms in [0, 1)) of a scenario duration."""
    if isinstance(duration, Triangular):
        low, mode, high = duration.min, duration.mode, duration.max
        below = (mode - low) / (high - low)  # the chance of a time below the mode
        minutes = np.where(u < below, low + np.sqrt(u * (high - low) * (mode - low)),
                           high - np.sqrt((1.0 - u) * (high - low) * (high - mode)))
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


def mean_hours(duration) -> float:
    """The mean task time in hours."""
    return duration.mean / MINUTES_PER_HOUR
