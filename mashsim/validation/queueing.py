"""Textbook queues run in the model and checked against closed forms: Erlang C, Jackson, Pollaczek-Khinchine,
non-preemptive priorities (Cobham).

Every figure is an equivalence test against theory with a stated tolerance
(:data:`MEAN` for mean waits, queues and times, :data:`SHARE` for P(wait)),
see :mod:`~mashsim.validation.equivalence`.

Run lengths are sized for that test.  Each case carries ``noise``: the
relative variance, per contact measured, of its noisiest figure: the largest
of several estimates (pilots of 4–10 replications and earlier full runs),
rounded up.  Ten replications estimate a variance poorly when the figure is
heavy-tailed: M/M/5 at ρ = 0.8 gave 86, 125, 220 and 310 in four runs.  A full-run replication
then measures ``noise / (replications × s²)`` contacts, where ``s`` is the
relative standard error at which a correct model passes with chance 0.995
(:func:`~mashsim.validation.equivalence.required_se`); the reported power and
assurance use the standard error actually achieved.  Heavy traffic is costly:
M/M/10 at ρ = 0.9 has a noise of ~1,800 (17 million contacts for the full
run's precision), so the grid stops at ρ = 0.85, and at 10 servers.  Each replication discards a
warm-up of three relaxation times of the queue
(:func:`~mashsim.validation.theory.relaxation_customers`), at least 1% of the
contacts measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from mashsim.experiment.runner import run_replications
from mashsim.validation.checks import Check, within
from mashsim.validation.configs import MINUTES_PER_HOUR, service_moments_hours, single_desk, tandem
from mashsim.validation.equivalence import Tolerance, required_se
from mashsim.validation.theory import erlang_c, jackson_tandem, pollaczek_khinchine, priority_erlang_c, \
    relaxation_customers

ERLANG = "Erlang C (M/M/c)"
JACKSON = "Jackson tandem"
PK = "Pollaczek–Khinchine (M/G/1)"
PRIORITY = "Non-preemptive priority M/M/c (Cobham)"

MEAN = Tolerance(0.05, 0.30, (
    "a mean wait, queue or time in system is within ±5% of theory: a true error of 5% then fails with chance "
    "at least 0.95 by the test's construction, and one core affords the runs that let a correct model pass "
    "(±3% would need 2.8 times as many contacts). The fast subset (a few thousand contacts) estimates such "
    "a mean to 3–7%, so it allows ±30%: it catches gross errors only"))
SHARE = Tolerance(0.03, 0.10, (
    "P(wait) is within ±3% of theory: a share varies far less than a mean wait (a tenth of the relative "
    "variance at ρ = 0.8), so the runs sized for the means estimate it to about 0.5%; the fast subset ±10%"))


@dataclass(frozen=True)
class Budget:
    """How many replications each textbook queue gets, and the fewest and most contacts one measures."""

    replications: int
    min_contacts: int
    max_contacts: int
    fast: bool = False
    warmup_relaxations: float = 3.0

    def contacts(self, rho: float, noise: float) -> tuple[float, float]:
        """Contacts measured and contacts of warm-up per replication, at load ``rho`` for a case of ``noise``."""
        se = required_se(MEAN.value(self.fast), self.replications)
        measured = min(max(math.ceil(noise / (self.replications * se * se)), self.min_contacts), self.max_contacts)
        warmup = max(self.warmup_relaxations * relaxation_customers(rho), 0.01 * measured)
        return float(measured), warmup

    def days(self, rho: float, lam_per_hour: float, noise: float) -> tuple[float, float]:
        """Horizon and warm-up in days for arrivals at ``lam_per_hour``."""
        measured, warmup = self.contacts(rho, noise)
        per_day = lam_per_hour * 24.0
        return measured / per_day, warmup / per_day

    def describe(self, rho: float, noise: float) -> str:
        measured, warmup = self.contacts(rho, noise)
        return (f"at ρ = {rho:.2g}, {self.replications} replications × {measured:,.0f} contacts after "
                f"{warmup:,.0f} of warm-up")


# forty replications: their spread estimates a heavy-tailed figure's variance far better than ten do, and
# keeps each replication's horizon within a scenario's ten-year limit (M/M/1 at 0.8: about five years)
FULL = Budget(replications=40, min_contacts=3000, max_contacts=1_000_000)
# the fast subset, sized by the same rule for its wide tolerance, but never under 8,000 contacts a replication:
# short runs underestimate their own spread, so a run sized down to the wide tolerance is too short to trust
FAST = Budget(replications=5, min_contacts=8000, max_contacts=25000, fast=True)

# (servers, load, noise): c from 1 to 10 at loads 0.5 to 0.85. The many-server points are the noisiest
# (their mean wait is small next to its spread): M/M/20 at 0.8 (noise 570) would cost 5.5 million contacts,
# a third of the full run, so c stops at 10
ERLANG_GRID = ((1, 0.5, 60), (1, 0.8, 170), (2, 0.7, 80), (2, 0.85, 300), (5, 0.8, 300), (10, 0.7, 320))
ERLANG_GRID_FAST = (ERLANG_GRID[0], ERLANG_GRID[4])

# arrivals per hour, then (mean service in minutes, staff) at screening and at decision, then noise
TANDEMS = ((1.0, (48.0, 1), (42.0, 1), 170), (3.0, (30.0, 2), (45.0, 3), 300))
TANDEMS_FAST = TANDEMS[:1]

# name, arrivals per hour, service time table (minutes), noise
PK_CASES: tuple[tuple[str, float, Mapping[str, Any], float], ...] = (
    ("M/D/1", 1.0, {"dist": "constant", "mean": 48}, 110),
    ("M/G/1 uniform 12–84 min", 1.0, {"dist": "uniform", "min": 12, "max": 84}, 180),
    ("M/G/1 triangular 30/60/120 min", 0.6, {"dist": "triangular", "min": 30, "mode": 60, "max": 120}, 25),
)
PK_CASES_FAST = PK_CASES[:1]

# (servers, load, shares of Red, Amber, Green, noise): the rag discipline's three classes at one desk; the
# lowest class's wait has a long tail (it waits behind every busy period of the others)
PRIORITY_CASES = ((2, 0.85, (0.2, 0.3, 0.5), 160),)
PRIORITY_CASES_FAST = PRIORITY_CASES
PRIORITY_ORDER = ("red", "amber", "green")  # highest first

DESK = "desk"


def _checker(family: str, result, budget: Budget, note: str):
    """``check(name, expected, metric, tolerance, unit)``: one equivalence check on ``result``'s metric."""
    def check(name: str, expected: float, metric: str, tolerance: Tolerance, unit: str = "") -> Check:
        return within(family, name, expected, result.values(metric), tolerance, budget.fast, unit, note)
    return check


def erlang_point(servers: int, rho: float, noise: float, budget: Budget, seed: int,
                 workers: int | None = 1) -> list[Check]:
    """One M/M/c point: mean wait, P(wait) and mean queue at the desk against Erlang C."""
    mu = 1.0  # services per hour per researcher: 60-minute mean
    lam = rho * servers * mu
    horizon, warmup = budget.days(rho, lam, noise)
    scenario = single_desk(lam, {"dist": "exponential", "mean": MINUTES_PER_HOUR / mu}, servers, horizon, warmup)
    result = run_replications(scenario, budget.replications, seed, workers=workers)
    theory = erlang_c(lam, mu, servers)
    label = f"M/M/{servers}, ρ = {rho:g}"
    check = _checker(ERLANG, result, budget, budget.describe(rho, noise))
    return [
        check(f"{label}: mean wait Wq", theory.wq, f"wait_hours.by_role.{DESK}", MEAN, "h"),
        check(f"{label}: P(wait)", theory.p_wait, f"wait_probability.by_role.{DESK}", SHARE),
        check(f"{label}: mean queue Lq", theory.lq, f"queue_length.by_role.{DESK}", MEAN),
    ]


def tandem_case(lam: float, first: tuple[float, int], second: tuple[float, int], noise: float, budget: Budget,
                seed: int, workers: int | None = 1) -> list[Check]:
    """Screening then decision, both M/M/c: each stage's wait and the time through against Jackson."""
    stations = [(MINUTES_PER_HOUR / mean, c) for mean, c in (first, second)]
    rho = max(lam / (mu * c) for mu, c in stations)
    horizon, warmup = budget.days(rho, lam, noise)
    scenario = tandem(lam, ({"dist": "exponential", "mean": first[0]}, first[1]),
                      ({"dist": "exponential", "mean": second[0]}, second[1]), horizon, warmup)
    result = run_replications(scenario, budget.replications, seed, workers=workers)
    (one, two), whole = jackson_tandem(lam, stations)
    loads = [lam / (mu * c) for mu, c in stations]
    label = f"M/M/{first[1]} → M/M/{second[1]}, ρ = {loads[0]:.2g} → {loads[1]:.2g}"
    check = _checker(JACKSON, result, budget, budget.describe(rho, noise))
    return [
        check(f"{label}: wait at screening", one.wq, "wait_hours.by_role.screeners", MEAN, "h"),
        check(f"{label}: wait at decision", two.wq, "wait_hours.by_role.managers", MEAN, "h"),
        check(f"{label}: time through both", whole.w, "decision_delay_hours.mean", MEAN, "h"),
    ]


def pk_case(name: str, lam: float, service: Mapping[str, Any], noise: float, budget: Budget, seed: int,
            workers: int | None = 1) -> list[Check]:
    """One M/G/1 desk: mean wait, mean queue and P(wait) = ρ against Pollaczek-Khinchine."""
    scenario = single_desk(lam, service, 1, 1.0, 0.0)  # only to read the parsed duration
    mean, second = service_moments_hours(scenario.agencies[DESK].research_minutes)
    theory = pollaczek_khinchine(lam, mean, second)
    rho = theory.p_wait
    horizon, warmup = budget.days(rho, lam, noise)
    scenario = single_desk(lam, service, 1, horizon, warmup)
    result = run_replications(scenario, budget.replications, seed, workers=workers)
    label = f"{name}, ρ = {rho:.2g}"
    check = _checker(PK, result, budget, budget.describe(rho, noise))
    return [
        check(f"{label}: mean wait Wq", theory.wq, f"wait_hours.by_role.{DESK}", MEAN, "h"),
        check(f"{label}: mean queue Lq", theory.lq, f"queue_length.by_role.{DESK}", MEAN),
        check(f"{label}: P(wait) = ρ", theory.p_wait, f"wait_probability.by_role.{DESK}", SHARE),
    ]


def priority_desk(servers: int, rho: float, shares: tuple[float, float, float], horizon: float, warmup: float,
                  discipline: str = "rag"):
    """The M/M/c desk of a priority case (RAGs one per level of true risk: Green medium, Amber high, Red
    critical) under ``discipline``."""
    mix = {"low": 0.0, "medium": shares[2], "high": shares[1], "critical": shares[0]}
    return single_desk(rho * servers, {"dist": "exponential", "mean": MINUTES_PER_HOUR}, servers, horizon, warmup,
                       mix, discipline)


def priority_case(servers: int, rho: float, shares: tuple[float, float, float], noise: float, budget: Budget,
                  seed: int, workers: int | None = 1) -> list[Check]:
    """One M/M/c desk under the ``rag`` discipline: each RAG's mean time to decision (wait plus one
    service: the other stages take no time) against the non-preemptive priority formula."""
    mu = 1.0
    lam = rho * servers * mu
    result = run_replications(priority_desk(servers, rho, shares, *budget.days(rho, lam, noise)),
                              budget.replications, seed, workers=workers)
    theory = priority_erlang_c([lam * share for share in shares], mu, servers)
    label = f"M/M/{servers}, ρ = {rho:g}, " + " / ".join(f"{r} {s:.0%}" for r, s in zip(PRIORITY_ORDER, shares))
    check = _checker(PRIORITY, result, budget, budget.describe(rho, noise))
    return [check(f"{label}: {rag} time in system W", figures.w, f"decision_delay_hours.by_rag.{rag}.mean", MEAN, "h")
            for rag, figures in zip(PRIORITY_ORDER, theory)]
