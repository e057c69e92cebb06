"""Designs: grid size and order, Latin hypercube strata and bounds, integer factors, SALib designs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mashsim.experiment.designs import grid, latin_hypercube, make_points


@dataclass
class F:
    path: str
    values: list[Any] | None = None
    bounds: tuple[float, float] | None = None
    integer: bool = False


def test_grid_is_every_combination_first_factor_slowest():
    points = grid([F("a", [1, 2, 3]), F("b", [True, False]), F("c", ["x"])])
    assert len(points) == 3 * 2 * 1
    assert points[0] == {"a": 1, "b": True, "c": "x"}
    assert points[1] == {"a": 1, "b": False, "c": "x"}
    assert [p["a"] for p in points] == [1, 1, 2, 2, 3, 3]


@given(n=st.integers(2, 60), seed=st.integers(0, 2**32 - 1),
       bounds=st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(1e-3, 1e3)), min_size=1, max_size=4))
def test_lhs_is_within_bounds_and_hits_every_stratum_once(n, seed, bounds):
    factors = [F(f"f{i}", bounds=(low, low + width)) for i, (low, width) in enumerate(bounds)]
    points = latin_hypercube(factors, n, seed)
    assert len(points) == n
    for factor in factors:
        low, high = factor.bounds
        values = np.array([p[factor.path] for p in points])
        assert np.all((values >= low) & (values <= high))
        strata = np.floor((values - low) / (high - low) * n).clip(0, n - 1).astype(int)
        assert sorted(strata) == list(range(n))  # one point in each of the n equal strata


@given(k=st.integers(1, 6), repeats=st.integers(1, 5), low=st.integers(-5, 5), seed=st.integers(0, 10**6))
def test_lhs_integer_factors_take_each_whole_number_equally_often(k, repeats, low, seed):
    factor = F("staff", bounds=(low, low + k - 1), integer=True)
    points = latin_hypercube([factor], k * repeats, seed)
    values = [p["staff"] for p in points]
    assert all(isinstance(v, int) for v in values)
    assert Counter(values) == {low + i: repeats for i in range(k)}


def test_designs_are_deterministic_given_the_seed():
    factors = [F("a", bounds=(0.0, 1.0)), F("b", bounds=(1, 8), integer=True)]
    assert latin_hypercube(factors, 10, 3) == latin_hypercube(factors, 10, 3)
    assert latin_hypercube(factors, 10, 3) != latin_hypercube(factors, 10, 4)
    morris = make_points("morris", factors, 5, trajectories=4, levels=4).points
    assert morris == make_points("morris", factors, 5, trajectories=4, levels=4).points


def test_morris_has_r_trajectories_of_d_plus_one_points_moving_one_factor_at_a_time():
    factors = [F("a", bounds=(0.0, 1.0)), F("b", bounds=(10.0, 20.0)), F("c", bounds=(1, 4), integer=True)]
    design = make_points("morris", factors, 1, trajectories=5, levels=4)
    assert len(design.points) == 5 * (3 + 1)
    assert design.salib_problem == {"num_vars": 3, "names": ["a", "b", "c"],
                                    "bounds": [[0.0, 1.0], [10.0, 20.0], [1.0, 5.0]]}
    sample = design.salib_sample
    for t in range(5):
        steps = np.diff(sample[t * 4:(t + 1) * 4], axis=0)
        assert all(np.count_nonzero(step) == 1 for step in steps)
    assert all(isinstance(p["c"], int) and 1 <= p["c"] <= 4 for p in design.points)


def test_sobol_has_n_times_d_plus_2_points_within_bounds():
    factors = [F("a", bounds=(0.0, 1.0)), F("b", bounds=(2, 6), integer=True)]
    design = make_points("sobol", factors, 1, n=16, second_order=False)
    assert len(design.points) == 16 * (2 + 2)
    assert all(0.0 <= p["a"] <= 1.0 and 2 <= p["b"] <= 6 for p in design.points)
    assert len(make_points("sobol", factors, 1, n=16, second_order=True).points) == 16 * (2 * 2 + 2)


def test_a_missing_salib_is_a_clear_message(monkeypatch):
    import builtins

    from mashsim.experiment.designs import MissingExtra

    real_import = builtins.__import__

    def no_salib(name, *args, **kwargs):
        if name.startswith("SALib"):
            raise ImportError("no SALib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_salib)
    with pytest.raises(MissingExtra, match=r"pip install 'mashsim\[sensitivity\]'"):
        make_points("morris", [F("a", bounds=(0.0, 1.0))], 1, trajectories=2)
