"""Field paths in a scenario's JSON dump: one path, or a pattern naming many.

A path is dotted, as for ``--set``: ``agencies.police.staff``.  A *pattern* has shell-style
wildcards in one or more of its parts (``*``, ``?``, ``[...]``), each matching one name (never a
dot): ``hubs.*.agencies.police.staff`` is every hub's police desk, ``pools.*.staff`` every pool's.
A plain path must exist; a pattern may match nothing (a scenario with no pools has no
``pools.*.staff``), and the caller decides whether that is an error.
"""

from __future__ import annotations

import difflib
from fnmatch import fnmatchcase
from typing import Any

from mashsim.experiment.spec import is_pattern

_NAMES_SHOWN = 8


def locate(table: Any, path: str) -> Any:
    """The value at dotted ``path`` in a scenario's JSON dump; LookupError says where it stops."""
    node = table
    parts = path.split(".")
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "the scenario"
        if isinstance(node, dict):
            if part not in node:
                close = difflib.get_close_matches(part, list(node), n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise LookupError(f"no '{part}' in {here}; {hint}allowed: {', '.join(node) or 'none'}")
            node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise LookupError(f"{here} is a list of {len(node)}; give an index from 0 to {len(node) - 1}")
            node = node[int(part)]
        elif node is None:
            raise LookupError(f"{here} is not set in the base scenario; vary the whole table ({here})")
        else:
            raise LookupError(f"{here} is a value, not a table")
    return node


def expand(table: Any, path: str) -> list[tuple[str, Any]]:
    """``(path, value)`` of every field ``path`` names in ``table``, in the table's order.

    A plain path names one field, and LookupError says where it stops if there is none; a
    pattern names the fields it matches, perhaps none (:func:`why_nothing` says why).
    """
    if not is_pattern(path):
        return [(path, locate(table, path))]
    found: list[tuple[str, Any]] = [("", table)]
    for part in path.split("."):
        found = [(f"{prefix}.{name}" if prefix else name, child)
                 for prefix, node in found for name, child in _children(node) if fnmatchcase(name, part)]
    return found


def why_nothing(table: Any, pattern: str) -> str:
    """Why ``pattern`` matches nothing in ``table``: where the match runs out, and the names there."""
    found: list[tuple[str, Any]] = [("", table)]
    for depth, part in enumerate(pattern.split(".")):
        names = list(dict.fromkeys(name for _, node in found for name, _ in _children(node)))
        matched = [(f"{prefix}.{name}" if prefix else name, child)
                   for prefix, node in found for name, child in _children(node) if fnmatchcase(name, part)]
        if not matched:
            here = ".".join(pattern.split(".")[:depth]) or "the scenario"
            if not names:
                return f"{here} holds no fields to match '{part}'"
            close = difflib.get_close_matches(part, names, n=1)
            hint = f"did you mean '{close[0]}'? " if close and not is_pattern(part) else ""
            shown = ", ".join(names[:_NAMES_SHOWN]) + (", ..." if len(names) > _NAMES_SHOWN else "")
            return f"nothing in {here} matches '{part}'; {hint}there: {shown}"
        found = matched
    return "it matches"


def _children(node: Any) -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return list(node.items())
    if isinstance(node, list):
        return [(str(i), child) for i, child in enumerate(node)]
    return []
