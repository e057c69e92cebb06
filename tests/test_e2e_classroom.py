"""A classroom in a real browser: a facilitator and two teams (three browser contexts of Debian's
chromium, driven by Playwright) play exercise-september-outage from start to debrief on one
``mashsim serve``.  Checked: each team's decisions change only its own results (a team's export replayed
alone scores what the leaderboard showed), the same decisions give the same score (replay), and the
baseline is replication 0 of a plain run.  Skipped without chromium/playwright, except under CI=true.
"""

from __future__ import annotations

import json
import os

import mashsim
from mashsim.replication import simulate
from mashsim.tabletop import Session
from mashsim.tabletop.scoring import measures
from test_e2e_browser import (CHROMIUM, DOCS_IMG, LAUNCH_ARGS, STEP_TIMEOUT_MS, _download, _serving,  # noqa: F401
                              playwright_api)

EXERCISE = "exercise-september-outage"


def test_facilitator_and_two_teams_play_to_the_debrief(playwright_api, tmp_path):  # noqa: F811
    sync_playwright, expect = playwright_api
    with _serving(tmp_path) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        expect.set_options(timeout=STEP_TIMEOUT_MS)
        pages = {}
        for who, query in (("facilitator", f"role=facilitator&room=e2e&exercise={EXERCISE}"),
                           ("Red", "role=team&room=e2e&team=Red"), ("Blue", "role=team&room=e2e&team=Blue")):
            context = browser.new_context(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
            context.set_default_timeout(STEP_TIMEOUT_MS)
            pages[who] = context.new_page()
            pages[who].goto(f"{url}/?{query}", wait_until="domcontentloaded")
            expect(pages[who].get_by_text("Facilitator:" if who == "facilitator" else f"Team {who}")).to_be_visible()
        fac, red, blue = pages["facilitator"], pages["Red"], pages["Blue"]
        clock = fac.get_by_test_id("stMetric").get_by_test_id("stMetricValue")

        fac.get_by_role("button", name="Release next step").click()
        expect(clock).to_have_text("09:00 Monday 1 September")
        for team in (red, blue):  # the teams' pages follow the release by themselves, with no reload
            expect(team.get_by_test_id("stMetricValue")).to_have_text("09:00 Monday 1 September")
        red.get_by_role("tab", name="Move staff").click()
        red.get_by_role("button", name="Move staff").click()  # contact officers -> screeners, 1 for 4 h
        expect(red.get_by_text("Taken at")).to_be_visible()
        blue.get_by_role("tab", name="Overtime").click()
        blue.get_by_role("button", name="Book overtime").click()
        expect(blue.get_by_text("Taken at")).to_be_visible()
        red.screenshot(path=str(tmp_path / "team.png"), full_page=True)

        release = fac.get_by_role("button", name="Release next step")
        for _ in range(10):
            if release.is_disabled():
                break
            before = clock.inner_text()
            release.click()
            expect(clock).not_to_have_text(before)
        expect(release).to_be_disabled()
        expect(fac.get_by_test_id("stDataFrame")).to_have_count(1)  # (a rerun may show the old one a moment)
        expect(fac.get_by_role("heading", name="Leaderboard")).to_have_count(1)  # the rerun has finished
        fac.wait_for_timeout(1000)  # the table's canvas paints after its element appears
        fac.screenshot(path=str(tmp_path / "leaderboard.png"), full_page=True)
        fac.get_by_role("button", name="Debrief").click()
        expect(fac.get_by_text("Team Red")).to_be_visible()
        fac.screenshot(path=str(tmp_path / "debrief.png"), full_page=True)
        debrief = _download(fac, "Download the debrief (HTML)", tmp_path / "debrief.html").read_text()
        pdf = _download(fac, "Download the debrief (PDF)", tmp_path / "debrief.pdf").read_bytes()
        exports = {}
        for name, team in (("Red", red), ("Blue", blue)):
            team.get_by_role("button", name="Refresh").click()
            exports[name] = json.loads(_download(team, "Download our decisions (JSON)",
                                                 tmp_path / f"{name}.json").read_text())
        browser.close()

    assert "Team Red" in debrief and "Team Blue" in debrief
    assert pdf.startswith(b"%PDF")  # printed by headless chromium, as the trainer's button does
    scenario = mashsim.load_scenario(EXERCISE)
    red_log, blue_log = exports["Red"]["decisions"], exports["Blue"]["decisions"]
    assert [d["decision"]["kind"] for d in red_log] == ["move"]
    assert [d["decision"]["kind"] for d in blue_log] == ["overtime"]
    # each team replayed alone (no other team in the process) scores as in the room, twice over
    red, blue = (Session.from_export(exports[n], scenario).score() for n in ("Red", "Blue"))
    assert Session.from_export(exports["Red"], scenario).score().team_measures == red.team_measures
    assert red.team_measures != blue.team_measures
    assert red.baseline == blue.baseline
    # the baseline is a plain run's replication 0 of the exercise
    plain = simulate(scenario, scenario.run.seed, record=True)
    assert measures(plain.records, 0.0) == red.baseline
    if os.environ.get("MASHSIM_DOC_SCREENSHOTS") == "1":  # refresh the docs' pictures on request only
        for name in ("team", "leaderboard", "debrief"):
            (DOCS_IMG / f"tabletop-{name}.png").write_bytes((tmp_path / f"{name}.png").read_bytes())
