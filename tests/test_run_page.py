"""The run's page (mashsim.report.run_page): one self-contained HTML page with every section, the
numbers the RunResult gives, the change from A coloured only when its paired CI leaves out zero, and
words, not identifiers."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from mashsim import load_scenario
from mashsim.app import kpis, state
from mashsim.report.page_html import markdown
from mashsim.report.run_page import CHARTS, run_page
from mashsim.report.trace_text import to_markdown
from mashsim.trace import trace_run

SHORT = ["run.horizon_days=14", "run.warmup_days=7", "run.replications=3"]


class _Text(HTMLParser):
    """The page's visible text, and the sources of its images."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.images: list[str] = []
        self._skip = False

    def handle_starttag(self, tag, attrs):
        self._skip = tag in ("style", "script")
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _read(page: str) -> _Text:
    reader = _Text()
    reader.feed(page)
    return reader


@pytest.fixture(scope="module")
def runs():
    a = state.run(load_scenario("london-borough", SHORT))
    b = state.run(load_scenario("london-borough", [*SHORT, "agencies.police.staff=0.5",
                                                   "policy.red_priority=false"]))
    return a, b


@pytest.fixture(scope="module")
def page(runs):
    a, b = runs
    trace = trace_run(b.scenario, b.seed, 0)
    case = int(trace.cases["id"].iloc[0])
    changes = kpis.scenario_changes(load_scenario("london-borough", SHORT), b.scenario)
    return run_page(b, pinned=a, changes=changes, cases=[("case", to_markdown(trace, case))]), case


def test_every_section_is_there_and_the_page_is_self_contained(page, runs):
    html, case = page
    text = " ".join(_read(html).text)
    for heading in ("Set-up", "Headline figures", "Charts", "A/B comparison", "What differs (A → B)",
                    "Paired differences", "Cases for the debrief", f"Case {case}"):
        assert heading in text, heading
    b = runs[1]
    for provenance in (b.scenario.name, f"seed {b.seed}", b.scenario_hash, f"mashsim {b.version}"):
        assert provenance in text
    images = _read(html).images
    assert len(images) == len(CHARTS) and all(src.startswith("data:image/png;base64,") for src in images)
    assert "<script" not in html and "http://" not in html and "https://" not in html


def test_the_headline_numbers_are_the_runs(page, runs):
    html, _ = page
    text = " ".join(_read(html).text)
    b = runs[1]
    summary = b.summary()
    for kpi in kpis.KPIS:
        interval = summary[kpi.metric]
        assert kpis.format_value(interval.mean, kpi.unit) in text, kpi.label
        assert kpis.format_interval(kpi.metric, interval) in text, kpi.label


def test_a_change_is_coloured_only_when_its_paired_ci_leaves_out_zero(page, runs):
    html, _ = page
    a, b = runs
    found = re.findall(r'<div class="(better|worse|unclear)">([^<]*)</div>', html)
    assert len(found) == len(kpis.KPIS)
    for (css, text), kpi in zip(found, kpis.KPIS):
        paired = kpis.paired_interval(a, b, kpi.metric)
        if kpis.is_clear(paired):
            assert css == ("better" if paired.mean < 0 else "worse") and "no clear change" not in text
        else:
            assert css == "unclear" and text.endswith("(no clear change)")
    assert any(css == "worse" for css, _ in found)  # a sixth of the police desk: something clearly worse


def test_the_set_up_is_in_words_not_identifiers(page):
    text = " ".join(_read(page[0]).text)
    assert "Police researchers (FTE)" in text and "Red work first" in text
    identifiers = re.findall(r"\b[a-z_]+\.[a-z_]+\.[a-z_.]+\b", text)
    assert not identifiers, identifiers


def test_without_run_a_there_is_no_comparison(runs):
    text = " ".join(_read(run_page(runs[0], images=[])).text)
    assert "A/B comparison" not in text and "vs A" not in text
    assert "nothing changed" in text


def test_the_trace_markdown_becomes_headings_tables_and_lists():
    html = markdown("# Case 1: Red\n\nScenario x.\n\n| | |\n|---|---|\n| source | police\\_x |\n\n"
                    "## Monday\n\n- 09:00 arrived\n- 10:00 **decided**\n")
    assert html.startswith("<h3>Case 1: Red</h3>")
    assert "<td>police_x</td>" in html and "---" not in html
    assert "<h4>Monday</h4>" in html and "<li>10:00 <b>decided</b></li>" in html
    assert "<" not in markdown("a <script>")[3:-4]  # text is escaped


def test_mashsim_run_page_writes_the_same_page_from_the_command_line(tmp_path, capsys):
    from mashsim.cli import main

    out = tmp_path / "run.html"
    assert main(["run", "london-borough", *(f"--set={s}" for s in SHORT), "--set", "roles.screeners.staff=2",
                 "--workers", "1", "--page", str(out)]) == 0
    text = " ".join(_read(out.read_text()).text)
    assert "MASH run: london-borough" in text and "seed 42" in text
    assert "Screeners (FTE)" in text  # the --set change, in words
    assert len(_read(out.read_text()).images) == len(CHARTS)  # records and series were kept for the charts


def test_mashsim_run_page_refuses_a_folder_and_an_ensemble_before_running(tmp_path, capsys):
    from mashsim.cli import main

    assert main(["run", "london-borough", "--page", str(tmp_path)]) == 2
    assert "--page" in capsys.readouterr().err
    assert main(["run", "london-borough", "--ensemble", str(tmp_path / "e.parquet"), "--page",
                 str(tmp_path / "p.html")]) == 2
    assert "plain run" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written
