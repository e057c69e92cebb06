"""The dashboard's figures (matplotlib ``Figure`` objects, no pyplot state: the page's server
draws for several users at once).

Each takes what a run gives through the public API: ``RunResult.records_frame()`` (one row per
contact) and ``RunResult.summary()`` (metric means), plus the scenario.
"""

from __future__ import annotations

import datetime as dt
import math

import networkx as nx
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from mashsim.experiment import Interval
from mashsim.metrics.collector import CAUSES
from mashsim.model.network import DECISION, TRIAGE, build_network
from mashsim.model.stages import roles_at
from mashsim.scenario import Scenario

RAG_COLOURS = {"red": "#c0392b", "amber": "#e69f00", "green": "#2e8b57", "blue": "#3b6fb6"}
_CAUSE_PALETTE = {"not_asked": "#9e9e9e", "screened_out": "#3b6fb6", "late": "#e69f00",
                  "unmatched": "#8e44ad", "lost_in_channel": "#c0392b", "desk_outage": "#000000"}
CAUSE_COLOURS = {cause: _CAUSE_PALETTE.get(cause, f"C{i}") for i, cause in enumerate(CAUSES)}
INJECT_COLOURS = {"surge": "#e69f00", "outage": "#c0392b", "absence": "#8e44ad", "policy": "#3b6fb6"}
LOAD_COLOURS = colormaps["RdYlGn_r"]


def delay_by_rag(records: pd.DataFrame) -> Figure:
    """Hours from contact to decision for each RAG (box: quartiles; whiskers: 5th–95th percentile)."""
    fig = Figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.add_subplot()
    decided = records[records["decided_h"].notna()] if len(records) else records
    rags = [rag for rag in RAG_COLOURS if len(decided) and (decided["rag"] == rag).any()]
    if not rags:
        ax.text(0.5, 0.5, "no contact was decided", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    data = [decided.loc[decided["rag"] == rag, "decision_delay_h"].astype(float).to_numpy() for rag in rags]
    boxes = ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False, patch_artist=True,
                       medianprops={"color": "black"})
    for patch, rag in zip(boxes["boxes"], rags):
        patch.set_facecolor(RAG_COLOURS[rag])
        patch.set_alpha(0.75)
    ax.set_yticks(range(1, len(rags) + 1), [f"{rag.title()} (n={len(d):,})" for rag, d in zip(rags, data)])
    ax.invert_yaxis()
    ax.set_xlabel("hours from contact to decision (whiskers: 5th–95th percentile)")
    ax.grid(axis="x", alpha=0.3)
    return fig


def missed_by_agency(records: pd.DataFrame, agencies: list[str]) -> Figure:
    """For each agency, the share of the information it held that missed the decision, by cause."""
    fig = Figure(figsize=(7, 0.45 * max(len(agencies), 2) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    shares = missed_shares(records, agencies)
    if shares.empty:
        ax.text(0.5, 0.5, "no agency held information on a decided contact", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    left = pd.Series(0.0, index=shares.index)
    for cause, colour in CAUSE_COLOURS.items():
        if cause in shares:
            ax.barh(shares.index, 100 * shares[cause], left=100 * left, color=colour,
                    label=cause.replace("_", " "))
            left += shares[cause]
    for y, total in enumerate(left):
        ax.text(100 * total + 1, y, f"{100 * total:.0f}%", va="center", fontsize=9)
    ax.set_xlim(0, 110)
    ax.invert_yaxis()
    ax.set_xlabel("% of the information each agency held that did not reach the decision")
    ax.legend(ncols=3, fontsize=8, loc="lower right", frameon=False, bbox_to_anchor=(1, 1))
    return fig


def missed_shares(records: pd.DataFrame, agencies: list[str]) -> pd.DataFrame:
    """Agency × cause: the share of held signals missed for that cause (rows: agencies that held any)."""
    rows = {}
    for name in agencies:
        column = f"signal_{name}"
        if column not in records:
            continue
        fates = records[column].dropna()
        if len(fates):
            rows[name] = fates[fates != "reached"].value_counts() / len(fates)
    frame = pd.DataFrame(rows).T.fillna(0.0)
    return frame[[c for c in CAUSE_COLOURS if c in frame]] if not frame.empty else frame


def network(scenario: Scenario, summary: dict[str, Interval] | None = None) -> Figure:
    """The hub's network (sources → logging and screening → desks → decision → outcomes), each
    staffed node coloured by its utilisation in working hours."""
    graph = build_network(scenario)
    load = {name.removeprefix("utilisation.by_role."): interval.mean for name, interval in (summary or {}).items()
            if name.startswith("utilisation.by_role.")}
    # the police pipeline's teams ([police]): the public-protection desk before triage, the CAIT after the outcomes
    column = {"source": 0, "triage": 1, "desk": 2, "decision": 3, "outcome": 4, "ppd": 0.5, "cait": 5}
    by_column: dict[float, list[str]] = {}
    for node, data in graph.nodes(data=True):
        by_column.setdefault(column[data["team"] if data["kind"] == "police" else data["kind"]], []).append(node)
    pos = {}
    for x, nodes in by_column.items():
        for i, node in enumerate(nodes):
            pos[node] = (x, (len(nodes) - 1) / 2 - i)

    staffing = scenario.staffed_roles()
    hub_roles = {TRIAGE: roles_at(TRIAGE), DECISION: roles_at(DECISION)}

    def roles_of(node: str) -> list[str]:
        return hub_roles.get(node) or ([node.removeprefix("desk:")] if node.startswith("desk:") else [])

    def label(node: str) -> str:
        roles = roles_of(node)
        if node.startswith("desk:"):
            name = roles[0]
            return f"{name.replace('_', ' ')}\n{staffing[name].staff:g} staff{_percent(load.get(name))}"
        if not roles:
            return node.split(":", 1)[-1].replace("_", " ")
        title = "logging + screening" if node == TRIAGE else "decision"
        return "\n".join([title] + [f"{r.replace('_', ' ')}: {staffing[r].staff:g}{_percent(load.get(r))}"
                                    for r in roles])

    norm = Normalize(0.0, 1.0)
    colours = []
    for node in graph.nodes:
        values = [load[r] for r in roles_of(node) if r in load and not math.isnan(load[r])]
        colours.append(LOAD_COLOURS(norm(max(values))) if values else
                       ("#dddddd" if roles_of(node) else "#f4f4f4"))
    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.add_subplot()
    remote = [(u, v) for u, v, d in graph.edges(data=True) if d.get("latency_hours")]
    direct = [(u, v) for u, v in graph.edges if (u, v) not in set(remote)]
    nx.draw_networkx_edges(graph, pos, edgelist=direct, ax=ax, edge_color="#999999", arrowsize=8, node_size=700)
    nx.draw_networkx_edges(graph, pos, edgelist=remote, ax=ax, edge_color="#999999", style="dashed",
                           arrowsize=8, node_size=700)
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colours, node_size=700, edgecolors="#555555")
    nx.draw_networkx_labels(graph, {n: (x, y - 0.3) for n, (x, y) in pos.items()},
                            labels={n: label(n) for n in graph.nodes}, ax=ax, font_size=7,
                            verticalalignment="top")
    fig.colorbar(_scalar_mappable(norm), ax=ax, shrink=0.6, label="utilisation in working hours")
    ax.set_title("sources → logging and screening → agency desks → decision → outcomes"
                 + ("  (dashed: remote channel)" if remote else ""), fontsize=9)
    ax.margins(x=0.08, y=0.12)
    ax.set_axis_off()
    return fig


def _percent(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else f" · {100 * value:.0f}% busy"


def _scalar_mappable(norm: Normalize):
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=LOAD_COLOURS)


def _mark_run(ax, scenario: Scenario, labels: bool) -> None:
    """Shade the warm-up and each inject's span on an axis in days from time 0."""
    warmup = scenario.run.warmup_days
    if warmup > 0:
        ax.axvspan(0, warmup, color="#eeeeee", zorder=0)
        if labels:
            ax.text(warmup / 2, 1.0, "warm-up", transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                    fontsize=8, color="#777777")
    for number, (row, inject) in enumerate(zip(label_rows(scenario), scenario.injects), start=1):
        start, end = inject.start_hours / 24, inject.end_hours / 24
        ax.axvspan(start, end, color=INJECT_COLOURS.get(inject.kind, "#999999"), alpha=0.18, zorder=0)
        if labels:  # the event's number in the page's list, on a row of its own when events are close
            ax.text(start, 1.0 + 0.09 * row, str(number),
                    transform=ax.get_xaxis_transform(), ha="left", va="bottom", fontsize=8, fontweight="bold",
                    color=INJECT_COLOURS.get(inject.kind, "#555555"))


def label_rows(scenario: Scenario, gap_share: float = 0.04) -> list[int]:
    """A row for each event's label: the lowest row whose last label starts at least ``gap_share``
    of the run's length earlier, so that no two labels overlap."""
    span = max(scenario.run.warmup_days + scenario.run.horizon_days, 1e-9)
    last: list[float] = []  # the start of the last label on each row, in days
    rows = []
    for inject in scenario.injects:
        start = inject.start_hours / 24
        row = next((r for r, at in enumerate(last) if start - at >= gap_share * span), len(last))
        if row < len(last):
            last[row] = start
        else:
            last.append(start)
        rows.append(row)
    return rows


def _date_axis(ax, scenario: Scenario) -> None:
    """Dates on the day axis (the axis still counts days from time 0, as the scenario's fields do)."""
    start = scenario.calendar.start_date
    ax.xaxis.set_major_formatter(lambda x, _: f"{start + dt.timedelta(days=x):%a %d %b}")
    ax.set_xlabel(f"date (day 0 is {start:%A %d %B %Y}, 00:00; the warm-up shaded)")


def queues_over_time(series: pd.DataFrame, scenario: Scenario) -> Figure:
    """Tasks waiting at each hub role and each agency desk, hour by hour (mean over replications),
    with the warm-up shaded and each inject's span marked."""
    fig = Figure(figsize=(9, 6.5), layout="constrained")
    if series.empty:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no series in this run", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    mean = series.groupby(["name", "time_hours"], sort=True)["value"].mean()
    panels = [("queue_length.by_role.", "waiting at the hub"), ("queue_length.by_agency.", "waiting at agency desks"),
              ("open_contacts", "contacts open (arrived, not decided)")]
    axes = fig.subplots(len(panels), 1, sharex=True)
    names = list(mean.index.get_level_values("name").unique())
    for index, (ax, (prefix, title)) in enumerate(zip(axes, panels)):
        _mark_run(ax, scenario, labels=index == 0)
        for name in (n for n in names if n.startswith(prefix)):
            line = mean.loc[name]
            ax.plot(line.index.to_numpy() / 24, line.to_numpy(), linewidth=1,
                    label=name.removeprefix(prefix).replace("_", " ") or None)
        ax.set_ylabel(title, fontsize=8)
        ax.grid(alpha=0.3)
        if prefix != "open_contacts":
            ax.legend(fontsize=7, ncols=3, loc="upper left", frameon=False)
    _date_axis(axes[-1], scenario)
    return fig


def inject_timeline(scenario: Scenario) -> Figure:
    """The run's days with the warm-up shaded and one bar for each inject."""
    injects = scenario.injects
    fig = Figure(figsize=(9, 0.35 * max(len(injects), 1) + 1.0), layout="constrained")
    ax = fig.add_subplot()
    run = scenario.run
    _mark_run(ax, scenario.model_copy(update={"injects": []}), labels=True)
    for row, inject in enumerate(injects):
        start, days = inject.start_hours / 24, inject.hours / 24
        ax.barh(row, days, left=start, height=0.6, color=INJECT_COLOURS.get(inject.kind, "#999999"))
        ax.text(start + days, row, f" {row + 1}. {inject.describe()}", va="center", fontsize=8)
    ax.set_xlim(0, run.warmup_days + run.horizon_days)
    ax.set_ylim(max(len(injects), 1) - 0.5, -0.5)
    ax.set_yticks([])
    _date_axis(ax, scenario)
    ax.grid(axis="x", alpha=0.3)
    return fig
