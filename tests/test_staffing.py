"""`mashsim staff`: targets and their verdicts, the search against brute force on synthetic
monotone problems, the known optimum of a textbook queue (Erlang C) with common random numbers,
and bad input refused with exit 2."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mashsim.experiment import runner
from mashsim.experiment.staffing import UNSTABLE, Lever, search_staffing
from mashsim.experiment.stats import t_interval
from mashsim.experiment.targets import CLOSE, FAILS, MET, Target, judge, parse_target
from mashsim.metrics.names import metric_names
from mashsim.scenario import ScenarioError
from support import DEFAULT_SCENARIO, small_scenario
from test_cli import run_cli
from mashsim.validation.configs import single_desk
from mashsim.validation.theory import erlang_c

KNOWN = metric_names(small_scenario())


# ----------------------------------------------------------------------------- targets


@pytest.mark.parametrize("text,metric,op,threshold", [
    ("rag_breach_rate.red<=0.05", "rag_breach_rate.by_rag.red", "<=", 0.05),
    ("all_signals_missed_rate < 10%", "all_signals_missed_rate", "<", 0.10),
    ("utilisation.screeners>=0.5", "utilisation.by_role.screeners", ">=", 0.5),
    ("decision_delay_hours.by_rag.red.mean>2", "decision_delay_hours.by_rag.red.mean", ">", 2.0),
])
def test_targets_parse_with_short_metric_names(text, metric, op, threshold):
    target = parse_target(text, KNOWN)
    assert (target.metric, target.op) == (metric, op)
    assert target.threshold == pytest.approx(threshold)


@pytest.mark.parametrize("text,message", [
    ("all_signals_missed_rate=0.1", "expected METRIC<=X"),
    ("all_signals_missed_rate<=", "expected METRIC<=X"),
    ("all_signals_missed_rate<=abc", "expected METRIC<=X"),
    ("all_signals_missed_rat<=0.1", "did you mean all_signals_missed_rate"),
    ("utilisation.nobody<=0.1", "unknown metric"),
])
def test_bad_targets_name_the_option_and_value(text, message):
    with pytest.raises(ScenarioError) as caught:
        parse_target(text, KNOWN)
    report = caught.value.report()
    assert "--target" in report and repr(text) in report and message in report


def test_verdicts_use_the_one_sided_95_percent_bound():
    values = [0.03, 0.05, 0.04, 0.06, 0.05]
    one_sided = t_interval(values, 0.90)  # its upper end is the one-sided 95% upper bound
    evidence = judge(Target("m", "<=", one_sided.ci_high + 1e-9), values)
    assert evidence.verdict == MET and evidence.bound == pytest.approx(one_sided.ci_high)
    assert judge(Target("m", "<=", one_sided.ci_high - 1e-9), values).verdict == CLOSE
    assert judge(Target("m", "<=", one_sided.ci_low - 1e-9), values).verdict == FAILS
    assert judge(Target("m", ">=", one_sided.ci_low - 1e-9), values).verdict == MET
    assert judge(Target("m", ">", one_sided.ci_high + 1e-9), values).verdict == FAILS
    # the two-sided 95% interval is reported alongside
    two_sided = t_interval(values)
    assert (evidence.ci_low, evidence.ci_high) == pytest.approx((two_sided.ci_low, two_sided.ci_high))
    # an undefined metric decides nothing
    assert judge(Target("m", "<=", 1.0), [math.nan, math.nan, 0.1]).verdict == CLOSE


# ----------------------------------------------------------------------------- the search, on synthetic problems


class Synthetic:
    """A monotone problem with known answer: metric k at a mix is ``slope_k · deficit + noise(r)``,
    where the noise depends only on the replication (common random numbers) and is small."""

    def __init__(self, levers, needs, seed=0, noise=0.01):
        self.levers, self.needs = levers, needs
        self.noise = np.random.default_rng(seed).normal(0, noise, 1000)
        self.calls: list[tuple[tuple, range]] = []

    def true_value(self, mix, need):
        return float(sum(max(0, n - v) for v, n in zip(mix, need)))  # 0 once every need is covered

    def __call__(self, settings, indices):
        mix = tuple(settings[lv.path] for lv in self.levers)
        self.calls.append((mix, indices))
        return [[self.true_value(mix, need) + self.noise[r] for need in self.needs] for r in indices]


def brute_force(levers, needs):
    """Every mix, cheapest feasible first (feasible: each metric's true value is 0, below 0.5)."""
    mixes = itertools.product(*(lv.values for lv in levers))
    cost = lambda m: sum(lv.cost * v for lv, v in zip(levers, m))
    feasible = [m for m in mixes if all(sum(max(0, n - v) for v, n in zip(m, need)) == 0 for need in needs)]
    return sorted(feasible, key=cost), cost


@st.composite
def problems(draw):
    k = draw(st.integers(1, 3))
    levers = []
    for i in range(k):
        low = draw(st.integers(0, 3))
        levers.append(Lever(f"agencies.d{i}.staff", low, low + draw(st.integers(0, 4)),
                            draw(st.sampled_from([1.0, 2.0, 3.0, 4.5]))))
    needs = [tuple(draw(st.integers(lv.low, lv.high + 1)) for lv in levers) for _ in range(draw(st.integers(1, 2)))]
    return levers, needs


@given(problems())
def test_search_finds_the_cheapest_feasible_mix_and_runner_up(problem):
    levers, needs = problem
    model = Synthetic(levers, needs)
    targets = [Target(f"m{k}", "<=", 0.5) for k in range(len(needs))]
    result = search_staffing(levers, targets, model, seed=1, replications=3, max_replications=12)
    feasible, cost = brute_force(levers, needs)
    if not feasible:
        assert result.chosen is None and result.closest() is not None
        return
    assert result.chosen is not None and result.chosen.met
    assert result.chosen.cost == pytest.approx(cost(feasible[0]))
    assert result.chosen.mix in feasible
    others = [m for m in feasible if m != result.chosen.mix and not all(a >= b for a, b in zip(m, result.chosen.mix))]
    if others:
        assert result.runner_up is not None and result.runner_up.cost == pytest.approx(cost(others[0]))
        assert result.runner_up.mix in feasible
    else:
        assert result.runner_up is None
    # common random numbers: every mix asked for replications 0, 1, ... and nothing else
    for mix in {m for m, _ in model.calls}:
        asked = [r for m, indices in model.calls if m == mix for r in indices]
        assert asked == list(range(len(asked)))
    assert not result.warnings


def test_search_runs_few_of_many_mixes():
    levers = [Lever("agencies.police.staff", 1, 8, 3.0), Lever("roles.screeners.staff", 2, 6, 2.0)]
    model = Synthetic(levers, [(5, 4)])
    result = search_staffing(levers, [Target("m", "<=", 0.5)], model, seed=1, replications=3)
    assert result.chosen.mix == (5, 4)
    assert result.mixes == 40 and len(result.evaluated) <= 16


def test_close_decisions_get_more_replications_up_to_the_cap():
    levers = [Lever("agencies.police.staff", 1, 3)]

    def replicate(settings, indices):
        # at 2 staff the metric sits on the threshold: no number of replications can decide it
        centre = {1: 1.0, 2: 0.5, 3: 0.0}[settings["agencies.police.staff"]]
        return [[centre + (0.1 if r % 2 else -0.1)] for r in indices]

    result = search_staffing(levers, [Target("m", "<=", 0.5)], replicate, seed=1, replications=4, max_replications=20)
    runs = {r.mix: r for r in result.evaluated}
    assert runs[(2,)].replications == 20 and runs[(2,)].verdict == CLOSE  # 4, 8, 16, then the cap
    assert runs[(3,)].replications == 4 and runs[(3,)].met
    assert result.chosen.mix == (3,)


def test_one_fewer_in_each_role_is_run_and_contradictions_are_warned_about():
    levers = [Lever("agencies.police.staff", 1, 3), Lever("roles.screeners.staff", 1, 2)]
    # not monotone: (3, 1) fails but the smaller (2, 1) meets the targets
    meets = {(3, 2), (2, 2), (2, 1)}

    def replicate(settings, indices):
        mix = (settings["agencies.police.staff"], settings["roles.screeners.staff"])
        return [[(0.0 if mix in meets else 1.0) + 0.001 * r] for r in indices]

    result = search_staffing(levers, [Target("m", "<=", 0.5)], replicate, seed=1, replications=3)
    assert result.chosen.mix == (2, 2)
    assert sorted(r.mix for r in result.fewer) == [(1, 2), (2, 1)]
    assert [r.met for r in sorted(result.fewer, key=lambda r: r.mix)] == [False, True]
    cheaper = [w for w in result.warnings if "also meets" in w]
    assert len(cheaper) == 1 and "agencies.police.staff=2, roles.screeners.staff=1" in cheaper[0]
    # and the pairs of mixes run where more staff did worse, paired beyond noise, are reported
    worse = [w for w in result.warnings if w.startswith("more staff made m worse")]
    assert any("agencies.police.staff=3, roles.screeners.staff=1 against agencies.police.staff=2, "
               "roles.screeners.staff=1" in w for w in worse), result.warnings
    assert len(worse) + len(cheaper) == len(result.warnings)


def test_more_staff_worse_beyond_noise_is_reported_and_noise_alone_is_not():
    """The check of the assumption on the mixes run: a larger mix worse on every paired replication is
    reported; one worse by noise only (paired differences of both signs) is not."""
    levers = [Lever("agencies.police.staff", 1, 3)]
    noise = np.random.default_rng(5).normal(0, 0.05, 100)

    def replicate_with(penalty):
        def replicate(settings, indices):
            staff = settings["agencies.police.staff"]
            return [[{1: 1.0, 2: 0.2, 3: 0.2 + penalty}[staff] + noise[r] + 0.01 * (staff == 3) * noise[r + 50]]
                    for r in indices]
        return replicate

    worse = search_staffing(levers, [Target("m", "<=", 0.5)], replicate_with(0.1), seed=1, replications=10)
    assert [w for w in worse.warnings if "police.staff=3 against agencies.police.staff=2" in w]
    level = search_staffing(levers, [Target("m", "<=", 0.5)], replicate_with(0.0), seed=1, replications=10)
    assert not level.warnings


def test_an_unstable_mix_never_meets_the_targets_whatever_its_figures():
    """The growth columns after the targets': a mix whose backlog grows is refused even where its
    target reads met (a collapsing hub's figures can look good), and said to be unstable."""
    levers = [Lever("roles.managers.staff", 1, 3)]

    def replicate(settings, indices):
        staff = settings["roles.managers.staff"]
        growth = {1: 0.08, 2: 0.0, 3: 0.0}[staff]
        # the target metric reads *better* at one manager, as the old working-day breach rate did
        return [[{1: 0.2, 2: 0.3, 3: 0.25}[staff] + 0.001 * r, growth + 0.002 * (r % 3 - 1)] for r in indices]

    replicate.growth = ["backlog_growth"]
    result = search_staffing(levers, [Target("working_day_breach_rate", "<=", 0.4)], replicate, seed=1,
                             replications=4)
    runs = {r.mix: r for r in result.evaluated}
    assert runs[(1,)].verdict == UNSTABLE and not runs[(1,)].met and not runs[(1,)].stable
    assert all(e.verdict == MET for e in runs[(1,)].evidence)  # its figure alone would pass
    assert result.chosen.mix == (2,)
    as_json = result.to_dict()
    assert as_json["unstable"] == [{"roles.managers.staff": 1}]
    refused = [m for m in as_json["evaluated"] if m["verdict"] == "unstable"]
    assert refused and refused[0]["stability"]["stable"] is False


def test_a_monotone_problem_gives_no_warning_and_one_fewer_fails():
    levers = [Lever("agencies.police.staff", 1, 8, 3.0), Lever("roles.screeners.staff", 2, 6, 2.0)]
    result = search_staffing(levers, [Target("m", "<=", 0.5)], Synthetic(levers, [(5, 4)]), seed=1, replications=3)
    assert sorted(r.mix for r in result.fewer) == [(4, 4), (5, 3)]
    assert not any(r.met for r in result.fewer) and not result.warnings


# ----------------------------------------------------------------------------- a textbook queue, simulated


WAIT = 0.2  # hours: between Erlang C's mean waits at c-1 and c researchers for both desks below


def _toml(raw) -> str:
    """The two-desk scenario as TOML (inline tables keep it short)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"

    return "\n".join(f"{key} = {value(v)}" for key, v in raw.items()) + "\n"


def least_staff(mu: float, limit: float) -> int:
    """The fewest researchers whose Erlang C mean wait is at most ``limit`` (arrivals 2 an hour)."""
    c = math.floor(2.0 / mu) + 1
    while erlang_c(2.0, mu, c).wq > limit:
        c += 1
    return c


@pytest.fixture(scope="module")
def textbook(tmp_path_factory):
    """Poisson contacts at 2 an hour, each researched by two desks with exponential service:
    desk (mean 60 min) and desk2 (mean 40 min); the hub waits for both. The validation suite's
    M/M/c desk, with a second desk beside it."""
    scenario = single_desk(2.0, {"dist": "exponential", "mean": 60.0}, 4, horizon_days=10, warmup_days=2)
    raw = scenario.model_dump(mode="json", exclude_none=True)
    raw["agencies"]["desk2"] = {**raw["agencies"]["desk"], "research_minutes": {"dist": "exponential", "mean": 40.0}}
    raw["policy"]["ask"]["red"] = ["desk", "desk2"]
    path = tmp_path_factory.mktemp("staff") / "two-desks.toml"
    path.write_text(_toml(raw))
    return path


def test_staff_finds_the_erlang_c_optimum_with_common_random_numbers(textbook, capsys, monkeypatch):
    expected = {"agencies.desk.staff": least_staff(1.0, WAIT), "agencies.desk2.staff": least_staff(1.5, WAIT)}
    assert expected == {"agencies.desk.staff": 4, "agencies.desk2.staff": 3}
    calls = []
    real = runner.simulate

    def recording(scenario, seed, replication, **kwargs):
        calls.append((scenario.agencies["desk"].staff, scenario.agencies["desk2"].staff, seed, replication))
        return real(scenario, seed, replication, **kwargs)

    monkeypatch.setattr(runner, "simulate", recording)
    code, out, err = run_cli(capsys, "staff", textbook, "--target", f"wait_hours.desk<={WAIT}",
                             "--target", f"wait_hours.desk2<={WAIT}", "--vary", "agencies.desk.staff=2..6",
                             "--vary", "agencies.desk2.staff=1..4", "--cost", "agencies.desk.staff=3",
                             "--cost", "agencies.desk2.staff=2", "-r", "4", "--seed", "5", "--workers", "1", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["found"] and answer["chosen"]["staff"] == expected
    assert answer["chosen"]["cost"] == 3 * 4 + 2 * 3
    for evidence in answer["chosen"]["targets"]:
        assert evidence["verdict"] == "met" and evidence["bound"] <= WAIT
    assert answer["mixes"]["in_ranges"] == 20 and answer["mixes"]["run"] < 20
    assert answer["seed"] == 5 and answer["scenario"]["hash"] and answer["mashsim_version"]
    # common random numbers: every mix ran replications 0 .. n-1 on seed 5
    by_mix: dict[tuple, list[int]] = {}
    for desk, desk2, seed, replication in calls:
        assert seed == 5
        by_mix.setdefault((desk, desk2), []).append(replication)
    assert all(reps == list(range(len(reps))) for reps in by_mix.values())
    assert len(by_mix) == answer["mixes"]["run"]


def test_staff_prints_the_mix_its_evidence_and_the_assumption(textbook, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = run_cli(capsys, "staff", textbook, "--target", f"wait_hours.desk<={WAIT}",
                             "--vary", "agencies.desk.staff=3..5", "-r", "3", "--seed", "5", "--workers", "1")
    assert code == 0, err
    assert "Chosen: agencies.desk.staff=4 · cost 4" in out
    assert "common random numbers" in out and "Assumption" in out
    assert "Mixes run" in out


def test_staff_says_when_no_mix_meets_the_targets(textbook, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = run_cli(capsys, "staff", textbook, "--target", "wait_hours.desk<=0.001",
                             "--target", f"wait_hours.desk2<={WAIT}", "--vary", "agencies.desk.staff=3..4",
                             "--vary", "agencies.desk2.staff=3..4", "-r", "3", "--workers", "1")
    assert code == 0, err
    assert "No mix in the ranges meets every target" in out
    assert "Closest to being met" in out and "wait_hours.desk<=0.001" in out


# ----------------------------------------------------------------------------- bad input


BAD = [
    (["--vary", "agencies.polise.staff=1..3"], "--vary", "did you mean 'agencies.police.staff'"),
    (["--vary", "agencies.police.staff=3..1"], "--vary", "the range is reversed (3..1)"),
    (["--vary", "agencies.police.staff="], "--vary", "expected PATH=LO..HI"),
    (["--vary", "agencies.police.staff=1..x"], "--vary", "expected PATH=LO..HI"),
    (["--vary", "policy.decide_at_deadline=0..1"], "--vary", "is not a staffing field"),
    (["--target", "all_signals_missed_rate=0.1"], "--target", "expected METRIC<=X"),
    (["--target", "all_signals_missed_rat<=0.1"], "--target", "did you mean all_signals_missed_rate"),
    (["--cost", "roles.screeners.staff=4"], "--cost", "roles.screeners.staff is not varied"),
    (["--cost", "agencies.police.staff=-3"], "--cost", "a number 0 or more"),
    (["--max-replications", "2"], "--max-replications", "must be at least --replications (3)"),
    (["--vary", "agencies.police.staff=0..2"], "--vary (at agencies.police.staff=0)", "staff > 0"),
]


@pytest.mark.parametrize("extra,field,message", BAD, ids=[b[1] + ":" + b[0][-1] for b in BAD])
def test_bad_staff_input_exits_2_naming_option_value_and_what_is_allowed(extra, field, message, capsys):
    args = ["staff", DEFAULT_SCENARIO, "-r", "3"]
    defaults = {"--target": ["--target", "all_signals_missed_rate<=0.9"],
                "--vary": ["--vary", "agencies.police.staff=1..2"]}
    for option, pair in defaults.items():
        if option not in extra:
            args += pair
    code, out, err = run_cli(capsys, *args, *extra)
    assert code == 2
    assert field in err and message in err
    assert "Traceback" not in err and out == ""


def test_a_missing_scenario_exits_2(tmp_path, capsys):
    code, _, err = run_cli(capsys, "staff", tmp_path / "nowhere.toml", "--target", "all_signals_missed_rate<=0.9",
                           "--vary", "agencies.police.staff=1..2")
    assert code == 2 and "nowhere.toml" in err and "file not found" in err


def test_workers_do_not_change_the_answer(textbook, capsys):
    args = ["staff", textbook, "--target", f"wait_hours.desk<={WAIT}", "--vary", "agencies.desk.staff=3..5",
            "-r", "3", "--seed", "5", "--json"]
    serial = json.loads(run_cli(capsys, *args, "--workers", "1")[1])
    pooled = json.loads(run_cli(capsys, *args, "--workers", "2")[1])
    assert serial == pooled


def test_with_hubs_the_search_varies_each_hubs_own_staff_and_each_pools():
    """Top-level tables are only defaults when there are hubs; a pooled desk is varied as its pool."""
    from mashsim.experiment.staffing import staff_fields
    from support import build, small_scenario_dict

    raw = small_scenario_dict()
    raw["hubs"] = {"north": {}, "south": {}}
    raw["pools"] = {"met": {"staff": 2}}
    raw["agencies"]["police"]["pool"] = "met"
    fields = staff_fields(build(raw))
    assert {"hubs.north.roles.screeners.staff", "hubs.south.agencies.health.out_of_hours_staff",
            "pools.met.staff", "pools.met.out_of_hours_staff"} <= set(fields)
    assert not [f for f in fields if f.startswith(("roles.", "agencies.")) or "agencies.police" in f]
    assert all(f.startswith(("roles.", "agencies.")) for f in staff_fields(small_scenario()))
