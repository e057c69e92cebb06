"""Closed-form results of queueing theory that the model is checked against.

Every function takes rates per unit time (the checks use hours) and returns
the steady-state figures of one queue as a :class:`QueueFigures`.

* :func:`erlang_c` -- M/M/c (Erlang's C formula).
* :func:`pollaczek_khinchine` -- M/G/1, any service distribution with a
  finite second moment (M/D/1 is the constant case).
* :func:`priority_erlang_c` -- M/M/c with classes served in priority order,
  without pre-emption, all at the same service rate (Cobham 1954).
* :func:`jackson_tandem` -- stations in series fed by Poisson arrivals, each
  with exponential service: by Jackson's theorem (and Burke's output theorem)
  the joint distribution is the product of the stations' own M/M/c
  distributions, so each station behaves as an M/M/c queue on its own and
  the time through the tandem is the sum of the stations' times.

References: Kleinrock, *Queueing Systems* vol. 1 (1975), sections 3.5
(M/M/c), 5.6 (Pollaczek-Khinchine) and 4.8 (Jackson networks), and vol. 2
(1976) section 3.7 (priority queues); Gross & Harris, *Fundamentals of
Queueing Theory*, section 3.4 (non-preemptive priorities); Cobham,
"Priority assignment in waiting line problems", *Operations Research* 2 (1954).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

__all__ = ["QueueFigures", "erlang_c", "jackson_tandem", "pollaczek_khinchine", "priority_erlang_c",
           "relaxation_customers",
           "triangular_moments", "uniform_moments"]


@dataclass(frozen=True)
class QueueFigures:
    """Steady-state figures of one queue.

    ``p_wait``: chance an arrival has to wait; ``wq``: mean wait before
    service; ``lq``: time-average number waiting; ``w`` and ``l``: the same
    for time in the system (waiting plus service).
    """

    p_wait: float
    wq: float
    lq: float
    w: float
    l: float  # noqa: E741 - the textbook's name


def _check_stable(lam: float, mu: float, c: int) -> None:
    if lam < 0 or mu <= 0 or c < 1:
        raise ValueError(f"need lam >= 0, mu > 0 and c >= 1 (got lam={lam}, mu={mu}, c={c})")
    if lam >= c * mu:
        raise ValueError(f"unstable queue: lam={lam} >= c * mu={c * mu}")


def erlang_c(lam: float, mu: float, c: int) -> QueueFigures:
    """M/M/c with arrival rate ``lam``, service rate ``mu`` per server and ``c`` servers.

    Erlang C is computed through the Erlang B recursion
    ``B(k) = a B(k-1) / (k + a B(k-1))``, ``C = c B / (c - a (1 - B))`` with
    offered load ``a = lam / mu``: no factorials, so it is stable for any ``c``.

    >>> round(erlang_c(0.8, 1.0, 1).wq, 6)   # M/M/1: rho / (mu - lam)
    4.0
    """
    _check_stable(lam, mu, c)
    a = lam / mu
    blocking = 1.0
    for k in range(1, c + 1):
        blocking = a * blocking / (k + a * blocking)
    p_wait = c * blocking / (c - a * (1.0 - blocking))
    wq = p_wait / (c * mu - lam)
    return QueueFigures(p_wait, wq, lam * wq, wq + 1.0 / mu, lam * (wq + 1.0 / mu))


def priority_erlang_c(lams: Sequence[float], mu: float, c: int) -> list[QueueFigures]:
    """M/M/c whose classes (``lams``, highest priority first) are served in priority order, first come
    first served within a class, without pre-emption, every class at service rate ``mu``.

    Class ``k`` waits ``Wq_k = C(c, a) / (c mu) / ((1 - s_{k-1}) (1 - s_k))``,
    where ``C(c, a)`` is Erlang C at the total load ``a = sum(lams) / mu`` and
    ``s_k`` is the load ``sum(lams[:k+1]) / (c mu)`` of the classes up to ``k``.
    Every class waits with the same chance ``C`` (an arrival waits when every
    server is busy, whatever its class), and with one class the formula is
    Erlang C's.

    >>> [round(f.wq, 6) for f in priority_erlang_c([0.4, 0.4], 1.0, 1)]   # M/M/1 at 0.8: 4.0 overall
    [1.333333, 6.666667]
    """
    if not lams or any(lam < 0 for lam in lams):
        raise ValueError(f"need at least one class and every rate >= 0 (got {list(lams)})")
    total = erlang_c(sum(lams), mu, c)
    waited = total.p_wait / (c * mu)
    figures = []
    below = 0.0  # the load of the classes ahead of this one
    for lam in lams:
        upto = below + lam / (c * mu)
        wq = waited / ((1.0 - below) * (1.0 - upto))
        figures.append(QueueFigures(total.p_wait, wq, lam * wq, wq + 1.0 / mu, lam * (wq + 1.0 / mu)))
        below = upto
    return figures


def pollaczek_khinchine(lam: float, mean: float, second_moment: float) -> QueueFigures:
    """M/G/1 with arrival rate ``lam`` and service time of ``mean`` E[S] and ``second_moment`` E[S^2].

    ``Wq = lam E[S^2] / (2 (1 - rho))`` with ``rho = lam E[S]``; an arrival
    waits with chance ``rho`` (Poisson arrivals see time averages).

    >>> round(pollaczek_khinchine(0.8, 1.0, 1.0).wq, 6)   # M/D/1: half the M/M/1 wait
    2.0
    """
    if mean <= 0 or second_moment < mean * mean * (1.0 - 1e-12):  # E[S^2] >= E[S]^2, to rounding
        raise ValueError(f"need mean > 0 and second_moment >= mean**2 (got {mean}, {second_moment})")
    _check_stable(lam, 1.0 / mean, 1)
    rho = lam * mean
    wq = lam * second_moment / (2.0 * (1.0 - rho))
    return QueueFigures(rho, wq, lam * wq, wq + mean, lam * (wq + mean))


def jackson_tandem(lam: float, stations: Sequence[tuple[float, int]]) -> tuple[list[QueueFigures], QueueFigures]:
    """Stations in series, each ``(mu, c)``, fed by Poisson arrivals at rate ``lam``.

    Returns each station's figures and the whole tandem's: waits, queues and
    times add up; ``p_wait`` of the whole is the chance of waiting somewhere,
    ``1 - prod(1 - p_wait_i)`` (the stations are independent in steady state).
    """
    if not stations:
        raise ValueError("a tandem needs at least one station")
    each = [erlang_c(lam, mu, c) for mu, c in stations]
    no_wait = math.prod(1.0 - f.p_wait for f in each)
    whole = QueueFigures(1.0 - no_wait, sum(f.wq for f in each), sum(f.lq for f in each),
                         sum(f.w for f in each), sum(f.l for f in each))
    return each, whole


def relaxation_customers(rho: float) -> float:
    """Customers served in one relaxation time of an M/M/1 queue at load ``rho``.

    The relaxation time ``1 / (mu (1 - sqrt(rho))^2)`` (Morse 1955) measures
    how long the queue takes to forget its start; times ``lam`` it is the
    number of arrivals in that time.  The checks size warm-ups and run
    lengths in these units: heavy traffic needs far longer runs.
    """
    if not 0.0 < rho < 1.0:
        raise ValueError(f"rho must be in (0, 1), got {rho}")
    return rho / (1.0 - math.sqrt(rho)) ** 2


def uniform_moments(low: float, high: float) -> tuple[float, float]:
    """Mean and second moment of the uniform distribution on ``[low, high]``."""
    return (low + high) / 2.0, (low * low + low * high + high * high) / 3.0


def triangular_moments(low: float, mode: float, high: float) -> tuple[float, float]:
    """Mean and second moment of the triangular distribution ``(low, mode, high)``."""
    mean = (low + mode + high) / 3.0
    variance = (low * low + mode * mode + high * high - low * mode - low * high - mode * high) / 18.0
    return mean, variance + mean * mean
