"""Sampling task times (minutes in the scenario, hours in the model)."""

from __future__ import annotations

import math

import numpy as np

from mashsim.scenario.schema import Constant, Exponential, Lognormal, Triangular, Uniform

MINUTES_PER_HOUR = 60.0


def sample_hours(duration, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` task times in hours drawn from a scenario duration (given in minutes)."""
    if isinstance(duration, Triangular):
        minutes = rng.triangular(duration.min, duration.mode, duration.max, n)
    elif isinstance(duration, Exponential):
        minutes = rng.exponential(duration.mean, n)
    elif isinstance(duration, Constant):
        minutes = np.full(n, duration.mean)
    elif isinstance(duration, Lognormal):
        sigma2 = math.log1p((duration.sd / duration.mean) ** 2)
        minutes = rng.lognormal(math.log(duration.mean) - sigma2 / 2, math.sqrt(sigma2), n)
    elif isinstance(duration, Uniform):
        minutes = rng.uniform(duration.min, duration.max, n)
    else:  # pragma: no cover - the schema admits no other kind
        raise TypeError(f"unknown duration {duration!r}")
    return minutes / MINUTES_PER_HOUR


def mean_hours(duration) -> float:
    """The mean task time in hours."""
    return duration.mean / MINUTES_PER_HOUR
