"""Implausibility, the non-implausible region, and the points a wave samples from it.

For target ``t`` with published value ``z``, at parameters ``x``::

    I_t(x) = |z - E[f_t(x)]| / sqrt(Var_obs + Var_discrepancy + Var_sim + Var_emulator(x))

``E[f_t(x)]`` and ``Var_emulator`` come from the emulator (or, at a point that was run, the mean
over its replications and no emulator term); ``Var_sim`` is the variance of a point's mean over
its replications.  A point is *implausible* when the judged implausibility is above the cutoff
(3, after Pukelsheim's three-sigma rule): the largest over the targets (``max``) or the second
largest (``second_max``, which forgives one target a poor fit, for many targets).

The region is kept as a fixed cloud of candidate points over the whole parameter space: after
each wave the candidates every emulator so far finds implausible are dropped, so the share left
is the share of the space still non-implausible, and it can only shrink.
"""

from __future__ import annotations

import inspect
import itertools
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

MAX_TOP_UPS = 20  # rounds of new candidates drawn near the survivors when too few are left to sample


def implausibility(observed: np.ndarray, variance_fixed: np.ndarray, mean: np.ndarray,
                   variance: np.ndarray) -> np.ndarray:
    """``|z - mean| / sqrt(fixed + variance)`` per point and target (NaN where the figure is undefined)."""
    return np.abs(observed - mean) / np.sqrt(variance_fixed + variance)


def judged(values: np.ndarray, rule: str) -> np.ndarray:
    """The implausibility judged per point (rows): the largest, or the second largest, over targets.

    An undefined figure (NaN) counts as implausible: the model did not produce it."""
    filled = np.where(np.isnan(values), np.inf, values)
    if rule == "second_max" and filled.shape[1] >= 2:
        return np.sort(filled, axis=1)[:, -2]
    return filled.max(axis=1)


@dataclass
class Region:
    """The non-implausible region as a cloud of candidates in the unit cube of the parameters."""

    candidates: np.ndarray
    kept: np.ndarray  # bool per candidate
    generator: np.random.Generator = field(repr=False)
    history: list[float] = field(default_factory=list)  # share of the space kept after each wave
    masks: list[np.ndarray] = field(default_factory=list, repr=False)  # the candidates kept after each wave

    @classmethod
    def whole_space(cls, dimensions: int, count: int, seed: int) -> "Region":
        """``count`` candidates spread evenly over the space (a scrambled Sobol' sequence)."""
        from scipy.stats import qmc

        # the region's own stream, apart from the model's and the first wave's of the same seed
        generator = np.random.default_rng(np.random.SeedSequence([seed, 0xCA1]))
        takes_rng = "rng" in inspect.signature(qmc.Sobol).parameters  # scipy >= 1.15
        sampler = qmc.Sobol(d=dimensions, **({"rng": generator} if takes_rng else {"seed": generator}))
        with warnings.catch_warnings():  # a count that is not a power of two is fine for this use
            warnings.simplefilter("ignore")
            points = sampler.random(count)
        return cls(points, np.ones(count, dtype=bool), generator)

    @property
    def share(self) -> float:
        """The share of the parameter space still non-implausible (Monte Carlo over the candidates)."""
        return float(self.kept.mean())

    def cut(self, passes: np.ndarray) -> None:
        """Drop the kept candidates that fail a wave's test (``passes`` is judged on the kept ones)."""
        index = np.flatnonzero(self.kept)
        self.kept[index[~passes]] = False
        self.history.append(self.share)
        self.masks.append(self.kept.copy())

    def sample(self, count: int, passes_all) -> np.ndarray:
        """``count`` space-filling points of the region; ``passes_all(points)`` says which are non-implausible.

        When fewer candidates are left than wanted, new ones are drawn around the survivors (and
        judged by every wave's test) until there are enough.
        """
        pool = self.candidates[self.kept]
        for _ in range(MAX_TOP_UPS):
            if len(pool) >= 4 * count or len(pool) == 0:
                break
            spread = np.maximum(pool.std(axis=0), 0.01)
            centres = pool[self.generator.integers(len(pool), size=4 * count)]
            fresh = np.clip(centres + self.generator.normal(0.0, 0.5, centres.shape) * spread, 0.0, 1.0)
            pool = np.vstack([pool, fresh[passes_all(fresh)]])
        if len(pool) == 0:
            return pool
        return maximin(pool, count, self.generator)


def maximin(pool: np.ndarray, count: int, generator: np.random.Generator) -> np.ndarray:
    """``count`` points of ``pool`` chosen greedily, each the farthest from those already chosen."""
    if len(pool) <= count:
        return pool.copy()
    chosen = [int(generator.integers(len(pool)))]
    distance = np.linalg.norm(pool - pool[chosen[0]], axis=1)
    while len(chosen) < count:
        best = int(np.argmax(distance))
        chosen.append(best)
        distance = np.minimum(distance, np.linalg.norm(pool - pool[best], axis=1))
    return pool[chosen]


@dataclass(frozen=True)
class Conflict:
    """Why no point is non-implausible: which targets cannot be met alone, which not together."""

    alone: dict[str, float]  # target -> its smallest implausibility anywhere in the region judged
    unreachable: list[str]  # targets no point meets even alone
    pairs: list[tuple[str, str]]  # targets each met somewhere, never both at one point

    def describe(self) -> list[str]:
        lines = [f"{name} cannot be met anywhere in the ranges (smallest implausibility {self.alone[name]:.1f})"
                 for name in self.unreachable]
        lines += [f"{a} and {b} can each be met, but not at the same parameters" for a, b in self.pairs]
        if not lines:
            lines.append("each target, and each pair, can be met somewhere; three or more together cannot")
        return lines


def conflicts(names: Sequence[str], values: np.ndarray, cutoff: float) -> Conflict:
    """What the implausibilities ``values`` (points x targets) of a region found empty say about its targets."""
    ok = np.where(np.isnan(values), False, values <= cutoff)
    alone = {name: float(np.nanmin(values[:, t])) if np.isfinite(values[:, t]).any() else float("inf")
             for t, name in enumerate(names)}
    unreachable = [name for t, name in enumerate(names) if not ok[:, t].any()]
    pairs = [(names[a], names[b]) for a, b in itertools.combinations(range(len(names)), 2)
             if ok[:, a].any() and ok[:, b].any() and not (ok[:, a] & ok[:, b]).any()]
    return Conflict(alone, unreachable, pairs)
