"""The brief's first two sections: how the front door performs now, and the least-cost staffing that
meets the timescales. Each calls the library as the command it cites does (``mashsim run``,
``mashsim staff``), so that the command, re-run, gives the very figures shown.

A section is plain data (:class:`Section`): text, tables of formatted figures, charts to draw, and
the commands behind them; :mod:`mashsim.report.brief_html` lays it out. Nothing here prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from mashsim.experiment.stats import Interval
from mashsim.metrics.catalogue import by_hub
from mashsim.report.brief_figures import (Book, Figure, Settings, format_figure, format_range, metric_label,
                                          metric_path, place)
from mashsim.scenario.schema import HUB_ROLES, Scenario

Tick = Callable[[str, int, int], None]  # (what, done, total): the progress bar

#: Section 1's rows: the timescales first, then the children, then how hard the staff work.
PERFORMANCE = ("contacts_arrived", "children_contacted", "working_day_breach_rate", "rag_breach_rate.by_rag.red",
               "rag_breach_rate.by_rag.amber", "rag_breach_rate.by_rag.green", "decision_delay_hours.mean",
               "decision_delay_hours.p90", "high_risk_missed_rate", "under_triage_rate",
               "high_risk_children_unreferred", "signals_never_decided", "contacts_open_at_end")
#: The shares section 1's chart shows, each with its interval.
CHARTED = ("working_day_breach_rate", "rag_breach_rate.by_rag.red", "rag_breach_rate.by_rag.amber",
           "rag_breach_rate.by_rag.green", "high_risk_missed_rate", "under_triage_rate")
#: The roles section 2 searches: who screens and who decides, the timescales' two queues.
SEARCHED = ("screeners", "managers")


@dataclass
class Chart:
    file: str
    title: str
    draw: Callable[[Any], Any]       # draw(path) writes the PNG
    figures: list[str]
    commands: list[str]


@dataclass
class Section:
    number: int
    title: str
    paragraphs: list[str] = field(default_factory=list)   # plain text
    flags: list[str] = field(default_factory=list)         # plain text, shown as warnings
    tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)         # small print under the section


@dataclass
class Context:
    """What every section needs: the settings, the scenario, where replications run, the figures."""

    settings: Settings
    base: Scenario
    book: Book
    executor: Any = None
    slots: int = 1
    tick: Tick | None = None
    focus: str | None = None        # in a scenario with hubs: the hub sections 2 and 3 look at

    @property
    def prefix(self) -> str:
        """The focus hub's field prefix (``hubs.barnet.``), or nothing in a one-hub scenario."""
        return f"hubs.{self.focus}." if self.focus else ""

    def progress(self, what: str) -> Callable[[int, int], None] | None:
        tick = self.tick
        return None if tick is None else (lambda done, total: tick(what, done, total))


# ------------------------------------------------------------------ section 1

def run_argv(s: Settings) -> list[str]:
    argv = ["run", s.scenario, "-r", str(s.replications), "--seed", str(s.seed), *s.sets()]
    if s.ensemble:
        argv += ["--ensemble", s.ensemble] + (["--members", str(s.members)] if s.members else [])
    return argv + ["--json"]


def run_now(ctx: Context):
    """Section 1's replications, as ``mashsim run`` makes them (over the ensemble's members if given)."""
    from mashsim.experiment import run_replications

    s = ctx.settings
    if not s.ensemble:
        return run_replications(ctx.base, s.replications, s.seed, executor=ctx.executor, workers=ctx.slots,
                                progress=ctx.progress("the front door now"))
    from mashsim.commands.ensemble_options import choose_members
    from mashsim.experiment.ensemble_run import run_ensemble
    from mashsim.scenario import load_scenario
    import argparse

    args = argparse.Namespace(ensemble=s.ensemble, members=s.members, overrides=list(s.overrides))
    choice = choose_members(args, ctx.base, s.seed, lambda pairs: load_scenario(s.scenario, [*s.overrides, *pairs]))
    return run_ensemble(choice.ensemble, choice.rows, ctx.base, s.replications, s.seed, executor=ctx.executor,
                        workers=ctx.slots, progress=ctx.progress("the front door now"))


def performance(ctx: Context) -> tuple[Section, Any]:
    """Section 1, and the run it read (section 4 reads the ensemble from it)."""
    s, book = ctx.settings, ctx.book
    result = run_now(ctx)
    summary = result.summary()
    argv = run_argv(s)
    run = result.as_run() if hasattr(result, "as_run") else result
    section = Section(1, "How the front door performs now")
    rows = []
    names = [*PERFORMANCE, *(f"utilisation.by_role.{r}" for r in HUB_ROLES)]
    for name in names:
        if name not in summary:
            continue
        i = summary[name]
        figure = book.add(Figure(f"now.{name}", 1, metric_label(name), i.mean, _unit(name), i.ci_low, i.ci_high,
                                 argv, metric_path(name)))
        rows.append([figure.label, format_figure(name, i.mean), format_range(name, i.ci_low, i.ci_high)])
    section.tables.append((["", "mean", "95% CI"], rows))
    n = len(run.replications)
    window = f"{ctx.base.run.horizon_days:g} days"
    section.paragraphs.append(
        f"Over a window of {window} (after {ctx.base.run.warmup_days:g} days' warm-up), {n} simulated "
        f"replications{' over the ensemble of calibrated parameter sets' if s.ensemble else ''}: each figure is "
        f"the mean with its 95% confidence interval.")
    section.paragraphs += _reading(summary)
    stability = run.stability()
    if not stability.stable:
        section.flags.append("UNSTABLE: " + stability.message() + ". The figures depend on how long the run is; "
                             "staff cannot keep up with the work at these levels.")
    censored = summary.get("contacts_censored")
    if censored is not None and censored.mean > 0:
        section.flags.append(f"OPEN BACKLOG: on average {censored.mean:,.0f} contacts were still open when the "
                             "run-out ended; their delays count as they stood then, so delays are lower bounds.")
    charted = [n for n in CHARTED if n in summary]
    from mashsim.report.brief_plots import interval_bars

    section.charts.append(Chart("now.png", "The timescales and the children at risk, now (mean and 95% CI)",
                                lambda path: interval_bars([(metric_label(n), summary[n]) for n in charted], path,
                                                           "share of contacts (or of signals)"),
                                [f"now.{n}" for n in charted], [book.figures[f"now.{charted[0]}"].command or ""]))
    if ctx.base.hubs:
        ctx.focus = _hubs(ctx, section, summary, argv)
    section.commands.append(book.figures[f"now.{names[0]}"].command or "")
    return section, result


def _unit(name: str) -> str | None:
    from mashsim.metrics.catalogue import unit_of

    return unit_of(name)


def _reading(summary: dict[str, Interval]) -> list[str]:
    """Section 1 in two sentences: the timescale, and the children at risk."""
    out = []
    day = summary.get("working_day_breach_rate")
    if day is not None:
        out.append(f"About {_one_in(day.mean)} contacts waits more than one working day for a decision "
                   f"({format_figure('working_day_breach_rate', day.mean)}; 95% CI "
                   f"{format_range('working_day_breach_rate', day.ci_low, day.ci_high)}).")
    missed, unreferred = summary.get("high_risk_missed_rate"), summary.get("high_risk_children_unreferred")
    if missed is not None:
        text = (f"Of what agencies know about children at high or critical risk, "
                f"{format_figure('high_risk_missed_rate', missed.mean)} does not reach the decision")
        if unreferred is not None and unreferred.mean > 0:
            text += (f", and {format_figure('count', unreferred.mean)} such children a window are not referred "
                     "to children's social care")
        out.append(text + ".")
    return out


def _one_in(share: float) -> str:
    if not share or math.isnan(share) or share <= 0:
        return "none of the"
    return f"1 in {max(1, round(1 / share)):,}"


def _hubs(ctx: Context, section: Section, summary: dict[str, Interval], argv: list[str]) -> str:
    """In a scenario with hubs: each hub's working-day breaches, charted; the worst is the focus."""
    from mashsim.report.brief_plots import interval_bars

    name = "working_day_breach_rate"
    hubs = [hub for hub in ctx.base.hubs if by_hub(name, hub) in summary]
    ranked = sorted(hubs, key=lambda hub: -_mean(summary[by_hub(name, hub)]))
    ids = []
    for hub in ranked:
        i = summary[by_hub(name, hub)]
        ids.append(ctx.book.add(Figure(f"now.{by_hub(name, hub)}", 1, f"{metric_label(name)}: {place(hub)}",
                                       i.mean, "share", i.ci_low, i.ci_high, argv,
                                       metric_path(by_hub(name, hub)))).id)
    focus = ranked[0]
    section.paragraphs.append(
        f"{len(hubs)} hubs. The one whose contacts wait longest for a decision, {place(focus)} "
        f"({format_figure(name, _mean(summary[by_hub(name, focus)]))} beyond one working day), is the one "
        "sections 2 and 3 look at.")
    section.charts.append(Chart("hubs.png", "Contacts decided after one working day, hub by hub (mean and 95% CI)",
                                lambda path: interval_bars([(place(h), summary[by_hub(name, h)]) for h in ranked],
                                                           path, "share of contacts"),
                                ids, [ctx.book.figures[ids[0]].command or ""]))
    return focus


def _mean(i: Interval) -> float:
    return -1.0 if math.isnan(i.mean) else i.mean
