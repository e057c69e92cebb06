"""The brief's section 2: the least-cost mix of screeners and managers whose timescales hold with 95%
confidence (:func:`mashsim.experiment.staffing.search_staffing`, as ``mashsim staff`` runs it), its
yearly cost against the budget, and what was searched."""

from __future__ import annotations

import math
from typing import Any

from mashsim.experiment.marginal import desks
from mashsim.experiment.staffing import Lever, SimulatedReplications, StaffingResult, search_staffing
from mashsim.experiment.targets import MET, Target, parse_target
from mashsim.metrics.catalogue import by_hub
from mashsim.metrics.names import metric_names, resolve_metric
from mashsim.report.brief_figures import Figure, command_text, format_figure, format_range, metric_label, place, words
from mashsim.report.brief_sections import SEARCHED, Chart, Context, Section
from mashsim.scenario import load_scenario


def number(value: float) -> str:
    """A number as a command line takes it: ``62000``, ``2.5``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def levers(ctx: Context) -> list[Lever]:
    """The searched roles of the focus hub: from one below today's staff (at least 1) to ``2`` above
    (``1`` in a quick brief), each at its yearly cost (1 a person where the scenario gives none)."""
    by_path = {d.path: d for d in desks(ctx.base)}
    out = []
    for role in SEARCHED:
        desk = by_path.get(f"{ctx.prefix}roles.{role}.staff")
        if desk is None:
            continue
        now = math.ceil(desk.staff)
        out.append(Lever(desk.path, max(1, now - 1), now + (1 if ctx.settings.quick else 2), desk.annual_cost or 1.0))
    return out


def targets(ctx: Context) -> list[Target]:
    """The timescales as targets; in a scenario with hubs, on the focus hub's own figures."""
    known = metric_names(ctx.base)
    out = []
    for text in ctx.settings.targets:
        target = parse_target(text, known)
        if ctx.focus:
            name = by_hub(resolve_metric(target.metric, known), ctx.focus)
            target = Target(name, target.op, target.threshold)
        out.append(target)
    return out


def staff_argv(ctx: Context, chosen: list[Lever], wanted: list[Target]) -> list[str]:
    s = ctx.settings
    argv = ["staff", s.scenario]
    for t in wanted:
        argv += ["--target", f"{t.metric}{t.op}{number(t.threshold)}"]
    for lv in chosen:
        argv += ["--vary", f"{lv.path}={lv.low}..{lv.high}"]
    for lv in chosen:
        argv += ["--cost", f"{lv.path}={number(lv.cost)}"]
    return argv + ["-r", str(s.staff_replications), "--max-replications", str(s.staff_cap), "--seed", str(s.seed),
                   *s.sets(), "--json"]


def yearly_cost(scenario) -> float | None:
    """What the front door's staff cost a year (FTE x annual cost, every desk); None if a desk has no cost."""
    every = desks(scenario)
    if any(d.annual_cost is None for d in every):
        return None
    return sum(d.staff * (d.annual_cost or 0.0) for d in every)


def staffing(ctx: Context) -> tuple[Section, StaffingResult | None]:
    s, book = ctx.settings, ctx.book
    section = Section(2, "The least-cost staffing that meets the timescales")
    chosen_levers, wanted = levers(ctx), targets(ctx)
    if not chosen_levers:
        section.paragraphs.append("The scenario staffs neither screeners nor managers itself: nothing to search.")
        return section, None
    argv = staff_argv(ctx, chosen_levers, wanted)
    overrides = list(s.overrides)

    def make(settings: dict[str, int]):
        return load_scenario(s.scenario, [*overrides, *settings.items()])

    metrics = [t.metric for t in wanted]
    replicate = SimulatedReplications(make, metrics, s.seed, ctx.executor, ctx.slots)
    tick, runs = ctx.tick, [0]

    def progress(settings: dict[str, int], n: int) -> None:
        runs[0] += 1
        if tick:
            tick(f"staffing search: mix {runs[0]}", runs[0], runs[0] + 1)

    result = search_staffing(chosen_levers, wanted, replicate, seed=s.seed, replications=s.staff_replications,
                             max_replications=s.staff_cap, progress=progress)
    data = result.to_dict()
    where = f" at {place(ctx.focus)}" if ctx.focus else ""
    roles = " and ".join(words(lv.path.split(".")[-2]) for lv in chosen_levers)
    section.paragraphs.append(
        f"The search tried whole numbers of {roles}{where} ("
        + "; ".join(f"{words(lv.path.split('.')[-2])} {lv.low} to {lv.high}" for lv in chosen_levers)
        + "), every other desk as it is, for the cheapest mix whose every timescale holds with 95% confidence "
        "(the one-sided 95% bound of its mean on the right side): "
        + "; ".join(f"{metric_label(t.metric, ctx.focus)} at most {format_figure(t.metric, t.threshold)}"
                    for t in wanted) + ".")
    section.paragraphs.append(
        f"It ran {len(result.evaluated)} of the {result.mixes} mixes, {result.total_replications} replications "
        f"({result.replications} at first, up to {result.max_replications} where a decision was close); every mix "
        "saw the same contacts (the same seeds), and mixes not run were settled by the assumption that one more "
        "person never makes a timescale worse.")
    now_cost = yearly_cost(ctx.base)
    if now_cost is not None:
        book.add(Figure("staffing.cost_now", 2, "What the front door's staff cost a year now", now_cost, "pounds",
                        formula="sum over every desk of staff (FTE) x annual_cost, from "
                                + _show(ctx), derived_from=[]))
    if result.chosen is None:
        closest = result.closest()
        section.flags.append("No mix in the ranges searched meets every timescale with 95% confidence.")
        if now_cost is not None:
            section.paragraphs.append(
                f"The front door's staff cost {format_figure('pounds', now_cost)} a year now"
                + ("." if s.budget is None else f", against a budget of {format_figure('pounds', s.budget)}."))
        if closest is not None:
            book.add(Figure("staffing.closest.bound", 2, f"{metric_label(closest.target.metric, ctx.focus)}: one-sided "
                            "95% bound at the largest mix", closest.bound, "share", argv=argv,
                            json_path="closest_target.bound"))
            section.paragraphs.append(
                f"Closest at the largest mix: {metric_label(closest.target.metric, ctx.focus)}, "
                f"{format_figure(closest.target.metric, closest.mean)} (its bound "
                f"{format_figure(closest.target.metric, closest.bound)} against a target of "
                f"{format_figure(closest.target.metric, closest.target.threshold)}).")
    else:
        _chosen(ctx, section, result, data, argv, now_cost)
    section.charts.append(_chart(ctx, result, wanted, argv))
    section.commands.append(command_text(argv))
    return section, result


def _show(ctx: Context) -> str:
    return command_text(["show", ctx.settings.scenario, *ctx.settings.sets(), "--json"])


def _chosen(ctx: Context, section: Section, result: StaffingResult, data: dict[str, Any], argv: list[str],
            now_cost: float | None) -> None:
    s, book = ctx.settings, ctx.book
    chosen = result.chosen
    assert chosen is not None
    rows = []
    by_path = {d.path: d for d in desks(ctx.base)}
    for lever, value in zip(result.levers, chosen.mix):
        role = words(lever.path.split(".")[-2])
        now = by_path[lever.path].staff
        book.add(Figure(f"staffing.chosen.{lever.path}", 2, f"{role.capitalize()} (FTE) in the least-cost mix",
                        value, "count", argv=argv, json_path=f"chosen.staff.{lever.path}"))
        rows.append([role.capitalize(), f"{now:g}", f"{value}", f"{value - now:+g}"])
    section.tables.append((["role", "now (FTE)", "least-cost mix", "change"], rows))
    book.add(Figure("staffing.chosen.cost", 2, "Yearly cost of the searched roles in the least-cost mix", chosen.cost,
                    "pounds", argv=argv, json_path="chosen.cost"))
    evidence = []
    for k, e in enumerate(chosen.evidence):
        f = book.add(Figure(f"staffing.chosen.{e.target.metric}", 2, metric_label(e.target.metric, ctx.focus),
                            e.mean, "share", e.ci_low, e.ci_high, argv, f"chosen.targets.{k}.mean"))
        book.add(Figure(f"staffing.chosen.{e.target.metric}.bound", 2, f"{f.label}: one-sided 95% bound", e.bound,
                        "share", argv=argv, json_path=f"chosen.targets.{k}.bound"))
        evidence.append([f.label, format_figure(e.target.metric, e.mean),
                         format_range(e.target.metric, e.ci_low, e.ci_high), format_figure(e.target.metric, e.bound),
                         f"at most {format_figure(e.target.metric, e.target.threshold)}",
                         "met" if e.verdict == MET else e.verdict])
    section.tables.append((["timescale", "mean", "95% CI", "95% bound", "target", "verdict"], evidence))
    if result.warnings:  # `mashsim staff` prints each; here, what they mean for the answer
        section.flags.append(f"The evidence contradicts the search's assumption (one more person never makes a "
                             f"timescale worse) in {len(result.warnings)} place(s): a cheaper mix may exist. "
                             "More replications settle it; the command below lists each.")
    if now_cost is None:
        return
    total = now_cost + chosen.cost - sum(lv.cost * by_path[lv.path].staff for lv in result.levers)
    book.add(Figure("staffing.total_cost", 2, "Yearly cost of every desk with the least-cost mix", total, "pounds",
                    derived_from=["staffing.cost_now", "staffing.chosen.cost"],
                    formula="cost now - the searched roles' cost now + their cost in the least-cost mix"))
    text = (f"The least-cost mix costs {format_figure('pounds', chosen.cost)} a year for the roles searched; with "
            f"every other desk as it is, the front door's staff cost {format_figure('pounds', total)} a year "
            f"(now {format_figure('pounds', now_cost)}).")
    if s.budget is not None:
        fits = total <= s.budget
        text += (f" That is {'within' if fits else 'over'} the budget of {format_figure('pounds', s.budget)} "
                 f"({'leaving' if fits else 'by'} {format_figure('pounds', abs(s.budget - total))}).")
        if not fits:
            section.flags.append(f"OVER BUDGET: no mix in the ranges searched meets the timescales within "
                                 f"{format_figure('pounds', s.budget)} a year.")
    section.paragraphs.append(text)


def _chart(ctx: Context, result: StaffingResult, wanted: list[Target], argv: list[str]) -> Chart:
    from mashsim.report.brief_plots import mixes_chart

    roles = [words(lv.path.split(".")[-2]) for lv in result.levers]
    return Chart("staffing.png", "Every mix run: its cost a year and whether it meets the timescales",
                 lambda path: mixes_chart(result, roles, path), [f.id for f in ctx.book.figures.values()
                                                                 if f.section == 2 and f.argv],
                 [command_text(argv)])
