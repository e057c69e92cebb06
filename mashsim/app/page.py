"""The training dashboard: the Streamlit script that ``mashsim serve`` runs.

Streamlit runs this file from the top on every interaction. The sidebar picks the scenario and
the run's length; the main column holds the staffing sliders, the policy switches, the injected
events (:mod:`~mashsim.app.injects_view`), the Run button and the results
(:mod:`~mashsim.app.results_view`, :mod:`~mashsim.app.cases_view`). What the page computes is in
plain modules: :mod:`~mashsim.app.state`, :mod:`~mashsim.app.kpis`, :mod:`~mashsim.app.exercise`
and :mod:`~mashsim.app.charts`.

Bad input is shown in the page as the library's own problem report; anything unexpected is
shown as a one-line message and logged in the terminal, never as a traceback in the page.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from mashsim.app import charts, events, exercise, export_view, layout, limits, persist, state
from mashsim.app.ensemble_view import ensemble_section
from mashsim.app.injects_view import injects_editor
from mashsim.app.messages import plain, show_problems
from mashsim.app.words import event_paths
from mashsim.app.results_view import run_button, show_results
from mashsim.report.plots import literal_text
from mashsim.scenario import Scenario, ScenarioError

log = logging.getLogger("mashsim.app")


# --------------------------------------------------------------------------- sidebar


def pick_scenario(limit: limits.Limits) -> state.BaseScenario | None:
    bar = st.sidebar
    bar.header("Scenario")
    name = bar.selectbox("Shipped scenario", state.shipped_names(), key="shipped")
    upload = bar.file_uploader("…or upload a scenario or an exported exercise (TOML)", type=["toml"],
                               key="upload", help="An uploaded file runs as it is written; a shipped "
                               f"scenario starts on a short run ({state.SHORT_HORIZON_DAYS:g} days, "
                               f"{state.SHORT_REPLICATIONS} replications).")
    try:
        if upload:
            limits.check_upload(upload.name, upload.getvalue(), limit)
        base = state.load_upload(upload.name, upload.getvalue()) if upload else state.load_shipped(name)
    except ScenarioError as error:
        show_problems(error)
        st.info("Correct the file and upload it again, or remove it to use a shipped scenario.")
        return None
    if upload:
        bar.caption("The uploaded file is in use: remove it to pick a shipped scenario.")
    for note in base.notes:
        bar.warning(plain(note))
    return base


def run_controls(base: state.BaseScenario) -> dict[str, Any]:
    start = state.run_settings(base)
    bar = st.sidebar
    bar.header("Run")
    key = base.key
    return {
        # no bounds beyond the scenario format's own, so any valid file opens (its checks report the rest)
        "run.horizon_days": bar.number_input("Days measured", min_value=0.0, value=start["run.horizon_days"],
                                             step=7.0, format="%g", key=f"{key}:horizon"),
        "run.warmup_days": bar.number_input("Warm-up days (not measured)", min_value=0.0,
                                            value=start["run.warmup_days"], step=7.0, format="%g",
                                            key=f"{key}:warmup"),
        "run.replications": int(bar.number_input("Replications", min_value=1,
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


# --------------------------------------------------------------------------- the page


def run_allowed(scenario: Scenario, limit: limits.Limits, where=st) -> bool:
    """Whether this server takes the run: its size under the Run button, or why not."""
    try:
        size = limits.run_size(scenario, limit)
    except limits.LimitReached as refused:
        where.warning(plain(str(refused)))
        return False
    where.caption(f"This run: {size.describe()} (this server runs up to {limit.contacts:,} contacts "
               f"and {limit.replication_days:,} days).")
    return True


def checked(base: state.BaseScenario, settings: dict[str, Any]) -> Scenario | None:
    """The scenario as set in the page, or None with its problems shown (Run is then off); the
    page's own event checks count as problems, its warm-up notice as a warning."""
    try:
        scenario = state.build(base, settings)
        refused = events.problems(scenario)
        if refused:
            raise ScenarioError(refused, f"{base.label}, as set in the page")
    except ScenarioError as error:
        show_problems(error)
        return None
    for warning in events.warnings(scenario):
        st.warning(plain(event_paths(str(warning))))
    return scenario


def main() -> None:
    st.set_page_config(page_title="mashsim dashboard", layout="wide")
    layout.style()
    if st.query_params.get("role") in ("team", "facilitator"):  # a classroom page: see tabletop_view
        from mashsim.app import tabletop_view
        params = st.query_params.to_dict()
        (tabletop_view.team_page if params["role"] == "team" else tabletop_view.facilitator_page)(params)
        return
    persist.restore()
    presenter = export_view.presenting()
    layout.present(presenter)  # the set-up and sidebar are drawn still (their values kept), but hidden
    bar = st.container() if presenter else None  # the presenter view's own buttons, above its title
    top = st.sidebar.container()  # Run and its progress, filled once the set-up is read
    limit = limits.Limits.from_env()
    base = pick_scenario(limit)
    st.sidebar.caption(f"This server: {limit.describe()}.")
    if base is None:
        return
    settings = run_controls(base)
    st.title(f"MASH exercise: {plain(base.scenario.name)}")
    if base.scenario.description:
        st.caption(plain(base.scenario.description))
    with st.container(key=layout.SETUP_KEY):
        settings.update(staffing_controls(base))
        settings.update(policy_controls(base))
        settings["injects"], timeline = injects_editor(base, settings)
        scenario = checked(base, settings)
    if scenario is not None:
        export_button(scenario, state.changes(base, settings))
        if scenario.injects:
            timeline.pyplot(literal_text(charts.inject_timeline(scenario)))
    runnable = scenario is not None and run_allowed(scenario, limit, top)
    run_button(scenario if runnable else None, limit, base.key, top)
    if bar is not None:
        left, middle, right = bar.columns(3)
        export_view.presenter_switch(left)
        export_view.download_buttons(base.scenario, middle, right)
    else:
        export_view.presenter_switch(top)
        export_view.download_buttons(base.scenario, top)
    persist.save()  # now, as well as at the end: a click while the results draw stops this rerun there
    show_results(scenario if runnable else None, base.key, limit)
    with st.container(key=layout.ENSEMBLE_KEY):
        ensemble_section(scenario if runnable else None, limit)


try:
    main()
    persist.save()
except Exception as error:  # noqa: BLE001 - the page shows a message, the terminal the traceback
    log.exception("mashsim dashboard error")
    st.error(f"Something went wrong ({type(error).__name__}: {plain(str(error))}). "
             "The details are in the terminal running mashsim serve.")
