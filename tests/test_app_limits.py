"""The dashboard server's limits without Streamlit (mashsim.app.limits): presets by address, the
hand-over to the page, refused uploads and runs with the numbers, runs at once, the time limit."""

from __future__ import annotations

import dataclasses
import math
import threading

import pytest

from mashsim.app import limits, state
from mashsim.app.limits import LOCAL, SERVED, LimitReached, Limits, RunSlots
from mashsim.model.workload import expected_contacts
from mashsim.scenario import ScenarioError
from support import build, small_scenario_dict

TIGHT = Limits(upload_kb=2, contacts=1_000, replication_days=100, runs=2, run_seconds=0.0)


def test_a_server_for_this_machine_is_looser_than_one_for_the_room():
    assert limits.preset("127.0.0.1") == limits.preset("::1") == limits.preset("localhost") == LOCAL
    assert limits.preset("127.0.0.2") == LOCAL  # all of 127/8 is this machine
    assert limits.preset("0.0.0.0") == limits.preset("hub.local") == SERVED
    for field in ("upload_kb", "contacts", "replication_days", "runs"):
        assert getattr(LOCAL, field) > getattr(SERVED, field), field
    assert SERVED.run_seconds > 0 and LOCAL.run_seconds == 0  # no time limit on one's own machine


def test_the_page_reads_the_limits_serve_set_and_is_safe_without_them():
    assert Limits.from_env(TIGHT.to_env()) == TIGHT
    assert Limits.from_env({}) == SERVED  # a page started by hand gets the served limits
    assert Limits.from_env({"MASHSIM_LIMIT_CONTACTS": "lots", "MASHSIM_LIMIT_RUNS": "3"}) == \
        dataclasses.replace(SERVED, runs=3)  # a value set wrongly by hand keeps the safe one
    wrong = {"MASHSIM_LIMIT_UPLOAD_KB": "0", "MASHSIM_LIMIT_RUNS": "-2", "MASHSIM_LIMIT_RUN_SECONDS": "nan",
             "MASHSIM_LIMIT_REPLICATION_DAYS": "2.5"}
    assert Limits.from_env(wrong) == SERVED
    assert Limits.from_env({"MASHSIM_LIMIT_RUN_SECONDS": "0"}).run_seconds == 0  # no time limit


def test_streamlit_caps_uploads_in_whole_megabytes():
    assert dataclasses.replace(SERVED, upload_kb=256).upload_mb() == 1
    assert dataclasses.replace(SERVED, upload_kb=1025).upload_mb() == 2


def test_an_upload_over_the_limit_is_refused_before_it_is_read():
    limits.check_upload("fine.toml", b"x" * 2048, TIGHT)
    with pytest.raises(ScenarioError, match="the file is 3 KB; this server takes uploads up to 2 KB") as caught:
        limits.check_upload("big.toml", b"\xff" * 2049, TIGHT)  # not even UTF-8: the size is checked first
    assert caught.value.source == "big.toml"


def test_an_upload_nested_too_deeply_is_a_message_not_a_crash():
    with pytest.raises(ScenarioError, match="nested too deeply") as caught:
        state.load_upload("deep.toml", b"a = " + b"[" * 100_000)
    assert caught.value.source == "deep.toml"


def scenario(days: float, replications: int):
    raw = small_scenario_dict()
    raw["run"].update(horizon_days=days, warmup_days=1, replications=replications)
    return build(raw)


def test_a_run_within_the_limits_says_its_size():
    run = scenario(9, 3)
    size = limits.run_size(run, TIGHT)
    assert size.replication_days == 30
    assert size.contacts == pytest.approx(3 * expected_contacts(run))  # about 410: 8 of its 10 days weekdays
    assert size.describe() == f"about {size.contacts:,.0f} contacts over 30 simulated days"


def test_a_scenario_is_counted_once_however_often_the_page_asks(monkeypatch):
    counted = []
    monkeypatch.setattr(limits, "_COUNTED", {})
    monkeypatch.setattr(limits, "expected_contacts", lambda s: counted.append(s) or 100.0)
    for _ in range(3):
        assert limits.run_size(scenario(5, 3), TIGHT).contacts == 300.0
    assert limits.run_size(scenario(5, 4), TIGHT).contacts == 400.0  # another scenario: counted afresh
    assert len(counted) == 2


def test_too_many_days_are_refused_with_the_count_and_the_limit_before_counting_contacts(monkeypatch):
    def never(*_):
        raise AssertionError("contacts counted for a run already too long")

    monkeypatch.setattr(limits, "expected_contacts", never)
    with pytest.raises(LimitReached) as caught:
        limits.run_size(scenario(3_000, 50), TIGHT)  # eight years (a scenario may not say a thousand), at once
    assert str(caught.value).startswith("This run simulates 150,050 days (50 replications of 3,001 days, "
                                        "warm-up included); this server runs up to 100.")


def test_too_many_contacts_are_refused_with_the_count_and_the_limit():
    small = dataclasses.replace(TIGHT, contacts=500)
    with pytest.raises(LimitReached, match=r"^This run simulates about 1,\d\d\d contacts \(2 replications of "
                                           r"about \d\d\d\); this server runs up to 500\. Run fewer"):
        limits.run_size(scenario(44, 2), small)  # 90 days, within their limit; about 1,100 contacts


def test_a_run_past_the_places_is_told_the_server_is_busy_and_the_place_comes_back():
    slots = RunSlots()
    with slots.slot(TIGHT), slots.slot(TIGHT):
        with pytest.raises(LimitReached, match=r"^The server is busy: 2 runs in progress \(it runs 2 at a time\)\. "
                                               "Try again in a moment"):
            with slots.slot(TIGHT):
                pass
    with pytest.raises(RuntimeError):  # a run that fails gives its place back
        with slots.slot(TIGHT):
            raise RuntimeError("failed")
    assert slots.running == 0


def test_runs_started_together_from_many_sessions_get_exactly_the_places():
    slots, started, release = RunSlots(), [], threading.Event()
    lock = threading.Lock()
    everyone_tried = threading.Barrier(8)

    def session() -> None:
        try:
            with slots.slot(TIGHT):
                with lock:
                    started.append(True)
                everyone_tried.wait(timeout=30)
                release.wait(timeout=30)
        except LimitReached:
            everyone_tried.wait(timeout=30)

    threads = [threading.Thread(target=session) for _ in range(8)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert len(started) == TIGHT.runs and slots.running == 0


def test_a_run_past_its_time_is_stopped_after_a_replication():
    seen = []
    step = limits.stop_after(dataclasses.replace(TIGHT, run_seconds=1e-9), lambda done, total: seen.append(done))
    with pytest.raises(LimitReached, match=r"^The run was stopped after \d+ s, with 1 of 3 replications done: "
                                           r"this server gives a run up to 1e-09 s"):
        state.run(scenario(2, 3), step)
    assert seen == [1]  # the page's own progress is still told


def test_without_a_time_limit_a_run_goes_to_the_end():
    seen = []
    result = state.run(scenario(2, 3), limits.stop_after(TIGHT, lambda done, total: seen.append(done)))
    assert seen == [1, 2, 3] and len(result.replications) == 3


def test_a_calendar_of_long_periods_is_refused_before_it_is_walked(monkeypatch):
    monkeypatch.setattr(limits, "expected_contacts", lambda *_: pytest.fail("the periods were walked"))
    raw = small_scenario_dict()
    raw["calendar"] = {"periods": {"forever": {"dates": [["0001-01-01", "9999-12-31"]], "multiplier": 2.0}}}
    with pytest.raises(LimitReached, match=r"^This scenario's calendar periods and surges cover 3,652,059 days in "
                                           r"all; this server takes up to 100\. Give them only the dates"):
        limits.run_size(build(raw), TIGHT)


def test_many_long_surges_are_refused_before_they_are_walked(monkeypatch):
    monkeypatch.setattr(limits, "expected_contacts", lambda *_: pytest.fail("the surges were walked"))
    raw = small_scenario_dict()
    raw["run"].update(horizon_days=10, warmup_days=0)
    raw["injects"] = [{"kind": "surge", "factor": 1.001, "start_day": 0, "hours": 240}] * 11  # 110 days
    with pytest.raises(LimitReached, match=r"periods and surges cover 110 days in all; this server takes up to 100"):
        limits.run_size(build(raw), TIGHT)
    monkeypatch.undo()
    raw["injects"] = raw["injects"][:9]  # 90 days: taken
    assert limits.run_size(build(raw), TIGHT).replication_days == 30


def test_a_length_that_is_not_a_number_is_refused(monkeypatch):
    run = scenario(2, 3)
    monkeypatch.setattr(limits, "run_hours", lambda _: math.nan)
    with pytest.raises(LimitReached, match="This run simulates nan days"):
        limits.run_size(run, TIGHT)
