"""Plain-English names of scenario figures, for a committee reading a value-of-information table.

A label is built from the schema itself, so it is declared once: the owner of the field (the
screeners, the police desk, domestic-abuse contacts) and the field's own ``description`` in
:mod:`mashsim.scenario.schema`. A field without a description (a task time is a distribution)
takes its words from :data:`FIELD_WORDS`.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from mashsim.experiment.factors import unwrap
from mashsim.scenario.schema import Scenario

#: words for fields the schema does not describe (their type is a distribution or a table)
FIELD_WORDS = {
    "task_minutes": "minutes one task takes",
    "research_minutes": "minutes to research one request",
    "holds_information": "chance the agency holds something relevant on the child, by risk",
    "returns": "chance a child comes back within twelve months, by true risk",
    "holds": "how much likelier each agency holds something on these contacts",
    "staff": "staff on duty in working hours (FTE)",
    "latency_hours": "hours a request or return takes to arrive, each way",
    "under_rating_max": "the most that rushed screening under-rates",
}
#: how the first parts of a path name the field's owner
_OWNERS = {"roles": "{}", "agencies": "{} desk", "pools": "pool {}", "concerns": "{} contacts",
           "channels": "{} desks' channel", "arrivals.sources": "contacts from {}"}


def label_of(path: str, scaled: bool = False) -> str:
    """``agencies.police.research_minutes`` → ``police desk: minutes to research one request``.

    ``scaled``: the figure is a table varied by one multiplier (every number in it), said so."""
    parts = path.split(".")
    prefix = ""
    if parts[0] == "hubs" and len(parts) > 2:
        prefix, parts = f"hub {parts[1]}, ", parts[2:]
    owner = None
    for key, words in _OWNERS.items():
        depth = key.count(".") + 1
        if ".".join(parts[:depth]) == key and len(parts) > depth + 1:
            owner = words.format(parts[depth].replace("_", " "))
            break
    name = parts[-1]
    words = FIELD_WORDS.get(name) or description(".".join(parts)) or name.replace("_", " ")
    if len(parts) > 1 and parts[-2] in FIELD_WORDS and name not in FIELD_WORDS:
        words = f"{FIELD_WORDS[parts[-2]]}: its {name.replace('_', ' ')}"  # a number inside a table
    text = f"{prefix}{owner}: {words}" if owner else f"{prefix}{words}"
    return f"{text} (every number in it)" if scaled else text


def description(path: str) -> str | None:
    """The schema's ``description`` of the field at ``path`` (dict keys skipped), None if it has none."""
    annotation: Any = Scenario
    found = None
    for part in path.split("."):
        annotation = unwrap(annotation)
        origin = typing.get_origin(annotation)
        if origin in (dict, list):
            annotation = typing.get_args(annotation)[-1]
            found = None
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        info = annotation.model_fields.get(part)
        if info is None:
            return None
        found, annotation = info.description, info.annotation
    return found


