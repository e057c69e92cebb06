"""The page's "both uncertainties" section: run the set-up over an uploaded parameter ensemble and
show how much of each interval is the figures we do not know and how much is chance.

Shown only where the server allows it (:func:`mashsim.app.limits.ensembles_allowed`: this machine
only, unless ``mashsim serve --ensembles``). The work is in :mod:`mashsim.app.ensemble_state`.
"""

from __future__ import annotations

import streamlit as st

from mashsim.app import ensemble_state, limits
from mashsim.app.messages import plain, show_problems
from mashsim.scenario import Scenario, ScenarioError, scenario_hash

_KEY = "ensemble_result"


def ensemble_section(scenario: Scenario | None, limit: limits.Limits) -> None:
    if not limits.ensembles_allowed():
        return
    # a switch, not an expander: the upload box is made only when asked for (the page keeps one otherwise)
    if not st.toggle("Both uncertainties: run over a parameter ensemble", key="ensemble_on"):
        return
    with st.container(border=True):
        st.caption("An ensemble (a Parquet file from `mashsim calibrate`) holds plausible values of the "
                   "figures we do not know. Each replication takes its figures from one member; the table "
                   "splits each interval into the part due to those figures and the part due to chance.")
        upload = st.file_uploader("Parameter ensemble (Parquet)", type=["parquet"], key="ensemble_upload")
        columns = st.columns(2)
        members = int(columns[0].number_input("Members", min_value=2, value=ensemble_state.DEFAULT_MEMBERS,
                                              step=1, key="ensemble_members",
                                              help="chosen from the seed; every row if the file has fewer"))
        per_member = int(columns[1].number_input("Replications per member", min_value=2,
                                                 value=ensemble_state.DEFAULT_PER_MEMBER, step=1,
                                                 key="ensemble_reps"))
        if st.button("Run over the ensemble", disabled=scenario is None or upload is None, key="ensemble_run") \
                and scenario is not None and upload is not None:
            bar = st.progress(0.0, text="Running replications…")
            try:
                with limits.SLOTS.slot(limit):
                    result, warnings = ensemble_state.run_over_ensemble(
                        scenario, upload.name, upload.getvalue(), members, per_member, limit,
                        lambda done, total: bar.progress(done / total, text=f"{done} of {total} replications"))
                st.session_state[_KEY] = (result, warnings)
            except ScenarioError as error:
                show_problems(error)
            except limits.LimitReached as refused:
                st.warning(plain(str(refused)))
            finally:
                bar.empty()
        shown = st.session_state.get(_KEY)
        if shown is None:
            return
        result, warnings = shown
        for warning in warnings:
            st.warning(plain(warning))
        if scenario is None or scenario_hash(scenario) != result.scenario_hash:
            st.info("The set-up has changed since this run over the ensemble: run it again to update it.")
        st.caption(plain(f"{result.scenario.name} · {len(result.rows)} members x {result.per_member} replications "
                         f"from seed {result.seed} · ensemble {result.ensemble.source} "
                         f"({result.ensemble.file_hash}) · "
                         f"95% CI over member means; ± parameters and ± chance add in quadrature"))
        st.dataframe(ensemble_state.split_table(result), hide_index=True)
