"""Police teams shared by several hubs (``[pools.<name>] kind = "ppd"`` / ``"cait"``, named by
``hubs.<hub>.police.ppd.pool``): the same children, the same run as a hub's own team, grouped hubs,
the queueing gain of pooling, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

import mashsim
from mashsim import simulate
from mashsim.model.network import build_network, independent_groups
from mashsim.scenario import ScenarioError
from support import assert_same_metrics, build, hubs_dict, police_dict, small_scenario_dict, two_police_hubs

def _problems(raw: dict) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as error:
        build(raw)
    return [(p.path, p.message) for p in error.value.problems]


# ------------------------------------------------------------------ the same run as a team of its own

def test_a_police_pool_serving_one_hub_is_that_hubs_own_team():
    """One hub: its PPD and CAIT as a pool of one give every metric of its own teams, bit for bit
    (the pool's role metrics are reported under by_pool instead of by_role)."""
    owned = small_scenario_dict()
    owned["police"] = police_dict()
    pooled = small_scenario_dict()
    pooled["police"] = police_dict(ppd_pool="desk", cait_pool="visits")
    pooled["pools"] = {"desk": {"kind": "ppd", "staff": 1}, "visits": {"kind": "cait", "staff": 2}}
    renamed = {"by_pool.desk": "by_role.police_ppd", "by_pool.visits": "by_role.police_cait"}
    for replication in range(2):
        a = simulate(build(owned, "run.horizon_days=28"), seed=5, replication=replication).metrics
        b = simulate(build(pooled, "run.horizon_days=28"), seed=5, replication=replication).metrics
        for old, new in renamed.items():
            b = {name.replace(old, new): value for name, value in b.items()}
        assert a["police_notifications"] > 50 and a["s47_enquiries"] > 5
        assert_same_metrics(dict(sorted(a.items())), dict(sorted(b.items())))


def test_hubs_that_share_a_police_team_run_together_and_the_graph_has_its_node():
    own, pooled = build(two_police_hubs(False)), build(two_police_hubs(True))
    assert [hubs for hubs, _ in independent_groups(own, build_network(own))] == [["north"], ["south"]]
    graph = build_network(pooled)
    assert independent_groups(pooled, graph) == [(["north", "south"], ["ppd_team", "cait_team"])]
    assert graph.has_edge("north/source:police", "pool:ppd_team") and graph.has_edge("pool:ppd_team", "south/triage")
    assert graph.has_edge("south/outcome:s47", "pool:cait_team")
    assert graph.nodes["pool:ppd_team"]["team"] == "ppd"
    assert build_network(own).has_edge("north/police:ppd", "north/triage")


def test_each_notification_is_counted_at_its_own_hub():
    # the police metrics add up the hubs' own tallies: pooling moves no notification between hubs,
    # and one hub's share is the run it would make alone (its draws are named by the hub)
    m = simulate(build(two_police_hubs(True)), seed=3).metrics
    alone = simulate(build(two_police_hubs(True) | {"hubs": {"north": {}}}), seed=3).metrics
    own = simulate(build(two_police_hubs(False)), seed=3).metrics
    assert m["police_notifications"] == own["police_notifications"] > alone["police_notifications"] > 0
    assert m["s47_enquiries"] > 0 and "utilisation.by_pool.ppd_team" in m


# ------------------------------------------------------------------ common random numbers

def _first_contacts(scenario) -> list[tuple]:
    """Every first contact of the run's warm-up and window (every hub, counted or not) with its draws,
    as it reaches the front door: a notification at its incident, any other contact at the MASH.
    (The run-out after the window lasts until the window's contacts are decided: its length, and so
    its contacts, depend on the staff.)"""
    end = (scenario.run.warmup_days + scenario.run.horizon_days) * 24.0
    seen: list[tuple] = []

    def hook(time: float, kind: str, c, detail: dict) -> None:
        notification = kind == "incident"
        if (notification or (kind == "arrived" and not hasattr(c, "incident"))) and c.generation == 0 \
                and time < end:
            seen.append((time, c.source, c.child, c.risk, c.concern, c.urgent, c.u_screen, c.u_reveal,
                         c.u_outcome, tuple(c.stage_hours), tuple(c.holds),
                         tuple(c.research_hours), c.u_notify, c.ppd_hours, c.cait_hours, notification))

    simulate(scenario, seed=8, trace=hook)
    return sorted(seen)


def test_pooling_the_mets_teams_by_bcu_leaves_every_child_and_draw_alone():
    sets = ["run.horizon_days=3", "run.warmup_days=1"]
    borough = mashsim.load_scenario("london-met", sets)
    bcu = mashsim.load_scenario("london-met-bcu", sets)
    a, b = _first_contacts(borough), _first_contacts(bcu)
    assert len(a) > 3000 and sum(row[-1] for row in a) > 500
    assert a == b
    # and the teams do differ: the notifications wait differently for the MASH
    wait = "police_notification_wait_hours.mean"
    assert simulate(borough, seed=8).metrics[wait] != simulate(bcu, seed=8).metrics[wait]


@settings(max_examples=6, deadline=None)
@given(ppd_teams=st.lists(st.integers(0, 2), min_size=3, max_size=3),
       cait_teams=st.lists(st.integers(0, 2), min_size=3, max_size=3))
def test_any_grouping_of_police_teams_leaves_the_children_and_notifications_alone(ppd_teams, cait_teams):
    """Three hubs, their PPDs and CAITs grouped into shared teams at random (a team's staff the sum
    of its members'): the same first contacts with the same draws, the same notifications."""
    hubs = {"north": {}, "south": {"arrivals": {"scale": 0.7}}, "east": {}}

    def scenario(groups: tuple[list[int], list[int]] | None):
        raw = hubs_dict({name: dict(table) for name, table in hubs.items()})
        raw["police"] = police_dict()
        raw["run"]["horizon_days"] = 5
        if groups is not None:
            raw["pools"] = {}
            for kind, teams, staff in (("ppd", groups[0], 1.0), ("cait", groups[1], 2.0)):
                for hub, team in zip(hubs, teams):
                    name = f"{kind}_{team}"
                    raw["hubs"][hub].setdefault("police", {})[kind] = {"pool": name}
                    pool = raw["pools"].setdefault(name, {"kind": kind, "staff": 0.0})
                    pool["staff"] += staff
        return build(raw)

    own, grouped = scenario(None), scenario((ppd_teams, cait_teams))
    assert _first_contacts(own) == _first_contacts(grouped)
    a, b = simulate(own, seed=8).metrics, simulate(grouped, seed=8).metrics
    assert a["police_notifications"] == b["police_notifications"] > 0


def test_the_bcu_scenario_pools_the_same_staff():
    borough, bcu = mashsim.load_scenario("london-met"), mashsim.load_scenario("london-met-bcu")
    for kind in ("ppd", "cait"):
        teams = {name: pool for name, pool in bcu.pools.items() if pool.kind == kind}
        assert len(teams) == 12
        assert sum(p.staff for p in teams.values()) == sum(getattr(h.police, kind).staff for h in borough.hubs.values())
        members = {hub: getattr(h.police, kind).pool for hub, h in bcu.hubs.items()}
        assert set(members) == set(borough.hubs) and set(members.values()) == set(teams)
        for team, pool in teams.items():
            assert pool.staff == sum(getattr(borough.hubs[hub].police, kind).staff
                                     for hub, name in members.items() if name == team)
    assert len(independent_groups(bcu, build_network(bcu))) == 12


def test_the_bcu_scenario_gives_the_same_rows_on_one_and_two_workers():
    from mashsim.experiment.runner import run_replications
    scenario = mashsim.load_scenario("london-met-bcu", ["run.horizon_days=2", "run.warmup_days=1"])
    serial = run_replications(scenario, 3, 4, workers=1)
    parallel = run_replications(scenario, 3, 4, workers=2)
    assert serial.to_dict() == parallel.to_dict()
    for a, b in zip(serial.replications, parallel.replications):
        assert (a.seed, a.replication) == (b.seed, b.replication)
        assert a.metrics["police_notifications"] > 0
        assert_same_metrics(a.metrics, b.metrics)


# ------------------------------------------------------------------ pooling helps the queue

def test_pooling_two_equal_boroughs_desks_shortens_the_notification_wait():
    """Two M/G/1-like desks against one M/G/2 with the same staff and work: the pooled notifications
    wait less. Paired by replication (the same notifications in both): the 95% CI of the mean
    difference must lie below 0. With 12 replications of 28 days (about 480 notifications each, the
    desks 60% busy) the difference measured -0.34 h with a standard error of 0.06 h: the bound sits
    over 3 standard errors from failing (power above 99.9% at that effect); a pool that changed
    nothing (the same waits) would fail it."""
    reps = range(12)
    wait = "police_notification_wait_hours.mean"
    own, pooled = (build(two_police_hubs(p), "run.horizon_days=28", "run.warmup_days=7") for p in (False, True))
    d = np.array([simulate(pooled, seed=21, replication=r).metrics[wait]
                  - simulate(own, seed=21, replication=r).metrics[wait] for r in reps])
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    assert d.mean() + half < 0, (d.mean(), half)


# ------------------------------------------------------------------ bad input

def test_an_unknown_police_pool_is_named_with_the_allowed_ones():
    raw = two_police_hubs(True)
    raw["hubs"]["south"] = {"police": {"ppd": {"pool": "bcu_nowhere"}}}
    problems = _problems(raw)
    assert any(path == "hubs.south.police.ppd.pool" and "no such pool" in msg and "ppd_team" in msg
               for path, msg in problems), problems


def test_a_police_pool_of_the_wrong_kind_is_refused():
    raw = two_police_hubs(True)
    raw["police"]["ppd"]["pool"] = "cait_team"
    problems = _problems(raw)
    assert any(path == "hubs.*.police.ppd.pool" and "of kind cait, not ppd" in msg for path, msg in problems), \
        problems
    raw = two_police_hubs(True)
    raw["agencies"]["police"]["pool"] = "ppd_team"  # a research desk may not send its requests to a PPD
    problems = _problems(raw)
    assert any(path.endswith("agencies.police.pool") and "of kind ppd, not research" in msg
               for path, msg in problems), problems


def test_a_police_pool_nobody_uses_is_refused():
    raw = two_police_hubs(True)
    raw["pools"]["spare"] = {"kind": "cait", "staff": 3}
    assert ("pools.spare", "no hub's police.cait.pool names this cait team; name it in a hub's "
            "police.cait.pool, or remove it") in _problems(raw)


def test_a_police_pool_without_staff_and_an_unknown_kind_are_refused():
    raw = two_police_hubs(True)
    raw["pools"]["ppd_team"]["staff"] = 0
    assert any(path == "pools.ppd_team.staff" for path, _ in _problems(raw))
    raw = two_police_hubs(True)
    raw["pools"]["ppd_team"]["kind"] = "custody"
    assert any(path == "pools.ppd_team.kind" and "research" in msg and "cait" in msg for path, msg in _problems(raw))


def test_the_cli_names_the_file_and_the_field(tmp_path, capsys):
    from mashsim.cli import main
    path = tmp_path / "bad.toml"
    path.write_text('extends = "london-met-bcu"\nname = "bad"\n[hubs.camden]\npolice = { ppd.pool = "camden_ppd" }\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "hubs.camden.police.ppd.pool" in err and "central_north_ppd" in err


def test_show_says_which_boroughs_a_police_pool_serves(capsys):
    from mashsim.cli import main
    assert main(["show", "london-met-bcu"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Pools (teams shared by hubs)" in out and "no one" not in out


def test_the_dashboards_network_chart_draws_the_police_teams():
    from mashsim.app.charts import network
    raw = small_scenario_dict()
    raw["police"] = police_dict()
    labels = {t.get_text() for t in network(build(raw)).axes[0].texts}
    assert {"ppd", "cait"} <= {label.split("\n")[0] for label in labels}


def test_a_hub_may_not_reorder_a_police_teams_queue_it_shares():
    raw = two_police_hubs(True)
    raw["injects"] = [{"kind": "policy", "start_day": 1, "hours": 24, "hub": "north", "queue_discipline": "fifo"}]
    problems = _problems(raw)
    assert any(path == "injects[0].queue_discipline" and "shares the queue of pool cait_team, ppd_team" in msg
               for path, msg in problems), problems
    raw["injects"][0].pop("hub")  # in every hub: one order for the shared queue
    build(raw)
    raw["injects"] = [{"kind": "absence", "pool": "ppd_team", "staff": 1, "start_day": 1, "hours": 24}]
    assert simulate(build(raw), seed=1).metrics["police_notifications"] > 0  # a shared desk can lose staff
