"""The results part of the page: the Run button, headline figures with CIs, charts, cases, A/B."""

from __future__ import annotations

import io
from typing import Callable

import streamlit as st
from matplotlib.figure import Figure

from mashsim.app import charts, interactive_view, kpis, layout, limits, precision, state
from mashsim.app.cases_view import cases_tab
from mashsim.app.messages import plain
from mashsim.experiment import RunResult
from mashsim.metrics.catalogue import is_censorable
from mashsim.report.plots import literal_text
from mashsim.scenario import Scenario, scenario_hash

_CELL = 120  # characters of a changed value shown in the A/B table


def run_button(scenario: Scenario | None, limit: limits.Limits, base_key: str = "", where=st) -> None:
    """Run, its progress and "Keep this run as A", in ``where`` (the top of the sidebar: in view on a
    1366×768 projector, wherever the page is scrolled)."""
    # one slot for the progress bar on every rerun, so the elements below keep their place in the
    # page whether or not this rerun ran (a shifted element is redrawn afresh in the browser)
    slot = where.empty()
    # "is not None" too: a click on the disabled button, sent by hand, must not start anything
    if where.button("Run", type="primary", key="run", disabled=scenario is None,
                   use_container_width=True) and scenario is not None:
        bar = slot.progress(0.0, text="Running replications…")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=f"{done} of {total} replications")

        try:
            # the server's runs are shared by every participant: a place, or "busy" at once
            with limits.SLOTS.slot(limit):
                st.session_state["result"] = state.run(scenario, limits.stop_after(limit, progress))
                st.session_state["result_base"] = base_key
                st.session_state["scroll_to_results"] = st.session_state.get("scroll_to_results", 0) + 1
        except limits.LimitReached as refused:
            st.warning(plain(str(refused)))
        finally:
            bar.empty()
    if "result" in st.session_state and where.button("Keep this run as A", key="pin", use_container_width=True,
                                                      help="Then change something and run again: B is the "
                                                           "latest run, compared with A in the A/B tab."):
        st.session_state["pinned"] = st.session_state["result"]
    if "pinned" in st.session_state:
        where.caption(f"A: {describe(st.session_state['pinned'])}")


def describe(result: RunResult) -> str:
    run = result.scenario.run
    return (f"{plain(result.scenario.name)} · {len(result.replications)} replications from seed {result.seed} · "
            f"{run.horizon_days:g} days after {run.warmup_days:g} warm-up · scenario {result.scenario_hash} · "
            f"mashsim {result.version}")


def show_results(scenario: Scenario | None, base_key: str, limit: limits.Limits) -> None:
    """The latest run's results, flagged when the set-up shown is no longer the one run; hidden when
    the page has moved to another scenario (its title would be over another scenario's figures).
    ``scenario`` is None while the set-up cannot run."""
    result = st.session_state.get("result")
    if result is None:
        st.info("Set up the exercise, then press **Run**.")
        return
    if st.session_state.get("result_base", base_key) != base_key:
        st.info(f"The results of the last run ({plain(result.scenario.name)}) are put away: this is another "
                "scenario. Press **Run** for its results.")
        return
    pinned = st.session_state.get("pinned")
    st.subheader("Results", anchor=layout.RESULTS_ANCHOR)
    if st.session_state.get("scroll_to_results", 0) > st.session_state.get("scrolled", 0):
        st.session_state["scrolled"] = st.session_state["scroll_to_results"]
        layout.scroll_to_results(st.session_state["scrolled"])
    st.caption(describe(result))
    if scenario is None:
        st.warning("The set-up above cannot run as it stands (see the messages above): these results are "
                   "of the **last run**, not of what is set now.")
    elif scenario_hash(scenario) != result.scenario_hash:
        st.info("The set-up has changed since this run: press **Run** to update the results.")
    summary = result.summary()
    stability = result.stability()
    if not stability.stable:  # above the figures: they describe no steady state
        st.warning(stability.message())
    censored = kpis.censored(result)
    _headline(summary, result, pinned if pinned is not None and pinned is not result else None, censored)
    # keyed, so the tab open stays open through the reruns a click inside it makes
    tabs = st.tabs(["Queues over time", "Hub over time", "Delays by RAG", "Missed signals", "Agency network",
                    "Cases", "All metrics", "A/B comparison"], key="result_tab", on_change="rerun")
    with tabs[0]:
        interactive_view.queues_chart(result)
    with tabs[1]:
        interactive_view.show_hub(interactive_view.hub_page(result))
    with tabs[2]:
        interactive_view.delays_chart(result)
    with tabs[3]:
        interactive_view.missed_chart(result)
    with tabs[4]:
        _figure(result, "network", lambda: charts.network(result.scenario, summary))
    with tabs[5]:
        cases_tab(result, limit)
    with tabs[6]:
        st.dataframe(kpis.metrics_table(result), hide_index=True)
    with tabs[7]:
        show_comparison(pinned, result)


def _figure(result: RunResult, name: str, draw: Callable[[], Figure]) -> None:
    """A chart of the latest run, drawn once and kept as an image for the session (every click
    reruns the page, and drawing every chart again would take seconds)."""
    def png() -> bytes:
        buffer = io.BytesIO()
        literal_text(draw()).savefig(buffer, format="png", dpi=150)
        return buffer.getvalue()

    st.image(interactive_view.kept(result, name, png))


def _headline(summary: dict, result: RunResult, pinned: RunResult | None, censored: bool = False) -> None:
    """The headline figures, four to a row, each with its CI and (after A/B) its change from A:
    coloured better or worse only when the paired CI of the change leaves out zero (same seed),
    grey otherwise. A CI too wide to use asks for more replications. With contacts censored at the
    run-out's cap, the delays are lower bounds, marked ``≥``."""
    wide = []
    for row in range(0, len(kpis.KPIS), 4):
        for column, kpi in zip(st.columns(4), kpis.KPIS[row:row + 4]):
            interval = summary[kpi.metric]
            change = kpis.headline_change(kpi, pinned, result, interval) if pinned is not None else None
            delta = change.text if change else None
            colour = "inverse" if change and change.clear else "off"
            # a count's unit goes in the label: "48.2 contacts" would not fit a quarter of an 800 px page
            label, unit = (f"{kpi.label} (contacts)", "") if kpi.unit == "contacts" else (kpi.label, kpi.unit)
            bound = "≥ " if censored and is_censorable(kpi.metric) else ""
            column.metric(label, bound + kpis.format_value(interval.mean, unit), delta, delta_color=colour,
                          help=kpi.help)
            column.caption(kpis.format_interval(kpi.metric, interval))
            if (found := precision.too_wide(interval, kpi.unit == "%")) is not None:
                wide.append((kpi, found))
    if wide:
        names = ", ".join(kpi.label for kpi, _ in wide)
        more = max(found.replications for _, found in wide)
        st.warning(f"Too uncertain to use yet: {names} (95% CI wider than ±10 points for a share, ±25% "
                   f"otherwise, at {len(result.replications)} replications). Raise **Replications** in the "
                   f"sidebar to about {more:,} and run again (the CI narrows as 1/√replications).")


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
    changed = kpis.setting_rows(pinned.scenario, result.scenario, _CELL)
    st.markdown("**What differs (A → B)**")
    if changed:
        st.dataframe(changed, hide_index=True)
    else:
        st.caption("Nothing: A and B are the same set-up.")
    try:
        table = kpis.comparison_table(pinned, result)
    except ValueError as error:
        st.warning(f"{plain(error)}. Set the seed back to {pinned.seed} and run again.")
        return
    st.markdown("**Paired differences** (same seed: replication by replication, the same children)")
    st.dataframe(table, hide_index=True)
