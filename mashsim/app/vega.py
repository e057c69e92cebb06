"""The dashboard's interactive charts, as Vega-Lite specifications (plain dicts, data inline).

The page draws them with ``st.vega_lite_chart`` (the browser's own Vega renderer: hover for the
values, drag or scroll to zoom a day); this module imports no Streamlit, so the specs are tested as
data. The printable figures (HTML/PDF export, reports) stay in :mod:`~mashsim.app.charts`, which
also holds the colours both share.

Times go to the browser as local ISO date-times (``2025-09-02T09:00:00``), from the scenario's
``calendar.start_date``: the axis shows dates, as the matplotlib charts do.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from mashsim.app.charts import CAUSE_COLOURS, INJECT_COLOURS, RAG_COLOURS, missed_shares
from mashsim.scenario import Scenario

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # the version Streamlit draws with
WARMUP_COLOUR = "#bbbbbb"
TIME_FORMAT = "%a %d %b %H:%M"  # "Tue 02 Sep 09:00"
#: the most points a line of the queue chart has (the browser draws a year of hours slowly): a longer
#: run's series are averaged over blocks of whole hours
MAX_POINTS = 2500
#: the queue chart's panels: series name prefix → panel title (as the matplotlib chart has them)
PANELS = (("queue_length.by_role.", "waiting at the hub"), ("queue_length.by_agency.", "waiting at agency desks"),
          ("queue_length.by_pool.", "waiting for shared teams"), ("open_contacts", "contacts open"))


def iso(start: dt.date, hours: float) -> str:
    """``hours`` after 00:00 on ``start`` as a local ISO date-time (to the second)."""
    return (dt.datetime.combine(start, dt.time()) + dt.timedelta(hours=float(hours))).isoformat(timespec="seconds")


def series_name(name: str, prefix: str) -> str:
    """A series' name as the charts show it (``queue_length.by_role.contact_officers`` → ``contact officers``)."""
    return (name.removeprefix(prefix) or name).replace("_", " ")


def event_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """The warm-up and each inject as a band: label, kind, start and end (ISO), with its number in the
    page's list of events (the warm-up has none)."""
    start = scenario.calendar.start_date
    rows = []
    if scenario.run.warmup_days > 0:
        rows.append({"event": "warm-up (not measured)", "kind": "warm-up", "number": "",
                     "start": iso(start, 0.0), "end": iso(start, scenario.run.warmup_days * 24)})
    for number, inject in enumerate(scenario.injects, start=1):
        rows.append({"event": inject.describe(), "kind": inject.kind, "number": str(number),
                     "start": iso(start, inject.start_hours), "end": iso(start, inject.end_hours)})
    return rows


def _event_colours() -> dict[str, Any]:
    kinds = ["warm-up", *INJECT_COLOURS]
    return {"domain": kinds, "range": [WARMUP_COLOUR, *INJECT_COLOURS.values()]}


def _bands(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Shaded spans for the warm-up and the injects, each named in its tooltip (never as text on the
    chart: close events' labels would overlap)."""
    return {
        "data": {"values": events},
        "mark": {"type": "rect", "opacity": 0.16, "clip": True},
        "encoding": {
            "x": {"field": "start", "type": "temporal"},
            "x2": {"field": "end"},
            "color": {"field": "kind", "type": "nominal", "scale": _event_colours(), "legend": None},
            "tooltip": [{"field": "number", "title": "event"}, {"field": "event", "title": "what"},
                        {"field": "start", "type": "temporal", "format": TIME_FORMAT, "title": "from"},
                        {"field": "end", "type": "temporal", "format": TIME_FORMAT, "title": "to"}],
        },
    }


def block_hours(series: pd.DataFrame) -> int:
    """The hours each point of the queue chart stands for: 1, or in a run longer than
    :data:`MAX_POINTS` hours the fewest whole hours that bring it within (a year: 4)."""
    hours = series["time_hours"].nunique() if len(series) else 0
    return max(1, math.ceil(hours / MAX_POINTS))


def queue_rows(series: pd.DataFrame, scenario: Scenario) -> list[dict[str, Any]]:
    """The hourly series, mean over replications (and over :func:`block_hours` in a long run), one
    row a panel, series and hour (the block's first):
    ``{"time": ISO, "panel": ..., "series": ..., "value": ...}`` (the network's totals only, in a run
    with hubs: each hub's own series are left out)."""
    if series.empty:
        return []
    order = {name: i for i, name in enumerate(dict.fromkeys(series["name"]))}  # the run's: flow, then agencies
    block = block_hours(series)
    series = series.assign(time_hours=block * (series["time_hours"] // block))
    mean = series.groupby(["name", "time_hours"], sort=True)["value"].mean().reset_index()
    mean = mean.sort_values(["name", "time_hours"], key=lambda c: c.map(order) if c.name == "name" else c,
                            kind="stable")
    start = scenario.calendar.start_date
    times = {h: iso(start, h) for h in mean["time_hours"].unique()}
    rows = []
    for prefix, panel in PANELS:
        chosen = mean[mean["name"].str.startswith(prefix) & ~mean["name"].str.contains(".by_hub.", regex=False)]
        for name, hours, value in zip(chosen["name"], chosen["time_hours"], chosen["value"]):
            rows.append({"time": times[hours], "panel": panel, "series": series_name(name, prefix),
                         "value": round(float(value), 2)})
    return rows


def queues_over_time(series: pd.DataFrame, scenario: Scenario, width: int = 800) -> dict[str, Any]:
    """Tasks waiting at each hub role and each agency desk, and contacts open, hour by hour (mean over
    replications), one panel each, the warm-up and the injects shaded. Hover: the hour's values of
    every line in the panel; drag or scroll over the top panel: pan and zoom the time axis of every panel
    at once (double-click: the whole run again)."""
    rows = queue_rows(series, scenario)
    events = event_rows(scenario)
    panels = [panel for _, panel in PANELS if any(r["panel"] == panel for r in rows)]
    views = []
    for index, panel in enumerate(panels):
        names = list(dict.fromkeys(r["series"] for r in rows if r["panel"] == panel))
        x = {"field": "time", "type": "temporal", "title": None if index < len(panels) - 1 else "date",
             "axis": {"format": "%a %d %b", "labelOverlap": True}}
        line = {
            "mark": {"type": "line", "strokeWidth": 1.5, "clip": True},
            "encoding": {"x": x, "y": {"field": "value", "type": "quantitative", "title": panel},
                         "color": {"field": "series", "type": "nominal", "title": None,
                                   "scale": {"domain": names, "scheme": "tableau10"},
                                   "legend": {"orient": "top", "direction": "horizontal", "columns": 6}
                                   if len(names) > 1 else None}},
        }
        if index == 0:  # one zoom for the whole chart: the panels share their time scale
            line["params"] = [{"name": "zoom", "select": {"type": "interval", "encodings": ["x"]},
                               "bind": "scales"}]
        hover = {  # a rule at the hovered hour, whose tooltip lists every line's value then
            "transform": [{"pivot": "series", "value": "value", "groupby": ["time"]}],
            "mark": {"type": "rule", "color": "#555555", "strokeWidth": 6, "clip": True},
            "encoding": {
                "x": {"field": "time", "type": "temporal"},
                "opacity": {"condition": {"param": f"hover{index}", "empty": False, "value": 0.35}, "value": 0},
                "tooltip": [{"field": "time", "type": "temporal", "format": TIME_FORMAT, "title": "time"},
                            *({"field": name, "type": "quantitative", "format": ".1f"} for name in names)],
            },
            "params": [{"name": f"hover{index}", "select": {"type": "point", "fields": ["time"], "nearest": True,
                                                            "on": "pointerover", "clear": "pointerout"}}],
        }
        views.append({"height": 150 if panel != "contacts open" else 110, "width": width,
                      "data": {"values": [r for r in rows if r["panel"] == panel]},
                      "layer": [_bands(events), line, hover],
                      # the bands' colours (by event kind) are a scale of their own, with no legend
                      "resolve": {"scale": {"color": "independent"}}})
    if not views:
        return {"$schema": SCHEMA, "data": {"values": []}, "mark": "text",
                "encoding": {"text": {"value": "no series in this run"}}}
    return {"$schema": SCHEMA, "vconcat": views,
            "resolve": {"scale": {"x": "shared", "color": "independent"}, "legend": {"color": "independent"}},
            "usermeta": {"chart": "queues_over_time", "block_hours": block_hours(series)}}


def delay_quantiles(records: pd.DataFrame) -> list[dict[str, Any]]:
    """For each RAG decided: n and the 5th, 25th, 50th, 75th and 95th percentiles of the hours from
    contact to decision (as the printable box plot draws them)."""
    if not len(records) or "decided_h" not in records:
        return []
    decided = records[records["decided_h"].notna()]
    rows = []
    for rag in RAG_COLOURS:
        hours = decided.loc[decided["rag"] == rag, "decision_delay_h"].astype(float)
        if len(hours):
            q = hours.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).round(1).tolist()
            rows.append({"rag": rag.title(), "n": int(len(hours)), "p5": q[0], "q1": q[1], "median": q[2],
                         "q3": q[3], "p95": q[4]})
    return rows


def delay_by_rag(records: pd.DataFrame) -> dict[str, Any]:
    """Hours from contact to decision for each RAG: box (quartiles) and whiskers (5th–95th percentile);
    hover for the figures and the number of contacts."""
    rows = delay_quantiles(records)
    rags = [r["rag"] for r in rows]
    y = {"field": "rag", "type": "nominal", "sort": rags, "title": None}
    colour = {"field": "rag", "type": "nominal", "legend": None,
              "scale": {"domain": [r.title() for r in RAG_COLOURS], "range": list(RAG_COLOURS.values())}}
    tooltip = [{"field": "rag", "title": "RAG"}, {"field": "n", "title": "contacts", "format": ","},
               *({"field": f, "title": t, "type": "quantitative"} for f, t in
                 (("p5", "5th percentile (h)"), ("q1", "25th (h)"), ("median", "median (h)"), ("q3", "75th (h)"),
                  ("p95", "95th (h)")))]
    x_title = "hours from contact to decision (whiskers: 5th–95th percentile)"
    return {"$schema": SCHEMA, "data": {"values": rows}, "height": {"step": 42}, "width": "container",
            "encoding": {"y": y, "tooltip": tooltip},
            "layer": [
                {"mark": {"type": "rule"}, "encoding": {
                    "x": {"field": "p5", "type": "quantitative", "title": x_title}, "x2": {"field": "p95"}}},
                {"mark": {"type": "bar", "size": 24, "opacity": 0.8}, "encoding": {
                    "x": {"field": "q1", "type": "quantitative"}, "x2": {"field": "q3"}, "color": colour}},
                {"mark": {"type": "tick", "color": "black", "size": 24, "thickness": 2}, "encoding": {
                    "x": {"field": "median", "type": "quantitative"}}},
            ],
            "usermeta": {"chart": "delay_by_rag"}}


def missed_by_agency(records: pd.DataFrame, agencies: list[str]) -> dict[str, Any]:
    """For each agency, the share of the information it held that missed the decision, stacked by
    cause; hover for the agency, the cause and its share."""
    shares = missed_shares(records, agencies)
    rows = [{"agency": agency.replace("_", " "), "cause": cause.replace("_", " "),
             "share": round(100 * float(shares.at[agency, cause]), 1)}
            for agency in shares.index for cause in shares.columns if shares.at[agency, cause] > 0]
    causes = list(CAUSE_COLOURS)
    return {"$schema": SCHEMA, "data": {"values": rows}, "width": "container", "height": {"step": 30},
            "mark": {"type": "bar"},
            "encoding": {
                "y": {"field": "agency", "type": "nominal", "sort": [a.replace("_", " ") for a in shares.index],
                      "title": None},
                "x": {"field": "share", "type": "quantitative", "stack": "zero",
                      "title": "% of the information each agency held that did not reach the decision"},
                "color": {"field": "cause", "type": "nominal", "title": "why it was missed",
                          "scale": {"domain": [c.replace("_", " ") for c in causes],
                                    "range": [CAUSE_COLOURS[c] for c in causes]},
                          "legend": {"orient": "top", "columns": 3}},
                "order": {"field": "cause", "sort": "ascending"},
                "tooltip": [{"field": "agency"}, {"field": "cause"},
                            {"field": "share", "title": "% of the agency's information", "format": ".1f"}],
            },
            "usermeta": {"chart": "missed_by_agency"}}
