"""Design points: which factor values each point of a sweep runs, deterministic given the seed.

- ``grid``: every combination of the factors' values, the first factor varying slowest.
- ``lhs``: a Latin hypercube of ``n`` points over the factors' bounds (scipy.stats.qmc): each
  factor's range is cut into ``n`` equal strata and every stratum is sampled once.
- ``morris``: Morris trajectories (SALib), for elementary effects (mu*, sigma).
- ``sobol``: Saltelli's extension of a Sobol' sequence (SALib), for first and total-order indices.

Integer factors take whole numbers with equal chances: a unit value ``u`` in [0, 1) becomes
``low + floor(u * (high - low + 1))``; SALib designs sample ``[low, high + 1]`` and map the same way
(so a Morris grid level never falls on a rounding boundary).
"""

from __future__ import annotations

import inspect
import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

import numpy as np


class FactorLike(Protocol):
    """What a design needs of a factor (see :class:`mashsim.experiment.plan.ResolvedFactor`)."""

    path: str
    values: list[Any] | None
    bounds: tuple[float, float] | None
    integer: bool


class MissingExtra(RuntimeError):
    """An optional dependency a design needs is not installed."""


@dataclass
class DesignPoints:
    """The points of a design, and for SALib designs the problem and the raw (unrounded) sample."""

    points: list[dict[str, Any]]
    salib_problem: dict[str, Any] | None = None
    salib_sample: np.ndarray | None = field(default=None, repr=False)


def make_points(kind: str, factors: Sequence[FactorLike], seed: int, *, n: int | None = None,
                trajectories: int | None = None, levels: int = 4, second_order: bool = False) -> DesignPoints:
    """The design points of ``kind`` over ``factors`` (each a dict ``path -> value``)."""
    if kind == "grid":
        return DesignPoints(grid(factors))
    if kind == "lhs":
        return DesignPoints(latin_hypercube(factors, int(n or 0), seed))
    if kind in ("morris", "sobol"):
        return salib_design(kind, factors, seed, trajectories=trajectories, levels=levels, n=n,
                            second_order=second_order)
    raise ValueError(f"unknown design {kind!r}")


def count_points(kind: str, levels: Sequence[int], *, n: int | None = None, trajectories: int | None = None,
                 second_order: bool = False) -> int:
    """How many points :func:`make_points` makes, counted without making them (to refuse a design too
    large to build): ``levels`` holds each factor's number of values (only a grid uses them)."""
    k = len(levels)
    if kind == "grid":
        return math.prod(levels)
    if kind == "lhs":
        return int(n or 0)
    if kind == "morris":
        return int(trajectories or 0) * (k + 1)  # a trajectory moves one factor at a time from its start
    if kind == "sobol":
        return int(n or 0) * (2 * k + 2 if second_order else k + 2)  # Saltelli: A, B and the A_B matrices
    raise ValueError(f"unknown design {kind!r}")


def grid(factors: Sequence[FactorLike]) -> list[dict[str, Any]]:
    """Every combination of the factors' values."""
    paths = [f.path for f in factors]
    return [dict(zip(paths, combo)) for combo in itertools.product(*(f.values or [] for f in factors))]


def latin_hypercube(factors: Sequence[FactorLike], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` points of a Latin hypercube over the factors' bounds."""
    from scipy.stats import qmc

    # the design's own stream, apart from the model's streams of the same seed
    generator = np.random.default_rng(np.random.SeedSequence([seed, 0x1D5]))
    takes_rng = "rng" in inspect.signature(qmc.LatinHypercube).parameters  # scipy >= 1.15
    sampler = qmc.LatinHypercube(d=len(factors), **({"rng": generator} if takes_rng else {"seed": generator}))
    unit = sampler.random(n)
    return [{f.path: from_unit(f, u) for f, u in zip(factors, row)} for row in unit]


def from_unit(factor: FactorLike, u: float) -> int | float:
    """The factor's value at ``u`` in [0, 1): linear over its bounds, or an integer stratum."""
    low, high = factor.bounds  # type: ignore[misc]
    if factor.integer:
        # the small nudge keeps a level that is whole in exact arithmetic (u = 1/3 of 3 values) whole
        return int(min(high, low + np.floor(u * (high - low + 1) + 1e-9)))
    return float(low + u * (high - low))


def salib_bounds(factor: FactorLike) -> list[float]:
    """The bounds SALib samples for a factor: ``[low, high + 1]`` for integers, so each is equally likely."""
    low, high = factor.bounds  # type: ignore[misc]
    return [float(low), float(high + 1)] if factor.integer else [float(low), float(high)]


def salib_design(kind: str, factors: Sequence[FactorLike], seed: int, *, trajectories: int | None,
                 levels: int, n: int | None, second_order: bool) -> DesignPoints:
    """A Morris or Sobol (Saltelli) sample from SALib; point ids are the sample's rows in order."""
    try:
        from SALib.sample import morris, sobol
    except ImportError:
        raise MissingExtra(f"design '{kind}' needs SALib: pip install 'mashsim[sensitivity]'") from None
    problem = {"num_vars": len(factors), "names": [f.path for f in factors],
               "bounds": [salib_bounds(f) for f in factors]}
    # SALib adds keys to the problem it is given; the problem recorded stays as written
    if kind == "morris":
        sample = morris.sample(dict(problem), N=int(trajectories or 0), num_levels=levels, seed=seed)
    else:
        sample = sobol.sample(dict(problem), N=int(n or 0), calc_second_order=second_order, seed=seed)
    points = [{f.path: _salib_value(f, x) for f, x in zip(factors, row)} for row in sample]
    return DesignPoints(points, problem, sample)


def _salib_value(factor: FactorLike, x: float) -> int | float:
    if not factor.integer:
        return float(x)
    low, high = factor.bounds  # type: ignore[misc]
    return from_unit(factor, (x - low) / (high + 1 - low))
