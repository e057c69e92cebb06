"""TOML writing: whatever the writer is given, the standard library reads back the same table."""

from __future__ import annotations

import datetime as dt
import tomllib

from hypothesis import given
from hypothesis import strategies as st

from mashsim.report.toml_text import to_toml

keys = st.text(min_size=0, max_size=8)
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
)
inline_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(keys, inner, max_size=3)),
                             max_leaves=8)
tables = st.recursive(
    st.dictionaries(keys, st.one_of(inline_values, st.none()), max_size=4),
    lambda inner: st.dictionaries(keys, st.one_of(inner, st.lists(inner, min_size=1, max_size=2), inline_values),
                                  max_size=4),
    max_leaves=20,
)


def without_none(value):
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value


@given(tables)
def test_what_is_written_reads_back_equal(table):
    assert tomllib.loads(to_toml(table)) == without_none(table)


@given(st.dictionaries(keys, st.one_of(scalars, st.lists(scalars, max_size=3)), min_size=1, max_size=4))
def test_inline_tables_read_back_equal(table):
    text = to_toml({"wrapped": {"value": table, "tag": "E"}}, inline=lambda t: "value" in t)
    assert "[wrapped]" not in text
    assert tomllib.loads(text) == {"wrapped": {"value": table, "tag": "E"}}


def test_sections_headers_and_arrays_of_tables():
    text = to_toml({"name": "x", "run": {"seed": 1}, "injects": [{"kind": "surge", "hours": 6.0}],
                    "a": {"b": {"c": 1}}})
    assert 'name = "x"' in text and "[run]" in text and "[[injects]]" in text and "[a.b]" in text
    assert "[a]\n" not in text  # a table holding only tables needs no header of its own
