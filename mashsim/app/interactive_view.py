"""The results' interactive charts and the animated hub, in the page.

The specs and frames are built by plain modules (:mod:`~mashsim.app.vega`,
:mod:`~mashsim.app.hub_frames`, :mod:`~mashsim.app.hub_animation`); here they are built once per
run and kept for the session (every click reruns the page, and a year's series takes a moment to
summarise), then drawn: the charts by the browser's Vega renderer, the hub in a frame of its own
so its script runs (a Streamlit element cannot run one).
"""

from __future__ import annotations

from typing import Any, Callable

import streamlit as st
import streamlit.components.v1 as components

from mashsim.app import hub_animation, vega
from mashsim.app.hub_frames import hub_frames
from mashsim.experiment import RunResult
from mashsim.replication import simulate
from mashsim.scenario import Scenario


def kept(result: RunResult, name: str, build: Callable[[], Any]) -> Any:
    """``build()`` for the latest run, built once and kept for the session under ``name``."""
    cache: dict = st.session_state.setdefault("figures", {})
    if cache.get("run") is not result:
        cache.clear()
        cache["run"] = result
    if name not in cache:
        cache[name] = build()
    return cache[name]


def _chart(spec: dict[str, Any]) -> None:
    st.vega_lite_chart(spec, width="stretch" if spec.get("width") == "container" else "content")


def queues_chart(result: RunResult) -> None:
    spec = kept(result, "vega:queues", lambda: vega.queues_over_time(result.series_frame(), result.scenario))
    _chart(spec)
    block = spec.get("usermeta", {}).get("block_hours", 1)
    st.caption("Hover for the hour's values. Over the top panel, scroll to zoom and drag to pan every panel "
               "(double-click: back to the whole run). Shaded: the warm-up and the injected events (hover a band "
               "for its name)." + (f" A run this long is drawn as the mean of each {block} hours." if block > 1
                                   else ""))


def delays_chart(result: RunResult) -> None:
    _chart(kept(result, "vega:delays", lambda: vega.delay_by_rag(result.records_frame())))


def missed_chart(result: RunResult) -> None:
    _chart(kept(result, "vega:missed", lambda: vega.missed_by_agency(result.records_frame(),
                                                                       list(result.scenario.agencies))))


def _page_of(result: RunResult) -> str:
    return hub_animation.page(hub_frames(result.series_frame(), result.records_frame(), result.scenario,
                                         result.seed, result.version))


def hub_page(result: RunResult) -> str:
    """The animated hub of ``result`` as an HTML page (kept for the session)."""
    return kept(result, "hub", lambda: _page_of(result))


def baseline_hub_page(scenario: Scenario, seed: int) -> str:
    """The animated hub of replication 0 of ``scenario`` (a plain run: a tabletop's baseline)."""
    return _page_of(RunResult(scenario, seed, [simulate(scenario, seed, record=True, series=True)]))


def show_hub(page: str) -> None:
    components.html(page, height=hub_animation.HEIGHT)
