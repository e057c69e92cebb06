"""An exercise as one file: the scenario as set in the page, with its seed and replications.

The file is an ordinary scenario file with every field written out and the evidence tags kept,
so it opens again in the dashboard, and ``mashsim run FILE`` gives the same numbers (``run.seed``
and ``run.replications`` are in it). Comments at the top record what was changed in the page,
the mashsim version and the scenario's hash; a file whose hash no longer matches when it is
opened (made by another version, or edited by hand) is flagged.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from mashsim._version import __version__
from mashsim.report.toml_text import to_toml
from mashsim.scenario import Scenario, scenario_hash
from mashsim.scenario.base import is_provenance_wrapper

_HASH = re.compile(r"^# scenario hash: ([0-9a-f]+)\s*$", re.MULTILINE)
_VERSION = re.compile(r"^# mashsim version: (\S+)\s*$", re.MULTILINE)


def export_exercise(scenario: Scenario, changed: Sequence[tuple[str, Any, Any]] = ()) -> str:
    """The exercise file's text: header comments, then the whole scenario as TOML."""
    run = scenario.run
    header = [
        f"# mashsim exercise: {scenario.name}",
        "# Open it in the dashboard (mashsim serve: 'Upload a scenario or exercise'), or run it with",
        "# 'mashsim run THIS-FILE' for the same numbers.",
        f"# {run.replications} replications from seed {run.seed}; {run.horizon_days:g} days measured "
        f"after {run.warmup_days:g} days' warm-up",
        f"# scenario hash: {scenario_hash(scenario)}",
        f"# mashsim version: {__version__}",
    ]
    if changed:
        header.append("# changed in the dashboard:")
        header += [f"#   {path}: {before!r} -> {after!r}" for path, before, after in changed]
    return "\n".join(header) + "\n\n" + to_toml(with_provenance(scenario), inline=is_provenance_wrapper)


def with_provenance(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as plain values, each tagged value wrapped as ``{value, tag, source, note}``."""
    table: dict[str, Any] = scenario.model_dump(mode="python")
    for path, _value, provenance in scenario.provenance():
        *parents, last = path.split(".")
        node: Any = table
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key: Any = int(last) if isinstance(node, list) else last
        if node[key] is not None:
            node[key] = {"value": node[key], **provenance.model_dump(exclude_none=True)}
    return table


def header_notes(text: str, scenario: Scenario) -> list[str]:
    """Warnings about an exercise file's header: a hash that no longer matches, another version."""
    notes = []
    saved_hash, saved_version = _HASH.search(text), _VERSION.search(text)
    if saved_hash and saved_hash.group(1) != scenario_hash(scenario):
        notes.append(f"this file was saved as scenario {saved_hash.group(1)} but now reads as "
                     f"{scenario_hash(scenario)} (edited, or saved by another version): results may differ "
                     "from the original run")
    if saved_version and saved_version.group(1) != __version__:
        notes.append(f"this file was saved by mashsim {saved_version.group(1)} and is run by {__version__}: "
                     "results may differ if the model changed")
    return notes
