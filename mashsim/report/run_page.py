"""One run (and its comparison with run A) as one self-contained HTML page, for a debrief or a report.

The page has what a trainer shows after a run: the scenario, seed and version; the set-up in words
(the values changed from the scenario as loaded, the injected events with their clock times); the
headline figures with their 95% CIs and units, and their change from A coloured only when clear
(the dashboard's rule, :func:`mashsim.app.kpis.headline_change`); the dashboard's charts as embedded
PNGs; the A/B table; the traces of the cases chosen for the debrief. No Streamlit here: the
dashboard's download buttons and ``mashsim run --page FILE`` both call :func:`run_page`.
"""

from __future__ import annotations

import io
from typing import Any, Callable, Mapping, Sequence

from matplotlib.figure import Figure

from mashsim.app import charts, kpis, state, words
from mashsim.experiment import RunResult
from mashsim.metrics.catalogue import is_censorable
from mashsim.report.page_html import document, e, image, markdown, records_table, table
from mashsim.report.plots import literal_text

#: The dashboard's charts, by the name its image cache keeps them under: (name, title, draw).
CHARTS: tuple[tuple[str, str, Callable[[RunResult], Figure]], ...] = (
    ("queues", "Queues over time", lambda r: charts.queues_over_time(r.series_frame(), r.scenario)),
    ("delays", "Hours to decision by RAG", lambda r: charts.delay_by_rag(r.records_frame())),
    ("missed", "Missed signals by agency", lambda r: charts.missed_by_agency(r.records_frame(),
                                                                              list(r.scenario.agencies))),
    ("network", "The hub's network and its load", lambda r: charts.network(r.scenario, r.summary())),
)


def png(figure: Figure) -> bytes:
    """A figure as PNG bytes, at the resolution the dashboard shows it."""
    buffer = io.BytesIO()
    literal_text(figure).savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()


def chart_images(result: RunResult, drawn: Mapping[str, Any] | None = None) -> list[tuple[str, bytes]]:
    """``(title, PNG)`` of each chart the run has data for, reusing any already ``drawn`` by name.

    The per-contact charts need a run with records, the queues one with hourly series (the
    dashboard's runs have both): a chart without its data is left out."""
    drawn = drawn or {}
    images = []
    has_records = any(r.records for r in result.replications)
    has_series = any(r.series for r in result.replications)
    for name, title, draw in CHARTS:
        if isinstance(drawn.get(name), bytes):
            images.append((title, drawn[name]))
        elif (name == "queues" and has_series) or (name in ("delays", "missed") and has_records) or name == "network":
            images.append((title, png(draw(result))))
    return images


def describe(result: RunResult) -> str:
    """The run's provenance in one line: scenario, replications, seed, days, hash, version."""
    run = result.scenario.run
    return (f"{result.scenario.name} · {len(result.replications)} replications from seed {result.seed} · "
            f"{run.horizon_days:g} days measured after {run.warmup_days:g} days' warm-up · "
            f"scenario {result.scenario_hash} · mashsim {result.version}")


def _setup(result: RunResult, changes: Sequence[tuple[str, Any, Any]]) -> list[str]:
    scenario = result.scenario
    start = scenario.calendar.start_date
    parts = ["<h2>Set-up</h2>"]
    rows = [(words.field_label(path), _value(path, before, start), _value(path, after, start))
            for path, before, after in changes if path != "injects"]
    if rows:
        parts += ["<p>Changed from the scenario as loaded:</p>", table(["setting", "as loaded", "this run"], rows)]
    else:
        parts.append("<p>Staffing and policy as the scenario has them: nothing changed.</p>")
    if scenario.injects:
        events = "".join(f"<li>{e(state.describe_inject(i.model_dump(mode='json'), start))}</li>"
                         for i in scenario.injects)
        parts.append(f"<p>Injected events:</p><ol>{events}</ol>")
    else:
        parts.append("<p>No injected events.</p>")
    return parts


def _value(path: str, value: Any, start) -> str:
    return words.value(path, value, lambda inject: state.describe_inject(inject, start))


def _headline(result: RunResult, pinned: RunResult | None) -> list[str]:
    summary = result.summary()
    censored = kpis.censored(result)
    cells = []
    for kpi in kpis.KPIS:
        if kpi.metric not in summary:
            continue
        interval = summary[kpi.metric]
        bound = "≥ " if censored and is_censorable(kpi.metric) else ""
        change = kpis.headline_change(kpi, pinned, result, interval) if pinned is not None else None
        shown = ""
        if change is not None:
            css = "unclear" if change.better is None else "better" if change.better else "worse"
            shown = f'<div class="{css}">{e(change.text)}</div>'
        cells.append(f'<div class="figure"><div>{e(kpi.label)}</div>'
                     f'<div class="value">{e(bound + kpis.format_value(interval.mean, kpi.unit))}</div>'
                     f'<small>{e(kpis.format_interval(kpi.metric, interval))}</small>{shown}</div>')
    parts = ["<h2>Headline figures</h2>",
             f"<p class='meta'>Mean over {len(result.replications)} replications, with its 95% confidence "
             "interval." + (" Change from run A: coloured (green better, red worse) only when the paired "
                            "95% CI of the change leaves out zero." if pinned is not None else "")
             + (" Contacts still open at the run-out's cap make the delays lower bounds (≥)." if censored else "")
             + "</p>"]
    stability = result.stability()
    if not stability.stable:
        parts.append(f'<p class="note">{e(stability.message())}</p>')
    return parts + ['<div class="figures">' + "".join(cells) + "</div>"]


def _comparison(pinned: RunResult, result: RunResult) -> list[str]:
    parts = ["<h2>A/B comparison</h2>", f"<p class='meta'>A: {e(describe(pinned))}<br>B (this run): "
                                          f"{e(describe(result))}</p>", "<h3>What differs (A → B)</h3>"]
    rows = kpis.setting_rows(pinned.scenario, result.scenario, cell=400)
    parts.append(records_table(rows) if rows else "<p>Nothing: A and B are the same set-up.</p>")
    try:
        frame = kpis.comparison_table(pinned, result)
    except ValueError as error:
        return parts + [f'<p class="note">{e(error)}: the figures cannot be paired.</p>']
    parts += ["<h3>Paired differences</h3>",
              "<p class='meta'>Same seed: replication by replication, the same children.</p>",
              table(list(frame.columns), frame.itertuples(index=False))]
    return parts


def run_page(result: RunResult, *, pinned: RunResult | None = None,
             changes: Sequence[tuple[str, Any, Any]] = (), images: Sequence[tuple[str, bytes]] | None = None,
             cases: Sequence[tuple[str, str]] = ()) -> str:
    """The page of ``result``: ``pinned`` is run A (compared when it is another run), ``changes`` the
    set-up's ``(path, as loaded, this run)``, ``images`` the charts (default: drawn here), ``cases``
    the chosen cases' ``(title, trace in markdown)``."""
    scenario = result.scenario
    parts = [f"<h1>MASH run: {e(scenario.name)}</h1>", f"<p class='meta'>{e(describe(result))}</p>"]
    if scenario.description:
        parts.append(f"<p>{e(scenario.description)}</p>")
    parts += _setup(result, changes)
    parts += _headline(result, pinned if pinned is not result else None)
    shown = chart_images(result) if images is None else images
    if shown:
        parts += ["<h2>Charts</h2>", *(image(title, data) for title, data in shown)]
    if pinned is not None and pinned is not result:
        parts += _comparison(pinned, result)
    if cases:
        parts.append("<h2>Cases for the debrief</h2>")
        parts += [f'<div class="case">{markdown(text)}</div>' for _, text in cases]
    return document(f"{scenario.name} · seed {result.seed} · mashsim run", parts)
