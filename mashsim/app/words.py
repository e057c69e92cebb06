"""Names a trainer reads in place of the scenario's identifiers: fields, events, outcomes.

The page's controls, its A/B table and its messages show the same words for a field, derived from
the scenario's own names (its roles and agencies), so a new desk needs no new entry here.
``injects[3]`` (the scenario's lists count from 0) becomes "event 4", as the page numbers its list.
"""

from __future__ import annotations

import re
from typing import Any

from mashsim.scenario.schema import HUB_ROLES

_FIXED = {
    "run.horizon_days": "Days measured",
    "run.warmup_days": "Warm-up days",
    "run.replications": "Replications",
    "run.seed": "Seed",
    "policy.decide_at_deadline": "Decide at the deadline",
    "policy.red_priority": "Red work first",
    "injects": "Injected events",
}
OUTCOMES = {"nfa": "no further action", "early_help": "early help", "s17": "s17 child in need",
            "s47": "s47 child protection"}
_INJECT = re.compile(r"injects\[(\d+)\]\.?")


def name(identifier: str) -> str:
    """``early_help`` → ``early help``; ``contact_officers`` → ``contact officers``."""
    return OUTCOMES.get(identifier, identifier.replace("_", " "))


def field_label(path: str) -> str:
    """A field's label: ``agencies.police.staff`` → "Police researchers (FTE)", ``policy.ask.red`` →
    "Desks asked for Red"; any other path in words, its parts joined by › ."""
    if path in _FIXED:
        return _FIXED[path]
    parts = path.split(".")
    if len(parts) == 3 and parts[2] == "staff" and parts[0] in ("roles", "agencies"):
        who = name(parts[1]) if parts[0] == "roles" or parts[1] in HUB_ROLES else f"{name(parts[1])} researchers"
        return f"{who[:1].upper()}{who[1:]} (FTE)"
    if parts[:2] == ["policy", "ask"] and len(parts) == 3:
        return f"Desks asked for {parts[2].title()}"
    return " › ".join(name(part) for part in parts)


def event_paths(text: str) -> str:
    """``injects[3].staff`` → ``event 4, staff`` in a message (the page's list counts from 1)."""
    return _INJECT.sub(lambda m: f"event {int(m.group(1)) + 1}" + (", " if m.group(0).endswith(".") else ""), text)


def value(path: str, value: Any, describe_inject=None) -> str:
    """A field's value as the A/B table shows it: a list of events one per line, booleans as yes/no."""
    if path == "injects" and isinstance(value, list) and describe_inject is not None:
        return "; ".join(f"{i + 1}. {describe_inject(item)}" for i, item in enumerate(value)) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(name(str(v)) for v in value) or "none"
    return name(str(value)) if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
