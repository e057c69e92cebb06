"""The presenter view and the run's page in a real browser (Debian's chromium, driven by Playwright):
on a 1366×768 projector the presenter view has no sidebar and the headline figures, with their change
from run A, above the fold; the download buttons give an HTML page naming the scenario and the seed,
and a PDF. Skipped without chromium/playwright, except under CI=true."""

from __future__ import annotations

import os

from test_e2e_browser import DOCS_IMG, _browser, _download, dashboard, playwright_api  # noqa: F401



def test_presenter_view_and_the_runs_page(playwright_api, dashboard, tmp_path):  # noqa: F811
    sync_playwright, expect = playwright_api
    with _browser(sync_playwright, expect, tmp_path) as browser:
        page = browser.new_page()
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(dashboard, wait_until="domcontentloaded")
        run = page.get_by_role("button", name="Run", exact=True)
        run.click()
        expect(page.get_by_test_id("stMetric").first).to_be_visible()
        page.get_by_role("button", name="Keep this run as A").click()
        expect(page.get_by_text("A: london-borough")).to_be_visible()
        police = page.get_by_test_id("stSlider").filter(has_text="police desk")
        police.get_by_role("slider").focus()
        for _ in range(5):  # 3 researchers to 0.5
            page.keyboard.press("ArrowLeft")
        expect(police.get_by_test_id("stSliderThumbValue")).to_have_text("0.5")
        run.click()
        expect(page.get_by_test_id("stMetricDelta").first).to_be_visible()  # B against A

        html = _download(page, "Download page (HTML)", tmp_path / "run.html").read_text()
        pdf = _download(page, "Download PDF", tmp_path / "run.pdf").read_bytes()

        page.get_by_role("button", name="Presenter view").click()
        expect(page.get_by_role("button", name="Back to the set-up")).to_be_visible()
        assert "view=presenter" in page.url
        expect(page.get_by_test_id("stSidebar")).to_be_hidden()
        expect(page.get_by_text("Staffing (FTE on duty in working hours)")).to_be_hidden()
        page.get_by_test_id("stMain").evaluate("main => main.scrollTo(0, 0)")
        metrics = page.get_by_test_id("stMetric")
        expect(metrics.nth(3)).to_be_in_viewport(ratio=1.0)  # the first row whole, with no scrolling
        first = metrics.first.bounding_box()
        assert first is not None and first["y"] + first["height"] <= 768
        assert metrics.first.get_by_test_id("stMetricValue").evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)") >= 40  # large, for the back of the room
        expect(page.get_by_test_id("stMetricDelta").first).to_be_in_viewport()
        page.wait_for_timeout(500)
        page.screenshot(path=str(tmp_path / "presenter.png"))

        page.set_viewport_size({"width": 1920, "height": 1080})
        expect(metrics.nth(3)).to_be_in_viewport(ratio=1.0)
        page.get_by_role("button", name="Back to the set-up").click()
        expect(page.get_by_test_id("stSidebar")).to_be_visible()
        assert "view=presenter" not in page.url
        expect(police.get_by_test_id("stSliderThumbValue")).to_have_text("0.5")  # the set-up as it was
        expect(page.get_by_test_id("stException")).to_have_count(0)

    assert "MASH run: london-borough" in html and "seed 42" in html
    assert "Police researchers (FTE)" in html and "vs A" in html
    assert pdf.startswith(b"%PDF")
    if os.environ.get("MASHSIM_DOC_SCREENSHOTS") == "1":  # refresh the docs' picture on request only
        (DOCS_IMG / "presenter.png").write_bytes((tmp_path / "presenter.png").read_bytes())
