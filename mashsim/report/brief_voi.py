"""The brief's section 5: what to measure next. The scenario's estimates ranked by how far the answer
moves as each moves across its plausible range (:func:`mashsim.experiment.value_of_information.
value_of_information`, as ``mashsim voi`` runs it): measuring the top of the list first narrows the
answer most.

This section runs it on the brief's own scenario: the file with every ``--set`` the brief applied
(its horizon, a quick brief's warm-up, and the user's changes), passed to ``mashsim voi`` as the
same ``--set`` arguments, so that the cited command answers for the same scenario as the rest of the
brief; its figures are in the ``voi.json`` that command writes with ``--out DIR``.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from mashsim.report.brief_figures import Figure
from mashsim.report.brief_sections import Chart, Context, Section
from mashsim.report.table import format_difference

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
    # ctx.base is the file with the brief's overrides applied; naming them makes the command rebuild it
    result = value_of_information(ctx.base, paths=list(s.measure) or None,
                                  ensemble=Path(s.ensemble) if s.ensemble else None, seed=s.seed, replications=2,
                                  workers=ctx.slots, progress=ctx.progress("what to measure next"),
                                  source=s.scenario, overrides=s.overrides)
    argv = voi_argv(result.command)
    ranks = list(result.ranks)  # most important first
    for k, rank in enumerate(ranks):
        book.add(Figure(f"voi.{rank.path}", 5, f"{rank.label}: share of the answer's variation", rank.index, "share",
                        rank.index_low, rank.index_high, argv, f"ranks.{k}.index" if argv else None,
                        formula=None if argv else f"from: {result.command}", output=OUTPUT if argv else None))
    shown = ranks[:SHOWN]
    section.paragraphs.append(
        f"The answer here is {result.answer_label}. Each estimate was moved across its plausible range "
        f"({result.method}; {result.runs:,} runs, each on the brief's scenario: {ctx.base.run.warmup_days:g} "
        f"days' warm-up, then {ctx.base.run.horizon_days:g} days measured) and ranked by its share of how far the "
        "answer moved: the estimates at the top are the ones to measure first, since pinning them down narrows "
        "the answer most.")
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
    section.charts.append(Chart("voi.png", f"What moves {result.answer_label} most: each estimate's share, 95% CI",
                                lambda p: rank_chart([r.label for r in shown], [r.index for r in shown],
                                                     [r.index_low for r in shown], [r.index_high for r in shown],
                                                     p, "share of the answer's variation"),
                                [f"voi.{r.path}" for r in shown], [result.command]))
    section.commands.append(result.command + f" --out DIR  (the figures are in DIR/{OUTPUT})")
    return section
