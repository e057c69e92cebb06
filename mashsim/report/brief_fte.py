"""The brief's section 3: what one more FTE buys at each desk, in children and signals.

Each desk (role or agency) is given one more FTE alone and run against the scenario as it is on the
same seeds, child by child (:func:`mashsim.experiment.compare.compare`, as ``mashsim compare --set
<desk>.staff=<one more>`` runs it): how many children are better off, how many worse off, how many
more of the signals agencies hold reach the decision, and the change in decisions made within one
working day. Where the scenario gives a desk's ``annual_cost``, the net children helped are put per
£100,000 a year, scaling the window to a year.
"""

from __future__ import annotations

import math

from mashsim.experiment.compare import compare
from mashsim.experiment.marginal import PER_POUNDS, Desk, desks
from mashsim.report.brief_figures import Figure, command_text, format_figure, format_range, place, words
from mashsim.report.brief_sections import Chart, Context, Section
from mashsim.report.brief_staffing import number
from mashsim.scenario import load_scenario

#: The totals each desk's row shows: (key in ``compare --json``'s ``totals``, words).
SHOWN = (("children_helped", "children better off"), ("children_harmed", "children worse off"),
         ("high_risk_helped", "of them at high or critical risk: better off"),
         ("net.reached", "more signals reaching the decision"))
DAY = "working_day_breach_rate"


def desk_name(desk: Desk) -> str:
    """A desk's name as ``--desk`` takes it: ``hubs.barnet.agencies.police.staff`` → ``police``."""
    return desk.path.split(".")[-2]


def chosen_desks(ctx: Context) -> list[Desk]:
    """The desks of the focus hub (every desk of a one-hub scenario), in the scenario's order; only
    those ``--desk`` names, if it does."""
    wanted = ctx.settings.desks
    return [d for d in desks(ctx.base) if d.path.startswith(ctx.prefix) and
            (ctx.prefix or not d.path.startswith("hubs.")) and (not wanted or desk_name(d) in wanted)]


def desk_words(desk: Desk) -> str:
    """``agencies.police.staff`` → "police researchers"; ``roles.screeners.staff`` → "screeners"."""
    parts = desk.path.split(".")
    kind, name = parts[-3], words(parts[-2])
    return f"{name} researchers" if kind == "agencies" else f"{name} (pool)" if kind == "pools" else name


def compare_argv(ctx: Context, desk: Desk) -> list[str]:
    s = ctx.settings
    return ["compare", s.scenario, "--set", f"{desk.path}={number(desk.staff + 1)}", *s.sets("--base-set"),
            "-r", str(s.compare_replications), "--seed", str(s.seed), "--json"]


def per_fte(ctx: Context) -> Section:
    s, book = ctx.settings, ctx.book
    section = Section(3, "What each added FTE buys")
    every = chosen_desks(ctx)
    horizon = ctx.base.run.horizon_days
    rows, drawn = [], []
    tick = ctx.tick
    for k, desk in enumerate(every):
        change = f"{desk.path}={number(desk.staff + 1)}"
        alt = load_scenario(s.scenario, [*s.overrides, change])
        if tick:
            tick(f"one more FTE: {desk_words(desk)}", k, len(every))
        result = compare(ctx.base, alt, [change], s.compare_replications, s.seed, executor=ctx.executor,
                         slots=ctx.slots)
        data = result.to_dict()
        argv = compare_argv(ctx, desk)
        who = desk_words(desk)
        base_id = f"fte.{desk.name}"
        values = {}
        for key, text in SHOWN:
            i = data["totals"][key]
            values[key] = book.add(Figure(f"{base_id}.{key}", 3, f"One more FTE, {who}: {text}", i["mean"],
                                          "change" if key.startswith("net.") else "count", i["ci_low"], i["ci_high"],
                                          argv, f"totals.{key}.mean"))
        day = data["metric_differences"][DAY]
        values[DAY] = book.add(Figure(f"{base_id}.{DAY}", 3, f"One more FTE, {who}: change in contacts decided after "
                                      "one working day", day["mean"], "share", day["ci_low"], day["ci_high"], argv,
                                      f"metric_differences.{DAY}.mean"))
        net = (values["children_helped"].value or 0.0) - (values["children_harmed"].value or 0.0)
        per = _per_100k(book, base_id, who, net, desk, horizon)
        rows.append([who.capitalize(), format_figure("pounds", desk.annual_cost) if desk.annual_cost else "-",
                     *(_cell(values[key]) for key, _ in SHOWN), _difference(values[DAY]),
                     "-" if per is None else f"{per:,.0f}"])
        drawn.append((who, values, per))
    if tick:
        tick("one more FTE", len(every), len(every))
    section.paragraphs.append(
        f"Each desk was given one more FTE alone and run on the same {s.compare_replications} replications as the "
        f"scenario as it is: the same children arrive at the same moments, so what changes is what the hub does "
        f"with them. Figures are per {horizon:g}-day window, mean and 95% CI; a child better off had a signal "
        "reach the decision, a deadline kept or a high-risk referral made that it did not have before (worse off: "
        "the reverse; more staff can reorder the work). Per £100,000 a year: the net children better off, scaled "
        "to a year, for each £100,000 of the desk's yearly cost."
        + (f" Only {place(ctx.focus)}'s desk changes; the children counted are every hub's." if ctx.focus else ""))
    section.tables.append((["desk", "one FTE a year", *(text for _, text in SHOWN),
                            "decided after one working day", "net children per £100k a year"], rows))
    costed = [(per, who) for who, _, per in drawn if per is not None]
    best = max(costed, default=None)
    if best is not None:
        section.paragraphs.append(f"Per pound, one more FTE among the {best[1]} does most: about {best[0]:,.0f} "
                                  "more children better off than worse off a year for each £100,000. Read the "
                                  "intervals before the ranking: where they overlap, these replications do not "
                                  "tell the desks apart.")
    from mashsim.report.brief_plots import fte_chart

    section.charts.append(Chart("per_fte.png", "One more FTE, desk by desk: children better and worse off per "
                                f"{horizon:g}-day window (mean and 95% CI)",
                                lambda path: fte_chart(drawn, path, horizon),
                                [v.id for _, values, _ in drawn for v in values.values()],
                                [command_text(compare_argv(ctx, d)) for d in every]))
    section.commands += [command_text(compare_argv(ctx, d)) for d in every]
    return section


def _per_100k(book, base_id: str, who: str, net: float, desk: Desk, horizon: float) -> float | None:
    if not desk.annual_cost:
        return None
    value = net * (365.0 / horizon) * PER_POUNDS / desk.annual_cost
    book.add(Figure(f"{base_id}.net_per_100k_a_year", 3, f"One more FTE, {who}: net children better off per "
                    "£100,000 a year", value, "count",
                    derived_from=[f"{base_id}.children_helped", f"{base_id}.children_harmed"],
                    formula=f"(children better off - worse off) x 365 / {horizon:g} x 100000 / annual cost "
                            f"({desk.annual_cost:g})"))
    return value


def _cell(figure: Figure) -> str:
    unit = figure.unit or "count"
    return f"{format_figure(unit, figure.value)} ({format_range(unit, figure.ci_low, figure.ci_high)})"


def _difference(figure: Figure) -> str:
    from mashsim.report.table import format_difference, format_difference_interval

    if figure.value is None or (isinstance(figure.value, float) and math.isnan(figure.value)):
        return "-"
    low = math.nan if figure.ci_low is None else figure.ci_low
    high = math.nan if figure.ci_high is None else figure.ci_high
    return f"{format_difference(DAY, figure.value)} ({format_difference_interval(DAY, low, high)})"
