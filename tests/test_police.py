"""The police pipeline ([police]): common random numbers, the hub untouched, its metrics, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mashsim.metrics.names import metric_names
from mashsim.metrics.police import POLICE_METRICS
from mashsim.model.arrivals import source_arrivals
from mashsim.model.calendar import CalendarView
from mashsim.model.streams import Streams
from mashsim.replication import simulate
from mashsim.scenario.errors import ScenarioError
from mashsim.scenario.load import load_scenario

TRIANGULAR = "{dist = 'triangular', min = 10, mode = 20, max = 45}"
VISIT = "{dist = 'triangular', min = 120, mode = 240, max = 480}"


def _with_police(ppd: float = 1.0, cait: float = 2.0, share: float = 0.545, days: float = 28.0, extra=()):
    return load_scenario("london-borough", [
        f"run.horizon_days={days}", "run.warmup_days=7",
        f"police.notification_share={share}",
        f"police.ppd.staff={ppd}", f"police.ppd.task_minutes={TRIANGULAR}",
        f"police.cait.staff={cait}", f"police.cait.task_minutes={VISIT}", *extra])


def _without_police(days: float = 28.0):
    return load_scenario("london-borough", [f"run.horizon_days={days}", "run.warmup_days=7"])


HUB_DRAWS = ("arrived", "risk", "concern", "urgent", "u_screen", "u_reveal", "u_outcome", "stage_hours",
             "holds", "unmatched", "lost", "research_hours")
POLICE_DRAWS = ("u_notify", "ppd_hours", "cait_hours")


def _draws(scenario, fields, seed: int = 7) -> dict[str, list[tuple]]:
    """Every contact of every source over 5 weeks, as the tuple of its ``fields``."""
    view = CalendarView(scenario.calendar)
    streams = Streams(seed, 0)
    return {name: [tuple(getattr(c, f) for f in fields)
                   for c in source_arrivals(scenario, name, streams, view, 5 * 168.0)]
            for name in scenario.arrivals.sources}


def test_the_pipeline_and_its_staff_leave_every_childs_draws_alone():
    without = _draws(_without_police(), HUB_DRAWS)
    assert sum(map(len, without.values())) > 1000
    for scenario in (_with_police(), _with_police(ppd=0.5, cait=5.0), _with_police(share=0.2)):
        assert _draws(scenario, HUB_DRAWS) == without


def test_the_pipelines_own_draws_do_not_change_with_its_staff():
    assert _draws(_with_police(), POLICE_DRAWS) == _draws(_with_police(ppd=3.0, cait=0.5), POLICE_DRAWS)


def test_no_notifications_leave_the_hub_exactly_as_without_the_pipeline():
    # with no notifications, the PPD never works and the CAIT only follows decisions: every hub metric
    # is the run without [police]'s, bit for bit
    plain = simulate(_without_police(), 3).metrics
    piped = simulate(_with_police(share=0.0), 3).metrics
    assert piped["police_notifications"] == 0.0
    assert piped["s47_enquiries"] > 0
    for name, value in plain.items():
        assert piped[name] == value or (math.isnan(value) and math.isnan(piped[name])), name


def test_without_police_no_police_metric_is_reported():
    names = metric_names(_without_police())
    assert not set(POLICE_METRICS) & set(names)
    assert simulate(_without_police(days=7.0), 1).metrics.keys() == set(names)


def test_a_run_reports_the_names_the_scenario_declares():
    scenario = _with_police(days=7.0)
    metrics = simulate(scenario, 1).metrics
    assert list(metrics) == metric_names(scenario)


def test_fewer_ppd_staff_make_notifications_wait_longer_and_fewer_cait_make_visits_later():
    # paired on the same seeds (CRN): the same children at both staff levels
    reps = range(4)
    base = [simulate(_with_police(ppd=1.0, cait=2.0), 11, r).metrics for r in reps]
    thin = [simulate(_with_police(ppd=0.6, cait=1.4), 11, r).metrics for r in reps]
    waits = np.array([t["police_notification_wait_hours.mean"] - b["police_notification_wait_hours.mean"]
                      for b, t in zip(base, thin)])
    late = np.array([t["s47_past_deadline_rate"] - b["s47_past_deadline_rate"] for b, t in zip(base, thin)])
    assert (waits > 0).all() and (late > 0).all()
    # the same notifications and the same s47 decisions' children at both levels
    assert [b["police_notifications"] for b in base] == [t["police_notifications"] for t in thin]


def test_a_notification_source_that_does_not_exist_is_named():
    with pytest.raises(ScenarioError) as error:
        _with_police(extra=["police.source='merlin'"])
    text = str(error.value.report())
    assert "police.source" in text and "merlin" in text and "police" in text


def test_a_police_team_with_an_initial_backlog_is_refused():
    with pytest.raises(ScenarioError) as error:
        _with_police(extra=["police.ppd.initial_backlog=5"])
    assert "initial_backlog" in str(error.value.report())


def test_the_same_result_in_another_process():
    # a worker process builds the run from the scenario alone: the same metrics, bit for bit
    from concurrent.futures import ProcessPoolExecutor
    scenario = _with_police(days=7.0)
    here = simulate(scenario, 5, 1).metrics
    with ProcessPoolExecutor(1) as pool:
        there = pool.submit(simulate, scenario, 5, 1).result().metrics
    assert list(here) == list(there)
    assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(here.values(), there.values()))
