"""Runs a fixed set of replications and prints what they gave, as JSON, for comparing two builds.

``python tests/core_cases.py`` prints ``{"core": ..., "cases": {case: result}}``; each result holds
every metric (exactly: JSON keeps a float's shortest repr), and a digest of the per-contact
records, the trace and the hourly series. ``tests/test_compiled_core.py`` runs it once on the
compiled core and once with ``MASHSIM_PURE=1`` and asserts the two outputs are the same.
"""

from __future__ import annotations

import hashlib
import json
import sys

import mashsim
from mashsim.compiled import current

# (scenario, overrides, seed): the shipped variants, cut short, and an overloaded role
CASES = {
    "borough": ("london-borough", ["run.horizon_days=91", "run.warmup_days=14"], 1),
    "borough-seed-2": ("london-borough", ["run.horizon_days=91", "run.warmup_days=14"], 2),
    "understaffed": ("understaffed-police", ["run.horizon_days=60", "run.warmup_days=7"], 3),
    "surge": ("september-surge", ["run.horizon_days=60", "run.warmup_days=7"], 4),
    "remote": ("remote-health", ["run.horizon_days=60", "run.warmup_days=7"], 5),
    "exercise": ("exercise-september-outage", [], 6),
    "halved-screeners": ("london-borough", ["roles.screeners.staff=2", "run.horizon_days=60",
                                            "run.warmup_days=0"], 7),
    "wide": ("london-wide", ["run.horizon_days=10", "run.warmup_days=2"], 8),
    "pooled": ("london-pooled", ["run.horizon_days=10", "run.warmup_days=2"], 9),
}


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=repr).encode()).hexdigest()


def run_case(name: str, overrides: list[str], seed: int) -> dict:
    scenario = mashsim.load_scenario(name, overrides)
    steps: list = []
    traced = not scenario.hubs  # one hub: trace every step too

    def trace(time, kind, contact, detail) -> None:
        steps.append((time, kind, contact.id, repr(detail)))

    result = mashsim.simulate(scenario, seed=seed, record=True, series=True, trace=trace if traced else None)
    return {"metrics": result.metrics, "records": _digest(result.records), "trace": _digest(steps),
            "series": _digest(result.series)}


def main() -> None:
    cases = {case: run_case(*spec) for case, spec in CASES.items()}
    json.dump({"core": current().kind, "cases": cases}, sys.stdout)


if __name__ == "__main__":
    main()
