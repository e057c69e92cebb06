"""Which kind of file a TOML file is (a scenario or an experiment), to say so when one is given
to a command that takes the other, rather than listing every field that does not belong.

Asked only after the file has failed as the kind the command takes, so a file that loads is never
second-guessed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mashsim.scenario import Problem, ScenarioError

_SHARED = {"name", "description"}


def _fields(model: Any) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()} - _SHARED


def kind_of(raw: dict[str, Any]) -> str | None:
    """``"scenario"`` or ``"experiment"`` when the table's top-level fields are mostly one kind's; else None."""
    from mashsim.experiment.spec import Experiment
    from mashsim.scenario.schema import Scenario

    keys = set(raw)
    scenario = len(keys & (_fields(Scenario) | {"extends"}))
    experiment = len(keys & _fields(Experiment))
    if scenario > experiment:
        return "scenario"
    if experiment > scenario:
        return "experiment"
    return None


_ADVICE = {
    "experiment": "this is an experiment file, not a scenario: use `mashsim sweep {file}` (add --dry-run to check "
                  "it and see its size without running it)",
    "scenario": "this is a scenario file, not an experiment: use `mashsim run {file}` or `mashsim validate {file}`; "
                "an experiment file names a base scenario and the factors to vary (see Experiment files in "
                "docs/reference.md)",
}


def check_kind(error: ScenarioError, file: str | Path, expected: str) -> ScenarioError:
    """``error`` (``file`` failed to load as ``expected``), or one problem saying which kind of file it is."""
    from mashsim.scenario.load import read_toml

    path = Path(file)
    if not path.is_file():
        return error  # a shipped name, or no such file: the error says so
    try:
        raw = read_toml(path)
    except ScenarioError:
        return error
    found = kind_of(raw)
    if found is None or found == expected:
        return error
    return ScenarioError([Problem("", _ADVICE[found].format(file=file))], str(file))
