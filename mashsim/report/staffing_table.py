"""The terminal account of a staffing search: the chosen mix and its evidence, the runner-up, the
mixes run, and the assumption the search makes."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from mashsim.experiment.staffing import UNSTABLE, MixResult, StaffingResult, describe
from mashsim.experiment.targets import CLOSE, FAILS, MET, Target
from mashsim.metrics.names import short_form
from mashsim.report.table import format_interval, format_value
from mashsim.report.terminal import PlainTable, printer, styled

# of a mix: all targets met, one fails, undecided, its backlog grows (never meets a target)
VERDICTS = {MET: "meets", FAILS: "fails", CLOSE: "not shown", UNSTABLE: "unstable"}
ASSUMPTION = ("Assumption: one more person in any varied role never makes a target worse, beyond noise; "
              "mixes not run were settled by it.")


def _staff(result: StaffingResult, mix: MixResult) -> str:
    return describe(result.settings(mix.mix))


def _short(target: Target) -> str:
    return f"{short_form(target.metric)}{target.op}{target.threshold:g}"


def _cost(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def evidence_table(mix: MixResult, title: str) -> PlainTable:
    """Each target at ``mix``: mean, 95% CI, the one-sided 95% bound, replications, verdict."""
    table = PlainTable(title=title, title_justify="left", caption="bound: the one-sided 95% confidence bound that "
                  "must meet the target", caption_justify="left")
    for name, justify in (("target", "left"), ("mean", "right"), ("95% CI", "right"),
                          ("bound", "right"), ("reps", "right"), ("verdict", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    for e in mix.evidence:
        metric = e.target.metric
        verdict = {MET: ("met", "green"), FAILS: ("fails", "red")}.get(e.verdict, ("not shown", "yellow"))
        table.add_row(_short(e.target), format_value(metric, e.mean), format_interval(metric, e.ci_low, e.ci_high),
                      format_value(metric, e.bound), str(e.n), Text(*verdict))
    return table


def runs_table(result: StaffingResult) -> PlainTable:
    """Every mix run, cheapest first, with each target's mean and the verdict."""
    table = PlainTable(title="Mixes run (cheapest first)", title_justify="left",
                  caption="each target's mean; ✗ fails with 95% confidence, ? not shown either way at the cap",
                  caption_justify="left")
    for lever in result.levers:
        _, role, part = lever.path.split(".")
        table.add_column(role if part == "staff" else f"{role} {part}", justify="right", overflow="fold")
    table.add_column("cost", justify="right")
    table.add_column("reps", justify="right")
    for target in result.targets:
        table.add_column(_short(target), justify="right", overflow="fold")
    table.add_column("verdict")
    for mix in sorted(result.evaluated, key=lambda r: (r.cost, r.mix)):
        means = [format_value(e.target.metric, e.mean) + ("" if e.verdict == MET else " ✗" if e.verdict == FAILS else " ?")
                 for e in mix.evidence]
        mark = ", chosen" if mix is result.chosen else ", runner-up" if mix is result.runner_up else \
            ", one fewer" if any(mix is r for r in result.fewer) else ""
        table.add_row(*map(str, mix.mix), _cost(mix.cost), str(mix.replications), *means, VERDICTS[mix.verdict] + mark)
    return table


def print_staffing(result: StaffingResult, console: Console, provenance: dict[str, Any]) -> None:
    say = printer(console)
    scenario = provenance["scenario"]
    say(Text.assemble(("Least-cost staffing", "bold"), f" · {scenario['name']} (scenario {scenario['hash']}) · "
                      f"seed {result.seed} · mashsim {provenance['mashsim_version']}"))
    say("Targets, each met when the one-sided 95% confidence bound of its mean is on the right side: "
        + ", ".join(map(_short, result.targets)))
    if "ensemble" in provenance:  # mashsim.commands.ensemble_options: bounds over members, both uncertainties
        ens = provenance["ensemble"]
        say(f"Over ensemble {ens['file']} ({ens['hash']}): {len(ens['members_run'])} members, each mix's "
            "replications shared among them; bounds over member means (parameter uncertainty and chance)")
    if result.chosen is not None:
        say(Text.assemble("\n", ("Chosen:", "bold"), f" {_staff(result, result.chosen)} · cost {_cost(result.chosen.cost)}"))
        say(evidence_table(result.chosen, "Evidence"))
        for smaller in result.fewer:
            failing = [e for e in smaller.evidence if e.verdict != MET]
            why = "; ".join(f"{_short(e.target)}: bound {format_value(e.target.metric, e.bound)}" for e in failing)
            say(f"One fewer: {_staff(result, smaller)} · {VERDICTS[smaller.verdict]}" + (f" ({why})" if why else ""))
        if result.runner_up is not None:
            say(Text.assemble("\n", ("Runner-up:", "bold"), f" {_staff(result, result.runner_up)} · "
                              f"cost {_cost(result.runner_up.cost)}"))
            say(evidence_table(result.runner_up, "Evidence"))
        else:
            say("\nRunner-up: none; every other mix that meets the targets has at least the chosen staff.")
    else:
        closest = result.closest()
        say(styled("\nNo mix in the ranges meets every target.", "bold red"))
        top = next(r for r in result.evaluated if r.mix == tuple(lv.high for lv in result.levers))
        if closest is not None:
            say(f"Closest to being met at the largest mix ({_staff(result, top)}): "
                f"{_short(closest.target)}, mean {format_value(closest.target.metric, closest.mean)}, "
                f"one-sided 95% bound {format_value(closest.target.metric, closest.bound)}.")
        say(evidence_table(top, "Evidence at the largest mix"))
    say()
    say(runs_table(result))
    say(f"Ran {len(result.evaluated)} of {result.mixes} mixes, {result.total_replications} replications "
        f"({result.replications} at first, up to {result.max_replications} where a decision was close); "
        f"replication r used seed {result.seed} at every mix (common random numbers).")
    say(ASSUMPTION)
    unstable = [r for r in result.evaluated if not r.stable]
    if unstable:
        say(Text.assemble(("Unstable", "red"), " (the backlog grows over the window; such a mix never meets a target, "
                          "whatever its figures): " + "; ".join(_staff(result, r) for r in unstable) + "."))
    for warning in result.warnings:
        say(Text.assemble(("warning:", "yellow"), " ", warning))
