"""Little's law, L = λW, on a full scenario: the time-average count against arrivals times mean delay.

``L`` is the collector's time-average number of contacts in the hub
(``contacts_in_system``, kept from arrivals and decisions as they happen);
``λ`` is the contacts arriving in the window over its length, and ``W`` the
mean time from contact to decision.  The two sides are computed along
different paths, so a contact lost, double-counted or mis-timed shows up as
a gap.

Over a finite window the law holds only up to edge terms: contacts already
in the hub when the window opens count in ``L`` but not in ``W``, and those
still open at the end count in ``L`` with their time in the window while ``W``
counts their whole delay (to their decision in the run-out).  Both terms are of order
``L · Var(S) / (E[S] · T)`` for sojourn ``S`` and window ``T``, under 1% for a year of the
default.  The check is an equivalence test on the paired ratio ``L / λW`` of each replication:
its 90% interval must lie within :data:`TOLERANCE` of 1.
"""

from __future__ import annotations

import numpy as np

from mashsim.experiment.runner import RunResult
from mashsim.experiment.stats import t_interval
from mashsim.validation.checks import Check, fmt, within
from mashsim.validation.equivalence import Tolerance

FAMILY = "Little's law"
HOURS_PER_DAY = 24.0
TOLERANCE = Tolerance(0.02, 0.05, (
    "L and λW agree within ±2% over a year of the default (the edge terms are under 1%, a lost or "
    "double-counted contact class would be several per cent); the fast subset's 91-day window has edge "
    "terms four times larger, so ±5%"))


def little_sides(result: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: ``L`` (time-average contacts in the hub) and ``λW``."""
    window = result.scenario.run.horizon_days * HOURS_PER_DAY
    count = np.asarray(result.values("contacts_in_system"))
    rate = np.asarray(result.values("contacts_arrived")) / window
    delay = np.asarray(result.values("decision_delay_hours.mean"))
    return count, rate * delay


def little_check(result: RunResult, fast: bool = False) -> Check:
    """L / λW, replication by replication, within the tolerance of 1 (an equivalence test)."""
    count, product = little_sides(result)
    lam_w, level = t_interval(product), t_interval(count)
    note = (f"{result.scenario.name}, {len(result.replications)} replications of "
            f"{result.scenario.run.horizon_days:g} days; L {fmt(level.mean)} ({fmt(level.ci_low)} – "
            f"{fmt(level.ci_high)}), λW {fmt(lam_w.mean)} (λ = arrivals ÷ window, W = mean hours to decision)")
    return within(FAMILY, f"{result.scenario.name}: L ÷ λW (mean contacts in the hub over arrival rate × "
                  "mean time to decision)", 1.0, list(count / product), TOLERANCE, fast, "", note)
