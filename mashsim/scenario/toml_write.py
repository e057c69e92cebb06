"""Writing a table as TOML (the standard library reads TOML but does not write it).

Enough for scenario tables: text, numbers (floats written so they read back
bit for bit), booleans, dates, lists and tables. ``None`` means "left out".
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any, Mapping

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def to_toml(table: Mapping[str, Any]) -> str:
    """``table`` as a TOML document: plain values first, then sub-tables and arrays of tables."""
    lines: list[str] = []
    _table(table, [], lines)
    return "\n".join(lines).strip() + "\n"


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are TOML's, but JSON leaves DEL bare, which TOML does not allow
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # what a TOML comment may not hold (a tab it may)


def comment(text: str) -> str:
    """``text`` made fit for a ``#`` comment line: a line break in a name would end the comment and
    let the rest be read as TOML (a table of its own, say), so each control character is written
    as an escape (``\\n``, ``\\u0000``) instead."""
    return _CONTROL.sub(lambda m: {"\n": "\\n", "\r": "\\r"}.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _table(table: Mapping[str, Any], path: list[str], lines: list[str]) -> None:
    nested = {k: v for k, v in table.items() if (isinstance(v, Mapping) and v) or _is_table_array(v)}
    plain = [(k, v) for k, v in table.items() if k not in nested and v is not None]
    if path and (plain or not nested):
        lines += ["", f"[{'.'.join(map(_key, path))}]"]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in plain]
    for key, value in nested.items():
        if isinstance(value, Mapping):
            _table(value, [*path, key], lines)
            continue
        for item in value:
            lines += ["", f"[[{'.'.join(map(_key, [*path, key]))}]]"]
            inner: list[str] = []
            _table(item, [*path, key], inner)
            # the item's own header is the [[...]] above: drop a repeated one
            if len(inner) >= 2 and inner[1] == f"[{'.'.join(map(_key, [*path, key]))}]":
                inner = inner[2:]
            lines += inner


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
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None) + " }" \
            if value else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML: {value!r}")
