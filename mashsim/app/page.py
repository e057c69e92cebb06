"""The training dashboard: the Streamlit script that ``mashsim serve`` runs.

Streamlit runs this file from the top on every interaction. The sidebar picks the scenario and
the run's length; the main column holds the staffing sliders, the policy switches, the Run
button and the results. Everything the page computes is in :mod:`mashsim.app.state`,
:mod:`~mashsim.app.kpis`, :mod:`~mashsim.app.exercise` and :mod:`~mashsim.app.charts`.

Bad input is shown in the page as the library's own problem report; anything unexpected is
shown as a one-line message and logged in the terminal, never as a traceback in the page.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import streamlit as st

from mashsim._version import __version__
from mashsim.app import charts, exercise, kpis, state
from mashsim.scenario import Scenario, ScenarioError, scenario_hash

log = logging.getLogger("mashsim.app")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+!|$~])")


def plain(text: str) -> str:
    """Text shown as it is where Streamlit reads markdown (field names hold underscores)."""
    return _MARKDOWN.sub(r"\\\1", text)


def show_problems(error: ScenarioError, where: Any = st) -> None:
    """The library's problem report: the file, then each field with what is allowed."""
    problems = "\n".join(f"- {plain(str(p))}" for p in error.problems)
    where.error(f"**{plain(error.source)}**: {len(error.problems)} problem(s)\n\n{problems}")


# --------------------------------------------------------------------------- sidebar


def pick_scenario() -> state.BaseScenario | None:
    bar = st.sidebar
    bar.header("Scenario")
    name = bar.selectbox("Shipped scenario", state.shipped_names(), key="shipped")
    upload = bar.file_uploader("…or upload a scenario or an exported exercise (TOML)", type=["toml"],
                               key="upload", help="An uploaded file runs as it is written; a shipped "
                               f"scenario starts on a short run ({state.SHORT_HORIZON_DAYS:g} days, "
                               f"{state.SHORT_REPLICATIONS} replications).")
    try:
        base = state.load_upload(upload.name, upload.getvalue()) if upload else state.load_shipped(name)
    except ScenarioError as error:
        show_problems(error)
        st.info("Correct the file and upload it again, or remove it to use a shipped scenario.")
        return None
    for note in base.notes:
        bar.warning(note)
    return base


def run_controls(base: state.BaseScenario) -> dict[str, Any]:
    start = state.run_settings(base)
    bar = st.sidebar
    bar.header("Run")
    key = base.key
    return {
        "run.horizon_days": bar.number_input("Days measured", min_value=1.0, value=start["run.horizon_days"],
                                             step=7.0, format="%g", key=f"{key}:horizon"),
        "run.warmup_days": bar.number_input("Warm-up days (not measured)", min_value=0.0,
                                            value=start["run.warmup_days"], step=7.0, format="%g",
                                            key=f"{key}:warmup"),
        "run.replications": int(bar.number_input("Replications", min_value=1, max_value=200,
                                                 value=start["run.replications"], step=1, key=f"{key}:reps",
                                                 help="A 95% CI needs at least 2.")),
        "run.seed": int(bar.number_input("Seed", min_value=0, value=start["run.seed"], step=1, key=f"{key}:seed",
                                         help="The same seed replays the same children: keep it to compare.")),
    }


def export_button(scenario: Scenario, changed: list) -> None:
    st.sidebar.header("Exercise file")
    st.sidebar.download_button(
        "Export this exercise (TOML)", exercise.export_exercise(scenario, changed),
        file_name=f"{scenario.name}-exercise.toml", mime="application/toml", key="export",
        help="The scenario as set here, with its seed and replications: upload it again, or run "
             "'mashsim run FILE', to replay it exactly.")


# --------------------------------------------------------------------------- set-up


def staffing_controls(base: state.BaseScenario) -> dict[str, Any]:
    settings = {}
    with st.expander("Staffing (FTE on duty in working hours)", expanded=True):
        controls = state.staffing_controls(base.scenario)
        columns = st.columns(2)
        for column, hub, title in ((columns[0], True, "Hub"), (columns[1], False, "Agency desks")):
            column.markdown(f"**{title}**")
            for control in (c for c in controls if c.hub == hub):
                step = 0.5 if (2 * control.value).is_integer() else 0.05
                settings[control.path] = column.slider(control.label, 0.0, control.maximum, control.value,
                                                       step=step, format="%g", key=f"{base.key}:{control.path}",
                                                       help=control.path)
    return settings


def policy_controls(base: state.BaseScenario) -> dict[str, Any]:
    start = state.policy_settings(base.scenario)
    agencies = list(base.scenario.agencies)
    key = base.key
    with st.expander("Policy"):
        settings: dict[str, Any] = {
            "policy.decide_at_deadline": st.toggle(
                "Decide at the deadline with what has come back (off: wait for every return)",
                start["policy.decide_at_deadline"], key=f"{key}:decide"),
            "policy.red_priority": st.toggle("Red work first in every queue", start["policy.red_priority"],
                                             key=f"{key}:red_priority"),
        }
        columns = st.columns(3)
        for column, rag in zip(columns, ("red", "amber", "green")):
            path = f"policy.ask.{rag}"
            settings[path] = column.multiselect(f"Desks asked for {rag.title()}", agencies, start[path],
                                                key=f"{key}:{path}")
    return settings


# --------------------------------------------------------------------------- results


def run_button(scenario: Scenario | None) -> None:
    left, middle, right = st.columns([1, 1, 3])
    if left.button("Run", type="primary", key="run", disabled=scenario is None):
        bar = st.progress(0.0, text="Running replications…")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=f"{done} of {total} replications")

        st.session_state["result"] = state.run(scenario, progress)
        bar.empty()
    if "result" in st.session_state and middle.button("Keep this run as A", key="pin",
                                                      help="Then change something and run again: B is the "
                                                           "latest run, compared with A in the A/B tab."):
        st.session_state["pinned"] = st.session_state["result"]
    if "pinned" in st.session_state:
        right.caption(f"A: {_describe(st.session_state['pinned'])}")


def _describe(result) -> str:
    run = result.scenario.run
    return (f"{result.scenario.name} · {len(result.replications)} replications from seed {result.seed} · "
            f"{run.horizon_days:g} days after {run.warmup_days:g} warm-up · scenario {result.scenario_hash} · "
            f"mashsim {result.version}")


def show_results(scenario: Scenario | None) -> None:
    result = st.session_state.get("result")
    if result is None:
        st.info("Set up the exercise, then press **Run**.")
        return
    pinned = st.session_state.get("pinned")
    compare = pinned is not None and pinned is not result
    st.subheader("Results")
    st.caption(_describe(result))
    if scenario is not None and scenario_hash(scenario) != result.scenario_hash:
        st.info("The set-up has changed since this run: press **Run** to update the results.")
    summary = result.summary()
    before = pinned.summary() if compare else {}
    for row in range(0, len(kpis.KPIS), 4):
        for column, kpi in zip(st.columns(4), kpis.KPIS[row:row + 4]):
            interval = summary[kpi.metric]
            delta = None
            if kpi.metric in before:
                delta = f"{kpis.format_change(interval.mean - before[kpi.metric].mean, kpi.unit)} vs A"
            column.metric(kpi.label, kpis.format_value(interval.mean, kpi.unit), delta, delta_color="inverse",
                          help=kpi.help)
            column.caption(kpis.format_interval(kpi.metric, interval))
    records = result.records_frame()
    tabs = st.tabs(["Delays by RAG", "Missed signals", "Agency network", "All metrics", "A/B comparison"])
    with tabs[0]:
        st.pyplot(charts.delay_by_rag(records))
    with tabs[1]:
        st.pyplot(charts.missed_by_agency(records, list(result.scenario.agencies)))
    with tabs[2]:
        st.pyplot(charts.network(result.scenario, summary))
    with tabs[3]:
        st.dataframe(kpis.metrics_table(result), hide_index=True)
    with tabs[4]:
        show_comparison(pinned, result)


def show_comparison(pinned, result) -> None:
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
        st.dataframe([{"field": path, "A": str(a), "B": str(b)} for path, a, b in changed], hide_index=True)
    else:
        st.caption("Nothing: A and B are the same set-up.")
    metrics = [k.metric for k in kpis.KPIS] + [m for m in result.metric_names if m.startswith("utilisation.")]
    try:
        table = kpis.paired_differences(pinned, result, metrics)
    except ValueError as error:
        st.warning(f"{error}. Set the seed back to {pinned.seed} and run again.")
        return
    st.markdown("**Paired differences** (same seed: replication by replication, the same children)")
    st.dataframe(table, hide_index=True)


# --------------------------------------------------------------------------- the page


def main() -> None:
    st.set_page_config(page_title="mashsim dashboard", layout="wide")
    base = pick_scenario()
    if base is None:
        return
    settings = run_controls(base)
    st.title(f"MASH exercise: {base.scenario.name}")
    if base.scenario.description:
        st.caption(base.scenario.description)
    settings.update(staffing_controls(base))
    settings.update(policy_controls(base))
    scenario = None
    try:
        scenario = state.build(base, settings)
    except ScenarioError as error:
        show_problems(error)
    if scenario is not None:
        export_button(scenario, state.changes(base, settings))
    run_button(scenario)
    show_results(scenario)


try:
    main()
except Exception as error:  # noqa: BLE001 - the page shows a message, the terminal the traceback
    log.exception("mashsim dashboard error")
    st.error(f"Something went wrong ({type(error).__name__}: {plain(str(error))}). "
             "The details are in the terminal running mashsim serve.")
