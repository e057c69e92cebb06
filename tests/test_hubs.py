"""Many hubs and pooled teams: per-hub accounting, common random numbers per hub, a pool of one."""

from __future__ import annotations

import pytest

import mashsim
from mashsim import simulate
from mashsim.metrics.hubs import by_hub
from mashsim.scenario import ScenarioError
from support import assert_same_metrics, build, hubs_dict, small_scenario_dict

ACCOUNTS = ("contacts_arrived", "contacts_decided", "contacts_open_at_end")


def test_a_pool_serving_one_hub_is_that_hubs_own_desk():
    """Same seed, same contacts, same queue: every metric equal, the desk's reported under by_pool."""
    owned = small_scenario_dict()
    owned["agencies"]["police"].update(staff=2, out_of_hours_staff=1, absence_rate=0.0)
    pooled = small_scenario_dict()
    pooled["agencies"]["police"]["pool"] = "team"
    pooled["pools"] = {"team": {"staff": 2, "out_of_hours_staff": 1}}
    for replication in range(3):
        a = simulate(build(owned), seed=5, replication=replication).metrics
        b = simulate(build(pooled), seed=5, replication=replication).metrics
        b = {name.replace("by_pool.team", "by_role.police"): value for name, value in b.items()}
        assert_same_metrics(dict(sorted(a.items())), dict(sorted(b.items())))


@pytest.mark.parametrize("pooled", [False, True])
def test_every_hub_accounts_for_its_contacts_and_the_hubs_add_up(pooled):
    scenario = build(hubs_dict({"north": {}, "south": {"arrivals": {"scale": 0.5}},
                                "east": {"roles": {"screeners": {"staff": 1}}}}, pooled))
    m = simulate(scenario, seed=2).metrics
    for hub in scenario.hubs:
        arrived, decided, still_open = (m[by_hub(name, hub)] for name in ACCOUNTS)
        assert arrived > 0 and arrived == decided + still_open
    for name in ACCOUNTS:
        assert m[name] == sum(m[by_hub(name, hub)] for hub in scenario.hubs)
    assert m["contacts_arrived.by_hub.south"] < m["contacts_arrived.by_hub.north"]  # half the volume


def test_an_idle_hub_changes_no_other_hubs_results():
    """Each hub draws from streams named by the hub: a hub with no contacts leaves the others alone,
    even when they share a pooled team with it."""
    two = {"north": {}, "south": {"arrivals": {"scale": 0.5}}}
    three = {**two, "idle": {"arrivals": {"scale": 0.0}}}
    a = simulate(build(hubs_dict(two, pooled=True)), seed=9, replication=1).metrics
    b = simulate(build(hubs_dict(three, pooled=True)), seed=9, replication=1).metrics
    for hub in two:
        mine = {k: v for k, v in a.items() if f".by_hub.{hub}" in k}
        assert len(mine) > 50
        assert_same_metrics(mine, {k: b[k] for k in mine})
    assert b["contacts_arrived.by_hub.idle"] == 0


def test_a_hub_table_overrides_only_what_it_names():
    scenario = build(hubs_dict({"a": {"roles": {"screeners": {"staff": 7}}}, "b": {}}))
    a, b = scenario.hubs["a"], scenario.hubs["b"]
    assert a.roles.screeners.staff == 7 and b.roles.screeners.staff == scenario.roles.screeners.staff
    assert a.roles.screeners.task_minutes == scenario.roles.screeners.task_minutes
    assert mashsim.load_scenario(hubs_dict({"a": {}, "b": {}}), ["hubs.b.agencies.police.staff=4"]) \
        .hubs["b"].agencies["police"].staff == 4


@pytest.mark.parametrize("change, path, words", [
    (lambda r: r["agencies"]["police"].update(pool="nowhere"), "agencies.police.pool", "no such pool"),
    (lambda r: r.update(pools={"p": {"staff": 1, "initial_backlog": 3}}), "pools.p.initial_backlog", "no initial backlog"),
    (lambda r: (r.update(pools={"p": {"staff": 1}}), r["agencies"]["police"].update(pool="p"),
                r["agencies"]["health"].update(pool="p")), "agencies.health.pool", "one desk per hub"),
    (lambda r: (r.update(pools={"p": {"staff": 0}}), r["agencies"]["police"].update(pool="p")), "pools.p.staff",
     "never has staff"),
])
def test_bad_pools_are_reported_at_their_field(change, path, words):
    raw = small_scenario_dict()
    change(raw)
    with pytest.raises(ScenarioError) as caught:
        build(raw)
    assert any(p.path == path and words in p.message for p in caught.value.problems), caught.value.report()


def test_a_top_level_mistake_is_reported_once_not_once_per_hub():
    raw = hubs_dict({"a": {}, "b": {}, "c": {}})
    raw["roles"]["screeners"]["staff"] = -1
    raw["agencies"]["police"]["hours"] = "nights"
    with pytest.raises(ScenarioError) as caught:
        build(raw)
    paths = [p.path for p in caught.value.problems]
    assert paths.count("roles.screeners.staff") == 1 and not any("screeners" in p for p in paths if p.startswith("hubs"))
    cross_field = hubs_dict({"a": {}, "b": {}})
    cross_field["agencies"]["police"]["hours"] = "nights"
    with pytest.raises(ScenarioError) as caught:
        build(cross_field)
    assert [p.path for p in caught.value.problems] == ["hubs.*.agencies.police.hours"]


def test_london_wide_and_pooled_load_and_run_a_short_horizon():
    wide = mashsim.load_scenario("london-wide", ["run.horizon_days=2", "run.warmup_days=0"])
    pooled = mashsim.load_scenario("london-pooled", ["run.horizon_days=2", "run.warmup_days=0"])
    assert len(wide.hubs) == 32 and set(pooled.hubs) == set(wide.hubs)
    # the pan-London team has exactly the police staff the boroughs had between them
    assert pooled.pools["met_police"].staff == sum(h.agencies["police"].staff for h in wide.hubs.values())
    assert pooled.pools["met_police"].out_of_hours_staff == sum(
        h.agencies["police"].out_of_hours_staff for h in wide.hubs.values())
    a, b = simulate(wide, seed=1).metrics, simulate(pooled, seed=1).metrics
    assert a["contacts_arrived"] == b["contacts_arrived"] > 1500  # the same children (CRN per hub)
    for m in (a, b):
        assert m["contacts_arrived"] == m["contacts_decided"] + m["contacts_open_at_end"]
    assert "utilisation.by_pool.met_police" in b and "utilisation.by_role.police" in a


def test_the_table_shows_a_pools_staff():
    from mashsim.report.table import _rows
    from mashsim.experiment import run_replications

    result = run_replications(build(hubs_dict({"a": {}, "b": {}}, pooled=True)), 2, seed=1)
    names = [name for name, _ in _rows(result)]
    assert "utilisation.by_pool.met" in names and "queue_length.by_pool.met" in names


@pytest.mark.parametrize("hubs", [{}, {"north": {}, "south": {"arrivals": {"scale": 0.5}}}])
def test_metric_names_of_a_scenario_are_those_a_run_reports(hubs):
    """Experiment files and staffing targets check metric names against these, hubs and pools included."""
    from mashsim.metrics.names import metric_names

    raw = hubs_dict(hubs, pooled=True)
    if not hubs:
        del raw["hubs"]
    scenario = build(raw, "run.horizon_days=1", "run.warmup_days=0")
    assert metric_names(scenario) == list(simulate(scenario, seed=1).metrics)


def test_hubs_that_share_no_team_run_as_separate_groups():
    """A pool joins the hubs that use it; a hub with only its own desks is a group of its own."""
    from mashsim.model.network import build_network, independent_groups

    raw = hubs_dict({"north": {}, "south": {}, "east": {}, "west": {}})
    raw["pools"] = {"met": {"staff": 2}, "spare": {"staff": 1}}
    raw["hubs"]["south"]["agencies"] = {"police": {"pool": "met"}}
    raw["hubs"]["west"]["agencies"] = {"police": {"pool": "met"}}
    raw["hubs"]["east"]["agencies"] = {"health": {"pool": "spare"}}
    scenario = build(raw)
    assert independent_groups(scenario, build_network(scenario)) == [
        (["north"], []), (["south", "west"], ["met"]), (["east"], ["spare"])]


def test_a_run_in_groups_gives_each_hub_what_it_gets_alone():
    """Separate groups cannot affect each other: a hub run alone has the very metrics it has among
    others, and no two contacts of the run share a number."""
    scenario = build(hubs_dict({"north": {}, "south": {"arrivals": {"scale": 0.5}}}))
    both = simulate(scenario, seed=3, record=True)
    alone = simulate(scenario.model_copy(update={"hubs": {"south": scenario.hubs["south"]}}), seed=3).metrics
    mine = {k: v for k, v in both.metrics.items() if ".by_hub.south" in k}
    assert len(mine) > 50
    assert_same_metrics(mine, {k: alone[k] for k in mine})
    ids = [row["contact_id"] for row in both.records]
    assert len(set(ids)) == len(ids) > 100


def test_hubs_sharing_a_pool_must_agree_on_red_first():
    """A pool's queue has one order: a hub that differs is named, with the field to change."""
    raw = hubs_dict({"a": {"policy": {"red_priority": False}}, "b": {}}, pooled=True)
    with pytest.raises(ScenarioError) as error:
        build(raw)
    report = error.value.report()
    assert "hubs.b.policy.red_priority" in report and "share pool 'met'" in report
    raw["hubs"]["b"] = {"policy": {"red_priority": False}}
    assert not build(raw).hubs["b"].policy.red_priority  # agreeing, either way, is fine


def test_hubs_sharing_a_pool_must_agree_on_the_queue_discipline():
    raw = hubs_dict({"a": {"policy": {"queue_discipline": "deadline"}}, "b": {}}, pooled=True)
    with pytest.raises(ScenarioError) as error:
        build(raw)
    problem, = error.value.problems
    assert problem.path == "hubs.b.policy.queue_discipline" and "a has deadline" in problem.message
    raw["hubs"]["b"] = {"policy": {"queue_discipline": "deadline"}}
    assert build(raw).hubs["b"].policy.queue_discipline == "deadline"


def test_a_finished_group_of_hubs_is_freed_before_the_replication_ends(monkeypatch):
    """A network runs its independent groups one after another; once a group is censored, nothing of
    its simulation (environment, hubs, the contacts made ahead) may stay alive: 32 boroughs' worth
    would otherwise pile up (the collector once kept the hub through its deadline function)."""
    import gc
    import weakref

    import mashsim.replication as replication
    from mashsim.scenario import load_scenario

    made: list[weakref.ref] = []

    class Remembered(replication.simpy.Environment):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    alive_at_result: list[int] = []
    result = replication._Run.result

    def checked_result(self, seed, replication_index):
        gc.collect()
        alive_at_result.append(sum(ref() is not None for ref in made))
        return result(self, seed, replication_index)

    monkeypatch.setattr(replication.simpy, "Environment", Remembered)
    monkeypatch.setattr(replication._Run, "result", checked_result)
    scenario = load_scenario("london-wide", ["run.horizon_days=7", "run.warmup_days=0"])
    simulate(scenario, seed=1)
    assert len(made) == 32  # a group per borough (each has its own desks)
    assert alive_at_result == [0]
