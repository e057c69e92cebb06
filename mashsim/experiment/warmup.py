"""Warm-up (initial transient) detection: MSER-5 and Welch's moving average.

A MASH simulation starts empty: no contacts in the queues, every desk idle.
Early output is therefore biased low, and a steady-state estimate must throw
away ("truncate") the first stretch of every replication.  Two tools:

* :func:`mser` -- the MSER-5 heuristic of White (1997) and White, Cobb &
  Spratt (2000), the method Hoad, Robinson & Davies (2010) recommend for
  automation after their review and tests of warm-up methods.  It picks the truncation
  point that minimises the width of a confidence interval on the truncated
  mean, trading bias (too little deleted) against variance (too much).
* :func:`welch` -- Welch's graphical procedure (Welch 1983, as set out in
  Law & Kelton, *Simulation Modeling and Analysis*): the across-replication
  mean series smoothed by a centred moving average, for plotting.

:func:`recommend_warmup` applies MSER-5 to the across-replication mean of a
set of replications and returns a warm-up length in observations.

References
----------
White, K. P. Jr (1997). An effective truncation heuristic for bias reduction
in simulation output. *Simulation* 69(6): 323-334.

White, K. P. Jr, Cobb, M. J. & Spratt, S. C. (2000). A comparison of five
steady-state truncation heuristics for simulation. *Proceedings of the 2000
Winter Simulation Conference*, 755-760.

Hoad, K., Robinson, S. & Davies, R. (2010). Automating warm-up length
estimation. *Journal of the Operational Research Society* 61(9): 1389-1403.

Welch, P. D. (1983). The statistical analysis of simulation results. In
Lavenberg, S. (ed.), *The Computer Performance Modeling Handbook*, 268-328.

Law, A. M. & Kelton, W. D. *Simulation Modeling and Analysis* (section
"Problem of the initial transient", Welch's procedure).
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["MserResult", "mser", "recommend_warmup", "welch"]


@dataclass(frozen=True)
class MserResult:
    """Outcome of :func:`mser`.

    Attributes
    ----------
    truncation:
        Observations to delete from the start of the series: ``d * batch_size``
        for the chosen number of batches ``d``.
    truncation_batches:
        The chosen ``d``, in batches.
    statistic:
        ``MSER(d)`` for every candidate ``d = 0, 1, ..., len(statistic) - 1``
        (read-only array; plot it against ``d * batch_size``).
    reliable:
        False when the minimum falls on the *last* candidate.  MSER keeps
        falling while the data are still drifting, so a minimum at the edge of
        the search region means the series may not have settled within it:
        the run is probably too short (or the output never reaches a steady
        state), and ``truncation`` should not be trusted -- run longer.
    batch_size:
        Observations per batch (5 for MSER-5).
    n_batches:
        Complete batches the series was cut into (an incomplete last batch is
        dropped).
    """

    truncation: int
    truncation_batches: int
    statistic: np.ndarray
    reliable: bool
    batch_size: int
    n_batches: int


def mser(series, batch_size: int = 5, max_fraction: float = 0.5) -> MserResult:
    """MSER-``batch_size`` truncation point of one output series (MSER-5 by default).

    The series is cut into consecutive batches of ``batch_size`` observations
    and replaced by the batch means ``Y_1..Y_k`` (an incomplete last batch is
    dropped).  For each candidate ``d`` -- the number of leading batches to
    delete -- the statistic is

    ``MSER(d) = sum_{i>d} (Y_i - Ybar_d)**2 / (k - d)**2``

    where ``Ybar_d`` is the mean of the ``k - d`` batch means kept (White 1997;
    White, Cobb & Spratt 2000; Hoad, Robinson & Davies 2010, "Automating
    warm-up length estimation", JORS 61:1389-1403).  The chosen ``d``
    minimises ``MSER(d)``; ties go to the smallest ``d``.

    Candidates are ``d = 0 .. floor(max_fraction * k)``, and never so many that
    fewer than two batch means remain (with one left the statistic is
    trivially zero).  With the customary ``max_fraction = 0.5`` at most the
    first half of the data can be deleted.

    If the minimum falls on the last candidate, ``reliable`` is False: the
    statistic was still falling at the edge of the search region, so the
    series may not have settled (a trend, or a transient longer than
    ``max_fraction`` of the run).  The truncation returned is then only a
    lower bound on the warm-up needed; run the model for longer.

    Parameters
    ----------
    series:
        One-dimensional sequence of finite observations in time order.
    batch_size:
        Observations per batch; 5 gives MSER-5, 1 the unbatched MSER.
    max_fraction:
        Share of the batches, in ``(0, 1]``, over which to search.

    Raises
    ------
    ValueError
        If the series is empty, not one-dimensional or contains NaN/inf, if
        ``batch_size < 1`` or ``max_fraction`` is outside ``(0, 1]``, or if the
        series is shorter than two batches.
    """
    data = _as_series(series, "series")
    size = _check_batch_size(batch_size)
    if isinstance(max_fraction, bool) or not isinstance(max_fraction, numbers.Real):
        raise ValueError(f"max_fraction must be a number in (0, 1], got {max_fraction!r}")
    if not (0.0 < float(max_fraction) <= 1.0):
        raise ValueError(f"max_fraction must be in (0, 1], got {max_fraction!r}")

    k = data.size // size
    if k < 2:
        raise ValueError(
            f"series too short: {data.size} observations make {k} batch(es) of {size}; "
            f"MSER needs at least two batches ({2 * size} observations)"
        )
    means = data[: k * size].reshape(k, size).mean(axis=1)

    last = min(int(math.floor(float(max_fraction) * k)), k - 2)
    statistic = _mser_statistic(means, last)
    d = int(np.argmin(statistic))  # first minimum: ties go to the smallest d
    statistic.setflags(write=False)
    return MserResult(
        truncation=d * size,
        truncation_batches=d,
        statistic=statistic,
        reliable=bool(d < last),
        batch_size=size,
        n_batches=k,
    )


def welch(replications, window: int) -> np.ndarray:
    """Welch's moving average of the across-replication mean series.

    Welch's procedure as given by Law & Kelton: average the ``n`` replications
    time point by time point, ``Ybar_i = mean_j Y_ji`` for ``i = 1..m``, then
    smooth with a centred moving average of width ``2w + 1``::

        Ybar_i(w) = sum_{s=-w..w}         Ybar_{i+s} / (2w + 1)   for i = w+1 .. m-w
        Ybar_i(w) = sum_{s=-(i-1)..(i-1)} Ybar_{i+s} / (2i - 1)   for i = 1 .. w

    i.e. near the start the window shrinks to whatever is symmetric about the
    point.  The last ``w`` points have no full window and are left out, so the
    result has ``m - w`` values; element ``j`` (0-based) is ``Ybar_{j+1}(w)``.
    Plot it and take the warm-up as the point after which it has flattened out.

    Parameters
    ----------
    replications:
        Two-dimensional array, one row per replication, one column per time
        point (observation period); all finite.  A single replication must be
        passed as one row, shape ``(1, m)``.
    window:
        The half-width ``w >= 0`` (``w = 0`` returns the mean series itself).
        There must be room for at least one full window: ``2w + 1 <= m``.
        Law & Kelton suggest ``w <= m / 4``.

    Raises
    ------
    ValueError
        If the array is not two-dimensional, is empty or contains NaN/inf, or
        ``window`` is negative, not an integer or too large for the series.
    """
    data = _as_replications(replications)
    if isinstance(window, bool) or not isinstance(window, numbers.Integral):
        raise ValueError(f"window must be a non-negative integer, got {window!r}")
    w = int(window)
    if w < 0:
        raise ValueError(f"window must be a non-negative integer, got {window!r}")
    m = data.shape[1]
    if 2 * w + 1 > m:
        raise ValueError(
            f"window {w} too large for a series of {m} time points: need 2 * window + 1 <= {m}"
        )

    mean_series = data.mean(axis=0)
    # Cumulative sums of the deviations from the overall mean keep rounding
    # small; the windows then cost O(m) whatever w is.
    centre = float(mean_series.mean())
    cum = np.concatenate(([0.0], np.cumsum(mean_series - centre)))
    out = np.empty(m - w)
    j = np.arange(w)  # shrinking windows: Ybar_0 .. Ybar_{2j}
    out[:w] = cum[2 * j + 1] / (2 * j + 1)
    j = np.arange(w, m - w)  # full windows: Ybar_{j-w} .. Ybar_{j+w}
    out[w:] = (cum[j + w + 1] - cum[j - w]) / (2 * w + 1)
    return out + centre


def recommend_warmup(replications_2d, batch_size: int = 5) -> int:
    """Warm-up length, in observations, by MSER-5 on the across-replication mean.

    Averaging the replications time point by time point first reduces the
    noise MSER has to see through.  Delete this many
    observations from the start of *every* replication.

    Emits a :class:`RuntimeWarning` when MSER's answer is not reliable (the
    minimum fell on the last candidate, see :func:`mser`): the runs are then
    probably too short for the transient to have died out.  Call :func:`mser`
    on ``numpy.mean(replications_2d, axis=0)`` for the statistic and flag.

    Raises
    ------
    ValueError
        As :func:`mser` and :func:`welch`: a non-2-D, empty or non-finite
        array, ``batch_size < 1``, or fewer than two batches per replication.
    """
    data = _as_replications(replications_2d)
    result = mser(data.mean(axis=0), batch_size=batch_size)
    if not result.reliable:
        warnings.warn(
            f"MSER-{result.batch_size} minimum is at the end of the search region "
            f"(truncation {result.truncation} of {data.shape[1]} observations): "
            "the output may not have settled; run the replications for longer",
            RuntimeWarning,
            stacklevel=2,
        )
    return result.truncation


def _mser_statistic(means: np.ndarray, last: int) -> np.ndarray:
    """``MSER(d)`` for ``d = 0..last``, by Welford's updates run from the end.

    Working backwards adds one batch mean per candidate, so all candidates
    cost O(k); Welford's recurrence keeps the sum of squares accurate (and
    exactly zero for a constant series, so ties are real ties).
    """
    k = means.size
    ss_tail = np.empty(k)  # ss_tail[d]: sum of squared deviations of means[d:]
    mean = float(means[-1])
    ss = 0.0
    ss_tail[k - 1] = 0.0
    for count, d in enumerate(range(k - 2, -1, -1), start=2):
        x = float(means[d])
        delta = x - mean
        mean += delta / count
        ss += delta * (x - mean)
        ss_tail[d] = ss
    d = np.arange(last + 1)
    return ss_tail[: last + 1] / (k - d) ** 2


def _as_series(values, name: str) -> np.ndarray:
    try:
        data = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of numbers: {exc}") from None
    if data.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {data.shape}")
    if data.size == 0:
        raise ValueError(f"{name} is empty")
    _check_finite(data, name)
    return data


def _as_replications(values) -> np.ndarray:
    try:
        data = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"replications must be a 2-D array of numbers: {exc}") from None
    if data.ndim != 2:
        raise ValueError(
            f"replications must be 2-D (replication x time), got shape {data.shape}; "
            "pass a single replication as one row, shape (1, m)"
        )
    if data.size == 0:
        raise ValueError(f"replications is empty (shape {data.shape})")
    _check_finite(data, "replications")
    return data


def _check_finite(data: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(data)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        index = where[0] if len(where) == 1 else where
        raise ValueError(f"{name} has {int(bad.sum())} non-finite value(s), first at index {index}")


def _check_batch_size(batch_size) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    return int(batch_size)
