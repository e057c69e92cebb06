"""The default scenario against published figures: simulated vs published, the gap, and what drives it.

These are validation against the world, not verification of the code: a
figure outside its published band does not make ``check-model`` fail, it
says which estimate (tagged E in the scenario) to revisit.  Each target
names its source, how the published figure maps onto the model's metrics,
and the band taken as agreement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

from mashsim.experiment.runner import RunResult
from mashsim.experiment.stats import Interval, t_interval

Metrics = Mapping[str, float]
HOURS_PER_DAY = 24.0


def _days(metric: str) -> Callable[[Metrics], float]:
    return lambda m: m[metric] / HOURS_PER_DAY


def _share_of_referrals(outcome: str) -> Callable[[Metrics], float]:
    def share(m: Metrics) -> float:
        referrals = m["referral_rate"]
        return m[f"outcome_share.by_outcome.{outcome}"] / referrals if referrals else math.nan
    return share


@dataclass(frozen=True)
class Target:
    """A published figure, the band taken as agreement, and the model's counterpart."""

    name: str
    published: str
    point: float
    low: float
    high: float
    unit: str
    source: str
    measure: Callable[[Metrics], float]
    model_figure: str
    driver: str


TARGETS: tuple[Target, ...] = (
    Target(
        "turnaround, high or complex need (level 3: Amber at screening)",
        "slightly over 1¼ days (2½ before MASH)", 1.25, 1.25, 1.5, "days",
        "University of Greenwich for London Councils (Crockett et al., Dec 2013), 5 London MASHs [S]",
        _days("decision_delay_hours.by_rag.amber.mean"),
        "mean elapsed time from contact to decision of contacts rated Amber at screening",
        "rag.amber.deadline_hours (24 working h, S) less policy.decision_allowance_hours (1 h, E) caps it; "
        "then the research minutes and staff of the four desks Amber asks (E/S) and managers' task_minutes (E)",
    ),
    Target(
        "turnaround, low to vulnerable need (level 2: Green at screening)",
        "less than 2½ days (more than 4½ before MASH); longer than level 3 in the same hubs", 2.5, 1.25, 2.5,
        "days",
        "University of Greenwich for London Councils (Crockett et al., Dec 2013) [S]",
        _days("decision_delay_hours.by_rag.green.mean"),
        "mean elapsed time from contact to decision of contacts rated Green at screening",
        "policy.ask.green (social care only, E) and social_care research_minutes (E); policy.queue_discipline "
        "(rag, S: Amber served before Green in every queue)",
    ),
    Target(
        "contact → referral conversion",
        "23–29% (England, 2013/14 to 2023/24)", 0.26, 0.23, 0.29, "share",
        "ADCS Safeguarding Pressures (contacts) and DfE Characteristics of children in need (referrals) [D]",
        lambda m: m["referral_rate"],
        "referral_rate: decided contacts with outcome s17 or s47",
        "decision.outcomes (s17 and s47 shares of each RAG, E) and the risk mix (E)",
    ),
    Target(
        "s47 or more, share of referrals",
        "25% (s47 11.6 + ICPC 1.7 + plan or looked after 11.9)", 0.25, 0.22, 0.28, "share",
        "DfE Characteristics of children in need 2017, table E1, highest intervention per referral [S]; "
        "band ±3 points",
        _share_of_referrals("s47"),
        "s47 outcomes ÷ (s17 + s47 outcomes); the model's s47 is the decision to hold a strategy discussion",
        "decision.outcomes.red and .amber s47 shares (E)",
    ),
    Target(
        "NFA / not in need or child in need, share of referrals",
        "75% (NFA or assessed not in need 42 + child in need 33)", 0.75, 0.72, 0.78, "share",
        "DfE Characteristics of children in need 2017, table E1 [S]; band ±3 points",
        _share_of_referrals("s17"),
        "s17 outcomes ÷ referrals (the complement of the row above: the model has no assessment stage to split "
        "'not in need' from 'child in need')",
        "decision.outcomes s17 shares (E)",
    ),
)


@dataclass(frozen=True)
class CalibrationRow:
    """One target against the simulated figure (mean and 95% CI over replications)."""

    target: Target
    simulated: Interval

    @property
    def within(self) -> bool:
        return self.target.low <= self.simulated.mean <= self.target.high

    @property
    def gap(self) -> float:
        """Simulated minus the published point figure, in the target's unit."""
        return self.simulated.mean - self.target.point


def calibrate(result: RunResult, targets: tuple[Target, ...] = TARGETS) -> list[CalibrationRow]:
    """Each target measured on every replication of ``result`` (a run of the default scenario)."""
    metrics = [r.metrics for r in result.replications]
    return [CalibrationRow(t, t_interval([t.measure(m) for m in metrics])) for t in targets]
