"""Extreme values: the default scenario pushed to limits whose outcome is certain.

* Unlimited staff, on duty around the clock: nobody ever waits.
* No arrivals: nothing happens (no contact, no busy minute, nobody in the hub).
* A desk whose ``holds_information`` is 0 at every risk: no signal from it;
  and, by common random numbers, every other desk's signals are as in the
  default, replication by replication.
* RAG deadlines far beyond the run while the hub still decides at the
  deadline: no signal is ever late, no request is cut off, no deadline is
  breached.

Each is checked exactly, in every replication.
"""

from __future__ import annotations

from mashsim.experiment.runner import run_replications
from mashsim.scenario import Scenario, load_scenario
from mashsim.validation.checks import Check, exactly
from mashsim.validation.configs import DEFAULT_SCENARIO, default_variant, holds_nothing, no_arrivals, no_deadline, \
    unlimited_staff

FAMILY = "Extreme values"
QUIET_AGENCY = "police"


def _worst(metrics: dict[str, float], prefix: str, roles: list[str]) -> float:
    return max(metrics[f"{prefix}.by_role.{role}"] for role in roles)


def _changed_fates(before: list[dict], after: list[dict], agencies: list[str]) -> int:
    """Contact-agency pairs whose signal fate differs between two runs (a contact missing from one counts)."""
    fates = {row["contact_id"]: row for row in before}
    changed = abs(len(before) - len(after))
    for row in after:
        other = fates.get(row["contact_id"])
        changed += other is None or any(row[f"signal_{a}"] != other[f"signal_{a}"] for a in agencies)
    return changed


def extreme_checks(seed: int, replications: int, horizon_days: float, warmup_days: float,
                   workers: int | None = 1, base_name: str = DEFAULT_SCENARIO) -> list[Check]:
    """Every extreme-value check on ``base_name`` cut to the given run length."""
    base: Scenario = load_scenario(base_name)
    note = f"{base.name}, {replications} replications of {horizon_days:g} days after {warmup_days:g}"

    def run(overrides, record=False, returns=True):
        scenario = default_variant(overrides, horizon_days, warmup_days, base_name)
        if not returns:  # every contact a first contact (children's returns follow the decisions)
            scenario = scenario.model_copy(update={"children": None})
        return run_replications(scenario, replications, seed, workers=workers, record=record)

    checks: list[Check] = []
    unlimited = run(unlimited_staff(base))
    roles = list(base.staffed_roles())
    metrics = [r.metrics for r in unlimited.replications]
    checks += [
        exactly(FAMILY, "unlimited staff: longest mean wait at any role", 0.0,
                [_worst(m, "wait_hours", roles) for m in metrics], "h", note),
        exactly(FAMILY, "unlimited staff: largest time-average queue at any role", 0.0,
                [_worst(m, "queue_length", roles) for m in metrics], "", note),
    ]

    empty = run(no_arrivals(base), record=True)
    metrics = [r.metrics for r in empty.replications]
    checks += [
        exactly(FAMILY, "no arrivals: contacts arrived or in the hub", 0.0,
                [m["contacts_arrived"] + m["contacts_in_system"] + len(r.records)
                 for m, r in zip(metrics, empty.replications)], "", note),
        exactly(FAMILY, "no arrivals: highest utilisation of any role", 0.0,
                [_worst(m, "utilisation", roles) for m in metrics], "", note),
    ]

    # With children, a child comes back more often after a missed signal, so a desk that holds nothing
    # changes which returns arrive and, through the queues, other desks' fates: the pairing claim is
    # about the contacts' own draws, so it is checked with returns off.
    default = run([], record=True, returns=False)
    quiet = run(holds_nothing(QUIET_AGENCY), record=True, returns=False)
    others = [a for a in base.agencies if a != QUIET_AGENCY]
    checks += [
        exactly(FAMILY, f"{QUIET_AGENCY} holds nothing: {QUIET_AGENCY} signals held", 0.0,
                [sum(row[f"signal_{QUIET_AGENCY}"] is not None for row in r.records) for r in quiet.replications],
                "", note),
        exactly(FAMILY, f"{QUIET_AGENCY} holds nothing: other desks' signal fates changed (CRN; returns off)", 0.0,
                [_changed_fates(a.records, b.records, others)
                 for a, b in zip(default.replications, quiet.replications)], "", note),
    ]

    patient = run(no_deadline())
    metrics = [r.metrics for r in patient.replications]
    checks += [
        exactly(FAMILY, "deadlines beyond the run: late signals (share of held)", 0.0,
                [m["all_signals_missed_rate.by_cause.late"] for m in metrics], "", note),
        exactly(FAMILY, "deadlines beyond the run: highest late-return rate of any desk", 0.0,
                [max(m[f"late_return_rate.by_agency.{a}"] for a in base.agencies) for m in metrics], "", note),
        exactly(FAMILY, "deadlines beyond the run: RAG-deadline breaches", 0.0,
                [m["rag_breach_rate"] for m in metrics], "", note),
    ]
    return checks
