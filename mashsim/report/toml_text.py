"""Writing a table of plain values as TOML text (the standard library reads TOML but cannot write it).

Enough for scenario files: strings, booleans, numbers, dates, lists and nested tables. ``None``
has no TOML form, so a key whose value is ``None`` is left out (for a scenario, the field then
takes its default, which for such fields is ``None``). Tables become ``[section]`` headers; a list
of tables becomes ``[[section]]`` blocks; tables inside lists are written inline.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any, Callable, Mapping

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def to_toml(table: Mapping[str, Any], inline: Callable[[Mapping[str, Any]], bool] | None = None) -> str:
    """``table`` as TOML text that :func:`tomllib.loads` reads back to an equal table (``None`` left out).

    ``inline(sub_table)`` true writes that table on its key's line (``key = { ... }``) rather than
    under a ``[section]`` header.
    """
    lines: list[str] = []
    _table(table, [], lines, inline or (lambda _: False))
    return "\n".join(lines).strip() + "\n"


def _table(table: Mapping[str, Any], path: list[str], lines: list[str],
           inline: Callable[[Mapping[str, Any]], bool]) -> None:
    tables, blocks = [], []
    for key, value in table.items():
        if value is None:
            continue
        if isinstance(value, Mapping) and not inline(value):
            tables.append((key, value))
        elif _is_table_list(value):
            blocks.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables:
        header = ".".join(_key(p) for p in [*path, key])
        present = [v for v in value.values() if v is not None]
        children = [v for v in present if (isinstance(v, Mapping) and not inline(v)) or _is_table_list(v)]
        if len(children) < len(present) or not children:  # scalars here, or nothing else would name it
            lines += ["", f"[{header}]"]
        _table(value, [*path, key], lines, inline)
    for key, items in blocks:
        header = ".".join(_key(p) for p in [*path, key])
        for item in items:
            lines += ["", f"[[{header}]]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in item.items() if v is not None]


def _is_table_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    # a JSON string is a TOML basic string, except that TOML wants DEL escaped too
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}: {value!r}")
