"""The dashboard's exercise files: the library's exercise file, plus what was changed in the page.

:func:`mashsim.scenario.exercise.export_exercise` writes the whole scenario (injects, seed and
replications included) so that uploading it again, or ``mashsim run FILE``, replays the run
exactly. The page adds comment lines listing what it changed from the scenario it started from,
and flags a file whose recorded hash or version no longer matches when it is opened again.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from mashsim._version import __version__
from mashsim.scenario import Scenario, scenario_hash
from mashsim.scenario.exercise import export_exercise as library_export
from mashsim.scenario.toml_write import comment

_WRITTEN_BY = re.compile(r"^# Written by mashsim (\S+); scenario hash ([0-9a-f]+)\.", re.MULTILINE)


def export_exercise(scenario: Scenario, changed: Sequence[tuple[str, Any, Any]] = ()) -> str:
    """The exercise file's text, with a comment line for each change made in the page."""
    text = library_export(scenario)
    if not changed:
        return text
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    notes = ["# Changed in the dashboard:"] + [f"#   {comment(_change(*change))}" for change in changed]
    return "\n".join(lines[:header] + notes + lines[header:])


def _change(path: str, before: Any, after: Any) -> str:
    if isinstance(before, list) and isinstance(after, list) and path == "injects":
        return f"injects: {len(before)} -> {len(after)} (all listed below)"
    return f"{path}: {before!r} -> {after!r}"


def header_notes(text: str, scenario: Scenario) -> list[str]:
    """Warnings about an exercise file's header: a hash that no longer matches, another version."""
    written = _WRITTEN_BY.search(text)
    if not written:
        return []
    version, saved_hash = written.groups()
    notes = []
    if saved_hash != scenario_hash(scenario):
        notes.append(f"this file was saved as scenario {saved_hash} but now reads as {scenario_hash(scenario)} "
                     "(edited, or saved by another version): results may differ from the original run")
    if version != __version__:
        notes.append(f"this file was saved by mashsim {version} and is run by {__version__}: "
                     "results may differ if the model changed")
    return notes
