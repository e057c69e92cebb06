"""The brief's section 5: what to measure next. The scenario's estimates ranked by how far the answer
moves as each moves across its plausible range (:func:`mashsim.experiment.value_of_information.
value_of_information`, as ``mashsim voi`` runs it): measuring the top of the list first narrows the
answer most.

``mashsim voi`` takes the scenario as its file gives it and the horizon (``--horizon-days``), not
``--set`` changes: this section runs it so, on the brief's horizon, and its figures are in the
``voi.json`` that command writes with ``--out DIR``.
"""

from __future__ import annotations

import inspect
import shlex
from pathlib import Path

from mashsim.report.brief_figures import Figure
from mashsim.report.brief_sections import Chart, Context, Section
from mashsim.report.table import format_difference
from mashsim.scenario import load_scenario

SHOWN = 10  # the inputs the table and chart show; figures.json has every one
OUTPUT = "voi.json"


def voi_argv(command: str) -> list[str] | None:
    """The arguments of a ``mashsim ...`` command line, to re-run it; None if it is not one."""
    words = shlex.split(command)
    return words[1:] if words and words[0] == "mashsim" else None


def voi_section(ctx: Context, section: Section) -> Section:
    from mashsim.experiment.value_of_information import value_of_information
    from mashsim.report.brief_plots import rank_chart

    s, book = ctx.settings, ctx.book
    # ``source`` (how the command names the scenario: a file as given) where the function takes it
    named = {"source": s.scenario} if "source" in inspect.signature(value_of_information).parameters else {}
    result = value_of_information(load_scenario(s.scenario), paths=list(s.measure) or None,
                                  ensemble=Path(s.ensemble) if s.ensemble else None, seed=s.seed, replications=2,
                                  workers=ctx.slots, horizon_days=ctx.base.run.horizon_days,
                                  progress=ctx.progress("what to measure next"), **named)
    argv = voi_argv(result.command)
    ranks = list(result.ranks)  # most important first
    for k, rank in enumerate(ranks):
        book.add(Figure(f"voi.{rank.path}", 5, f"{rank.label}: share of the answer's variation", rank.index, "share",
                        rank.index_low, rank.index_high, argv, f"ranks.{k}.index" if argv else None,
                        formula=None if argv else f"from: {result.command}", output=OUTPUT if argv else None))
    shown = ranks[:SHOWN]
    section.paragraphs.append(
        f"The answer here is {result.answer_label}. Each estimate was moved across its plausible range "
        f"({result.method}; {result.runs:,} runs, each the scenario's own warm-up and the brief's "
        f"{ctx.base.run.horizon_days:g} days) and ranked by its share of how far the answer moved: the estimates "
        "at the top are the ones to measure first, since pinning them down narrows the answer most.")
    if shown:
        top = shown[0]
        section.paragraphs.append(f"Measure first: {top.label} (tagged {top.tag or 'untagged'}; range "
                                  f"{top.low:g} to {top.high:g}, {top.source_of_range}).")
    rows = [[r.label, r.tag or "-", f"{r.low:g} to {r.high:g}", r.source_of_range, f"{r.index:.0%}",
             f"{r.index_low:.0%} – {r.index_high:.0%}", format_difference(result.answer, r.swing)] for r in shown]
    section.tables.append((["estimate", "tag", "range", "where the range comes from", "share", "95% CI",
                            "swing (low to high end)"], rows))
    if len(ranks) > SHOWN:
        section.notes.append(f"{len(ranks) - SHOWN} more estimates are ranked in figures.json.")
    if list(s.overrides[2 if s.quick else 1:]):
        section.notes.append("The --set changes given to the brief are not carried into this section: it runs "
                             "the scenario as its file gives it.")
    section.charts.append(Chart("voi.png", f"What moves {result.answer_label} most: each estimate's share, 95% CI",
                                lambda p: rank_chart([r.label for r in shown], [r.index for r in shown],
                                                     [r.index_low for r in shown], [r.index_high for r in shown],
                                                     p, "share of the answer's variation"),
                                [f"voi.{r.path}" for r in shown], [result.command]))
    section.commands.append(result.command + f" --out DIR  (the figures are in DIR/{OUTPUT})")
    return section
