"""Helpers shared by the tests: a small, fast scenario, the default scenario cut short, NaN-aware comparison.

The small scenario is a whole hub (three roles, three agency desks, two
sources) over ten measured days after a two-day warm-up: a replication
takes a few hundredths of a second, so property and paired statistical tests
can afford many of them.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Iterable, Mapping

import mashsim
from mashsim.scenario import Scenario, apply_overrides, build_scenario, parse_assignment

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
DEFAULT_SCENARIO = SCENARIOS / "london-borough.toml"
SHORT_RUN = ("run.horizon_days=14", "run.warmup_days=2")

AGENCY_NAMES = ("police", "health", "education")

_SMALL: dict[str, Any] = {
    "name": "small",
    "description": "a small hub for fast tests",
    "hub_hours": "office",
    "run": {"horizon_days": 10, "warmup_days": 2, "replications": 3, "seed": 7},
    "arrivals": {
        "sources": {
            "police": {"annual_contacts": 3000},
            "schools": {"annual_contacts": 1500, "day_profile": [1, 1, 1, 1, 1, 0, 0]},
        },
    },
    "roles": {
        "contact_officers": {"staff": 2, "out_of_hours_staff": 1, "task_minutes": {"min": 5, "mode": 10, "max": 20}},
        "screeners": {"staff": 2, "out_of_hours_staff": 1, "task_minutes": {"min": 10, "mode": 20, "max": 40}},
        "managers": {"staff": 1.5, "out_of_hours_staff": 1, "task_minutes": {"min": 5, "mode": 10, "max": 20}},
    },
    "agencies": {
        "police": {
            "staff": 1, "out_of_hours_staff": 1,
            "research_minutes": {"min": 30, "mode": 60, "max": 120},
            "holds_information": {"low": 0.3, "medium": 0.5, "high": 0.7, "critical": 0.9},
            "match_failure": 0.05,
        },
        "health": {
            "staff": 1,
            "research_minutes": {"min": 15, "mode": 30, "max": 60},
            "holds_information": {"low": 0.6, "medium": 0.7, "high": 0.8, "critical": 0.9},
            "match_failure": 0.05,
        },
        "education": {
            "staff": 1, "location": "remote",
            "research_minutes": {"min": 10, "mode": 20, "max": 45},
            "holds_information": {"low": 0.5, "medium": 0.6, "high": 0.7, "critical": 0.8},
        },
    },
    "channels": {
        "co_located": {"latency_hours": 0.0, "loss": 0.0},
        "remote": {"latency_hours": 2.0, "loss": 0.03},
    },
    "policy": {
        "ask": {
            "red": ["police", "health", "education"],
            "amber": ["police", "health", "education"],
            "green": ["health"],
        },
    },
}


def small_scenario_dict() -> dict[str, Any]:
    """A fresh copy of the small scenario's raw table (edit it freely)."""
    return copy.deepcopy(_SMALL)


def hubs_dict(hubs: dict, pooled: bool = False) -> dict:
    """The small scenario's raw table with ``hubs`` (each merged over it); ``pooled``: every hub's
    police research done by one shared team, ``met`` (2 staff, 1 out of hours)."""
    raw = small_scenario_dict()
    raw["hubs"] = hubs
    if pooled:
        raw["pools"] = {"met": {"staff": 2, "out_of_hours_staff": 1}}
        raw["agencies"]["police"]["pool"] = "met"
    return raw


def _pairs(sets: Iterable[str | tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [parse_assignment(s) if isinstance(s, str) else s for s in sets]


def build(raw: Mapping[str, Any] | None = None, *sets: str | tuple[str, Any]) -> Scenario:
    """Validate ``raw`` (default: the small scenario) with ``--set``-style overrides."""
    raw = small_scenario_dict() if raw is None else raw
    return build_scenario(apply_overrides(raw, _pairs(sets)), "<test scenario>")


def small_scenario(*sets: str | tuple[str, Any]) -> Scenario:
    """The small scenario, validated, with overrides such as ``"agencies.police.staff=3"``."""
    return build(None, *sets)


def default_scenario(*sets: str, horizon_days: float = 14, warmup_days: float = 2) -> Scenario:
    """The shipped default scenario (london-borough) cut to a short horizon."""
    return mashsim.load_scenario(
        "london-borough", [f"run.horizon_days={horizon_days}", f"run.warmup_days={warmup_days}", *sets]
    )


def everyone_unlimited(raw: dict[str, Any], staff: float = 500) -> dict[str, Any]:
    """Give every hub role and every desk ``staff`` people on duty around the clock, never absent."""
    for role in [*raw["roles"].values(), *raw["agencies"].values()]:
        role.update(staff=staff, hours="always", absence_rate=0.0, changes=[])
    return raw


def same_float(a: float, b: float) -> bool:
    """Bit-for-bit equality of two floats, NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return repr(a) == repr(b)


def assert_same_metrics(a: Mapping[str, float], b: Mapping[str, float]) -> None:
    assert list(a) == list(b), "metric names differ"
    different = {k: (a[k], b[k]) for k in a if not same_float(a[k], b[k])}
    assert not different, f"metrics differ: {different}"


def defined(value: float) -> bool:
    return not math.isnan(value)


# the police pipeline ([police]) on the small scenario, with teams of each hub's own or shared
PPD_MINUTES = {"min": 10, "mode": 20, "max": 45}
VISIT_MINUTES = {"min": 120, "mode": 240, "max": 480}


def police_dict(ppd: float = 1.0, cait: float = 2.0, ppd_pool: str | None = None,
                cait_pool: str | None = None) -> dict:
    """A [police] table: every police contact a notification, no absence (so staff is all that differs)."""
    table = {"notification_share": 1.0,
             "ppd": {"staff": ppd, "absence_rate": 0.0, "task_minutes": PPD_MINUTES},
             "cait": {"staff": cait, "absence_rate": 0.0, "task_minutes": VISIT_MINUTES}}
    if ppd_pool:
        table["ppd"]["pool"] = ppd_pool
    if cait_pool:
        table["cait"]["pool"] = cait_pool
    return table


def two_police_hubs(pooled: bool, ppd: float = 1.0, cait: float = 2.0) -> dict:
    """Two equal hubs ("north", "south"), each with its own PPD and CAIT, or sharing one of each with
    the two teams' staff added up."""
    raw = hubs_dict({"north": {}, "south": {}})
    raw["police"] = police_dict(ppd, cait, "ppd_team" if pooled else None, "cait_team" if pooled else None)
    if pooled:
        raw["pools"] = {"ppd_team": {"kind": "ppd", "staff": 2 * ppd},
                        "cait_team": {"kind": "cait", "staff": 2 * cait}}
    return raw
