"""A comparison as people read it: the terminal table, the narrated children, the summary file."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from mashsim.experiment.compare import HEADLINE_TOTALS, CompareResult
from mashsim.report.markdown import plain
from mashsim.report.table import format_difference, format_difference_interval
from mashsim.report.terminal import PlainTable, styled

if TYPE_CHECKING:
    from mashsim.trace import TraceRun

#: Each total in words (the number of children or events over the window of one replication).
TOTAL_WORDS = {
    "children_helped": "children helped",
    "children_harmed": "children harmed",
    "children_mixed": "children both helped and harmed",
    "high_risk_helped": "  of them high or critical risk: helped",
    "high_risk_harmed": "  of them high or critical risk: harmed",
    "signals_gained": "signals that now reach the decision",
    "signals_lost": "signals that no longer reach it",
    "rag_breaches_avoided": "RAG deadline breaches avoided",
    "rag_breaches_caused": "RAG deadline breaches caused",
    "day_breaches_avoided": "working-day breaches avoided",
    "day_breaches_caused": "working-day breaches caused",
    "outcome_changed": "outcomes changed",
    "high_risk_now_referred": "high-risk children now referred",
    "high_risk_no_longer_referred": "high-risk children no longer referred",
}


def _count(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:,.1f}"


def _count_interval(low: float, high: float) -> str:
    """A count's interval, cut at 0 (a count is never negative: the cut keeps the coverage)."""
    return "-" if math.isnan(low) else f"{_count(max(low, 0.0))} – {_count(max(high, 0.0))}"


def _metric_label(metric: str) -> str:
    """``all_signals_missed_rate.by_agency.police`` → ``all_signals_missed_rate, police``."""
    head, _, agency = metric.partition(".by_agency.")
    return f"{head}, {agency}" if agency else metric


def _describe(result: CompareResult, level: float) -> tuple[str, str]:
    n = len(result.replications)
    run = result.base.run
    title = (f"{result.base.name} · {', '.join(result.changes)} · {n} replication{'s' if n != 1 else ''} "
             f"· seed {result.seed}")
    caption = (f"scenario {result.hashes['base']} → {result.hashes['alt']} · mashsim {result.version} · "
               f"{run.horizon_days:g} days after {run.warmup_days:g} warm-up · per replication, "
               f"{level:.0%} CI (t) over replications")
    return title, caption


def totals_table(result: CompareResult, level: float = 0.95) -> Table:
    """Children helped and harmed, signals gained by agency, breaches avoided: mean per replication
    and its interval; then the paired difference of each headline metric."""
    title, caption = _describe(result, level)
    table = PlainTable(title=title, caption=caption)
    table.add_column("per replication")
    table.add_column("mean", justify="right")
    table.add_column(f"{level:.0%} CI", justify="right")
    intervals = result.intervals(level)
    for name in HEADLINE_TOTALS:
        i = intervals[name]
        table.add_row(TOTAL_WORDS[name], _count(i.mean), _count_interval(i.ci_low, i.ci_high))
        if name == "signals_lost":
            for agency in result.agencies:
                gained, lost = intervals[f"signals_gained.{agency}"], intervals[f"signals_lost.{agency}"]
                if gained.mean or lost.mean:
                    table.add_row(f"  {agency}: gained / lost", f"{gained.mean:,.1f} / {lost.mean:,.1f}", "")
    table.add_section()
    balanced = bool(result.accounting()["balanced"].all())
    table.add_row(styled("metric, alternative − baseline", "bold"), "", "")
    for metric, i in result.differences(level).items():
        table.add_row(f"  {_metric_label(metric)}", format_difference(metric, i.mean),
                      format_difference_interval(metric, i.ci_low, i.ci_high))
    table.add_row(styled("the children add up to these differences in every replication" if balanced else
                         "WARNING: the children do not add up to the metrics", "dim" if balanced else "bold red"),
                  "", "")
    return table


def narrate(result: CompareResult, traces: dict[tuple[int, str], "TraceRun"]) -> str:
    """The picked children (:meth:`CompareResult.picks`), each case's steps in both runs side by side,
    as markdown. ``traces`` holds the traced runs by (replication, "base" or "alt")."""
    picks = result.picks()
    if picks.empty:
        return "No child's case changed.\n"
    parts = []
    for _, child in picks.iterrows():
        r = int(child["replication"])
        base, alt = traces[(r, "base")], traces[(r, "alt")]
        row = base.case(int(child["contact_id_base"]))
        concern = plain(str(row["concern"]).replace("_", " "))
        parts += [f"## A child {child['effect']}: {child['true_risk']} risk, replication {r}", "",
                  f"Case {int(child['contact_id_base'])} (from {plain(row['source'])}, concern {concern}): "
                  f"{'; '.join(_changes(result, child)) or 'changed'}.",
                  "", *_side_by_side(base, int(child["contact_id_base"]), alt, int(child["contact_id_alt"]),
                                     ", ".join(result.changes)), "",
                  *_afterwards(base, int(child["contact_id_base"]), alt, int(child["contact_id_alt"]),
                               ", ".join(result.changes))]
    return "\n".join(parts)


def _afterwards(base: "TraceRun", base_id: int, alt: "TraceRun", alt_id: int, change: str) -> list[str]:
    """The child's later contacts in each run (with [children]): a change that helps a child's first
    contact can spare it a return, or a missed signal can bring it back; each listed with its arrival
    and outcome, so the narration does not stop at the first contact."""
    from mashsim.report.trace_text import Clock

    clock = Clock(base.scenario.calendar.start_date)
    columns = []
    for run, case in ((base, base_id), (alt, alt_id)):
        if "child" not in run.cases.columns:
            return []
        row = run.case(case)
        cases = run.cases
        later = cases[(cases["child"] == row["child"]) & (cases["arrived_hours"] > row["arrived_hours"])]
        columns.append([f"case {int(r['id'])}, {clock.when(float(r['arrived_hours']))}: "
                        + ("still open" if r["open"] else plain(str(r["outcome"]))) for _, r in later.iterrows()])
    if not any(columns):
        return ["The child had no later contact in the run, in either.", ""]
    lines = ["The child's later contacts in the run:", "", f"| baseline | with {plain(change)} |", "|---|---|"]
    left, right = columns
    lines += [f"| {a} | {b} |" for a, b in itertools.zip_longest(left, right, fillvalue="")]
    return [*lines, ""]


def _changes(result: CompareResult, child) -> list[str]:
    """What changed for one child, in words."""
    return [*(f"{plain(a)}'s signal now reaches the decision" for a in result.agencies if child[f"gained_{a}"]),
            *(f"{plain(a)}'s signal no longer reaches it" for a in result.agencies if child[f"lost_{a}"]),
            *(["RAG deadline now met"] if child["rag_breach_avoided"] else []),
            *(["RAG deadline now breached"] if child["rag_breach_caused"] else []),
            *(["now decided within a working day"] if child["day_breach_avoided"] else []),
            *(["no longer decided within a working day"] if child["day_breach_caused"] else []),
            *([f"outcome {child['outcome_base']} → {child['outcome_alt']}"] if child["outcome_changed"] else [])]


def _side_by_side(base: "TraceRun", base_id: int, alt: "TraceRun", alt_id: int, change: str) -> list[str]:
    """A markdown table of a case's steps: when, in the baseline, with the change. The two timelines
    are aligned as a diff aligns lines: a step the same in both (same time, same words) is one row
    across both columns; the steps that differ stand alone, in time order."""
    import difflib

    from mashsim.report.trace_text import Clock, describe

    clock = Clock(base.scenario.calendar.start_date)
    left, right = ([(e.time_hours, describe(e, clock)) for e in run.events(case)]
                   for run, case in ((base, base_id), (alt, alt_id)))
    rows: list[tuple[float, str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [(time, text, text) for time, text in left[i1:i2]]
        else:
            apart = [(time, text, "") for time, text in left[i1:i2]] + [(time, "", text) for time, text in right[j1:j2]]
            rows += sorted(apart, key=lambda row: row[0])  # stable: each run's own order at one time
    lines = [f"| when | baseline | with {plain(change)} |", "|---|---|---|"]
    lines += [f"| {clock.when(time)} | {a} | {b} |" for time, a, b in rows]
    return lines


def summary_markdown(result: CompareResult, narration: str, level: float = 0.95) -> str:
    """summary.md: what was compared, the totals and differences with intervals, and the narrated children."""
    title, caption = _describe(result, level)
    intervals = result.intervals(level)
    lines = [f"# {plain(title)}", "", plain(caption), "",
             "| per replication | mean | " + f"{level:.0%} CI |", "|---|---:|---:|"]
    for name in HEADLINE_TOTALS:
        i = intervals[name]
        lines.append(f"| {TOTAL_WORDS[name].strip()} | {_count(i.mean)} | {_count_interval(i.ci_low, i.ci_high)} |")
    lines += ["", "| metric | alternative − baseline | " + f"{level:.0%} CI |", "|---|---:|---:|"]
    for metric, i in result.differences(level).items():
        lines.append(f"| {metric} | {format_difference(metric, i.mean)} | "
                     f"{format_difference_interval(metric, i.ci_low, i.ci_high)} |")
    return "\n".join(lines) + "\n\n" + narration


def write_compare(result: CompareResult, narration: str, folder: Path, field: str = "--out") -> list[Path]:
    """children.parquet, children.csv, totals.parquet, accounting.csv, summary.json and summary.md,
    together (see :func:`mashsim.atomic.write_folder`); every table carries scenario, seed and version."""
    import json

    from mashsim.atomic import write_folder

    def write(staging: Path) -> list[str]:
        stamp = {"scenario": result.base.name, "scenario_hash": result.hashes["base"],
                 "alternative_hash": result.hashes["alt"], "seed": result.seed, "mashsim_version": result.version}
        children = result.children_frame().assign(**stamp)
        children.to_parquet(staging / "children.parquet", index=False)
        children.to_csv(staging / "children.csv", index=False)
        result.totals_frame().assign(**stamp).to_parquet(staging / "totals.parquet", index=False)
        result.accounting().assign(**stamp).to_csv(staging / "accounting.csv", index=False)
        (staging / "summary.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
        (staging / "summary.md").write_text(summary_markdown(result, narration), encoding="utf-8")
        return list(COMPARE_FILES[:6])

    return [folder / name for name in write_folder(folder, write, is_compare_file, field)]


COMPARE_FILES = ("children.parquet", "children.csv", "totals.parquet", "accounting.csv", "summary.json",
                 "summary.md", "per_fte.csv", "per_fte.png")


def is_compare_file(name: str) -> bool:
    return name in COMPARE_FILES
