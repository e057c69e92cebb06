"""Property: every experiment file that validation accepts can be built, and every one it refuses is
refused cleanly (issue 13).

Files are made by mutating the shipped experiments (experiments/*.toml): a value replaced by one of
another type, a number scaled by a power of ten or made inf or nan, an integer past 64 bits, a
field deleted or added.  ``sweep FILE --dry-run`` then either exits 0, having built every design
point, or exits 2 with every problem naming a field; never an exception, never a hang (each run
is stopped after ``SECONDS``), never a file written.

The design-size bound is lowered to ``POINTS`` for the test, so that an accepted design is built
in about a second (the shipped Sobol' study, 640 points, is then refused, and accepted when a
mutation makes it smaller): the property holds for any bound, and the real one is tested in
test_experiment_limits.py.
"""

from __future__ import annotations

import copy
import json
import math
import os
import signal
import tomllib
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from mashsim.cli import main
from mashsim.experiment import limits
from mashsim.scenario.toml_write import _key, _value
from support import REPO

SHIPPED = {path.name: tomllib.loads(path.read_text()) for path in sorted((REPO / "experiments").glob("*.toml"))}
POINTS = 400
SECONDS = 60  # far above the ~1 s an accepted file takes: only a hang reaches it

# ----------------------------------------------------------------------------- writing TOML


def toml_text(table: dict[str, Any]) -> str:
    """``table`` with every value inline (mashsim's own TOML value writer), so any nesting is one line."""
    return "".join(f"{_key(key)} = {_value(value)}\n" for key, value in table.items())


def test_the_writer_round_trips_the_shipped_experiments():
    for table in SHIPPED.values():
        assert tomllib.loads(toml_text(table)) == table


# ----------------------------------------------------------------------------- mutations

ODD_VALUES = [math.nan, math.inf, -math.inf, 0, -1, 1, 3, 0.5, 2**63, 2**63 - 1, 2**64, -2**63 - 1, 10**9, 1e-9,
              1e308, -1e308, 5e-324, True, False, "", "x", "1..100000000", "0..1", "london-borough", "*", [], {},
              [1, 1], [math.nan], [0.1, 0.2], {"from": 1, "to": 1e9}, {"from": 0, "to": 1, "step": 1e-9}]
FIELD_NAMES = ["n", "trajectories", "levels", "second_order", "batch", "max", "min", "look_ahead", "step", "from",
               "to", "integer", "scale", "bounds", "values", "range", "name", "path", "spread", "include",
               "metric", "relative_half_width", "seed", "kind", "unknown"]
values = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.integers(-2**70, 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=6),
    st.lists(st.one_of(st.integers(-3, 10**6), st.floats(-10, 10)), max_size=4),
)


def places(node: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a raw table: the path of each table entry and list element, at any depth."""
    found = []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found.append(path + (key,))
        found += places(child, path + (key,))
    return found


def parent_of(table: Any, path: tuple) -> Any:
    for key in path[:-1]:
        table = table[key]
    return table


def fresh(value: Any) -> Any:
    """A copy of a drawn value: ``ODD_VALUES``' lists and tables are single objects, so placing one
    twice and then adding to it could make a table hold itself (endless recursion) and would change
    ``ODD_VALUES`` for later examples (Hypothesis then reports flaky data generation)."""
    return copy.deepcopy(value)


@st.composite
def mutated(draw) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(SHIPPED)))
    table = json.loads(json.dumps(SHIPPED[name]))  # a deep copy (the shipped files hold no nan or inf)
    for _ in range(draw(st.integers(1, 3))):
        spots = places(table)
        if not spots:
            break
        path = draw(st.sampled_from(spots))
        parent, key = parent_of(table, path), path[-1]
        how = draw(st.sampled_from(["replace", "scale", "delete", "add"]))
        old = parent[key]
        if how == "delete":
            del parent[key]
        elif how == "scale" and isinstance(old, (int, float)) and not isinstance(old, bool):
            power = draw(st.integers(-12, 12))
            sign = draw(st.sampled_from([1, -1]))
            parent[key] = sign * (old * 10**power if isinstance(old, int) and power >= 0 else old * 10.0**power)
        elif how == "add" and isinstance(old, dict):
            old[draw(st.sampled_from(FIELD_NAMES))] = fresh(draw(values))
        else:
            parent[key] = fresh(draw(values))
    return name, table


@contextmanager
def at_most(seconds: int):
    """Fail (rather than hang the suite) if the block runs longer than ``seconds``."""
    def stop(signum, frame):
        raise TimeoutError(f"sweep --dry-run ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@settings(deadline=None, derandomize=os.environ.get("CI") == "true",
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=mutated())
def test_an_experiment_validation_accepts_can_be_built_and_one_it_refuses_names_a_field(case, tmp_path_factory,
                                                                                        capsys, monkeypatch):
    name, table = case
    folder = tmp_path_factory.mktemp("mutated")
    path = folder / name
    path.write_text(toml_text(table))
    monkeypatch.setattr(limits, "POINTS", limits.Limit(POINTS, "design points", "the test's bound"))
    with at_most(SECONDS):
        code = main(["sweep", str(path), "--dry-run", "--out", str(folder / "out")])
    out, err = capsys.readouterr()
    assert sorted(p.name for p in folder.iterdir()) == [name], "a dry run wrote something"
    if code == 0:
        assert f"{path}: ok" in out and err == ""
        return
    assert code == 2, err
    problems = [line for line in err.splitlines() if line.startswith("  - ")]
    assert err.startswith(str(path)) and problems, err
    assert not [line for line in problems if line.startswith("  - (top level)")], err
