"""The dashboard's run over a parameter ensemble, without Streamlit: read the upload, check it
against the scenario as set in the page, run it within the server's limits, and tabulate the split.

The run is :func:`mashsim.experiment.ensemble_run.run_ensemble` (the one ``mashsim run --ensemble``
uses), serially: the page runs inside the server's thread. Its size is checked as a plain run of
members x replications would be (:func:`mashsim.app.limits.run_size`).
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from mashsim.app import limits
from mashsim.experiment.ensemble import check_against, parse_ensemble
from mashsim.experiment.ensemble_run import EnsembleResult, member_scenarios, run_ensemble, with_settings
from mashsim.metrics.catalogue import table_rows
from mashsim.report.ensemble_table import format_half, format_share
from mashsim.report.table import format_interval, format_value
from mashsim.scenario import Scenario
from mashsim.scenario.schema import HUB_ROLES

DEFAULT_MEMBERS, DEFAULT_PER_MEMBER = 10, 2


def run_over_ensemble(scenario: Scenario, filename: str, data: bytes, members: int, per_member: int,
                      limit: limits.Limits, progress: Callable[[int, int], None] | None = None
                      ) -> tuple[EnsembleResult, list[str]]:
    """``scenario`` (as set in the page) over the uploaded ensemble, and the warnings to show.

    Bad input is a ScenarioError naming the file and column; a run over the server's limits is
    :class:`~mashsim.app.limits.LimitReached`, before anything runs.
    """
    limits.check_upload(filename, data, limit)
    ensemble = parse_ensemble(data, filename)
    warnings = check_against(ensemble, scenario)
    rows = ensemble.choose(members, scenario.run.seed)
    run = scenario.run.model_copy(update={"replications": len(rows) * per_member})
    limits.run_size(scenario.model_copy(update={"run": run}), limit)  # LimitReached: the run is too big for this server
    member_scenarios(ensemble, rows, lambda pairs: with_settings(scenario, pairs, filename))  # each member valid
    result = run_ensemble(ensemble, rows, scenario, per_member, scenario.run.seed, workers=1,
                          progress=limits.stop_after(limit, progress))
    return result, warnings


def split_table(result: EnsembleResult, level: float = 0.95) -> pd.DataFrame:
    """The headline metrics (the terminal table's rows) with mean, CI and the split, as text."""
    summary = result.summary(level)
    s = result.scenario
    rows = []
    for name, _ in table_rows(list(s.agencies), [*HUB_ROLES, *s.agencies], list(s.pools)):
        figures = summary.get(name)
        if figures is None:
            continue
        rows.append({"metric": name, "mean": format_value(name, figures.mean),
                     f"{level:.0%} CI": format_interval(name, figures.ci_low, figures.ci_high),
                     "± parameters": format_half(name, figures.half_param),
                     "± chance": format_half(name, figures.half_chance),
                     "share of variance from parameters": format_share(figures.param_share)})
    return pd.DataFrame(rows)
