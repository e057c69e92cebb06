"""Text from a user's files is shown as it is in every terminal output: never read as rich markup
(``[/x]`` used to crash ``run`` and ``show``) nor as emoji codes."""

from __future__ import annotations

import io
import re
import tomllib

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st
from rich.console import Console

import experiments
import sweep_fixture
from bad_inputs import SMALL_TOML
from mashsim.cli import main
from mashsim.report.analysis import SweepReport
from mashsim.report.markdown import plain as markdown_plain
from mashsim.report.sweep_table import differences_table
from mashsim.report.terminal import PlainTable
from mashsim.report.trace_text import to_markdown
from mashsim.scenario.exercise import export_exercise, load_exercise
from mashsim.scenario.toml_write import comment
from mashsim.trace import trace_run
from support import build, small_scenario, small_scenario_dict

NAME = "hub [/x] [bold]:smile:"
DESCRIPTION = "notes [/y] [red]"
SOURCE = "FOI [/z] [link=x]"


def hostile_scenario(folder) -> str:
    """The small scenario renamed, described and sourced with text that is markup to rich."""
    (folder / "small.toml").write_text(SMALL_TOML)
    text = (f'extends = "small.toml"\nname = "{NAME}"\ndescription = "{DESCRIPTION}"\n'
            f'[arrivals.sources.police]\nannual_contacts = {{ value = 3000, tag = "S", source = "{SOURCE}" }}\n')
    (folder / "hostile.toml").write_text(text)
    return str(folder / "hostile.toml")


def cli(capsys, monkeypatch, *args) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", "250")
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_show_prints_the_name_description_and_source_as_written(tmp_path, capsys, monkeypatch):
    code, out, err = cli(capsys, monkeypatch, "show", hostile_scenario(tmp_path))
    assert code == 0, err
    assert NAME in out and DESCRIPTION in out and SOURCE in out


def test_run_prints_the_name_as_written(tmp_path, capsys, monkeypatch):
    code, out, err = cli(capsys, monkeypatch, "run", hostile_scenario(tmp_path), "-r", "2", "--workers", "1")
    assert code == 0, err
    assert NAME in out


def test_report_shows_factor_values_as_written_in_the_terminal_and_the_page(tmp_path, capsys, monkeypatch):
    text = experiments.GRID.replace('scenario = "small.toml"', 'scenario = "small.toml"\n' + sweep_fixture.SHORT)
    # a [/b]: rich markup; <b>: HTML; $x^{ b$: matplotlib mathtext that cannot be parsed (the charts failed)
    text += '\n[[factors]]\npath = "description"\nvalues = ["a [/b]", ":smile: <b>x</b>", "$x^{ b$"]\n'
    folder = sweep_fixture.sweep(tmp_path, text.replace("n = 3", "n = 2"))
    code, out, err = cli(capsys, monkeypatch, "report", folder)
    assert code == 0, err
    assert "a [/b]" in out and ":smile: <b>x</b>" in out and "$x^{ b$" in out
    page = (folder / "report" / "report.html").read_text()
    assert "a [/b]" in page and ":smile: &lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_a_differences_table_shows_its_labels_as_written_on_any_console():
    comparisons = pd.DataFrame([{"factor": "scenario", "from": "a[/x]", "to": "b[bold]", "difference": "-",
                                 "at": "mood=[/y]", "point_a": 0, "point_b": 1, "metric": "all_signals_missed_rate",
                                 "n": 4, "mean": 0.01, "ci_low": 0.005, "ci_high": 0.02}])
    table = differences_table(SweepReport(None, ["all_signals_missed_rate"], 0.95, pd.DataFrame(), comparisons))
    text = render(table)
    assert "a[/x]" in text and "b[bold]" in text and "mood=[/y]" in text


def render(renderable) -> str:
    """What a default console (markup and emoji codes on, as a library user's) prints."""
    console = Console(file=io.StringIO(), width=400, record=True)
    console.print(renderable)
    return console.export_text()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="[]/:#=@ abcxyz_-.", min_size=1, max_size=40).filter(lambda s: s.strip() == s))
def test_a_plain_table_shows_any_text_as_written(text):
    # invariant: whatever the text, the table renders (no MarkupError) and shows it unchanged
    table = PlainTable(title=text, caption=text)
    table.add_column(text)
    table.add_row(text)
    shown = render(table)
    assert shown.count(text) >= 4


# ------------------------------------------------------------------ exported exercise files (TOML)

LINE_BREAKS = 'x\n[evil]\nstaff = 1\r\n# "quoted" \x00 \x7f'


def test_an_exported_exercise_keeps_a_name_with_line_breaks_as_its_name():
    # the exporter must be safe for any Scenario object, whatever names validation allows
    scenario = small_scenario().model_copy(update={"name": LINE_BREAKS})
    text = export_exercise(scenario)
    raw = tomllib.loads(text)  # the comment header used to end at the line break: [evil] was a table
    assert "evil" not in raw and raw["name"] == LINE_BREAKS
    assert all(line.startswith("#") for line in text.split("\n")[:5])
    assert load_exercise(text).scenario.name == LINE_BREAKS


def test_the_dashboards_export_keeps_changed_text_in_its_comments():
    from mashsim.app.exercise import export_exercise as dashboard_export

    scenario = small_scenario()
    text = dashboard_export(scenario, [("description", "a", LINE_BREAKS), (LINE_BREAKS, 1, 2)])
    raw = tomllib.loads(text)
    assert "evil" not in raw and raw["name"] == scenario.name


@given(st.text(max_size=30))
@settings(max_examples=200, deadline=None)
def test_any_text_in_a_comment_stays_one_comment_line(text):
    line = f"# {comment(text)}"
    assert tomllib.loads(line + "\nkey = 1\n") == {"key": 1}


# ------------------------------------------------------------------ markdown (trace handouts, dashboard)

def test_a_case_trace_shows_scenario_and_source_names_as_written(tmp_path):
    raw = small_scenario_dict()
    raw["name"] = "hub *east* <b>\n# heading"
    raw["description"] = "| x | y |"
    traced = trace_run(build(raw), 4, 0)
    text = to_markdown(traced, traced.pick("random", np.random.default_rng(0)))
    assert "hub \\*east\\* \\<b\\> \\# heading" in text
    assert "<b>" not in text and "\n# heading" not in text
    assert all(line.count("|") - line.count("\\|") == 3 for line in text.splitlines() if line.startswith("| "))


@given(st.text(max_size=30))
@settings(max_examples=200, deadline=None)
def test_markdown_plain_is_one_line_with_every_special_character_escaped(text):
    shown = markdown_plain(text)
    assert "\n" not in shown and "\r" not in shown
    unescaped = re.sub(r"\\.", "", shown)
    assert not set(unescaped) & set("\\`*_{}[]<>()#+!|$~")


def test_the_staffing_account_shows_the_scenario_name_as_written_on_any_console():
    from mashsim.experiment.staffing import Lever, search_staffing
    from mashsim.experiment.targets import Target
    from mashsim.report.staffing_table import print_staffing

    levers = [Lever("agencies.police.staff", 1, 3)]
    result = search_staffing(levers, [Target("m", "<=", 0.5)],
                             lambda settings, indices: [[1.0 - 0.4 * settings["agencies.police.staff"]] for _ in indices],
                             seed=1, replications=3)
    console = Console(file=io.StringIO(), width=300, record=True)  # markup on, as a library user's
    print_staffing(result, console, {"scenario": {"name": NAME, "hash": "h"}, "mashsim_version": "v"})
    text = console.export_text()
    assert NAME in text and "Least-cost staffing" in text and "Chosen:" in text
