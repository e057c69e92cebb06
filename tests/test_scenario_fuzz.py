"""A property: every scenario ``mashsim validate`` accepts runs, and every one it refuses exits 2 naming a field.

The scenarios are the shipped ones, mutated at random places: a value of another type, a magnitude far
off, ``inf`` or ``nan``, a field deleted.  An accepted one runs one replication cut short (a day and a
half: the run is shortened after validation, which stays as strict as ever) within a time limit; a hang
or an exception fails.  A refused one must exit 2 with every problem at a field's path.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import math
import signal
from typing import Any, Iterator

from hypothesis import event, given, settings
from hypothesis import strategies as st

from mashsim.cli import main
from mashsim.replication import simulate
from mashsim.scenario import ScenarioError, load_scenario
from mashsim.scenario.load import read_scenario_file
from mashsim.scenario.toml_write import to_toml
from support import SCENARIOS

SHIPPED = {path.stem: read_scenario_file(path) for path in sorted(SCENARIOS.glob("*.toml"))}
RUN_SECONDS = 30  # one short replication of London's 32 hubs takes about one
SHORT = {"horizon_days": 1.0, "warmup_days": 0.5}

OTHER_TYPES = ["5", "yes", "", True, False, [], [1, 2], {}, {"value": 1}, 0, -1, 1.5, dt.date(9999, 12, 31),
               "2025-01-06", {"dist": "lognormal", "mean": 1, "sd": 1}]
NON_FINITE = [math.inf, -math.inf, math.nan]


def _places(node: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) below ``node``: tables' keys and lists' indices, at every depth."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield node, key
        yield from _places(child)


@st.composite
def magnitudes(draw, old: Any) -> Any:
    """A number near the old one (often still legal), far from it, or at an edge."""
    if isinstance(old, bool) or not isinstance(old, (int, float)):
        old = 1
    near = draw(st.sampled_from([0, 0.5, 2, 10, 100, 1000]))
    if isinstance(old, int):
        far = old * 10 ** draw(st.integers(1, 25))
        return draw(st.sampled_from([int(old * near), old + 1, -old, far, 2**63 - 1, 2**63, 2**64]))
    far = old * 10.0 ** draw(st.integers(-320, 308))
    return draw(st.sampled_from([old * near, old * near, -old, far, 1e308, 5e-324, -0.0]))


@st.composite
def mutated(draw) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(SHIPPED)))
    raw = copy.deepcopy(SHIPPED[name])
    for _ in range(draw(st.integers(1, 2))):
        places = list(_places(raw))
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        # weighted towards edits that often stay legal, so that many mutants run
        action = draw(st.sampled_from(["type", "magnitude", "magnitude", "magnitude", "non-finite", "delete",
                                       "delete"]))
        if action == "delete":
            del container[key]
        elif action == "type":
            container[key] = copy.deepcopy(draw(st.sampled_from(OTHER_TYPES)))
        elif action == "non-finite":
            container[key] = draw(st.sampled_from(NON_FINITE))
        else:
            container[key] = draw(magnitudes(container[key]))
    return name, raw


def _validate(path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    return code, err.getvalue()


class _TooSlow(Exception):
    pass


def _alarm(signum, frame):
    raise _TooSlow(f"one short replication took over {RUN_SECONDS} s")


# three times the profile's examples: most mutants are refused (a mix no longer sums to 1, a name's type
# changed), and it is the ones accepted that run
@settings(max_examples=3 * settings.default.max_examples)
@given(mutated())
def test_a_scenario_validate_accepts_runs_and_one_it_refuses_exits_2_naming_a_field(tmp_path_factory, case):
    name, raw = case
    path = tmp_path_factory.mktemp("fuzz") / f"{name}.toml"
    path.write_text(to_toml(raw))
    code, err = _validate(path)
    assert "Traceback" not in err
    event("refused" if code else "accepted")
    if code != 0:
        assert code == 2, err
        try:
            load_scenario(path)
        except ScenarioError as error:
            assert error.source == str(path)
            assert error.problems and all(p.path for p in error.problems), error.report()
        else:
            raise AssertionError(f"validate exited 2 but the scenario loads:\n{err}")
        return
    scenario = load_scenario(path)
    short = scenario.model_copy(update={"run": scenario.run.model_copy(update=SHORT)})
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(RUN_SECONDS)
    try:
        result = simulate(short, scenario.run.seed, 0)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.metrics
