"""Injects and hourly series in scenarios with hubs: an inject acts on its hub (or pool) only, and
only from its start; an inject without hub acts on each hub as one naming it would; names are checked."""

from __future__ import annotations

import math
import re
import pickle

import numpy as np
import pytest

import mashsim
from mashsim.model.arrivals import hourly_rates
from mashsim.model.calendar import CalendarView
from mashsim.scenario import ScenarioError
from support import assert_same_metrics, build, hubs_dict, small_scenario_dict

WINDOW = {"start_day": 3.375, "hours": 6.0}  # Thursday 09:00-15:00 of the small scenario (day 0 a Monday)
START, END = 3.375 * 24, 3.375 * 24 + 6
LONG = {"start_day": 3.375, "hours": 30.0}  # to Friday 15:00
Z_999 = 3.29  # two-sided 99.9% normal quantile
HUBS = ("north", "south", "east")

KINDS = [
    {"kind": "surge", "factor": 3.0},
    {"kind": "surge", "factor": 0.3, "source": "police"},
    {"kind": "outage", "agency": "health", "mode": "wait"},
    {"kind": "outage", "agency": "health", "mode": "fail"},
    {"kind": "absence", "role": "screeners", "staff": 2},
    {"kind": "absence", "role": "agencies.police", "staff": 1},
    {"kind": "policy", "decide_at_deadline": False, "ask": {"green": ["health", "police"]}},
]


def three_hubs(*injects: dict, pooled: bool = False, sets: tuple[str, ...] = ()):
    """North, south and east (half the volume); pooled: north's and south's police research done by the
    shared team ``met``, east's by its own desk (so east is a group of its own)."""
    raw = hubs_dict({"north": {}, "south": {}, "east": {"arrivals": {"scale": 0.5}}})
    if pooled:
        raw["pools"] = {"met": {"staff": 2, "out_of_hours_staff": 1}}
        for hub in ("north", "south"):
            raw["hubs"][hub]["agencies"] = {"police": {"pool": "met"}}
    raw["injects"] = [dict(i) for i in injects]
    return build(raw, *sets)


def of_hub(values: dict, hub: str) -> dict:
    """The metrics (or series) of one hub."""
    return {k: v for k, v in values.items() if f".by_hub.{hub}" in k}


def before(series: dict, hub: str, t: float) -> dict:
    """A hub's series sampled before time ``t``."""
    hours = np.array(series["time_hours"])
    return {k: list(np.array(v)[hours < t]) for k, v in of_hub(series, hub).items()}


# ------------------------------------------------------------------------------ acting on a hub
@pytest.mark.parametrize("inject", KINDS)
def test_an_inject_on_one_hub_leaves_the_other_hubs_as_they_were(inject):
    """Hubs that share no team: the others' metrics and series bit for bit as without the inject; the
    hub's own as without it until the inject starts, and different after."""
    base = mashsim.simulate(three_hubs(), 4, 1, series=True)
    run = mashsim.simulate(three_hubs({**WINDOW, **inject, "hub": "south"}), 4, 1, series=True)
    for hub in ("north", "east"):
        assert len(of_hub(run.metrics, hub)) > 50
        assert_same_metrics(of_hub(base.metrics, hub), of_hub(run.metrics, hub))
        assert of_hub(base.series, hub) == of_hub(run.series, hub)
    assert before(base.series, "south", START) == before(run.series, "south", START)
    assert of_hub(base.metrics, "south") != of_hub(run.metrics, "south")  # and it does act


def _steps(scenario, seed=3):
    """(hub, time, kind, detail) of every step of every measured case of a run."""
    from mashsim.trace import trace_run

    traced = trace_run(scenario, seed, 0)
    return [(hub, e.time_hours, e.kind, e.detail) for case_id, hub in zip(traced.cases["id"], traced.cases["hub"])
            for e in traced.events(int(case_id))]


def test_in_hubs_that_share_a_team_an_inject_on_one_changes_only_that_hubs_own_roles_and_policy():
    """North and south share the police pool (one group, so each feels the other's load there), but
    south's screeners, its health desk and its policy are its own."""
    longest = 40 / 60  # the small scenario's longest screening task, hours
    friday, monday = {"start_day": 4.375, "hours": 6.0}, {"start_day": 7.375, "hours": 6.0}
    steps = _steps(three_hubs({**WINDOW, "kind": "absence", "role": "screeners", "staff": 2, "hub": "south"},
                              {**friday, "kind": "outage", "agency": "health", "mode": "fail", "hub": "south"},
                              {**monday, "kind": "policy", "ask": {"green": ["health", "police"]}, "hub": "south"},
                              pooled=True))
    within = lambda t, w: w["start_day"] * 24 <= t < w["start_day"] * 24 + w["hours"]  # noqa: E731
    screened = {hub: sum(kind == "screened" and START + longest < t < END for h, t, kind, _ in steps if h == hub)
                for hub in HUBS}
    assert screened["south"] == 0 and screened["north"] > 3
    failed = {hub: sum(kind == "returned" and d["failed"] for h, t, kind, d in steps if h == hub) for hub in HUBS}
    assert failed["south"] > 0 and failed["north"] == failed["east"] == 0
    assert all(within(t, friday) for h, t, kind, d in steps if kind == "returned" and d["failed"])
    greens = [(hub, t, d["agencies"]) for hub, t, kind, d in steps if kind == "asked" and len(d["agencies"]) < 3]
    for hub, t, agencies in greens:  # Green cases: the only ones asked fewer than all three desks
        assert agencies == (["health", "police"] if hub == "south" and within(t, monday) else ["health"])
    assert {hub for hub, t, agencies in greens if len(agencies) == 2} == {"south"}


@pytest.mark.parametrize("inject", KINDS[::2] + [KINDS[5]])
def test_an_inject_without_hub_acts_on_each_hub_as_one_naming_it(inject):
    """Each hub draws an inject's randomness from its own streams: the inject for every hub gives each
    hub exactly what the same inject naming that hub gives it."""
    everywhere = mashsim.simulate(three_hubs({**WINDOW, **inject}), 6, 0).metrics
    base = mashsim.simulate(three_hubs(), 6, 0).metrics
    for hub in HUBS:
        named = mashsim.simulate(three_hubs({**WINDOW, **inject, "hub": hub}), 6, 0).metrics
        assert_same_metrics(of_hub(named, hub), of_hub(everywhere, hub))
        assert of_hub(named, hub) != of_hub(base, hub)


def test_a_surge_on_one_hub_adds_arrivals_at_that_hubs_rate():
    """East has half the volume: a surge there adds (factor - 1) x east's own rate in the window, and
    nothing anywhere else (the same children elsewhere, and outside the window)."""
    factor, n = 3.0, 40
    short = ("run.horizon_days=2",)  # the run ends on day 4, after the window
    base_s = three_hubs(sets=short)
    surge_s = three_hubs({**WINDOW, "kind": "surge", "factor": factor, "hub": "east"}, sets=short)
    extra = 0
    for r in range(n):
        base = mashsim.simulate(base_s, 2, r, record=True).records
        surged = mashsim.simulate(surge_s, 2, r, record=True).records
        arrivals = lambda rows, inside: sorted((row["hub"], row["arrived_h"]) for row in rows  # noqa: E731
                                               if (START <= row["arrived_h"] < END) == inside)
        assert arrivals(surged, False) == arrivals(base, False)
        base_in, surge_in = arrivals(base, True), arrivals(surged, True)
        assert set(base_in) <= set(surge_in)
        assert all(hub == "east" for hub, _ in set(surge_in) - set(base_in))
        extra += len(surge_in) - len(base_in)
    east = base_s.hubs["east"]
    view = CalendarView(base_s.calendar)
    hour = int(START % 24)
    rate = sum(hourly_rates(east, source, view, int(START // 24), 1)[hour:hour + 6].sum()
               for source in east.arrivals.sources.values())
    mean = n * (factor - 1.0) * rate
    assert abs(extra - mean) <= Z_999 * math.sqrt(mean), (extra, mean)


# ------------------------------------------------------------------------------ a shared team
def test_a_pools_absence_slows_every_hub_that_uses_it_and_no_other():
    base = mashsim.simulate(three_hubs(pooled=True), 3, 0, series=True)
    run = mashsim.simulate(three_hubs({**WINDOW, "kind": "absence", "pool": "met", "staff": 2}, pooled=True),
                           3, 0, series=True)
    hours = np.array(base.series["time_hours"])
    queue = lambda result: np.array(result.series["queue_length.by_pool.met"])  # noqa: E731
    inside = (hours > START + 1) & (hours <= END)
    assert (queue(run)[inside] >= queue(base)[inside]).all() and queue(run)[inside].sum() > queue(base)[inside].sum()
    assert (queue(run)[hours < START] == queue(base)[hours < START]).all()
    for hub in ("north", "south"):
        assert of_hub(run.metrics, hub) != of_hub(base.metrics, hub)
    assert_same_metrics(of_hub(base.metrics, "east"), of_hub(run.metrics, "east"))


def test_a_pools_outage_in_fail_mode_fails_every_member_hubs_requests():
    base = mashsim.simulate(three_hubs(pooled=True), 3, 0).metrics
    run = mashsim.simulate(three_hubs({**LONG, "kind": "outage", "pool": "met", "mode": "fail"}, pooled=True),
                           3, 0).metrics
    for hub in ("north", "south"):
        assert base[f"all_signals_missed_rate.by_hub.{hub}.by_cause.desk_outage"] == 0.0
        assert run[f"all_signals_missed_rate.by_hub.{hub}.by_cause.desk_outage"] > 0.0
        assert run[f"all_signals_missed_rate.by_hub.{hub}.by_agency.police"] > \
            base[f"all_signals_missed_rate.by_hub.{hub}.by_agency.police"]
    assert_same_metrics(of_hub(base, "east"), of_hub(run, "east"))


def test_a_pools_outage_in_wait_mode_holds_its_queue_and_the_trace_says_so():
    from mashsim.report.trace_text import to_markdown
    from mashsim.trace import trace_run

    scenario = three_hubs({**WINDOW, "kind": "outage", "pool": "met", "mode": "wait"}, pooled=True)
    traced = trace_run(scenario, 3, 0)
    down = {hub: 0 for hub in HUBS}
    for case_id, hub in zip(traced.cases["id"], traced.cases["hub"]):
        for event in traced.events(int(case_id)):
            if event.kind == "desk down":
                assert event.detail["agency"] == "police" and START <= event.time_hours < END
                down[hub] += 1
            if event.kind == "returned" and event.detail["agency"] == "police" and hub != "east":
                assert not START < event.time_hours < END  # nobody at the pool can search
    assert down["north"] and down["south"] and not down["east"]
    case = next(int(i) for i, hub in zip(traced.cases["id"], traced.cases["hub"]) if hub == "south")
    assert "| hub | south |" in to_markdown(traced, case)


# ------------------------------------------------------------------------------ validation
@pytest.mark.parametrize("inject, path, words", [
    ({"kind": "surge", "factor": 2, "hub": "soth"}, "injects[0].hub", "no such hub; did you mean 'south'?"),
    ({"kind": "outage", "pool": "met", "hub": "north"}, "injects[0].hub", "leave out hub when you name a pool"),
    ({"kind": "outage", "pool": "mett"}, "injects[0].pool", "no such pool; did you mean 'met'?"),
    ({"kind": "outage"}, "injects[0]", "names agency (a hub's agency desk) or pool"),
    ({"kind": "outage", "agency": "health", "pool": "met"}, "injects[0]", "give one of them"),
    ({"kind": "absence", "staff": 1}, "injects[0]", "names role (a hub's role or agency desk) or pool"),
    ({"kind": "outage", "agency": "police", "hub": "north"}, "injects[0].agency",
     'the police desk in hub north is staffed by a team shared in pools: to act on that team, name it instead '
     'of the desk (pool = "met", without hub)'),
    ({"kind": "absence", "role": "police", "staff": 1}, "injects[0].role", "desk in hubs north, south is staffed"),
    ({"kind": "policy", "red_priority": False, "hub": "south"}, "injects[0].red_priority",
     "shares the queue of pool met with other hubs"),
    ({"kind": "policy", "queue_discipline": "fifo", "hub": "north"}, "injects[0].queue_discipline",
     "shares the queue of pool met with other hubs"),
    ({"kind": "surge", "factor": 2, "source": "helpline"}, "injects[0].source",
     "no such source in hubs north, south (an inject without hub acts on every hub)"),
    ({"kind": "policy", "ask": {"red": ["helth"]}, "hub": "east"}, "injects[0].ask.red.0", "did you mean 'health'"),
])
def test_a_bad_inject_in_a_scenario_with_hubs_is_named_by_its_path(inject, path, words):
    raw_sets = ('hubs.east.arrivals.sources.helpline={annual_contacts=100}',)
    with pytest.raises(ScenarioError) as caught:
        three_hubs({**WINDOW, **inject}, pooled=True, sets=raw_sets)
    assert [p.path for p in caught.value.problems] == [path], caught.value.report()
    assert words in caught.value.problems[0].message, caught.value.report()


def test_good_targets_pass():
    sets = ('hubs.east.arrivals.sources.helpline={annual_contacts=100}',)
    three_hubs(*({**WINDOW, **i} for i in [
        {"kind": "surge", "factor": 2, "source": "helpline", "hub": "east"},
        {"kind": "outage", "agency": "police", "hub": "east"},
        {"kind": "absence", "role": "agencies.health", "staff": 1},
        {"kind": "absence", "pool": "met", "staff": 1},
        {"kind": "policy", "red_priority": False},
        {"kind": "policy", "red_priority": False, "hub": "east"},
    ]), pooled=True, sets=sets)


def test_a_one_hub_scenario_takes_no_hub_and_names_its_pool_for_a_pooled_desk():
    raw = small_scenario_dict()
    raw["injects"] = [{**WINDOW, "kind": "surge", "factor": 2, "hub": "north"}]
    with pytest.raises(ScenarioError) as caught:
        build(raw)
    assert [(p.path, "leave out hub" in p.message) for p in caught.value.problems] == [("injects[0].hub", True)]
    raw["agencies"]["police"]["pool"] = "team"
    raw["pools"] = {"team": {"staff": 2, "out_of_hours_staff": 1}}
    raw["injects"] = [{**WINDOW, "kind": "outage", "agency": "police"}]
    with pytest.raises(ScenarioError) as caught:  # it used to fail in the run, with a KeyError
        build(raw)
    assert [p.path for p in caught.value.problems] == ["injects[0].agency"]
    assert 'pool = "team"' in caught.value.problems[0].message
    raw["injects"] = [{**LONG, "kind": "outage", "pool": "team", "mode": "fail"}]
    assert mashsim.simulate(build(raw), 3, 0).metrics["all_signals_missed_rate.by_cause.desk_outage"] > 0


def test_show_says_where_each_inject_acts_and_validate_names_a_mistyped_hub(capsys):
    from mashsim.cli import main

    assert main(["validate", "exercise-london-police-outage"]) == 0
    capsys.readouterr()
    assert main(["show", "exercise-london-police-outage"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"│ 1 │ surge\s+│ croydon\s+│", out) and re.search(r"│ 0 │ outage\s+│ pool\s", out), out
    assert main(["validate", "exercise-london-police-outage", "--set", "injects.1.hub=croydn"]) == 2
    err = capsys.readouterr().err
    assert "injects[1].hub = 'croydn': no such hub; did you mean 'croydon'?" in err and "Traceback" not in err


# ------------------------------------------------------------------------------ series
def test_series_of_a_run_with_hubs_are_per_hub_per_pool_and_summed():
    scenario = three_hubs(pooled=True)
    plain = mashsim.simulate(scenario, 8, 0)
    result = mashsim.simulate(scenario, 8, 0, series=True)
    assert plain.series is None
    assert_same_metrics(plain.metrics, result.metrics)  # sampling changes nothing
    series = result.series
    roles = ("contact_officers", "screeners", "managers")
    own = {"north": ("health", "education"), "south": ("health", "education"),
           "east": ("police", "health", "education")}
    names = ["time_hours", "open_contacts", *(f"queue_length.by_role.{r}" for r in roles),
             *(f"queue_length.by_agency.{a}" for a in ("health", "education", "police"))]
    for hub in HUBS:
        names += [f"open_contacts.by_hub.{hub}", *(f"queue_length.by_hub.{hub}.by_role.{r}" for r in roles),
                  *(f"queue_length.by_hub.{hub}.by_agency.{a}" for a in own[hub])]
    names.append("queue_length.by_pool.met")
    assert list(series) == names
    end = (scenario.run.warmup_days + scenario.run.horizon_days) * 24
    assert series["time_hours"] == [float(h) for h in range(int(end))]
    assert all(len(v) == len(series["time_hours"]) for v in series.values())
    for name in ("open_contacts", "queue_length.by_role.screeners", "queue_length.by_agency.health"):
        head, _, rest = name.partition(".")
        parts = [series[f"{head}.by_hub.{hub}" + (f".{rest}" if rest else "")] for hub in HUBS]
        assert series[name] == [sum(values) for values in zip(*parts)]
    assert series["queue_length.by_agency.police"] == series["queue_length.by_hub.east.by_agency.police"]
    assert max(series["queue_length.by_pool.met"]) > 0 and max(series["open_contacts.by_hub.east"]) > 0
    # between processes (run_replications with workers) they travel as arrays and come back as lists
    # again, whole numbers sharing their float objects
    again = pickle.loads(pickle.dumps(result))
    assert again.series == series and list(again.series) == names
    # NaN-aware: undefined metrics (no children; a concern with no contacts) are NaN
    assert_same_metrics(again.metrics, result.metrics)
    assert all(type(v) is list for v in again.series.values())
    values = again.series["queue_length.by_pool.met"]
    assert len({id(v) for v in values}) == len(set(values))
    frame = mashsim.run_replications(scenario, 2, seed=8, series=True).series_frame()
    assert set(frame["name"]) == set(names) - {"time_hours"} and set(frame["replication"]) == {0, 1}


# ------------------------------------------------------------------------------ the example
def test_the_london_exercise_loads_and_its_injects_act_on_a_short_run():
    sets = ["run.horizon_days=2.5"]  # to Wednesday noon: every inject has started
    exercise = mashsim.load_scenario("exercise-london-police-outage", sets)
    assert len(exercise.hubs) == 32 and [i.kind for i in exercise.injects] == ["outage", "surge", "absence"]
    quiet = mashsim.load_scenario("exercise-london-police-outage", [*sets, "injects=[]"])
    run, base = (mashsim.simulate(s, 1, series=True) for s in (exercise, quiet))
    hours = np.array(run.series["time_hours"])
    outage = (hours > 15.375 * 24 + 1) & (hours <= 15.375 * 24 + 4)
    pool = "queue_length.by_pool.met_police"
    assert np.array(run.series[pool])[outage].mean() > np.array(base.series[pool])[outage].mean()
    assert run.metrics["contacts_arrived.by_hub.croydon"] > base.metrics["contacts_arrived.by_hub.croydon"]
    assert run.metrics["contacts_arrived.by_hub.camden"] == base.metrics["contacts_arrived.by_hub.camden"]
    assert run.metrics["wait_hours.by_hub.camden.by_role.screeners"] > \
        base.metrics["wait_hours.by_hub.camden.by_role.screeners"]
    for m in (run.metrics, base.metrics):
        assert m["contacts_arrived"] == m["contacts_decided"] + m["contacts_open_at_end"]


# ------------------------------------------------------------------------------ the dashboard
def test_the_dashboard_offers_one_hub_scenarios_and_refuses_others_clearly():
    from mashsim.app import state

    names = state.shipped_names()
    assert "london-borough" in names and not {"london-wide", "london-pooled", "exercise-london-police-outage"} & set(names)
    with pytest.raises(ScenarioError) as caught:
        state.load_shipped("london-wide")
    assert [p.path for p in caught.value.problems] == ["hubs"]
    assert "this dashboard shows one hub, and this scenario has 32" in caught.value.problems[0].message
    with pytest.raises(ScenarioError, match="shows one hub"):
        state.load_upload("two.toml", b'extends = "london-wide.toml"\nname = "two"\n')


# ------------------------------------------------------------------------------ fingerprints and files
def test_a_one_hub_exercise_keeps_its_fingerprint_and_a_london_one_survives_export(tmp_path):
    from mashsim.scenario import scenario_hash
    from mashsim.scenario.exercise import export_exercise, load_exercise

    # the hash exercise-september-outage had before injects could name a hub or a pool (it changed,
    # rightly, with policy.queue_discipline and part_time, with the default's recalibrated task times
    # and with rag.<rag>.clock_starts; with the default's children and record-matching outcomes, and
    # with its concern pathways, and with the education desk's research time recalibrated to 27 (15-55):
    # the same file now runs differently)
    assert scenario_hash(mashsim.load_scenario("exercise-september-outage")) == "c502c6fbc07ec72e"
    london = mashsim.load_scenario("exercise-london-police-outage")
    path = tmp_path / "london-exercise.toml"
    path.write_text(export_exercise(london, seed=42, replications=london.run.replications))
    again = load_exercise(path)
    assert scenario_hash(again.scenario) == scenario_hash(london)
    assert [(i.hub, getattr(i, "pool", None)) for i in again.scenario.injects] == \
        [(None, "met_police"), ("croydon", None), ("camden", None)]
