"""Fixtures; the helpers themselves live in support.py (importable as ``support``)."""

from __future__ import annotations

from typing import Any

import os

import pytest
from hypothesis import HealthCheck, settings

from mashsim.scenario import Scenario
from support import small_scenario, small_scenario_dict

# Property tests draw a few dozen random hubs by default (each simulated in a few hundredths of a
# second); MASHSIM_HYPOTHESIS_PROFILE=thorough searches much longer, e.g. before a release. In CI
# (CI=true) the examples are derandomised: the same ones each run, so a CI result is reproducible.
settings.register_profile("mashsim", max_examples=35, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", parent=settings.get_profile("mashsim"), max_examples=1000)
settings.register_profile("ci", parent=settings.get_profile("mashsim"), derandomize=True, database=None)
settings.load_profile(os.environ.get("MASHSIM_HYPOTHESIS_PROFILE",
                                     "ci" if os.environ.get("CI") == "true" else "mashsim"))


@pytest.fixture
def small_raw() -> dict[str, Any]:
    """The small scenario's raw table, a fresh copy for each test."""
    return small_scenario_dict()


@pytest.fixture
def small() -> Scenario:
    """The small scenario, validated."""
    return small_scenario()
