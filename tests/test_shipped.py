"""Shipped names: one resolver for every command and file format (mashsim.scenario.shipped)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from mashsim.experiment.plan import make_plan
from mashsim.scenario import ScenarioError, load_scenario, scenario_hash
from mashsim.scenario import shipped
from mashsim.scenario.shipped import EXPERIMENTS, SCENARIOS, find, folder, names, not_found, resolve
from support import REPO
from test_cli import run_cli

SHIPPED_SCENARIOS = sorted(p.stem for p in (REPO / "scenarios").glob("*.toml"))
SHIPPED_EXPERIMENTS = sorted(p.stem for p in (REPO / "experiments").glob("*.toml"))


def test_in_a_checkout_the_shipped_files_are_the_top_level_folders():
    assert folder(SCENARIOS) == REPO / "scenarios" and folder(EXPERIMENTS) == REPO / "experiments"
    assert names(SCENARIOS) == SHIPPED_SCENARIOS and "london-borough" in SHIPPED_SCENARIOS
    assert names(EXPERIMENTS) == SHIPPED_EXPERIMENTS and "staffing-grid" in SHIPPED_EXPERIMENTS


def test_an_installed_package_reads_its_own_copy(tmp_path, monkeypatch):
    # a wheel carries the files as mashsim/_data/<kind>/: found there before any checkout
    data = tmp_path / "_data" / "scenarios"
    data.mkdir(parents=True)
    (data / "only-here.toml").write_text('name = "only-here"\n')
    monkeypatch.setattr(shipped, "files", lambda package: tmp_path)
    assert folder(SCENARIOS) == data
    assert names(SCENARIOS) == ["only-here"]
    assert find("only-here.toml") == data / "only-here.toml"
    assert folder(EXPERIMENTS) == REPO / "experiments"  # no copy of that kind: the checkout's


@pytest.mark.parametrize("kind, name", [(SCENARIOS, n) for n in SHIPPED_SCENARIOS]
                         + [(EXPERIMENTS, n) for n in SHIPPED_EXPERIMENTS])
def test_a_shipped_name_resolves_with_or_without_its_extension_from_any_folder(kind, name, tmp_path,
                                                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    expected = REPO / kind / f"{name}.toml"
    assert find(name, kind) == find(f"{name}.toml", kind) == resolve(name, kind) == expected


def test_a_file_that_exists_comes_before_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("london-borough.toml").write_text('name = "mine"\n')
    assert find("london-borough.toml") == Path("london-borough.toml")
    assert find("london-borough") == REPO / "scenarios" / "london-borough.toml"  # no such file: the name
    # relative to the file that names it, when there is one
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "london-borough.toml").write_text('name = "next door"\n')
    assert find("london-borough.toml", near=tmp_path / "sub") == tmp_path / "sub" / "london-borough.toml"


def test_a_folder_of_that_name_does_not_hide_the_shipped_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("london-borough").mkdir()  # e.g. a results folder written by --out london-borough
    assert find("london-borough") == REPO / "scenarios" / "london-borough.toml"
    Path("not-shipped").mkdir()
    assert find("not-shipped") == Path("not-shipped")  # the reader says it is a folder


def test_a_name_with_a_folder_in_it_is_a_path_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for text in ["./london-borough.toml", "x/london-borough", "../london-borough", ".toml", ""]:
        assert find(text) is None or find(text).is_dir(), text
    problem = not_found("./london-borough.toml")
    assert problem.message.startswith("file not found")
    assert "give the name alone, london-borough" in problem.message


@given(st.sampled_from(SHIPPED_SCENARIOS + ["", ".", ".."]), st.sampled_from(["/", "\\"]), st.text(max_size=20),
       st.booleans())
def test_no_text_with_a_separator_is_taken_for_a_shipped_name(name, separator, other, name_last):
    # even a shipped name with a folder before or after it
    text = f"{other}{separator}{name}" if name_last else f"{name}{separator}{other}"
    assert shipped.shipped_file(text) is None and shipped.shipped_file(f"{text}.toml") is None


def test_not_found_suggests_close_names_and_lists_the_shipped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = not_found("london-borogh.toml").message
    assert message.startswith("file not found, nor a shipped scenario of that name")
    assert "did you mean london-borough?" in message
    assert all(name in message for name in SHIPPED_SCENARIOS)
    message = not_found("stafing-grid", EXPERIMENTS).message
    assert "did you mean staffing-grid?" in message and "shipped experiments:" in message
    # a path: the files close to it in its folder, and no list of shipped names
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "harbour.toml").write_text("")
    message = not_found("mine/harbur.toml").message
    assert message == "file not found; did you mean mine/harbour.toml?"


def test_resolve_raises_naming_the_file_and_the_field(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        resolve("nowhere", SCENARIOS, near=tmp_path, field="extends", where="child.toml")
    error = caught.value
    assert error.source == "child.toml"
    [problem] = error.problems
    assert problem.path == "extends" and problem.value == "nowhere"
    assert f"file not found next to {tmp_path}, nor a shipped scenario" in problem.message


def test_extends_may_name_a_shipped_scenario_from_any_folder(tmp_path):
    for extends in ["london-borough", "london-borough.toml"]:
        child = tmp_path / "child.toml"
        child.write_text(f'extends = "{extends}"\nname = "child"\n')
        scenario = load_scenario(child)
        expected = load_scenario("london-borough", ["name=child"])
        assert scenario_hash(scenario) == scenario_hash(expected)
    assert load_scenario({"extends": "london-borough", "name": "child"}).name == "child"


def test_an_experiment_may_name_a_shipped_scenario_with_its_extension(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (REPO / "experiments" / "staffing-grid.toml").read_text()
    (tmp_path / "mine.toml").write_text(text.replace('scenario = "london-borough"',
                                                     'scenario = "london-borough.toml"'))
    assert make_plan("mine.toml").base_hash == make_plan("staffing-grid").base_hash


def test_the_commands_resolve_shipped_names_from_another_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "validate", "london-borough.toml")
    assert code == 0 and "london-borough.toml: ok" in out, err
    code, out, err = run_cli(capsys, "validate", "london-borogh")
    assert code == 2 and out == "" and "did you mean london-borough?" in err
    code, out, err = run_cli(capsys, "sweep", "stafing-grid")
    assert code == 2 and out == "" and "did you mean staffing-grid?" in err
    assert list(tmp_path.iterdir()) == []  # nothing written
