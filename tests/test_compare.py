"""``mashsim compare``: the same children in both runs, an accounting that adds up to the aggregate
metrics, the same result on any number of workers, and bad input refused whole."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from mashsim.cli import main
from mashsim.experiment.children import NotTheSameChildren, paired_children, subject_column, totals
from mashsim.experiment.compare import compare, compare_replication
from mashsim.experiment.engines import open_engine
from mashsim.experiment.stats import t_interval
from mashsim.replication import simulate
from mashsim.scenario import load_scenario

SHORT = ["run.horizon_days=56", "run.warmup_days=7"]
POLICE = ["agencies.police.staff=4"]  # london-borough has 3 police researchers: one more


def _pair(changes: list[str], name: str = "london-borough", base: list[str] = SHORT):
    return load_scenario(name, base), load_scenario(name, [*base, *changes])


@pytest.mark.parametrize("change", [POLICE, ["roles.screeners.staff=4"], ["policy.decide_at_deadline=false"],
                                    ["policy.queue_discipline=fifo"]])
def test_contact_ids_name_the_same_children_across_staffing_and_policy(change):
    # arrivals are drawn from streams staffing and policy do not touch: the counted first contacts of
    # both runs have the same ids, each arriving at the same moment from the same source with the same
    # risk, about the same child (a child's returns follow the hub's decisions: they may differ)
    base, alt = _pair(change)
    for replication in (0, 1):
        runs = [simulate(s, 42, replication, record=True) for s in (base, alt)]
        keyed = [{r["contact_id"]: (r["arrived_h"], r["source"], r["true_risk"], r["concern"], r["child"])
                  for r in run.records if r["child_return"] == 0} for run in runs]
        assert keyed[0] == keyed[1]
        returns = sum(r["child_return"] > 0 for r in runs[0].records)
        assert returns > 0 and len(keyed[0]) + returns == runs[0].metrics["contacts_arrived"]


def test_police_researcher_helps_children_and_the_totals_are_the_paired_difference():
    base, alt = _pair(POLICE)
    result = compare(base, alt, POLICE, replications=3, seed=42)
    accounting = result.accounting()
    # every headline metric rebuilt from the children equals the collector's, in both runs of every replication
    assert accounting["balanced"].all()
    assert (accounting["difference"] - accounting["from_children"]).abs().max() < 1e-12
    frame = result.totals_frame()
    assert frame["children_helped"].sum() > 0  # the children helped are listed ...
    children = result.children_frame()
    assert set(children.loc[children["effect"] == "helped", "replication"]) <= {0, 1, 2}
    for p in result.replications:
        t = p.totals
        rows = children[children["replication"] == p.replication]
        # ... and they add up: per replication, the children's changes are the totals
        assert t["children_helped"] == (rows["effect"] == "helped").sum()
        assert t["net.reached"] == rows["d_reached"].sum() == t["signals_gained"] - t["signals_lost"]
        assert t["signals_gained.police"] == rows["gained_police"].sum()
        assert t["net.day_breach"] == t["day_breaches_caused"] - t["day_breaches_avoided"]
        # each run's numerator is its rate times its denominator, so the children's net change in the
        # numerator is the paired difference of the two (the denominators differ by the children's
        # returns, which follow the hub's decisions)
        alt_held, alt_counted = t["base.held"] + t["net.held"], t["base.counted"] + t["net.counted"]
        missed = (p.collector["alt"]["all_signals_missed_rate"] * alt_held
                  - p.collector["base"]["all_signals_missed_rate"] * t["base.held"])
        assert math.isclose(missed, t["net.missed"], abs_tol=1e-6)
        day = (p.collector["alt"]["working_day_breach_rate"] * alt_counted
               - p.collector["base"]["working_day_breach_rate"] * t["base.counted"])
        assert math.isclose(day, t["net.day_breach"], abs_tol=1e-6)


def test_an_understaffed_police_desk_helped_by_two_more_researchers():
    # a statistical claim, tested as one: the 95% t-interval over 6 paired replications of the signals
    # that now reach the decision lies above 0 (police at 1 FTE are far behind; +2 FTE is a large change)
    base, alt = _pair(["agencies.police.staff=3"], base=[*SHORT, "agencies.police.staff=1"])
    result = compare(base, alt, ["agencies.police.staff=3"], replications=6, seed=11)
    interval = t_interval(result.totals_frame()["net.reached"].to_numpy(dtype=float))
    assert interval.ci_low > 0
    assert result.intervals()["children_helped"].ci_low > 0


def test_the_same_children_on_any_number_of_workers():
    base, alt = _pair(POLICE)
    serial = compare(base, alt, POLICE, replications=4, seed=3)
    with open_engine("local", 2) as engine:
        parallel = compare(base, alt, POLICE, replications=4, seed=3, executor=engine.executor, slots=engine.slots)
    pd.testing.assert_frame_equal(serial.children_frame(), parallel.children_frame())
    pd.testing.assert_frame_equal(serial.totals_frame(), parallel.totals_frame())
    assert serial.to_dict() == parallel.to_dict()


def test_a_change_to_the_arrivals_is_refused():
    base, alt = _pair(["arrivals.scale=1.2"])
    with pytest.raises(NotTheSameChildren, match="same children"):
        compare_replication(base, alt, 42, 0)


def test_a_scenario_with_hubs_names_children_by_arrival_within_their_hub():
    # london-wide's 32 boroughs run one after another; a borough's run-out (which staffing changes)
    # moves the next boroughs' contact ids, yet each child is found by its rank within its hub
    base, alt = _pair(["hubs.barnet.agencies.police.staff=8"], "london-wide",
                      ["run.horizon_days=14", "run.warmup_days=3"])
    p = compare_replication(base, alt, 42, 0)
    assert all(p.collector[s]["contacts_arrived"] == p.rebuilt[s]["contacts_arrived"] for s in ("base", "alt"))
    changed_hubs = set(p.changed["hub"])
    assert changed_hubs <= {"barnet"}  # the other boroughs share no team with Barnet: nothing changed there


def _record(contact_id: int, **fields) -> dict:
    row = {"contact_id": contact_id, "source": "police", "backlog": False, "arrived_h": float(contact_id),
           "true_risk": "high", "concern": "neglect", "urgent_flag": False, "rag": "amber", "screened_h": 1.0,
           "deadline_h": 10.0, "decided_h": 5.0, "decision_delay_h": 5.0, "decided_rag": "amber", "outcome": "s17",
           "rag_breach": False, "working_day_breach": False, "under_triaged": False, "signals_held": 1,
           "signals_missed": 0, "signals_avoidable": 0, "correct_outcome": "s17", "signal_police": "reached"}
    row.update(fields)
    return row


_CHANGES = st.fixed_dictionaries({
    "signal_police": st.sampled_from(["reached", "late", None]),
    "rag_breach": st.booleans(), "working_day_breach": st.booleans(),
    "outcome": st.sampled_from(["nfa", "early_help", "s17", "s47", None]),
})


@given(st.lists(st.tuples(_CHANGES, _CHANGES), min_size=1, max_size=12))
def test_children_totals_add_up_whatever_changed(pairs):
    base, alt = [], []
    for i, (before, after) in enumerate(pairs):
        for side, change in ((base, before), (alt, after)):
            held = change["signal_police"] is not None and change["outcome"] is not None
            side.append(_record(i, **{**change, "signals_held": int(held),
                                       "signals_missed": int(held and change["signal_police"] != "reached"),
                                       "signal_police": change["signal_police"] if change["outcome"] else None,
                                       "decided_h": 5.0 if change["outcome"] else None}))
    children = paired_children(base, alt, ["police"])
    t = totals(children, ["police"])
    assert t["children_helped"] + t["children_harmed"] + t["children_mixed"] <= len(pairs)
    assert t["net.reached"] == t["signals_gained"] - t["signals_lost"]
    assert t["net.rag_breach"] == t["rag_breaches_caused"] - t["rag_breaches_avoided"]
    unchanged = children["effect"] == "unchanged"
    assert (children.loc[unchanged, "score"] == 0).all()
    assert (children.loc[children["effect"] == "helped", "score"] > 0).all()
    assert (children.loc[children["effect"] == "harmed", "score"] < 0).all()


def test_a_signal_gained_from_one_agency_and_lost_from_another_is_mixed():
    agencies = ["police", "health"]
    base = [_record(0, signals_held=2, signals_missed=1, signal_police="reached", signal_health="late")]
    alt = [_record(0, signals_held=2, signals_missed=1, signal_police="late", signal_health="reached")]
    child = paired_children(base, alt, agencies).iloc[0]
    assert (child["effect"], child["score"], child["d_reached"]) == ("mixed", 0, 0)
    assert (child["gained_health"], child["lost_police"]) == (1, 1)


def test_a_case_open_at_the_end_of_both_runs_has_no_changed_outcome():
    open_case = _record(0, outcome=None, decided_h=None, decision_delay_h=None, signals_missed=None,
                        signal_police=None)
    child = paired_children([open_case], [dict(open_case)], ["police"]).iloc[0]
    assert (child["outcome_changed"], child["effect"]) == (0, "unchanged")


def test_the_same_records_change_nothing():
    records = simulate(load_scenario("london-borough", SHORT), 42, 0, record=True).records
    children = paired_children(records, records, ["police", "health", "education", "social_care", "housing",
                                                  "probation"])
    assert (children["effect"] == "unchanged").all()
    assert (children.filter(regex="^d_").to_numpy() == 0).all()


def test_a_child_with_several_contacts_is_one_subject():
    # where records name the child (repeat contacts), the child is the subject and its counts are summed
    base = [_record(0, child=7), _record(1, child=7, signal_police="late", signals_missed=1), _record(2, child=8)]
    alt = [_record(0, child=7), _record(1, child=7), _record(2, child=8)]
    assert subject_column(pd.DataFrame(base).columns) == "child"
    children = paired_children(base, alt, ["police"])
    assert list(children["child"]) == [7, 8]
    assert children.set_index("child").loc[7, "d_reached"] == 1
    assert list(children["effect"]) == ["helped", "unchanged"]


def test_a_childs_returns_may_differ_between_the_runs_but_its_first_contacts_may_not():
    # returns follow the hub's decisions: one in the alternative only, for child 7 and for child 9 (whose
    # first contact came before the window); a child in one run only counts 0 in the other
    base = [_record(0, child=7, child_return=0), _record(1, child=8, child_return=0)]
    alt = [*base, _record(5, child=7, child_return=1), _record(6, child=9, child_return=2)]
    children = paired_children(base, alt, ["police"]).set_index("child")
    assert list(children.index) == [7, 8, 9]
    assert (children.loc[7, "counted_base"], children.loc[7, "counted_alt"]) == (1, 2)
    assert (children.loc[9, "contact_id_base"], children.loc[9, "counted_base"], children.loc[9, "counted_alt"]) == (-1, 0, 1)
    assert totals(children.reset_index(), ["police"])["net.counted"] == 2
    moved = [_record(0, child=7, child_return=0, arrived_h=0.5), _record(1, child=8, child_return=0)]
    with pytest.raises(NotTheSameChildren, match="1 arrive at another time"):
        paired_children(base, moved, ["police"])
    with pytest.raises(NotTheSameChildren, match="1 children are in one run only"):
        paired_children(base, [*base, _record(2, child=10, child_return=0)], ["police"])


# ------------------------------------------------------------------------------------ the command line

def _cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


BASE_SET = [arg for setting in SHORT for arg in ("--base-set", setting)]


def test_compare_json_carries_scenario_seed_and_version(capsys):
    code, out, _ = _cli(capsys, "compare", "london-borough", "--set", POLICE[0], *BASE_SET, "-r", "2",
                        "--workers", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["scenario"]["name"] == "london-borough" and data["seed"] == 42 and data["mashsim_version"]
    assert data["alternative"]["changes"] == POLICE and data["balanced"] is True
    assert len(data["totals"]["children_helped"]["values"]) == 2


def test_a_change_that_changes_no_child_says_so(capsys):
    # a cost is no model input: both runs are the same, child by child
    code, out, err = _cli(capsys, "compare", "london-borough", "--set", "agencies.police.annual_cost=1", *BASE_SET,
                          "-r", "2", "--workers", "1")
    assert code == 0, err
    assert "No child's case changed." in out


def test_the_cli_gives_the_same_answer_on_one_worker_or_two(capsys):
    answers = []
    for workers in ("1", "2"):
        code, out, _ = _cli(capsys, "compare", "london-borough", "--set", POLICE[0], *BASE_SET, "-r", "3",
                            "--workers", workers, "--json")
        assert code == 0
        answers.append(json.loads(out))
    assert answers[0] == answers[1]


def test_compare_writes_its_folder_whole(capsys, tmp_path):
    out = tmp_path / "cmp"
    code, text, err = _cli(capsys, "compare", "london-borough", "--set", POLICE[0], *BASE_SET, "-r", "2",
                           "--workers", "1", "--out", out)
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == {"children.parquet", "children.csv", "totals.parquet", "accounting.csv",
                                              "summary.json", "summary.md"}
    children = pd.read_parquet(out / "children.parquet")
    assert {"scenario", "seed", "mashsim_version", "effect", "gained_police"} <= set(children.columns)
    summary = (out / "summary.md").read_text()
    assert "children helped" in summary and "| when | baseline |" in summary
    # each narrated child's story goes on past its first contact: its later contacts in each run
    assert summary.count("## A child") == summary.count("later contact") > 0
    assert "children helped" in text and "A child helped" in text


@pytest.mark.parametrize("args, words", [
    ([], "compare needs a change"),
    (["--set", "run.horizon_days=30"], "--base-set"),
    (["--set", "arrivals.scale=2"], "changes which children arrive"),
    (["--set", "agencies.polize.staff=4"], "polize"),
    (["--set", "agencies.police.staff=4", "--desk", "agencies.police"], "goes with --per-fte"),
])
def test_bad_changes_are_refused_with_exit_2(capsys, tmp_path, args, words):
    out = tmp_path / "never"
    code, text, err = _cli(capsys, "compare", "london-borough", *args, "--out", out)
    assert code == 2
    assert words in err and text == ""
    assert not out.exists()


# ------------------------------------------------------------------------------ the marginal value of staff

def test_per_fte_gives_each_desk_a_paired_curve_and_the_same_per_pound():
    from mashsim.experiment.marginal import desks, marginal_values

    base = load_scenario("london-borough", SHORT)
    chosen = [d for d in desks(base) if d.name in ("agencies.police", "roles.screeners")]
    assert [(d.staff, d.annual_cost) for d in chosen] == [(5.0, 62000.0), (3.0, 55000.0)]
    make = lambda path, staff: load_scenario("london-borough", [*SHORT, (path, staff)])  # noqa: E731
    frame = marginal_values(base, make, chosen, 2, ["rag_breach_rate"], 3, 42)
    assert list(zip(frame["desk"], frame["added_fte"])) == [("roles.screeners", 1), ("roles.screeners", 2),
                                                           ("agencies.police", 1), ("agencies.police", 2)]
    # each point is the paired difference of the very runs compare makes
    one = compare(base, load_scenario("london-borough", [*SHORT, "agencies.police.staff=4"]), POLICE, 3, 42)
    police = frame[(frame["desk"] == "agencies.police") & (frame["added_fte"] == 1)].iloc[0]
    assert math.isclose(police["mean"], one.differences()["rag_breach_rate"].mean, abs_tol=1e-15)
    assert police["cost"] == 55000.0
    assert math.isclose(police["per_100k_mean"], police["mean"] * 100_000 / 55_000)
    with open_engine("local", 2) as engine:
        again = marginal_values(base, make, chosen, 2, ["rag_breach_rate"], 3, 42, executor=engine.executor,
                                slots=engine.slots)
    pd.testing.assert_frame_equal(frame, again)


def test_a_cost_changes_no_fingerprint():
    from mashsim.scenario import scenario_hash

    base = load_scenario("london-borough")
    assert scenario_hash(base) == scenario_hash(load_scenario("london-borough", ["agencies.police.annual_cost=1"]))
    assert scenario_hash(base) != scenario_hash(load_scenario("london-borough", ["agencies.police.staff=4"]))


def test_per_fte_writes_its_table_and_chart(capsys, tmp_path):
    out = tmp_path / "fte"
    code, text, err = _cli(capsys, "compare", "london-borough", "--per-fte", "--desk", "agencies.police",
                           "--max-fte", "1", "-r", "2", "--workers", "1", *BASE_SET, "--metric", "rag_breach_rate.red",
                           "--out", out)
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == {"per_fte.csv", "per_fte.png", "summary.json", "summary.md"}
    frame = pd.read_csv(out / "per_fte.csv")
    assert list(frame["metric"]) == ["rag_breach_rate.by_rag.red"] and set(frame["seed"]) == {42}
    assert (out / "per_fte.png").read_bytes()[:4] == b"\x89PNG"
    assert "police" in text and "per £100k" in text


@pytest.mark.parametrize("args, option", [
    (["--set", "agencies.police.staff=4"], "--set"),
    (["--desk", "agencies.polize"], "--desk"),
    (["--metric", "no_such_metric"], "--metric"),
])
def test_per_fte_refuses_bad_input_with_exit_2(capsys, tmp_path, args, option):
    out = tmp_path / "never"
    code, text, err = _cli(capsys, "compare", "london-borough", "--per-fte", *args, "--out", out)
    assert code == 2 and option in err and text == ""
    assert not out.exists()
