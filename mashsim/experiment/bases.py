"""The base scenarios of an experiment: the one its top-level ``scenario`` names, or each value
of its scenario factor (``path = "scenario"``), read with the experiment's ``set`` applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mashsim.experiment.spec import Experiment, set_paths
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.load import apply_overrides, build_scenario, read_scenario_file, scenario_hash
from mashsim.scenario.shipped import SCENARIOS, find, not_found
from mashsim.scenario.schema import Scenario


@dataclass(frozen=True)
class BaseScenario:
    """One base scenario: as the experiment names it, its file, raw table (``set`` applied) and model."""

    key: str
    file: Path
    raw: dict[str, Any] = field(repr=False)
    scenario: Scenario = field(repr=False)

    @property
    def hash(self) -> str:
        return scenario_hash(self.scenario)

    def describe(self) -> dict[str, str]:
        """As recorded in experiment.json: the name written, the scenario's own name, its hash and file."""
        return {"value": self.key, "name": self.scenario.name, "hash": self.hash, "file": str(self.file)}


def load_bases(experiment: Experiment, path: Path, source: str) -> dict[str, BaseScenario]:
    """Every base scenario of ``experiment`` (the file at ``path``), by the name written.

    A name that is neither a file next to the experiment nor a shipped scenario, or a ``set``
    a scenario rejects, is a :class:`ScenarioError` naming the field: ``scenario``, or
    ``factors.N.values`` for a scenario factor (all such problems at once).
    """
    choice = next((i for i, f in enumerate(experiment.factors) if f.chooses_scenario), None)
    where = "scenario" if choice is None else f"factors.{choice}.values"
    several = choice is not None
    bases: dict[str, BaseScenario] = {}
    problems: list[Problem] = []
    pairs = set_paths(experiment.overrides)
    for key in experiment.scenarios:
        file = find(key, SCENARIOS, near=path.parent)
        if file is None:
            problems.append(not_found(key, SCENARIOS, near=path.parent, field=where))
            continue
        try:
            raw = read_scenario_file(file)
        except ScenarioError as error:  # not a TOML file, or an extends that fails: said at the field naming it
            problems += [Problem(where, f"{file}: {p if p.path else p.message}", key) for p in error.problems]
            continue
        try:
            raw = apply_overrides(raw, pairs)
            bases[key] = BaseScenario(key, file, raw, build_scenario(raw, source))
        except ScenarioError as error:
            prefix = "set" if pairs else where
            if not several:
                raise ScenarioError([_relocated(p, prefix) for p in error.problems],
                                    f"{source} (base scenario {key})") from None
            problems += [_relocated(p, prefix, f"in base scenario '{key}': ") for p in error.problems]
    if problems:
        raise ScenarioError(problems, source)
    return bases


def _relocated(problem: Problem, prefix: str, context: str = "") -> Problem:
    return Problem(f"{prefix}.{problem.path}" if problem.path else prefix, context + problem.message,
                   *([problem.value] if problem.value is not None else []))
