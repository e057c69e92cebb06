"""One contact's record: the row a run keeps per counted contact when records are asked for.

The collector makes the rows (``record=True``, ``--out``); the per-child comparison
(:mod:`mashsim.experiment.children`) and the case trace read them.
"""

from __future__ import annotations

from typing import Any

from mashsim.model.children import INHERITED_KEYS
from mashsim.model.contact import AVOIDABLE, CAUSES, HIGH, REACHED, UNMATCHED, Contact
from mashsim.scenario.children import MATCH_OUTCOMES
from mashsim.scenario.schema import CONCERNS, OUTCOMES, RAGS, RISK_LEVELS


def contact_record(agencies: list[str], sources: list[str], c: Contact, fates: list[Any], rag_breach: bool,
                   day_breach: bool, under_triaged: bool) -> dict:
    """``c``'s row: decided (``fates`` its signals' fates), or open (``fates`` empty), with its
    breaches as counted; ``agencies`` and ``sources`` name the hub's desks and sources."""
    decided = c.decided_at is not None
    row = {
        "contact_id": c.id,
        "source": "backlog" if c.backlog else sources[c.source],
        "backlog": c.backlog,
        "arrived_h": c.arrived,
        "true_risk": RISK_LEVELS[c.risk],
        "concern": CONCERNS[c.concern],
        "urgent_flag": c.urgent,
        "rag": RAGS[c.rag] if c.rag is not None else None,
        "screened_h": c.screened_at,
        "deadline_h": c.deadline,
        "decided_h": c.decided_at,
        "decision_delay_h": c.decided_at - c.arrived if decided else None,
        "decided_rag": RAGS[c.decided_rag] if decided else None,
        "outcome": OUTCOMES[c.outcome] if decided else None,
        "rag_breach": rag_breach,
        "working_day_breach": day_breach,
        "under_triaged": under_triaged,
        "signals_held": sum(1 for f in fates if f is not None) if decided else sum(c.holds),
        "signals_missed": sum(1 for f in fates if f is not None and f != REACHED) if decided else None,
        "signals_avoidable": sum(1 for k in c.kinds if k == AVOIDABLE) if decided and c.risk >= HIGH else None,
        "correct_outcome": OUTCOMES[c.correct_outcome] if decided and c.risk >= HIGH else None,
        "child": c.child if c.child >= 0 else None,
        "child_return": c.generation,
        "pre_run_return": c.generation == 1 and c.key >= INHERITED_KEYS,  # its chain began before the run
        "earlier_contacts": c.earlier,
        "history_found": c.history_found,
    }
    for name, fate in zip(agencies, fates if decided else [None] * len(agencies)):
        row[f"signal_{name}"] = (None if fate is None else "reached" if fate == REACHED else CAUSES[fate])
    for i, (name, fate) in enumerate(zip(agencies, fates if decided else [None] * len(agencies))):
        # an unmatched signal: what the desk's record search found
        row[f"match_{name}"] = MATCH_OUTCOMES[c.matching[i]] if fate == UNMATCHED else None
    return row
