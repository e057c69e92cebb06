"""Concern pathways: a concern's own risk mix, holds, asks and rules, and every metric by concern.

The paired test switches FGM's mandatory report to police on and off with the same seeds. A
contact's draws are its own (common random numbers), and screening comes before any desk, so the
other concerns' arrivals, RAGs at screening and screened-out signals are the same bit for bit
(without the scenario's children: their returns follow decisions, see the fixture). Their
waits are not: FGM contacts that were screened out now join the managers' and police queues that
every concern shares, so the other concerns' delays and breaches move by that extra load only
(about 1 FGM contact in 100); the test bounds that move statistically.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mashsim
from mashsim.scenario.errors import ScenarioError
from mashsim.model.arrivals import _draw_index
from mashsim.model.concerns import draw_risk, risk_table
from mashsim.scenario.schema import CONCERNS, RISK_LEVELS, RiskMix

SHORT = ["run.horizon_days=91", "run.warmup_days=14"]
RULE = "concerns.fgm.mandatory_report_to=police"
SEEDS = range(1, 9)  # eight paired replications
T_975_7 = 2.365  # Student's t, 97.5% quantile, 7 degrees of freedom
OTHERS = [c for c in CONCERNS if c not in ("fgm", "cse")]  # cse: none arrive in london-borough


def by_concern(name: str, concern: str) -> str:
    head, _, rest = name.partition(".")
    return f"{head}.by_concern.{concern}" + (f".{rest}" if rest else "")


@pytest.fixture(scope="module")
def paired() -> list[tuple[dict, dict]]:
    # every contact a first contact: children's returns follow decisions (a missed signal raises a
    # child's chance to come back, and a return comes a drawn time after the decision), so the rule
    # would change which returns arrive, and the exact paired claims below rest on each contact's draws
    off, on = (mashsim.load_scenario("london-borough", overrides).model_copy(update={"children": None})
               for overrides in (SHORT, [*SHORT, RULE]))
    return [(mashsim.simulate(off, seed=s).metrics, mashsim.simulate(on, seed=s).metrics) for s in SEEDS]


def _paired_ci(pairs, name: str) -> tuple[float, float]:
    """Mean of the paired differences (rule on - off) and its 95% CI half-width."""
    d = np.array([on[name] - off[name] for off, on in pairs])
    return float(d.mean()), T_975_7 * float(d.std(ddof=1)) / math.sqrt(len(d))


def test_the_fgm_rule_moves_fgm(paired):
    for off, on in paired:
        assert on[by_concern("rag_share.by_rag.blue", "fgm")] == 0.0  # never screened out
        assert on[by_concern("all_signals_missed_rate.by_cause.screened_out", "fgm")] == 0.0
        assert on[by_concern("contacts_arrived", "fgm")] == off[by_concern("contacts_arrived", "fgm")] > 0
    assert all(off[by_concern("rag_share.by_rag.blue", "fgm")] > 0.05 for off, _ in paired)
    # FGM's missed signals fall by ~15 points; the CI's upper end must be well below 0
    mean, half = _paired_ci(paired, by_concern("all_signals_missed_rate", "fgm"))
    assert mean + half < -0.05


@pytest.mark.parametrize("concern", OTHERS)
def test_the_fgm_rule_leaves_the_other_concerns_routes_exactly(paired, concern):
    exact = ["contacts_arrived", "rag_share.by_rag.blue", "rag_share.by_rag.green", "rag_share.by_rag.amber",
             "rag_share.by_rag.red", "all_signals_missed_rate.by_cause.screened_out"]
    for off, on in paired:
        for name in exact:
            assert on[by_concern(name, concern)] == off[by_concern(name, concern)], name


@pytest.mark.parametrize("concern", OTHERS)
def test_the_fgm_rule_moves_the_other_concerns_waits_only_by_the_shared_load(paired, concern):
    # the 95% CI of the paired mean difference lies within 1 point for breach and miss rates, and
    # within 5% of the mean delay (the extra FGM work measured ~2%, 0.4 h of ~20 h)
    for name in ("rag_breach_rate", "high_risk_missed_rate", "all_signals_missed_rate"):
        mean, half = _paired_ci(paired, by_concern(name, concern))
        assert abs(mean) + half < 0.01, (name, mean, half)
    mean, half = _paired_ci(paired, by_concern("decision_delay_hours.mean", concern))
    base = np.mean([off[by_concern("decision_delay_hours.mean", concern)] for off, _ in paired])
    assert abs(mean) + half < 0.05 * base


COUNTS = ("contacts_arrived", "contacts_decided", "contacts_open_at_end", "contacts_decided_in_runout",
          "contacts_censored", "school_notices")


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(1, 10_000), fgm_rule=st.booleans(), encompass=st.booleans(),
       screeners=st.sampled_from([1, 5]))
def test_the_concerns_counts_add_up_to_the_totals(seed, fgm_rule, encompass, screeners):
    sets = ["run.horizon_days=14", "run.warmup_days=3", f"roles.screeners.staff={screeners}"]
    if fgm_rule:
        sets.append(RULE)
    if not encompass:  # london-borough tells schools of the police's domestic-abuse contacts
        sets.append("concerns.domestic_abuse.school_notification.sources=[]")
    m = mashsim.simulate(mashsim.load_scenario("london-borough", sets), seed=seed).metrics
    for name in COUNTS:
        assert sum(m[by_concern(name, c)] for c in CONCERNS) == m[name], name
    assert math.isclose(sum(m[by_concern("contacts_in_system", c)] for c in CONCERNS), m["contacts_in_system"],
                        rel_tol=1e-9)
    # a rate's by-concern values weigh back to the total: decided-contact shares by decided counts
    decided = {c: m[by_concern("contacts_decided", c)] + m[by_concern("contacts_decided_in_runout", c)]
               for c in CONCERNS}
    total = sum(decided.values())
    referral = sum(m[by_concern("referral_rate", c)] * n for c, n in decided.items() if n)
    assert math.isclose(referral / total, m["referral_rate"], rel_tol=1e-9)
    if not encompass:
        assert m["school_notices"] == 0.0


@settings(max_examples=50, deadline=None)
@given(mix=st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4).filter(lambda w: sum(w) > 0.01),
       seed=st.integers(0, 2**32 - 1))
def test_a_risk_drawn_through_the_concern_table_is_the_one_drawn_from_the_mix(mix, seed):
    # with no pathway every concern's row is the general mix: the same risk as the plain inverse-CDF draw
    total = sum(mix)
    # the last share what the others leave, never below 0 (their rounded sum can pass 1 by an ulp)
    general = RiskMix(**dict(zip(RISK_LEVELS, [w / total for w in mix[:3]]
                                 + [max(1 - sum(w / total for w in mix[:3]), 0.0)])))
    settings_ = mashsim.load_scenario("london-borough", SHORT).model_copy(update={"concerns": {}})
    rng = np.random.default_rng(seed)
    u, concern = rng.random(500), rng.integers(0, len(CONCERNS), 500)
    plain = _draw_index(np.array([getattr(general, r) for r in RISK_LEVELS]), u)
    assert (draw_risk(risk_table(settings_, general), concern, u) == plain).all()


def test_a_pathway_that_repeats_the_general_settings_changes_nothing():
    # (a concern's risk mix replaces the sources' own, which differ in london-borough: not repeated here)
    plain = mashsim.load_scenario("london-borough", SHORT)
    same = mashsim.load_scenario("london-borough", [
        *SHORT, "concerns.physical.holds.police=1.0", 'concerns.emotional.also_ask.green=["social_care"]'])
    a, b = mashsim.simulate(plain, seed=3).metrics, mashsim.simulate(same, seed=3).metrics
    assert list(a) == list(b)
    assert all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


def test_a_concerns_risk_mix_and_holds_change_its_draws_only():
    sets = [*SHORT, "concerns.fgm.risk_mix={low = 0, medium = 0, high = 0.5, critical = 0.5}",
            "concerns.domestic_abuse.holds.police=10"]
    plain = mashsim.simulate(mashsim.load_scenario("london-borough", SHORT), seed=5).metrics
    result = mashsim.simulate(mashsim.load_scenario("london-borough", sets), seed=5, record=True)
    m = result.metrics
    # high or critical: Amber or Red, and one level of under-rating leaves them Green at worst
    assert m[by_concern("rag_share.by_rag.blue", "fgm")] == 0.0
    assert plain[by_concern("rag_share.by_rag.blue", "fgm")] > 0.0
    # police x10 (capped at 1): the police hold something on every domestic-abuse child, and only then
    records = [r for r in result.records if r["decided_h"] is not None]
    assert all(r["signal_police"] is not None for r in records if r["concern"] == "domestic_abuse")
    assert any(r["signal_police"] is None for r in records if r["concern"] == "neglect")
    # a child's return keeps its concern and follows the concern's pathway: its risk from FGM's mix
    # (high or critical), the police's holds on domestic abuse
    returns = [r for r in records if r["child_return"] > 0]
    assert {r["concern"] for r in returns} >= {"fgm", "domestic_abuse"}
    assert all(r["true_risk"] in ("high", "critical") for r in returns if r["concern"] == "fgm")
    assert all(r["signal_police"] is not None for r in returns if r["concern"] == "domestic_abuse")
    # the other concerns' children are the same children (first contacts only: returns follow decisions,
    # and the changed mix changes the returns expected, so the first contacts' volume)
    first = [mashsim.simulate(mashsim.load_scenario("london-borough", overrides).model_copy(update={"children": None}),
                              seed=5).metrics for overrides in (SHORT, sets)]
    for name in ("contacts_arrived", "rag_share.by_rag.red"):
        assert first[1][by_concern(name, "neglect")] == first[0][by_concern(name, "neglect")]


def test_school_notices_are_counted_and_timed():
    sets = [*SHORT, 'concerns.domestic_abuse.school_notification.sources=["police"]']
    m = mashsim.simulate(mashsim.load_scenario("london-borough", sets), seed=2).metrics
    assert m["school_notices"] == m[by_concern("school_notices", "domestic_abuse")] > 50
    assert 0.0 <= m["school_notice_late_rate"] <= 1.0
    # a hub that screens with one screener tells schools later
    slow = mashsim.simulate(mashsim.load_scenario("london-borough", [*sets, "roles.screeners.staff=1"]), seed=2)
    assert slow.metrics["school_notice_late_rate"] > m["school_notice_late_rate"]


@pytest.mark.parametrize("setting, path", [
    ("concerns.fgm.mandatory_report_to=polce", "concerns.fgm.mandatory_report_to"),
    ("concerns.cse.holds.polce=2", "concerns.cse.holds.polce"),
    ('concerns.cse.also_ask.red=["police", "nobody"]', "concerns.cse.also_ask.red.1"),
    ('concerns.domestic_abuse.school_notification.sources=["schools", "nowhere"]',
     "concerns.domestic_abuse.school_notification.sources.1"),
])
def test_a_pathway_naming_what_is_not_there_is_refused_with_its_path(setting, path):
    with pytest.raises(ScenarioError) as error:
        mashsim.load_scenario("london-borough", [setting])
    assert path in str(error.value)


def test_an_unknown_concern_is_refused():
    with pytest.raises(ScenarioError) as error:
        mashsim.load_scenario("london-borough", ["concerns.grooming.mandatory_report_to=police"])
    assert "concerns" in str(error.value) and "grooming" in str(error.value)


def test_a_networks_concerns_add_up_to_its_totals_and_its_hubs():
    m = mashsim.simulate(mashsim.load_scenario("london-pooled", ["run.horizon_days=5", "run.warmup_days=1"]),
                         seed=4).metrics
    hubs = [n for n in m if n.startswith("contacts_in_system.by_hub.")]
    assert hubs and not any(".by_concern." in n for n in m if ".by_hub." in n)  # hubs are not split
    for name in ("contacts_arrived", "contacts_decided", "contacts_in_system"):
        concerns = sum(m[by_concern(name, c)] for c in CONCERNS)
        each_hub = sum(v for n, v in m.items() if n.startswith(f"{name}.by_hub.") and n.count(".") == 2)
        assert math.isclose(concerns, m[name], rel_tol=1e-9) and math.isclose(each_hub, m[name], rel_tol=1e-9)
