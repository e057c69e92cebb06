"""The terminal summary of a run over an ensemble: each metric's two-level interval, split.

Beside the mean and its 95% CI (both uncertainties), ``± param`` and ``± chance`` are the parts of
the half-width due to the parameters (ensemble members) and to chance (replications); they add
in quadrature. ``param share`` is the share of one replication's variance that is the parameters'.
"""

from __future__ import annotations

import math

from rich.table import Table

from mashsim.experiment.ensemble_run import EnsembleResult
from mashsim.experiment.two_level import TwoLevel
from mashsim.metrics.catalogue import is_censorable
from mashsim.report.table import _label, _rows, format_difference, format_interval, format_value
from mashsim.report.terminal import PlainTable, styled


def format_half(name: str, value: float) -> str:
    """A half-width as ``±`` and the metric's difference format without its sign."""
    if math.isnan(value):
        return "-"
    return "±" + format_difference(name, value)[1:]


def format_share(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0%}"


def ensemble_table(result: EnsembleResult, level: float = 0.95) -> Table:
    """A rich table of the headline metrics with the parameter/chance split of each interval."""
    summary = result.summary(level)
    run = result.as_run()
    members, n = len(result.rows), len(result.replications)
    censored = any(v > 0 for v in run.values("contacts_censored")) if "contacts_censored" in summary else False
    table = PlainTable(
        title=f"{result.scenario.name} · {members} ensemble members x {result.per_member} replications · "
              f"seed {result.seed}",
        caption=f"scenario {result.scenario_hash} · ensemble {result.ensemble.source} "
                f"({result.ensemble.file_hash}) · "
                f"mashsim {result.version} · {n} replications · {level:.0%} CI over member means "
                f"(t, {members - 1} df); ± param and ± chance add in quadrature",
    )
    for header in ("metric", "mean", f"{level:.0%} CI", "± param", "± chance", "param share"):
        table.add_column(header, justify="left" if header == "metric" else "right")
    blank = ("",) * 5
    stability = run.stability(level)
    if stability.growths:
        table.add_row(styled(stability.message(), "bold" if stability.stable else "bold red"), *blank)
    for name, heading in _rows(result.as_run()):
        figures: TwoLevel | None = summary.get(name)
        if figures is None:
            continue
        if heading:
            table.add_section()
            table.add_row(styled(heading, "bold"), *blank)
        bound = "≥ " if censored and is_censorable(name) else ""
        table.add_row(_label(name), bound + format_value(name, figures.mean),
                      format_interval(name, figures.ci_low, figures.ci_high),
                      format_half(name, figures.half_param), format_half(name, figures.half_chance),
                      format_share(figures.param_share))
    return table
