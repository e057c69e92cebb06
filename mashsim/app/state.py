"""The dashboard's work, without Streamlit: where the scenario comes from, what the page's
controls change in it, and the run.

The page keeps the scenario it started from (:class:`BaseScenario`, its raw table with the
evidence tags) and, on every rerun, the settings its controls hold as ``{dotted path: value}``
(the paths ``mashsim run --set`` takes). :func:`build` applies the settings that differ from the
base and validates the whole, so bad input is a :class:`ScenarioError` like anywhere else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from mashsim.app.exercise import header_notes
from pydantic import ValidationError

from mashsim.experiment import RunResult, run_replications
from mashsim.report.trace_text import Clock
from mashsim.scenario import Problem, Scenario, ScenarioError, apply_overrides, build_scenario
from mashsim.scenario.injects import INJECT_MODELS
from mashsim.scenario.load import PACKAGE_SCENARIOS, merge_tables, parse_toml, read_scenario_file
from mashsim.scenario.schema import HUB_ROLES, RESEARCHED_RAGS

# A shipped scenario opens on a short run (seconds), whatever its file says; a file the user
# uploads runs as it says, so an exported exercise replays exactly.
SHORT_HORIZON_DAYS = 28.0
SHORT_REPLICATIONS = 5
DEFAULT_SCENARIO = "london-borough"
CHANGED_NOTE = "set in the dashboard"


@dataclass(frozen=True)
class BaseScenario:
    """The scenario the page starts from: where it came from, its raw table and its validated form."""

    label: str
    raw: dict[str, Any]
    scenario: Scenario
    shipped: bool
    notes: tuple[str, ...] = ()  # warnings about the file, shown under the picker

    @property
    def key(self) -> str:
        """A short id of this base, so that the page's controls start afresh when it changes."""
        text = json.dumps([self.label, self.raw], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def _shipped_files() -> dict[str, Path]:
    return {path.stem: path for path in sorted(PACKAGE_SCENARIOS.glob("*.toml"))}


def shipped_names() -> list[str]:
    """The one-hub scenarios shipped in ``scenarios/``, the default first (the page shows one hub)."""
    names = [name for name, path in _shipped_files().items() if not read_scenario_file(path).get("hubs")]
    return sorted(names, key=lambda name: name != DEFAULT_SCENARIO)


def load_shipped(name: str) -> BaseScenario:
    """A shipped one-hub scenario by name (``london-borough``)."""
    files = _shipped_files()
    if name not in files:
        names = shipped_names()
        raise ScenarioError([Problem("scenario", f"no shipped scenario of that name (allowed: {', '.join(names)})",
                                     name)], "scenario")
    raw = read_scenario_file(files[name])
    scenario = build_scenario(raw, name)
    _one_hub_only(scenario, name)
    return BaseScenario(name, raw, scenario, shipped=True)


def _one_hub_only(scenario: Scenario, source: str) -> None:
    """Refuse a scenario with hubs: the page's sliders, switches and charts are one hub's."""
    if scenario.hubs:
        raise ScenarioError([Problem(
            "hubs", f"this dashboard shows one hub, and this scenario has {len(scenario.hubs)}: run it with "
                    f"'mashsim run' (every hub's metrics are in --json), follow a case with 'mashsim trace', "
                    "or take its hourly series from the Python API (simulate(..., series=True))")], source)


def load_upload(filename: str, data: bytes) -> BaseScenario:
    """A scenario (or an exported exercise) from an uploaded file's bytes.

    An upload has no folder of its own, so ``extends`` may name a shipped scenario only.
    """
    raw = parse_toml(data, filename)
    text = data.decode("utf-8")
    parent = raw.pop("extends", None)
    if parent is not None:
        names = list(_shipped_files())
        stem = Path(parent).stem if isinstance(parent, str) else None
        if stem not in names:
            allowed = ", ".join(f"{name}.toml" for name in names)
            raise ScenarioError([Problem("extends", f"an uploaded file can extend a shipped scenario only "
                                                    f"(allowed: {allowed})", parent)], filename)
        raw = merge_tables(read_scenario_file(PACKAGE_SCENARIOS / f"{stem}.toml"), raw)
    scenario = build_scenario(raw, filename)
    _one_hub_only(scenario, filename)
    return BaseScenario(f"{filename} (uploaded)", raw, scenario, shipped=False,
                        notes=tuple(header_notes(text, scenario)))


@dataclass(frozen=True)
class StaffControl:
    """One staffing slider: the field it sets, its label, its value in the base scenario, its top."""

    path: str
    label: str
    value: float
    maximum: float
    hub: bool  # one of the hub's own roles (else an agency desk)


def staffing_controls(scenario: Scenario) -> list[StaffControl]:
    """A slider for each role and each agency desk, in the scenario's order."""
    controls = []
    for name, role in scenario.staffed_roles().items():
        hub = name in HUB_ROLES
        path = f"roles.{name}.staff" if hub else f"agencies.{name}.staff"
        label = name.replace("_", " ") + ("" if hub else " desk")
        top = float(max(10, math.ceil(2 * role.staff)))
        controls.append(StaffControl(path, label, float(role.staff), top, hub))
    return controls


def run_settings(base: BaseScenario) -> dict[str, Any]:
    """The run's settings the page starts from: short for a shipped scenario, as written for an upload."""
    run = base.scenario.run
    horizon, replications = run.horizon_days, run.replications
    if base.shipped:
        horizon, replications = min(horizon, SHORT_HORIZON_DAYS), min(replications, SHORT_REPLICATIONS)
    return {"run.horizon_days": float(horizon), "run.warmup_days": float(run.warmup_days),
            "run.replications": int(replications), "run.seed": int(run.seed)}


def policy_settings(scenario: Scenario) -> dict[str, Any]:
    """The policy fields the page offers, with the scenario's values."""
    policy = scenario.policy
    settings: dict[str, Any] = {"policy.decide_at_deadline": policy.decide_at_deadline,
                                "policy.red_priority": policy.red_priority}
    for rag in RESEARCHED_RAGS:
        settings[f"policy.ask.{rag}"] = list(getattr(policy.ask, rag))
    return settings


def lookup(scenario: Scenario, path: str) -> Any:
    """The value at a dotted path of the resolved scenario (``roles.screeners.staff``)."""
    node: Any = scenario.model_dump(mode="python")
    for part in path.split("."):
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def changes(base: BaseScenario, settings: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(path, value in the base, value set)`` for each setting that differs from the base."""
    found = []
    for path, value in settings.items():
        before = lookup(base.scenario, path)
        if before != value:
            found.append((path, before, value))
    return found


def build(base: BaseScenario, settings: Mapping[str, Any]) -> Scenario:
    """The base scenario with the page's settings applied and the whole validated.

    A changed value is written with the note "set in the dashboard" in place of its evidence tag
    (``mashsim show`` and an exported exercise then say so).
    """
    source = f"{base.label}, as set in the page"
    overrides = [(path, {"value": value, "note": CHANGED_NOTE}) for path, _, value in changes(base, settings)]
    try:
        raw = apply_overrides(base.raw, overrides)
    except ScenarioError as error:
        raise ScenarioError(error.problems, source) from None
    return build_scenario(raw, source)


def describe_inject(inject: Mapping[str, Any], start: dt.date) -> str:
    """An inject in words with its clock times: ``Police systems down: 09:00 Tuesday 2 September, 6 h``."""
    model = INJECT_MODELS.get(inject.get("kind"))
    try:
        event = model.model_validate(dict(inject)) if model else None
    except ValidationError:
        event = None
    if event is None:  # shown as written: the scenario's problems, shown too, say what is wrong
        return f"{inject.get('kind', 'event')} (to be corrected): {dict(inject)}"
    return f"{event.describe()}: {Clock(start).when(event.start_hours)}, {event.hours:g} h"


NOT_SCREENED = "not yet screened"  # a contact still waiting for screening when the run ends


def filter_cases(cases, rags: list[str], breach: bool = False, missed: bool = False,
                 under_triaged: bool = False):
    """The cases of a trace run with one of ``rags`` (:data:`NOT_SCREENED` for those with none yet)
    and, when asked, a breach, a missed signal, under-triage."""
    keep = cases["rag"].isin(rags) | (cases["rag"].isna() if NOT_SCREENED in rags else False)
    for wanted, column in ((breach, "breach"), (missed, "missed"), (under_triaged, "under_triaged")):
        if wanted:
            keep &= cases[column].astype(bool)
    return cases[keep]


def run(scenario: Scenario, progress: Callable[[int, int], None] | None = None) -> RunResult:
    """The scenario's replications from its seed, keeping one record per contact and the hourly
    queue lengths for the charts.

    Serial: the page runs inside the server's thread, where a process pool is not safe to start;
    the short runs the page opens with take seconds.
    """
    return run_replications(scenario, workers=1, record=True, series=True, progress=progress)
