"""The interactive charts' Vega-Lite specs and the animated hub's frames and page, as data: what they
show is what the run recorded (the hourly series and the records), the events are where the
scenario puts them, and every spec is valid Vega-Lite (the schema Altair ships, the version
Streamlit draws with)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

import mashsim
from mashsim.app import hub_animation, vega
from mashsim.app.hub_frames import FLOWS, hub_frames
from mashsim.experiment import run_replications
from mashsim.model.stages import STAGES

EXERCISE = "exercise-september-outage"


@lru_cache(maxsize=None)
def _run(name: str = EXERCISE, replications: int = 2, **run):
    scenario = mashsim.load_scenario(name)
    scenario = scenario.model_copy(update={"run": scenario.run.model_copy(
        update={"replications": replications, **run})})
    return run_replications(scenario, workers=1, record=True, series=True)


@pytest.fixture(scope="module")
def result():
    return _run()


@pytest.fixture(scope="module")
def frames(result):
    return hub_frames(result.series_frame(), result.records_frame(), result.scenario, result.seed, result.version)


def _mean(result, name: str) -> pd.Series:
    series = result.series_frame()
    return series[series["name"] == name].groupby("time_hours")["value"].mean()


# ----------------------------------------------------------------------------- the hub's frames


def test_one_frame_an_hour_of_the_run_with_the_queues_the_series_recorded(result, frames):
    run = result.scenario.run
    assert frames.frames == round(24 * (run.warmup_days + run.horizon_days)) == 504
    assert frames.hours == [float(h) for h in range(504)]
    assert frames.warmup_frames == 24 * 14
    assert (frames.scenario, frames.seed, frames.version, frames.replications) == \
        (EXERCISE, result.seed, result.version, 2)
    for box in frames.boxes:
        assert frames.queues[box.key] == pytest.approx(_mean(result, box.key).to_list(), abs=1e-3)
    assert frames.open_contacts == pytest.approx(_mean(result, "open_contacts").to_list(), abs=1e-3)
    assert max(frames.queues["queue_length.by_role.screeners"]) > 0  # a run with queues to show


def test_the_boxes_follow_the_declared_flow_with_the_desks_after_screening(frames, result):
    columns = [b.column for b in frames.boxes]
    agencies = list(result.scenario.agencies)
    assert columns == ["log", "screen", *["desks"] * len(agencies), "decide"]
    assert [b.label for b in frames.boxes if b.column != "desks"] == [s.label for s in STAGES]
    assert [b.key for b in frames.boxes if b.column == "desks"] == [f"queue_length.by_agency.{a}" for a in agencies]


def test_the_flows_count_each_recorded_contact_once_in_its_hour(result, frames):
    records = result.records_frame()
    for flow, column in FLOWS.items():
        inside = records[column].dropna()
        inside = inside[inside < len(frames.hours)]
        assert sum(frames.flows[flow]) == pytest.approx(len(inside) / 2, abs=0.01)
        tuesday_nine = ((inside >= 369) & (inside < 370)).sum() / 2  # the hour from 09:00 on Tuesday
        assert frames.flows[flow][369] == pytest.approx(tuesday_nine, abs=0.001)
    assert sum(frames.flows["arrived"][:frames.warmup_frames]) == 0  # records cover the measured week


def test_events_are_active_in_their_own_frames(frames):
    outage, absence = frames.events
    assert (outage.label, outage.start, outage.end) == ("Police systems down", 369, 375)  # Tue 09:00-15:00
    assert (absence.label, absence.start, absence.end) == ("Two screeners off sick", 336, 456)
    assert frames.active(368) == ["Two screeners off sick"]
    assert frames.active(369) == frames.active(374) == ["Police systems down", "Two screeners off sick"]
    assert frames.active(375) == ["Two screeners off sick"]
    assert frames.active(335) == frames.active(456) == []
    assert frames.clock[369] == "Tue 02 Sep 09:00"


def test_a_run_with_hubs_and_pools_animates_the_network_totals_and_the_pools():
    result = _run("london-pooled", 1, horizon_days=2.0, warmup_days=1.0)
    made = hub_frames(result.series_frame(), result.records_frame(), result.scenario, result.seed, result.version)
    keys = [b.key for b in made.boxes]
    assert not any(".by_hub." in k for k in keys)  # the network's totals, not each hub's
    assert any(k.startswith("queue_length.by_pool.") for k in keys)
    assert keys[0] == "queue_length.by_role.contact_officers" and keys[-1] == "queue_length.by_role.managers"
    assert made.frames == 72


def test_a_run_without_series_is_refused_clearly(result):
    with pytest.raises(ValueError, match="no hourly series"):
        hub_frames(result.series_frame().iloc[0:0], result.records_frame(), result.scenario, 1, "x")


# ----------------------------------------------------------------------------- the hub's page


def _data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="hub-data">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_page_carries_the_frames_and_its_controls(frames):
    page = hub_animation.page(frames)
    assert _data(page) == json.loads(json.dumps(frames.to_json()))
    for element in ('id="hub-play"', 'id="hub-time"', 'id="hub-clock"', 'id="hub-svg"'):
        assert element in page
    assert "seed 42" in page and EXERCISE in page  # the run it shows, as every result says
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")  # nothing fetched: it works offline


def test_an_event_label_cannot_end_the_pages_script(frames):
    label = "</script><script>alert(1)</script> & more"
    tricky = frames.__class__(**{**frames.__dict__, "events": [frames.events[0].__class__(1, label, "outage", 0, 5)]})
    page = hub_animation.page(tricky)
    assert page.count("</script>") == 3  # the two data blocks and the script, no more
    assert _data(page)["events"][0]["label"] == label


# ----------------------------------------------------------------------------- the Vega-Lite specs


@pytest.fixture(scope="module")
def validate():
    jsonschema = pytest.importorskip("jsonschema")
    altair = pytest.importorskip("altair")
    schema = json.loads((Path(altair.__file__).parent / "vegalite" / "v6" / "schema" /
                         "vega-lite-schema.json").read_text())
    return jsonschema.Draft7Validator(schema)


def _errors(validate, spec: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validate.iter_errors(spec)]


def test_every_spec_is_valid_vega_lite(result, validate):
    records = result.records_frame()
    for spec in (vega.queues_over_time(result.series_frame(), result.scenario), vega.delay_by_rag(records),
                 vega.missed_by_agency(records, list(result.scenario.agencies)),
                 vega.queues_over_time(result.series_frame().iloc[0:0], result.scenario),
                 vega.delay_by_rag(records.iloc[0:0]), vega.missed_by_agency(records.iloc[0:0], ["police"])):
        assert _errors(validate, spec) == []


def test_the_queue_chart_shows_the_series_means_with_dates_a_zoom_and_the_events(result):
    spec = vega.queues_over_time(result.series_frame(), result.scenario)
    panels = spec["vconcat"]
    assert [p["layer"][1]["encoding"]["y"]["title"] for p in panels] == \
        ["waiting at the hub", "waiting at agency desks", "contacts open"]
    hub = {(r["time"], r["series"]): r["value"] for r in panels[0]["data"]["values"]}
    screeners = _mean(result, "queue_length.by_role.screeners")
    assert hub[("2025-09-02T09:00:00", "screeners")] == pytest.approx(screeners[369.0], abs=0.01)
    assert len(hub) == 3 * 504
    zoom = panels[0]["layer"][1]["params"][0]
    assert zoom["bind"] == "scales" and zoom["select"]["encodings"] == ["x"]
    assert spec["resolve"]["scale"]["x"] == "shared"  # one zoom moves every panel
    hover = panels[0]["layer"][2]["encoding"]["tooltip"]
    assert [t["field"] for t in hover] == ["time", "contact officers", "screeners", "managers"]
    assert hover[0]["type"] == "temporal" and hover[0]["format"] == vega.TIME_FORMAT
    bands = panels[0]["layer"][0]["data"]["values"]
    assert [(b["event"], b["start"], b["end"]) for b in bands] == [
        ("warm-up (not measured)", "2025-08-18T00:00:00", "2025-09-01T00:00:00"),
        ("Police systems down", "2025-09-02T09:00:00", "2025-09-02T15:00:00"),
        ("Two screeners off sick", "2025-09-01T00:00:00", "2025-09-06T00:00:00")]
    assert "text" not in json.dumps([p["layer"][0]["mark"] for p in panels])  # named in tooltips, not on the chart


def test_the_delay_and_missed_charts_hold_the_printed_figures(result):
    from mashsim.app.charts import missed_shares

    records = result.records_frame()
    rows = vega.delay_quantiles(records)
    red = records[(records["rag"] == "red") & records["decided_h"].notna()]["decision_delay_h"]
    (first,) = [r for r in rows if r["rag"] == "Red"]
    assert first["n"] == len(red) and first["median"] == pytest.approx(red.median(), abs=0.05)
    assert first["p5"] <= first["q1"] <= first["median"] <= first["q3"] <= first["p95"]
    spec = vega.missed_by_agency(records, list(result.scenario.agencies))
    shares = missed_shares(records, list(result.scenario.agencies))
    police = sum(r["share"] for r in spec["data"]["values"] if r["agency"] == "police")
    assert police == pytest.approx(100 * shares.loc["police"].sum(), abs=0.5)
    assert {t["field"] for t in spec["encoding"]["tooltip"]} == {"agency", "cause", "share"}


# ----------------------------------------------------------------------------- the facilitator's page


def test_the_facilitator_can_project_the_week_with_no_decisions():
    from streamlit.testing.v1 import AppTest

    from mashsim.app.classroom import REGISTRY
    from mashsim.experiment import RunResult
    from mashsim.replication import simulate
    from test_app import PAGE, TIMEOUT_S

    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S)
    at.query_params.update({"role": "facilitator", "room": "hub-view", "exercise": EXERCISE})
    at.run()
    assert not at.exception and not at.get("iframe")  # off until asked: it runs the week
    next(t for t in at.toggle if t.key == "baseline_hub").set_value(True).run()
    assert not at.exception
    (frame,) = at.get("iframe")
    room = REGISTRY.get("hub-view")
    baseline = RunResult(room.scenario, room.seed, [simulate(room.scenario, room.seed, record=True, series=True)])
    expected = hub_frames(baseline.series_frame(), baseline.records_frame(), room.scenario, room.seed,
                          baseline.version)
    shown = _data(frame.proto.srcdoc)
    assert shown["queues"] == json.loads(json.dumps(expected.queues))  # replication 0, no decisions
    assert shown["flows"] == json.loads(json.dumps(expected.flows))


def test_a_long_runs_queue_chart_averages_whole_hour_blocks(result):
    hours = 3 * vega.MAX_POINTS + 3  # one block of three hours too many for two points: four-hour blocks
    series = pd.DataFrame({"replication": 0, "time_hours": [float(h) for h in range(hours)],
                           "name": "queue_length.by_role.screeners", "value": [float(h % 4) for h in range(hours)]})
    assert vega.block_hours(series) == 4 and vega.block_hours(series.iloc[:vega.MAX_POINTS]) == 1
    rows = vega.queue_rows(series, result.scenario)
    assert len(rows) == -(-hours // 4)
    assert {r["value"] for r in rows[:-1]} == {1.5}  # the mean of 0, 1, 2, 3
    assert rows[1]["time"] == "2025-08-18T04:00:00"  # each point at its block's first hour
