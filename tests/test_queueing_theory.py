"""The model configured down to a textbook M/M/c queue agrees with Erlang C.

One desk with c researchers always on duty, Poisson arrivals at a constant
rate, exponential research times; logging, screening and deciding take no
time, nobody is mis-rated and the hub waits for every return.  The mean wait
and mean queue length at the desk must match Erlang C within the 95% CI of
the replications (fixed seed, so the test is deterministic).  Six intervals
are checked, so each is a Bonferroni-adjusted (1 - 0.05/6) interval: the
family of checks keeps a 5% false-alarm rate.
"""

import math

import pytest

from mashsim.experiment import run_replications
from mashsim.scenario import load_scenario


def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """P(wait) and mean wait in queue for M/M/c."""
    a = lam / mu
    rho = a / c
    below = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (below + top)
    return p_wait, p_wait / (c * mu - lam)


def mmc_scenario(lam_per_hour: float, mean_minutes: float, c: int, days: float, warmup: float) -> dict:
    instant = {"dist": "constant", "mean": 0}
    return {
        "name": "textbook-mmc",
        "run": {"horizon_days": days, "warmup_days": warmup},
        "arrivals": {
            "day_profile": [1] * 7,
            "hour_profile": [1] * 24,
            "risk_mix": {"low": 0, "medium": 0, "high": 0, "critical": 1},
            "urgent_flag": 0,
            "sources": {"all": {"annual_contacts": lam_per_hour * 365.25 * 24}},
        },
        "roles": {r: {"staff": 1, "hours": "always", "task_minutes": instant}
                  for r in ("contact_officers", "screeners", "managers")},
        "agencies": {"desk": {
            "staff": c, "hours": "always",
            "research_minutes": {"dist": "exponential", "mean": mean_minutes},
            "holds_information": {"low": 0, "medium": 0, "high": 0, "critical": 0},
        }},
        "screening": {"under_rating": 0, "over_rating": 0},
        "rag": {"red": {"deadline_hours": 1e6, "clock": "elapsed"}},
        "policy": {"decide_at_deadline": False, "ask": {"red": ["desk"]}},
    }


CASES = [(0.5, 1), (0.8, 2), (0.7, 4)]
LEVEL = 1 - 0.05 / (2 * len(CASES))


@pytest.mark.parametrize("rho,c", CASES)
def test_desk_matches_erlang_c(rho: float, c: int) -> None:
    mu = 1.0  # services per hour per researcher
    lam = rho * c * mu
    scenario = load_scenario(mmc_scenario(lam, 60.0 / mu, c, days=120, warmup=10))
    result = run_replications(scenario, replications=8, seed=2024)
    summary = result.summary(LEVEL)
    _, wq = erlang_c(lam, mu, c)
    wait = summary["wait_hours.by_role.desk"]
    queue = summary["queue_length.by_role.desk"]
    assert wait.ci_low <= wq <= wait.ci_high, (wq, wait)
    assert queue.ci_low <= lam * wq <= queue.ci_high, (lam * wq, queue)
