"""``mashsim brief``: the report is written whole, and its figures are what the commands it cites give.

The brief composes library calls; each figure in ``figures.json`` names the ``mashsim`` command
whose ``--json`` output holds it. Re-running a few of those commands through the CLI's entry point
(the same seed) must give the very same numbers: equality, not a tolerance, since the same seeds
make the same replications.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from mashsim.cli import main
from mashsim.commands.brief import budget_option
from mashsim.report.brief import CHROMIUM
from mashsim.report.brief_figures import lookup

# a tiny brief: two weeks measured after the quick brief's week of warm-up, two replications a piece
TINY = ["--quick", "--horizon-days", "7", "-r", "2", "--seed", "7", "--workers", "1"]
# section 5 on two estimates: one that moves the working-day breaches, one that hardly can
MEASURE = ["--measure", "roles.screeners.task_minutes", "--measure", "roles.managers.absence_rate"]


@pytest.fixture(scope="module")
def borough(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("brief") / "lb"
    assert main(["brief", "london-borough", *TINY, *MEASURE, "--budget", "£1,100,000", "--out", str(out)]) == 0
    return out


def _cited(figures: dict) -> dict[tuple[str, ...], list[dict]]:
    by_command: dict[tuple[str, ...], list[dict]] = {}
    for figure in figures["figures"]:
        if figure.get("argv"):
            by_command.setdefault(tuple(figure["argv"]), []).append(figure)
    return by_command


def test_the_files_are_written_and_the_page_stands_alone(borough: Path) -> None:
    names = {p.name for p in borough.iterdir()}
    assert {"brief.html", "figures.json", "now.png", "staffing.png", "per_fte.png"} <= names
    assert ("brief.pdf" in names) == CHROMIUM.exists()
    page = (borough / "brief.html").read_text(encoding="utf-8")
    assert "QUICK: short horizon, few replications" in page
    assert 'src="data:image/png;base64,' in page and 'src="now.png"' not in page  # charts embedded
    for title in ("How the front door performs now", "least-cost staffing", "What each added FTE buys",
                  "What the conclusions rest on", "What to measure next"):
        assert title in page
    assert "Measure first: screeners: minutes one task takes" in page  # section 5 computed, in words
    meta = json.loads((borough / "figures.json").read_text())
    assert meta["scenario"]["name"] == "london-borough" and meta["seed"] == 7 and meta["mashsim_version"]
    assert meta["settings"]["quick"] and meta["settings"]["budget"] == 1_100_000


def test_every_figure_is_traceable(borough: Path) -> None:
    meta = json.loads((borough / "figures.json").read_text())
    for figure in meta["figures"]:
        # a figure read from a command's output, or worked out from others with its arithmetic stated
        assert (figure.get("command") and figure.get("json_path")) or figure.get("formula"), figure["id"]
        if figure.get("command"):
            assert shlex.split(figure["command"]) == ["mashsim", *figure["argv"]]  # pasted in a shell, the same
    sections = {figure["section"] for figure in meta["figures"]}
    assert sections >= {1, 2, 3, 4}
    for chart in meta["charts"]:
        assert chart["commands"] and (borough / chart["file"]).exists()


@pytest.mark.parametrize("kind", ["run", "staff", "compare", "voi"])
def test_the_cited_commands_give_the_same_figures(borough: Path, kind: str, capsys, tmp_path: Path) -> None:
    meta = json.loads((borough / "figures.json").read_text())
    argv, figures = next((argv, figures) for argv, figures in _cited(meta).items() if argv[0] == kind)
    capsys.readouterr()
    if figures[0].get("output"):  # the figures are in a file the command writes with --out
        assert main([*argv, "--out", str(tmp_path / "out")]) == 0
        output = json.loads((tmp_path / "out" / figures[0]["output"]).read_text())
    else:
        assert main(list(argv)) == 0
        output = json.loads(capsys.readouterr().out)
    assert figures
    for figure in figures:
        assert lookup(output, figure["json_path"]) == figure["value"], figure["id"]


def test_london_wide_quick(tmp_path: Path) -> None:
    """The 32-borough scenario in quick mode (a couple of days measured): the report and its hubs."""
    out = tmp_path / "lw"
    assert main(["brief", "london-wide", "--quick", "--horizon-days", "1", "--set", "run.warmup_days=1", "-r", "2",
                 "--seed", "3", "--desk", "managers", "--workers", "1", "--no-pdf", "--out", str(out)]) == 0
    meta = json.loads((out / "figures.json").read_text())
    assert (out / "hubs.png").exists() and not (out / "brief.pdf").exists()
    focus = meta["focus_hub"]
    hub_figures = [f for f in meta["figures"] if f["id"].startswith("now.working_day_breach_rate.by_hub.")]
    assert len(hub_figures) == 32
    worst = max(hub_figures, key=lambda f: f["value"] if f["value"] is not None else -1)
    assert worst["id"].endswith(focus)  # sections 2 and 3 look at the hub that waits longest
    staff = next(f for f in meta["figures"] if f["section"] == 2 and f.get("argv"))
    assert f"hubs.{focus}.roles.screeners.staff" in staff["command"]
    one_more = [f for f in meta["figures"] if f["section"] == 3 and f.get("argv")]
    assert one_more and {f["argv"][3] for f in one_more} == {f"hubs.{focus}.roles.managers.staff="
                                                            f"{one_more[0]['argv'][3].rpartition('=')[2]}"}
    assert "QUICK" in (out / "brief.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("argv, option", [
    (["brief", "no-such-scenario"], "no-such-scenario"),
    (["brief", "london-borough", "--budget", "-5"], "--budget"),
    (["brief", "london-borough", "--budget", "lots"], "--budget"),
    (["brief", "london-borough", "--target", "rag_breach_rate.rde<=0.05"], "--target"),
    (["brief", "london-borough", "--members", "3"], "--members"),
    (["brief", "london-borough", "--horizon-days", "0"], "--horizon-days"),
    (["brief", "london-borough", "--desk", "polic"], "--desk"),
])
def test_bad_input_exits_2_naming_the_option(argv, option, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    try:
        code = main([*argv, "--out", str(out)])
    except SystemExit as stop:  # argparse's own refusal of an option's value
        code = stop.code
    assert code == 2
    assert option in capsys.readouterr().err
    assert not out.exists()


def test_an_out_that_is_a_file_is_refused_before_any_run(tmp_path: Path, capsys) -> None:
    out = tmp_path / "taken"
    out.write_text("mine")
    assert main(["brief", "london-borough", "--out", str(out)]) == 2
    assert "--out" in capsys.readouterr().err and out.read_text() == "mine"


def test_interrupted_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C while the page is being written: no folder, no half-written file beside it."""
    from mashsim.report import brief_html

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(brief_html, "render", interrupt)
    out = tmp_path / "brief"
    assert main(["brief", "london-borough", "--quick", "--horizon-days", "1", "--set", "run.warmup_days=1", "-r", "2",
                 "--desk", "managers", "--measure", "roles.managers.absence_rate", "--workers", "1", "--no-pdf",
                 "--out", str(out)]) == 130
    assert list(tmp_path.iterdir()) == []


@given(st.integers(min_value=0, max_value=10**12))
def test_a_budget_reads_as_written(pounds: int) -> None:
    assert budget_option(str(pounds)) == pounds
    assert budget_option(f"£{pounds:,}") == pounds
    assert budget_option(f"{pounds / 1000!r}k") == pytest.approx(pounds, rel=1e-12)


def test_lookup_reads_dotted_keys() -> None:
    data = {"totals": {"net.reached": {"mean": 3.0}}, "chosen": {"targets": [{"bound": 0.1}]}}
    assert lookup(data, "totals.net.reached.mean") == 3.0
    assert lookup(data, "chosen.targets.0.bound") == 0.1


def test_over_an_ensemble_section_1_carries_it_and_section_4_says_what_was_calibrated(tmp_path: Path, capsys) -> None:
    from mashsim.experiment.ensemble import write_ensemble

    ensemble = tmp_path / "ensemble.parquet"
    write_ensemble(ensemble, {"roles.screeners.task_minutes.mode": [20.0, 26.0, 32.0]}, {"scenario": "london-borough"})
    out = tmp_path / "brief"
    assert main(["brief", "london-borough", "--quick", "--horizon-days", "2", "-r", "2", "--seed", "5",
                 "--ensemble", str(ensemble), "--desk", "managers", "--measure", "roles.managers.absence_rate",
                 "--workers", "1", "--no-pdf",
                 "--out", str(out)]) == 0
    meta = json.loads((out / "figures.json").read_text())
    now = [f for f in meta["figures"] if f["section"] == 1]
    assert "--ensemble" in now[0]["argv"]
    page = (out / "brief.html").read_text(encoding="utf-8")
    assert "Calibrated: 1 input (How long each task takes (screeners))" in page
    capsys.readouterr()
    assert main(now[0]["argv"]) == 0
    output = json.loads(capsys.readouterr().out)
    for figure in now:
        assert lookup(output, figure["json_path"]) == figure["value"], figure["id"]


def test_section_5_ranks_what_the_value_of_information_gives(tmp_path: Path, monkeypatch) -> None:
    """Section 5 shows the ranking :func:`value_of_information` returns, each figure with its command
    (a stand-in with the documented interface: the wiring, not the method, is tested here)."""
    import sys
    import types
    from dataclasses import dataclass

    from mashsim.report.brief_figures import Book, Settings
    from mashsim.report.brief_basis import measure_next
    from mashsim.report.brief_sections import Context
    from mashsim.scenario import load_scenario

    @dataclass(frozen=True)
    class Rank:
        path: str; label: str; tag: str; low: float; high: float; source_of_range: str  # noqa: E702
        index: float; index_low: float; index_high: float; swing: float  # noqa: E702

    asked = {}

    def value_of_information(scenario, **options):
        asked.update(options, scenario=scenario)
        ranks = [Rank("roles.screeners.task_minutes", "Screening time", "E", 30.0, 50.0, "±25% of the value",
                      0.7, 0.5, 0.9, -0.04),
                 Rank("agencies.police.match_failure", "Police match failures", "E", 0.04, 0.06, "±25% of the value",
                      0.3, 0.1, 0.5, 0.01)]
        return types.SimpleNamespace(scenario=scenario.name, seed=options["seed"], version="x",
                                     answer="working_day_breach_rate", answer_label="Over one working day (share)",
                                     method="swing", runs=8, ranks=ranks,
                                     command="mashsim voi london-borough --set run.horizon_days=7 --set "
                                             "roles.screeners.staff=5 --param roles.screeners.task_minutes -r 2 "
                                             "--seed 9")

    monkeypatch.setitem(sys.modules, "mashsim.experiment.value_of_information",
                        types.SimpleNamespace(value_of_information=value_of_information))
    overrides = ("run.horizon_days=7", "roles.screeners.staff=5")  # the brief's horizon, and a --set of its own
    settings = Settings("london-borough", 9, 2, 2, 2, 4, overrides, 7.0, measure=("roles.screeners.task_minutes",))
    ctx = Context(settings, load_scenario("london-borough", list(overrides)), Book())
    section = measure_next(ctx)
    assert asked["seed"] == 9 and asked["paths"] == ["roles.screeners.task_minutes"]
    # section 5 answers for the brief's scenario, and its command names the same changes
    assert asked["scenario"] is ctx.base and asked["overrides"] == overrides and asked["source"] == "london-borough"
    assert (ctx.base.run.horizon_days, ctx.base.roles.screeners.staff) == (7, 5)
    assert [row[0] for row in section.tables[0][1]] == ["Screening time", "Police match failures"]
    assert "Measure first: Screening time" in " ".join(section.paragraphs)
    first = ctx.book.figures["voi.roles.screeners.task_minutes"]
    assert first.argv[:2] == ["voi", "london-borough"] and first.json_path == "ranks.0.index" and first.value == 0.7
    section.charts[0].draw(tmp_path / "voi.png")
    assert (tmp_path / "voi.png").stat().st_size > 0
