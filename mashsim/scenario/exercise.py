"""Exercise files: a scenario with its injects, seed and replications, written out in full.

An exercise file is an ordinary scenario file with every value written out
(defaults filled, ``extends`` resolved) and ``run.seed`` and
``run.replications`` set, so that ``mashsim run FILE`` — or
:func:`load_exercise` then ``run_replications`` — repeats the exercise's run
exactly, wherever and whenever it is run with the same mashsim version.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from mashsim._version import __version__
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.load import build_scenario, read_toml, scenario_hash
from mashsim.scenario.schema import Scenario
from mashsim.scenario.toml_write import comment, to_toml

__all__ = ["Exercise", "export_exercise", "load_exercise", "to_toml"]


@dataclass(frozen=True)
class Exercise:
    """What an exercise file holds: the scenario (with its injects), the seed and the replications."""

    scenario: Scenario
    seed: int
    replications: int


def export_exercise(scenario: Scenario, seed: int | None = None, replications: int | None = None) -> str:
    """The TOML text of an exercise file for ``scenario`` run from ``seed`` with ``replications``
    (each defaults to the scenario's ``run`` settings)."""
    run = scenario.run.model_copy(update={
        "seed": scenario.run.seed if seed is None else seed,
        "replications": scenario.run.replications if replications is None else replications,
    })
    resolved = scenario.model_copy(update={"run": run})
    header = [
        f"# mashsim exercise: {comment(scenario.name)}",
        f"# Written by mashsim {__version__}; scenario hash {scenario_hash(resolved)}.",
        f"# Run it again exactly: mashsim run THIS_FILE (seed {run.seed}, {run.replications} replications);",
        "# follow a case: mashsim trace THIS_FILE --pick red-missed.",
        "# Every value is written out (defaults filled in), so this file stands alone.",
        "",
    ]
    return "\n".join(header) + to_toml(resolved.model_dump(mode="python", exclude_none=True))


def load_exercise(source: str | Path) -> Exercise:
    """An exercise from a file path, or from the text of one (a string holding a newline)."""
    if isinstance(source, str) and "\n" in source:
        name = "<exercise>"
        try:
            raw = tomllib.loads(source)
        except tomllib.TOMLDecodeError as error:
            raise ScenarioError([Problem("", f"TOML syntax error: {error}")], name) from None
    else:
        name = str(source)
        raw = read_toml(source)
    if "extends" in raw:
        raise ScenarioError([Problem("extends", "an exercise file stands alone: export it with export_exercise")],
                            name)
    scenario = build_scenario(raw, name)
    return Exercise(scenario, scenario.run.seed, scenario.run.replications)
