"""call_later / call_at run callbacks in the very order SimPy timeouts would, mixed freely with them."""

from __future__ import annotations

import pytest
import simpy
from hypothesis import given
from hypothesis import strategies as st

from mashsim.model.events import Call, call_at, call_later, run


@given(st.lists(st.tuples(st.sampled_from([0.0, 0.5, 1.0, 2.0]), st.booleans()), min_size=1, max_size=30))
def test_calls_and_timeouts_interleave_in_timeout_order(plan):
    """Half the steps scheduled as timeouts, half as calls: the order is by (time, scheduling order)."""
    env = simpy.Environment()
    fired: list[int] = []
    for i, (delay, as_call) in enumerate(plan):
        if as_call:
            call_later(env, delay, lambda _e, i=i: fired.append(i))
        else:
            env.timeout(delay).callbacks.append(lambda _e, i=i: fired.append(i))
    env.run()
    assert fired == sorted(range(len(plan)), key=lambda i: (plan[i][0], i))


def test_call_at_takes_an_absolute_time_and_run_until_stops_before_it():
    env = simpy.Environment()
    fired: list[float] = []
    call_at(env, 3.0, Call(lambda _e: fired.append(env.now)))
    call_at(env, 5.0, Call(lambda _e: fired.append(env.now)))
    env.run(until=5.0)  # like a timeout due at 5, a call due at the end of the run is not made
    assert fired == [3.0] and env.now == 5.0


@given(st.lists(st.tuples(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), st.sampled_from(["call", "timeout", "process"])),
                min_size=1, max_size=30), st.sampled_from([0.0, 1.0, 2.0, 5.0]))
def test_run_processes_what_simpys_run_would_in_the_same_order(plan, until):
    """The model's run loop against ``env.run(until=...)``: calls, timeouts and processes mixed."""
    def fired_by(runner) -> tuple[list[int], float]:
        env = simpy.Environment()
        fired: list[int] = []

        def process(i: int, delay: float):
            yield env.timeout(delay)
            fired.append(i)

        for i, (delay, kind) in enumerate(plan):
            if kind == "call":
                call_later(env, delay, lambda _e, i=i: fired.append(i))
            elif kind == "timeout":
                env.timeout(delay).callbacks.append(lambda _e, i=i: fired.append(i))
            else:
                env.process(process(i, delay))
        runner(env)
        return fired, env.now

    if until == 0.0:  # both refuse to run to the time it is already
        with pytest.raises(ValueError):
            fired_by(lambda env: run(env, until))
        with pytest.raises(ValueError):
            fired_by(lambda env: env.run(until=until))
        return
    assert fired_by(lambda env: run(env, until)) == fired_by(lambda env: env.run(until=until))


def test_run_raises_a_failure_nothing_handled_and_refuses_to_go_back_in_time():
    env = simpy.Environment()

    def failing():
        yield env.timeout(1.0)
        raise RuntimeError("desk exploded")

    env.process(failing())
    with pytest.raises(RuntimeError, match="desk exploded"):
        run(env, 5.0)
    with pytest.raises(ValueError, match="after the current time"):
        run(env, 0.5)
