"""The metric catalogue: every metric declared once, named as runs report it, summed over hubs
without naming the counts, shown with one unit everywhere, documented in the reference.

The catalogue replaced hand-built names in the collector, the network sums and the readers; the
first test proves that refactor left every metric of the exact-output cases bit for bit as before.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mashsim
from core_cases import CASES, run_case
from mashsim.app import kpis
from mashsim.experiment import run_replications
from mashsim.metrics import catalogue
from mashsim.metrics.catalogue import FAMILIES, family_of, flatten, table_rows
from mashsim.metrics.collector import Collector
from mashsim.metrics.hubs import combined
from mashsim.metrics.names import metric_names
from mashsim.model.calendar import CalendarView
from mashsim.report import table
from mashsim.scenario.schema import HUB_ROLES

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import metric_tables  # noqa: E402

# sha256 of [(name, repr(value)), ...] of each case's metrics, in order, recorded on main before the
# catalogue (metrics named by hand): the refactor changed no name, no order and no value. Only the
# families below count, so a new family does not disturb the record; a change to the model that is
# meant to change results re-records these (run this file: `python tests/test_metric_catalogue.py`).
RECORDED_FAMILIES = ("contacts_arrived", "contacts_decided", "contacts_open_at_end", "contacts_in_system",
                     "all_signals_missed_rate", "late_return_rate", "under_triage_rate", "decision_delay_hours",
                     "rag_breach_rate", "working_day_breach_rate", "rag_share", "outcome_share", "referral_rate",
                     "utilisation", "queue_length", "wait_hours", "wait_probability", "backlog_at_end",
                     "high_risk_missed_rate", "contacts_decided_in_runout", "contacts_censored", "backlog_growth")
RECORDED = {
    "borough": "7dc38921b7476d282afa207e942c8bc516d6be99792e3712c48871b39ddf9f8d",
    "borough-seed-2": "3932312112680dcd1582bd21678f8cec0f35a469658a9201fcc0d647ac4db956",
    "understaffed": "595664ac58ac93aa59d53a2e3f1c2f540dae3e92e878fda207ef9387eddae4be",
    "surge": "39bd9cec664787ce4d828ddde3a8ed8312ee052f81bd70ca2b53e929a3a9a931",
    "remote": "6753b9364c3e94445f68bf3f5f8b8c124c96d9dc31b903062033ab3fa6141680",
    "exercise": "5e81c47c726dcab96fc0f6d23a351e1212a5309bd59be236e5a45db7dc088210",
    "halved-screeners": "3dd4c44f156cbe866c30cabbabd57e2aa0f08020e864ebec0e134ed45fcf6219",
    "wide": "730e019f5dcd8e83cc473496b90cb5c99ae16a1b91a1f01817f7eefa77be9172",
    "pooled": "f9b85cd1295a78e2a7e1d0d7dfa7ca78d494fbe28b8f7f4e0ba1f3541c2d37d6",
}


def metrics_digest(metrics: dict[str, float]) -> str:
    # float(): a value may be a numpy float, whose repr differs but not its value (the record is of JSON)
    items = [(k, repr(float(v))) for k, v in metrics.items() if k.partition(".")[0] in RECORDED_FAMILIES]
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


@pytest.mark.parametrize("case", list(CASES))
def test_every_metric_of_the_exact_output_cases_is_as_recorded_bit_for_bit(case):
    assert metrics_digest(run_case(*CASES[case])["metrics"]) == RECORDED[case]


@pytest.mark.parametrize("name", ["london-borough", "london-wide", "london-pooled", "remote-health"])
def test_metric_names_come_from_the_catalogue_without_a_run_and_are_the_runs(name):
    scenario = mashsim.load_scenario(name, ["run.horizon_days=2", "run.warmup_days=0"])
    assert metric_names(scenario) == list(mashsim.simulate(scenario, seed=1).metrics)


def test_every_metric_belongs_to_a_declared_family_with_a_unit_label_and_definition():
    scenario = mashsim.load_scenario("london-pooled")
    for name in metric_names(scenario):
        family = family_of(name)
        assert family is not None, name
        assert family.unit in catalogue.UNITS and family.label and family.section and family.definition
    assert len({f.stem for f in FAMILIES}) == len(FAMILIES)


def test_a_family_the_collector_does_not_compute_or_does_not_declare_is_an_error_not_a_zero():
    AXES_OF_ONE = {"agency": ["police"], "source": ["police"]}  # noqa: N806 - a constant of the test
    computed = {f.stem: {b: [0.0] * len(f.names(b, AXES_OF_ONE)) for b in f.breakdowns}
                for f in catalogue.CONTACT_FAMILIES}
    assert len(flatten(computed, AXES_OF_ONE)) > 0
    missing = dict(computed)
    del missing["referral_rate"]
    with pytest.raises(KeyError, match="referral_rate"):
        flatten(missing, AXES_OF_ONE)
    with pytest.raises(KeyError, match="undeclared"):
        flatten({**computed, "new_rate": {(): [0.0]}}, AXES_OF_ONE)
    short = {**computed, "all_signals_missed_rate": {**computed["all_signals_missed_rate"], ("agency",): []}}
    with pytest.raises(ValueError, match="all_signals_missed_rate"):
        flatten(short, AXES_OF_ONE)


# ------------------------------------------------------------------------- network sums
def _collector(agencies: list[str], sources: tuple[str, ...] = ("police",)) -> Collector:
    calendar = mashsim.load_scenario("london-borough").calendar
    clock = CalendarView(calendar).clock(calendar.hours["office"])
    return Collector(agencies, list(sources), 0.0, 100.0, clock)


def _counters(c: Collector) -> dict[str, object]:
    """Every count a (pure-Python) collector holds: int attributes and lists of ints or of lists."""
    skip = {"start", "end", "record", "in_system", "in_system_area", "in_system_since"}
    return {name: value for name, value in vars(c).items()
            if name not in skip and not name.startswith("_")
            and (isinstance(value, int) and not isinstance(value, bool)
                 or isinstance(value, list) and value and isinstance(value[0], (int, list)))}


@pytest.mark.skipif(mashsim.CORE.kind == "compiled", reason="a compiled collector has no __dict__ to list")
def test_every_count_the_collector_keeps_is_registered_for_the_network_sums():
    """A new counter that is not made with _count/_counts would read 0 at network level."""
    c = _collector(["police", "health"])
    registered = set(c._scalars) | {name for name, value in _counters(c).items()
                                    if any(value is counts for counts, _ in c._lists)}
    assert set(_counters(c)) - {"agencies", "sources"} == registered


@given(st.integers(0, 2**31), st.permutations(["police", "health", "education"]),
       st.permutations(["schools", "police", "public"]))
def test_the_network_sums_every_count_agencies_and_sources_matched_by_name(seed, order, sources):
    rng = random.Random(seed)
    first, second = _collector(["police", "health"], ("police", "health")), _collector(list(order), sources)
    for c in (first, second):
        for name in c._scalars:
            setattr(c, name, rng.randrange(100))
        for counts, _ in c._lists:
            for k, value in enumerate(counts):
                counts[k] = [rng.randrange(100) for _ in value] if isinstance(value, list) else rng.randrange(100)
    total = combined([first, second])
    for name in first._scalars:
        assert getattr(total, name) == getattr(first, name) + getattr(second, name)
    for (mine, axis), (a, _), (b, _) in zip(total._lists, first._lists, second._lists):
        if axis is None:
            assert mine == [x + y for x, y in zip(a, b)]
            continue
        names = {"agency": "agencies", "source": "sources"}[axis]  # the collector's list of the axis's values
        for j, value in enumerate(getattr(total, names)):
            parts = [counts[getattr(c, names).index(value)] for c, counts in ((first, a), (second, b))
                     if value in getattr(c, names)]
            expected = [sum(v) for v in zip(*parts)] if isinstance(mine[j], list) else sum(parts)
            assert mine[j] == expected


# ------------------------------------------------------------------------------- readers
def test_the_terminal_table_dashboard_and_plots_read_one_unit_per_metric():
    scenario = mashsim.load_scenario("london-pooled")
    for name in metric_names(scenario):
        unit = catalogue.unit_of(name)
        # the dashboard names the unit of a count of contacts ("48 contacts", not a bare "48")
        counted = unit in ("count", "average") and name.startswith("contacts_")
        assert kpis.unit_of(name) == ("contacts" if counted else {"share": "%", "hours": "h", "growth": "%"}.get(unit, ""))
        if unit == "growth":  # a signed share of the arrivals: signed, never cut
            assert table.format_value(name, 0.5) == "+50.0%" and table.clip_interval(name, -1.0, 2.0) == (-1.0, 2.0)
            continue
        assert table.format_value(name, 0.5).endswith("%") == (unit == "share")
        assert table.format_value(name, 1234.4) == ("1,234" if unit == "count" else
                                                    "123440.0%" if unit == "share" else "1,234.4")
        assert table.clip_interval(name, -1.0, 2.0) == ((0.0, 1.0) if unit == "share" else (0.0, 2.0))


def test_the_dashboards_metric_table_lists_every_metric_of_the_json_with_the_references_unit():
    scenario = mashsim.load_scenario("london-borough", ["run.horizon_days=5", "run.warmup_days=0"])
    result = run_replications(scenario, 2, seed=3)
    shown = kpis.metrics_table(result)
    assert list(shown["metric"]) == list(result.replications[0].metrics) == metric_names(scenario)
    assert list(shown["unit"]) == [catalogue.unit_of(name) for name in shown["metric"]]


def test_the_terminal_tables_rows_are_metrics_the_run_reports_each_section_headed_once():
    scenario = mashsim.load_scenario("london-pooled")
    known = set(metric_names(scenario))
    rows = table_rows(scenario.agencies, [*HUB_ROLES, *scenario.agencies], scenario.pools)
    pooled_desks = {f"{stem}.by_role.{a}" for stem in ("utilisation", "queue_length")
                    for a, s in scenario.agencies.items() if s.pool}
    assert {name for name, _ in rows} - known == pooled_desks  # asked for, absent, skipped by the table
    headings = [heading for _, heading in rows if heading]
    assert headings == list(dict.fromkeys(headings))
    # the first rows answer the question: signals missed about children at risk, avoidable and by policy
    assert rows[:4] == [("high_risk_missed_rate", catalogue.HEADLINE_SECTION), ("high_risk_missed_rate.avoidable", None),
                        ("high_risk_missed_rate.by_policy", None), ("under_triage_rate", None)]
    assert [n for n, _ in rows if n.startswith("rag_breach_rate.")] == \
        [f"rag_breach_rate.by_rag.{r}" for r in ("red", "amber", "green")] + \
        [f"rag_breach_rate.by_reading.{k}.by_rag.{r}" for k in ("working", "elapsed") for r in ("red", "amber", "green")]


def test_the_references_metric_tables_are_the_catalogues():
    text = metric_tables.REFERENCE.read_text()
    assert metric_tables.updated(text) == text, "run python tools/metric_tables.py"
    for family in FAMILIES:
        assert f"`{family.stem}" in text


def test_headline_families_are_those_the_report_shows_by_default():
    assert {f.stem for f in FAMILIES if f.headline} == \
        {"high_risk_missed_rate", "under_triage_rate", "rag_breach_rate", "decision_delay_hours", "utilisation"}


if __name__ == "__main__":  # re-record after a change meant to change results
    for case, spec in CASES.items():
        print(f'    "{case}": "{metrics_digest(run_case(*spec)["metrics"])}",')


@pytest.mark.parametrize("name", ["london-borough", "london-wide", "london-pooled"])
def test_every_short_form_names_one_metric(name):
    # a breakdown's value may begin with "by_" (high_risk_missed_rate.by_policy): only the catalogue's
    # breakdown words are dropped, so a short name never stands for two metrics, nor a part for its total
    from mashsim.metrics.names import short_form

    names = metric_names(mashsim.load_scenario(name))
    shorts = [short_form(n) for n in names]
    assert len(set(shorts)) == len(shorts)
    assert short_form("high_risk_missed_rate.by_policy") == "high_risk_missed_rate.by_policy"
