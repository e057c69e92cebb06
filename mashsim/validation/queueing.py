"""Textbook queues run in the model and checked against closed forms: Erlang C, Jackson, Pollaczek-Khinchine,
non-preemptive priorities (Cobham).

Run lengths are set in relaxation times of the queue
(:func:`~mashsim.validation.theory.relaxation_customers`): a queue at 95%
load needs about 250 times as many customers as one at 50% to forget its
empty start and to average out.  Each replication discards a warm-up of
three relaxation times and measures at least ``Budget.relaxations`` more,
within the budget's floor and cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from mashsim.experiment.runner import run_replications
from mashsim.validation.checks import Check, against_value
from mashsim.validation.configs import MINUTES_PER_HOUR, service_moments_hours, single_desk, tandem
from mashsim.validation.theory import erlang_c, jackson_tandem, pollaczek_khinchine, priority_erlang_c, \
    relaxation_customers

ERLANG = "Erlang C (M/M/c)"
JACKSON = "Jackson tandem"
PK = "Pollaczek–Khinchine (M/G/1)"
PRIORITY = "Non-preemptive priority M/M/c (Cobham)"


@dataclass(frozen=True)
class Budget:
    """How many replications each textbook queue gets, and how long each runs (in contacts)."""

    replications: int
    relaxations: float
    min_contacts: int
    max_contacts: int
    warmup_relaxations: float = 3.0

    def contacts(self, rho: float) -> tuple[float, float]:
        """Contacts measured and contacts of warm-up per replication at load ``rho``."""
        relax = relaxation_customers(rho)
        measured = min(max(self.relaxations * relax, self.min_contacts), self.max_contacts)
        warmup = min(max(self.warmup_relaxations * relax, 0.1 * self.min_contacts), 0.25 * self.max_contacts)
        return measured, warmup

    def days(self, rho: float, lam_per_hour: float) -> tuple[float, float]:
        """Horizon and warm-up in days for arrivals at ``lam_per_hour``."""
        measured, warmup = self.contacts(rho)
        per_day = lam_per_hour * 24.0
        return measured / per_day, warmup / per_day

    def describe(self, rho: float) -> str:
        measured, warmup = self.contacts(rho)
        return (f"at ρ = {rho:.2g}, {self.replications} replications × {measured:,.0f} contacts after "
                f"{warmup:,.0f} of warm-up")


FULL = Budget(replications=10, relaxations=12, min_contacts=3000, max_contacts=20000)
FAST = Budget(replications=5, relaxations=12, min_contacts=1500, max_contacts=3000)

# (servers, load): every c from 1 to 20 meets loads from 0.5 to 0.95; 13 points keep the full run short
ERLANG_GRID = ((1, 0.5), (1, 0.8), (1, 0.95), (2, 0.7), (2, 0.9), (5, 0.5), (5, 0.8), (5, 0.95),
               (10, 0.7), (10, 0.9), (20, 0.5), (20, 0.8), (20, 0.95))
ERLANG_GRID_FAST = ((1, 0.5), (5, 0.8))
ERLANG_MEASURES = 3

# arrivals per hour, then (mean service in minutes, staff) at screening and at decision
TANDEMS = ((1.0, (48.0, 1), (42.0, 1)), (3.0, (36.0, 2), (50.0, 3)))
TANDEMS_FAST = TANDEMS[:1]
TANDEM_MEASURES = 3

# name, arrivals per hour, service time table (minutes)
PK_CASES: tuple[tuple[str, float, Mapping[str, Any]], ...] = (
    ("M/D/1", 1.0, {"dist": "constant", "mean": 48}),
    ("M/G/1 uniform 12–84 min", 1.0, {"dist": "uniform", "min": 12, "max": 84}),
    ("M/G/1 triangular 30/60/120 min", 0.6, {"dist": "triangular", "min": 30, "mode": 60, "max": 120}),
)
PK_CASES_FAST = PK_CASES[:1]
PK_MEASURES = 3

# (servers, load, shares of Red, Amber, Green): the rag discipline's three classes at one desk
PRIORITY_CASES = ((2, 0.85, (0.2, 0.3, 0.5)),)
PRIORITY_CASES_FAST = PRIORITY_CASES
# the lowest class's wait has a long tail (it waits behind every busy period of the others): longer runs
PRIORITY_FULL = Budget(replications=10, relaxations=12, min_contacts=30000, max_contacts=60000)
PRIORITY_FAST = Budget(replications=5, relaxations=12, min_contacts=8000, max_contacts=8000)
PRIORITY_MEASURES = 3
PRIORITY_ORDER = ("red", "amber", "green")  # highest first

DESK = "desk"


def erlang_point(servers: int, rho: float, budget: Budget, size: int, seed: int,
                 workers: int | None = 1) -> list[Check]:
    """One M/M/c point: mean wait, P(wait) and mean queue at the desk against Erlang C."""
    mu = 1.0  # services per hour per researcher: 60-minute mean
    lam = rho * servers * mu
    horizon, warmup = budget.days(rho, lam)
    scenario = single_desk(lam, {"dist": "exponential", "mean": MINUTES_PER_HOUR / mu}, servers, horizon, warmup)
    result = run_replications(scenario, budget.replications, seed, workers=workers)
    theory = erlang_c(lam, mu, servers)
    label = f"M/M/{servers}, ρ = {rho:g}"
    note = budget.describe(rho)
    return [
        against_value(ERLANG, f"{label}: mean wait Wq", theory.wq, result.values(f"wait_hours.by_role.{DESK}"),
                      size, "h", note),
        against_value(ERLANG, f"{label}: P(wait)", theory.p_wait,
                      result.values(f"wait_probability.by_role.{DESK}"), size, "", note),
        against_value(ERLANG, f"{label}: mean queue Lq", theory.lq, result.values(f"queue_length.by_role.{DESK}"),
                      size, "", note),
    ]


def tandem_case(lam: float, first: tuple[float, int], second: tuple[float, int], budget: Budget, size: int,
                seed: int, workers: int | None = 1) -> list[Check]:
    """Screening then decision, both M/M/c: each stage's wait and the time through against Jackson."""
    stations = [(MINUTES_PER_HOUR / mean, c) for mean, c in (first, second)]
    rho = max(lam / (mu * c) for mu, c in stations)
    horizon, warmup = budget.days(rho, lam)
    scenario = tandem(lam, ({"dist": "exponential", "mean": first[0]}, first[1]),
                      ({"dist": "exponential", "mean": second[0]}, second[1]), horizon, warmup)
    result = run_replications(scenario, budget.replications, seed, workers=workers)
    (one, two), whole = jackson_tandem(lam, stations)
    loads = [lam / (mu * c) for mu, c in stations]
    label = f"M/M/{first[1]} → M/M/{second[1]}, ρ = {loads[0]:.2g} → {loads[1]:.2g}"
    note = budget.describe(rho)
    return [
        against_value(JACKSON, f"{label}: wait at screening", one.wq,
                      result.values("wait_hours.by_role.screeners"), size, "h", note),
        against_value(JACKSON, f"{label}: wait at decision", two.wq,
                      result.values("wait_hours.by_role.managers"), size, "h", note),
        against_value(JACKSON, f"{label}: time through both", whole.w,
                      result.values("decision_delay_hours.mean"), size, "h", note),
    ]


def pk_case(name: str, lam: float, service: Mapping[str, Any], budget: Budget, size: int, seed: int,
            workers: int | None = 1) -> list[Check]:
    """One M/G/1 desk: mean wait, mean queue and P(wait) = ρ against Pollaczek-Khinchine."""
    scenario = single_desk(lam, service, 1, 1.0, 0.0)  # only to read the parsed duration
    mean, second = service_moments_hours(scenario.agencies[DESK].research_minutes)
    theory = pollaczek_khinchine(lam, mean, second)
    rho = theory.p_wait
    horizon, warmup = budget.days(rho, lam)
    scenario = single_desk(lam, service, 1, horizon, warmup)
    result = run_replications(scenario, budget.replications, seed, workers=workers)
    label = f"{name}, ρ = {rho:.2g}"
    note = budget.describe(rho)
    return [
        against_value(PK, f"{label}: mean wait Wq", theory.wq, result.values(f"wait_hours.by_role.{DESK}"),
                      size, "h", note),
        against_value(PK, f"{label}: mean queue Lq", theory.lq, result.values(f"queue_length.by_role.{DESK}"),
                      size, "", note),
        against_value(PK, f"{label}: P(wait) = ρ", theory.p_wait,
                      result.values(f"wait_probability.by_role.{DESK}"), size, "", note),
    ]


def priority_case(servers: int, rho: float, shares: tuple[float, float, float], budget: Budget, size: int,
                  seed: int, workers: int | None = 1) -> list[Check]:
    """One M/M/c desk under the ``rag`` discipline: each RAG's mean time to decision (wait plus one
    service: the other stages take no time) against the non-preemptive priority formula."""
    mu = 1.0
    lam = rho * servers * mu
    horizon, warmup = budget.days(rho, lam)
    # RAGs are one per level of true risk: Green medium, Amber high, Red critical
    mix = {"low": 0.0, "medium": shares[2], "high": shares[1], "critical": shares[0]}
    scenario = single_desk(lam, {"dist": "exponential", "mean": MINUTES_PER_HOUR / mu}, servers, horizon, warmup,
                           mix, "rag")
    result = run_replications(scenario, budget.replications, seed, workers=workers)
    theory = priority_erlang_c([lam * share for share in shares], mu, servers)
    label = f"M/M/{servers}, ρ = {rho:g}, " + " / ".join(f"{r} {s:.0%}" for r, s in zip(PRIORITY_ORDER, shares))
    note = budget.describe(rho)
    return [against_value(PRIORITY, f"{label}: {rag} time in system W", figures.w,
                          result.values(f"decision_delay_hours.by_rag.{rag}.mean"), size, "h", note)
            for rag, figures in zip(PRIORITY_ORDER, theory)]
