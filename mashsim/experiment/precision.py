"""How many replications: the replications algorithm of Hoad, Robinson & Davies (2010).

The confidence-interval method says: keep adding replications until the
confidence interval of the mean is narrow enough relative to the mean.  On its
own it can stop too early, when a few replications happen to agree by chance.
Hoad, Robinson & Davies add a *look-ahead*: once the precision is met at
``n = Nsol`` replications, run ``kLimit`` more and accept ``Nsol`` only if the
precision stays met throughout; otherwise carry on.

References
----------
Hoad, K., Robinson, S. & Davies, R. (2010). Automated selection of the number
of replications for a discrete-event simulation. *Journal of the Operational
Research Society* 61(11): 1632-1644.

Robinson, S. (2014). *Simulation: The Practice of Model Development and Use*,
2nd edn, Palgrave Macmillan (the confidence-interval method).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from mashsim.experiment.stats import Interval, t_interval

__all__ = ["PrecisionResult", "ReplicationsRule", "look_ahead_length", "precision_after", "replications_needed"]


@dataclass(frozen=True)
class PrecisionResult:
    """Outcome of :func:`replications_needed`.

    Attributes
    ----------
    replications:
        The number recommended: the ``n`` at which the precision was met and
        then held through the whole look-ahead.  If ``converged`` is False it
        is the number run (the cap), a lower bound only.
    values:
        The metric of every replication run, in order (index ``i`` is
        ``run_one(i)``), the look-ahead ones included; NaN where undefined.
    precision:
        ``d`` (CI half-width / |mean|) after each replication from
        ``min_replications`` on: ``precision[j]`` is for ``min_replications + j``
        replications.  NaN where undefined.
    converged:
        False if ``max_replications`` was reached before the precision was met
        and held through the look-ahead.
    interval:
        :func:`~mashsim.experiment.stats.t_interval` of all values run.
    """

    replications: int
    values: tuple[float, ...]
    precision: tuple[float, ...]
    converged: bool
    interval: Interval


def precision_after(values: Sequence[float] | np.ndarray, level: float = 0.95) -> float:
    """Relative precision ``d = half_width / |mean|`` of the t-interval of ``values``.

    The precision measure of Hoad, Robinson & Davies (2010): the half-width of
    the ``level`` confidence interval of the mean as a fraction of the mean
    (0.05 means "within 5% of the mean").  NaN values are left out, as
    :func:`~mashsim.experiment.stats.t_interval` does.  Returns NaN when fewer
    than two values are defined or the mean is zero.
    """
    _check_level(level)
    interval = t_interval(values, level)
    if interval.n < 2 or interval.mean == 0.0 or not math.isfinite(interval.mean):
        return math.nan
    return interval.half_width / abs(interval.mean)


def look_ahead_length(n_solution: int, k_limit: int = 5) -> int:
    """Replications of look-ahead after the precision is first met at ``n_solution``.

    Hoad, Robinson & Davies (2010): ``kLimit`` while ``n_solution <= 100``, and
    ``floor(n_solution * kLimit / 100)`` beyond (i.e. a look-ahead of
    ``kLimit`` percent of the replications run), so the check grows with the
    sample.
    """
    if n_solution <= 100:
        return k_limit
    return (n_solution * k_limit) // 100


def replications_needed(
    run_one: Callable[[int], float],
    target: float,
    *,
    level: float = 0.95,
    min_replications: int = 3,
    look_ahead: int = 5,
    max_replications: int = 200,
) -> PrecisionResult:
    """Run replications one at a time until the mean is known to a relative precision.

    The replications algorithm of Hoad, Robinson & Davies (2010), "Automated
    selection of the number of replications for a discrete-event simulation",
    JORS 61:1632-1644:

    1. Run replications ``i = 0, 1, 2, ...`` in order.  From ``n =
       min_replications`` on, after each one compute ``d_n = half_width /
       |mean|`` of the ``level`` t-interval of the values so far.
    2. When ``d_n <= target`` for the first time (or the first time since a
       failure), call it the candidate ``Nsol = n`` and go on for a look-ahead
       of ``f(kLimit, Nsol)`` more replications (:func:`look_ahead_length`:
       ``kLimit = look_ahead`` while ``Nsol <= 100``, else
       ``floor(Nsol * kLimit / 100)``).
    3. If ``d`` stays ``<= target`` through every look-ahead replication,
       recommend ``Nsol``.  If it rises above (or becomes undefined), drop the
       candidate and continue from step 2.
    4. Stop unconverged once ``max_replications`` have been run (look-ahead
       included).

    Each ``run_one(i)`` is called exactly once, with ``i`` increasing from 0,
    so a caller using common random numbers by replication index gets the
    same streams as a batch run.  A replication whose metric is NaN (undefined
    in that run) still counts as a replication, but its value is left out of
    the interval, as in :func:`~mashsim.experiment.stats.t_interval`.

    Parameters
    ----------
    run_one:
        ``run_one(i)`` runs replication ``i`` and returns the metric (a real
        number, or NaN if undefined).  Infinite values are rejected.
    target:
        Required precision as a *fraction* of the mean, in ``(0, 1)``: 0.05 for
        a half-width within 5% of the mean (not 5).
    level:
        Confidence level of the interval, in ``(0, 1)``.
    min_replications:
        Replications before the precision is first checked (>= 2; the paper
        uses 3).
    look_ahead:
        ``kLimit``, >= 0 (0 disables the look-ahead: the plain
        confidence-interval method).
    max_replications:
        Cap on replications run, >= ``min_replications``.

    Raises
    ------
    TypeError
        If ``run_one`` is not callable.
    ValueError
        If an argument is out of range, or ``run_one`` returns an infinite
        value or something that is not a real number.
    """
    if not callable(run_one):
        raise TypeError(f"run_one must be callable, got {type(run_one).__name__}")
    rule = ReplicationsRule(target, level=level, min_replications=min_replications, look_ahead=look_ahead,
                            max_replications=max_replications)
    while not rule.done:
        i = rule.n
        rule.add(_metric(run_one(i), i))
    return rule.result()


class ReplicationsRule:
    """The stopping rule of :func:`replications_needed`, fed one replication's value at a time.

    For callers that run replications in batches (a sweep runs several per task): ``add`` the
    values in replication order; ``done`` says when to stop; ``wanted()`` how many more
    replications could still be needed before the rule can next stop.  Arguments as for
    :func:`replications_needed`.
    """

    def __init__(self, target: float, *, level: float = 0.95, min_replications: int = 3,
                 look_ahead: int = 5, max_replications: int = 200) -> None:
        _check_real(target, "target")
        if not (0.0 < target < 1.0):
            raise ValueError(
                f"target must be a fraction of the mean in (0, 1), e.g. 0.05 for 5%; got {target!r}"
            )
        _check_level(level)
        _check_int(min_replications, "min_replications", 2)
        _check_int(look_ahead, "look_ahead", 0)
        _check_int(max_replications, "max_replications", min_replications)
        self.target, self.level = target, level
        self.min_replications, self.look_ahead, self.max_replications = min_replications, look_ahead, max_replications
        self.values: list[float] = []
        self.precision: list[float] = []
        self.candidate: int | None = None
        self.converged = False

    @property
    def n(self) -> int:
        """Replications added so far."""
        return len(self.values)

    @property
    def done(self) -> bool:
        """True once the precision was met and held through the look-ahead, or the cap was reached."""
        return self.converged or self.n >= self.max_replications

    def add(self, value: float) -> None:
        """Add the next replication's metric (NaN if undefined in that run)."""
        if self.done:
            raise ValueError("the rule has already stopped")
        self.values.append(value)
        n = self.n
        if n < self.min_replications:
            return
        d = precision_after(self.values, self.level)
        self.precision.append(d)
        if d <= self.target:  # False for NaN: an undefined precision is not met
            if self.candidate is None:
                self.candidate = n
            if n - self.candidate >= look_ahead_length(self.candidate, self.look_ahead):
                self.converged = True
        else:
            self.candidate = None

    def wanted(self) -> int:
        """The fewest more replications after which the rule could stop (0 when done)."""
        if self.done:
            return 0
        if self.n < self.min_replications:
            need = self.min_replications - self.n + look_ahead_length(self.min_replications, self.look_ahead)
        elif self.candidate is not None:
            need = self.candidate + look_ahead_length(self.candidate, self.look_ahead) - self.n
        else:
            need = 1 + look_ahead_length(self.n + 1, self.look_ahead)
        return max(1, min(need, self.max_replications - self.n))

    def result(self) -> PrecisionResult:
        """The outcome so far, as :func:`replications_needed` reports it."""
        return PrecisionResult(
            replications=self.candidate if self.converged else self.n,
            values=tuple(self.values),
            precision=tuple(self.precision),
            converged=self.converged,
            interval=t_interval(self.values, self.level),
        )


def _metric(value, i: int) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"run_one({i}) returned {value!r}, not a real number")
    value = float(value)
    if math.isinf(value):
        raise ValueError(f"run_one({i}) returned {value}; only finite values or NaN are allowed")
    return value


def _check_real(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"{name} must be a real number, got {value!r}")


def _check_level(level) -> None:
    _check_real(level, "level")
    if not (0.0 < level < 1.0):
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level!r}")


def _check_int(value, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
