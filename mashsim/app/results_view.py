"""The results part of the page: the Run button, headline figures with CIs, charts, cases, A/B."""

from __future__ import annotations

import io
from typing import Callable

import streamlit as st
from matplotlib.figure import Figure

from mashsim.app import charts, kpis, limits, state
from mashsim.app.cases_view import cases_tab
from mashsim.app.messages import plain
from mashsim.experiment import RunResult
from mashsim.metrics.catalogue import is_censorable
from mashsim.report.plots import literal_text
from mashsim.scenario import Scenario, scenario_hash

_CELL = 120  # characters of a changed value shown in the A/B table


def run_button(scenario: Scenario | None, limit: limits.Limits) -> None:
    left, middle, right = st.columns([1, 1, 3])
    # "is not None" too: a click on the disabled button, sent by hand, must not start anything
    if left.button("Run", type="primary", key="run", disabled=scenario is None) and scenario is not None:
        bar = st.progress(0.0, text="Running replications…")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=f"{done} of {total} replications")

        try:
            # the server's runs are shared by every participant: a place, or "busy" at once
            with limits.SLOTS.slot(limit):
                st.session_state["result"] = state.run(scenario, limits.stop_after(limit, progress))
        except limits.LimitReached as refused:
            st.warning(plain(str(refused)))
        finally:
            bar.empty()
    if "result" in st.session_state and middle.button("Keep this run as A", key="pin",
                                                      help="Then change something and run again: B is the "
                                                           "latest run, compared with A in the A/B tab."):
        st.session_state["pinned"] = st.session_state["result"]
    if "pinned" in st.session_state:
        right.caption(f"A: {describe(st.session_state['pinned'])}")


def describe(result: RunResult) -> str:
    run = result.scenario.run
    return (f"{plain(result.scenario.name)} · {len(result.replications)} replications from seed {result.seed} · "
            f"{run.horizon_days:g} days after {run.warmup_days:g} warm-up · scenario {result.scenario_hash} · "
            f"mashsim {result.version}")


def show_results(scenario: Scenario | None, limit: limits.Limits) -> None:
    result = st.session_state.get("result")
    if result is None:
        st.info("Set up the exercise, then press **Run**.")
        return
    pinned = st.session_state.get("pinned")
    st.subheader("Results")
    st.caption(describe(result))
    if scenario is not None and scenario_hash(scenario) != result.scenario_hash:
        st.info("The set-up has changed since this run: press **Run** to update the results.")
    summary = result.summary()
    stability = result.stability()
    if not stability.stable:  # above the figures: they describe no steady state
        st.warning(stability.message())
    censored = any(v > 0 for v in result.values("contacts_censored")) if "contacts_censored" in summary else False
    _headline(summary, pinned.summary() if pinned is not None and pinned is not result else {}, censored)
    tabs = st.tabs(["Queues over time", "Delays by RAG", "Missed signals", "Agency network", "Cases",
                    "All metrics", "A/B comparison"])
    with tabs[0]:
        _figure(result, "queues", lambda: charts.queues_over_time(result.series_frame(), result.scenario))
    with tabs[1]:
        _figure(result, "delays", lambda: charts.delay_by_rag(result.records_frame()))
    with tabs[2]:
        _figure(result, "missed", lambda: charts.missed_by_agency(result.records_frame(),
                                                                  list(result.scenario.agencies)))
    with tabs[3]:
        _figure(result, "network", lambda: charts.network(result.scenario, summary))
    with tabs[4]:
        cases_tab(result, limit)
    with tabs[5]:
        st.dataframe(kpis.metrics_table(result), hide_index=True)
    with tabs[6]:
        show_comparison(pinned, result)


def _figure(result: RunResult, name: str, draw: Callable[[], Figure]) -> None:
    """A chart of the latest run, drawn once and kept as an image for the session (every click
    reruns the page, and drawing every chart again would take seconds)."""
    cache: dict = st.session_state.setdefault("figures", {})
    if cache.get("run") is not result:
        cache.clear()
        cache["run"] = result
    if name not in cache:
        buffer = io.BytesIO()
        literal_text(draw()).savefig(buffer, format="png", dpi=150)
        cache[name] = buffer.getvalue()
    st.image(cache[name])


def _headline(summary: dict, before: dict, censored: bool = False) -> None:
    """The headline figures, four to a row, each with its CI and (after A/B) its change from A; with
    contacts censored at the run-out's cap, the delays are lower bounds, marked ``≥``."""
    for row in range(0, len(kpis.KPIS), 4):
        for column, kpi in zip(st.columns(4), kpis.KPIS[row:row + 4]):
            interval = summary[kpi.metric]
            delta = None
            if kpi.metric in before:
                delta = f"{kpis.format_change(interval.mean - before[kpi.metric].mean, kpi.unit)} vs A"
            bound = "≥ " if censored and is_censorable(kpi.metric) else ""
            column.metric(kpi.label, bound + kpis.format_value(interval.mean, kpi.unit), delta, delta_color="inverse",
                          help=kpi.help)
            column.caption(kpis.format_interval(kpi.metric, interval))


def show_comparison(pinned: RunResult | None, result: RunResult) -> None:
    if pinned is None:
        st.info("Press **Keep this run as A**, change something, and run again: the new run is B.")
        return
    if pinned is result:
        st.info("This run is A. Change something and press **Run**: the new run is B.")
        return
    if st.button("Forget A", key="unpin"):
        del st.session_state["pinned"]
        st.rerun()
    changed = kpis.scenario_changes(pinned.scenario, result.scenario)
    st.markdown("**What differs (A → B)**")
    if changed:
        st.dataframe([{"field": path, "A": str(a)[:_CELL], "B": str(b)[:_CELL]} for path, a, b in changed],
                     hide_index=True)
    else:
        st.caption("Nothing: A and B are the same set-up.")
    metrics = [k.metric for k in kpis.KPIS] + [m for m in result.metric_names if m.startswith("utilisation.")]
    try:
        table = kpis.paired_differences(pinned, result, metrics)
    except ValueError as error:
        st.warning(f"{plain(error)}. Set the seed back to {pinned.seed} and run again.")
        return
    st.markdown("**Paired differences** (same seed: replication by replication, the same children)")
    st.dataframe(table, hide_index=True)
