"""The scenario format: models, loading, validation."""

from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.load import apply_overrides, build_scenario, load_scenario, parse_assignment, scenario_hash
from mashsim.scenario.schema import Scenario

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "build_scenario",
    "load_scenario",
    "parse_assignment",
    "scenario_hash",
]
