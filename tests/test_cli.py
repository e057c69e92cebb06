"""The command line end to end: run, validate, show, schema, and every kind of bad input.

Most tests call ``mashsim.cli.main`` in this process (fast); a few start the real command with
``python -m mashsim.cli`` to see exactly what a user sees: exit code, stdout, stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import mashsim
from bad_inputs import BAD_INPUTS, SMALL_TOML
from mashsim.cli import main
from support import REPO, SCENARIOS, SHORT_RUN

SHORT = [arg for setting in SHORT_RUN for arg in ("--set", setting)]


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """``mashsim ARGS`` in this process: (exit code, stdout, stderr). An exception is a failure:
    the real command would print a traceback."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:  # argparse
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_process(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "mashsim.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=timeout)


def one_json_object(text: str) -> dict:
    """The single JSON object ``text`` holds; fails if anything else is printed with it."""
    decoder = json.JSONDecoder()
    obj, end = decoder.raw_decode(text.lstrip())
    assert text.lstrip()[end:].strip() == "", "stdout holds more than one JSON object"
    assert isinstance(obj, dict)
    return obj


def files_in(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*")) if folder.exists() else []


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[b.id for b in BAD_INPUTS])
@pytest.mark.parametrize("command", ["validate", "run", "show"])
def test_bad_input_exits_2_naming_file_and_field_and_writes_nothing(bad, command, tmp_path, capsys):
    path = bad.write(tmp_path)
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    extra = ["--out", out_dir, "-r", "1", "--workers", "1"] if command == "run" else []
    code, out, err = run_cli(capsys, command, path, *extra)
    assert code == 2
    assert str(path) in err
    assert bad.path in err and bad.message in err
    assert "Traceback" not in err
    assert out == ""
    assert files_in(out_dir) == []


@pytest.mark.parametrize("command", ["validate", "run", "show"])
def test_a_missing_file_exits_2_and_names_it(command, tmp_path, capsys):
    missing = tmp_path / "nowhere.toml"
    out_dir = tmp_path / "results"
    extra = ["--out", out_dir] if command == "run" else []
    code, out, err = run_cli(capsys, command, missing, *extra)
    assert code == 2
    assert str(missing) in err and "file not found" in err
    assert out == ""
    assert not out_dir.exists()


@pytest.mark.parametrize("bad_id", ["unknown-field", "zero-staff-no-cover"])
def test_the_real_command_reports_bad_input_without_a_traceback(bad_id, tmp_path):
    bad = next(b for b in BAD_INPUTS if b.id == bad_id)
    path = bad.write(tmp_path)
    out_dir = tmp_path / "results"
    proc = run_process("run", path, "--out", out_dir, "--json")
    assert proc.returncode == 2
    assert str(path) in proc.stderr and bad.path in proc.stderr and bad.message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert not out_dir.exists()


@pytest.mark.parametrize("args, message", [
    (["--set", "agencies.police.staff=-1"], "agencies.police.staff"),
    (["--set", "policy.ask.red=[\"fire_service\"]"], "policy.ask.red.0"),
    (["--set", "roles.screeners.staff"], "expected PATH=VALUE"),
    (["--set", "arrivals.sources.police.day_profile=[1, 1]"], "arrivals.sources.police.day_profile"),
])
def test_bad_set_overrides_exit_2_and_write_nothing(args, message, tmp_path, capsys):
    out_dir = tmp_path / "results"
    code, out, err = run_cli(capsys, "run", "london-borough", *args, "--out", out_dir, "--json")
    assert code == 2
    assert message in err and "Traceback" not in err
    assert out == ""
    assert not out_dir.exists()


@pytest.mark.parametrize("args", [["-r", "0"], ["-r", "two"], ["--seed", "-1"], ["--workers", "0"]])
def test_bad_options_exit_2(args, capsys):
    code, out, err = run_cli(capsys, "run", "london-borough", *args)
    assert code == 2
    assert "usage:" in err and out == ""


@pytest.mark.parametrize("days", ["0", "-3", "nan", "inf", "3651", "two"])
def test_every_horizon_days_option_is_checked_once_with_one_message(days, capsys):
    """``--horizon-days`` of brief and voi: one validator, so the same refusal word for word."""
    said = []
    for command in ("brief", "voi"):
        code, out, err = run_cli(capsys, command, "london-borough", "--horizon-days", days)
        assert code == 2 and out == ""
        said.append(err.strip().splitlines()[-1].partition("argument --horizon-days: ")[2])
    assert said[0] and said[0] == said[1]
    assert ("a number of days" if days == "two" else "more than 0 days and at most 3,650 days") in said[0]


def test_out_pointing_at_a_file_exits_2_and_leaves_it_alone(tmp_path, capsys):
    target = tmp_path / "results"
    target.write_text("keep me")
    code, out, err = run_cli(capsys, "run", "london-borough", *SHORT, "-r", "1", "--out", target)
    assert code == 2
    assert "--out" in err and "not a folder" in err
    assert target.read_text() == "keep me"
    assert files_in(tmp_path) == [target]


# ----------------------------------------------------------------------------- validate


@pytest.mark.parametrize("scenario", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_validates(scenario, capsys):
    code, out, err = run_cli(capsys, "validate", scenario)
    assert code == 0, err
    assert "ok" in out and mashsim.load_scenario(scenario).name in out


def test_validate_warns_about_a_desk_no_one_asks(capsys):
    code, out, err = run_cli(capsys, "validate", "london-borough", "--set", 'policy.ask.red=["police"]',
                             "--set", 'policy.ask.amber=["police"]', "--set", 'policy.ask.green=["police"]')
    assert code == 0
    assert "warning" in err and "agencies.probation" in err and "never asked" in err


# ----------------------------------------------------------------------------- run


def test_run_json_prints_one_object_and_is_reproducible(capsys):
    args = ["run", "london-borough", *SHORT, "--json", "--seed", "1", "-r", "2"]
    proc = run_process(*args)
    assert proc.returncode == 0, proc.stderr
    first = one_json_object(proc.stdout)
    assert {"scenario", "seed", "replications", "version", "metrics"} <= set(first)
    assert first["seed"] == 1 and first["replications"] == 2 and first["version"] == mashsim.__version__
    assert first["scenario"]["name"] == "london-borough"
    arrived = first["metrics"]["contacts_arrived"]
    assert len(arrived["values"]) == 2 and arrived["mean"] > 0
    assert first["metrics"]["all_signals_missed_rate"]["by_cause"]["late"]["values"]
    # the same command again (in this process, one worker): the very same text
    code, out, _ = run_cli(capsys, *args, "--workers", "1")
    assert code == 0
    assert out == proc.stdout


def test_run_with_set_changes_the_scenario_and_the_results_but_not_the_contacts(capsys):
    base_args = ["run", "london-borough", *SHORT, "--json", "--seed", "1", "-r", "2", "--workers", "1"]
    code, out, _ = run_cli(capsys, *base_args)
    assert code == 0
    base = one_json_object(out)
    code, out, _ = run_cli(capsys, *base_args, "--set", "agencies.police.staff=2")
    assert code == 0
    changed = one_json_object(out)
    assert changed["scenario"]["hash"] != base["scenario"]["hash"]
    assert changed["metrics"] != base["metrics"]
    police = lambda r: r["metrics"]["utilisation"]["by_role"]["police"]["values"]  # noqa: E731
    assert police(changed) != police(base)
    # common random numbers: the same children arrive
    assert changed["metrics"]["contacts_arrived"] == base["metrics"]["contacts_arrived"]


def test_run_out_writes_results_with_provenance(tmp_path, capsys):
    out_dir = tmp_path / "results"
    code, out, err = run_cli(capsys, "run", "london-borough", *SHORT, "--seed", "3", "-r", "2",
                             "--workers", "1", "--out", out_dir, "--json")
    assert code == 0, err
    summary = one_json_object(out)
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["records.parquet", "replications.parquet", "scenario.json", "summary.json"]

    assert json.loads((out_dir / "summary.json").read_text()) == summary
    scenario = json.loads((out_dir / "scenario.json").read_text())
    assert scenario["hash"] == summary["scenario"]["hash"]
    assert scenario["scenario"]["run"]["horizon_days"] == 14

    reps = pd.read_parquet(out_dir / "replications.parquet")
    assert list(reps["replication"]) == [0, 1]
    assert list(reps["contacts_arrived"]) == summary["metrics"]["contacts_arrived"]["values"]

    records = pd.read_parquet(out_dir / "records.parquet")
    per_replication = records.groupby("replication").size()
    assert per_replication.to_dict() == dict(zip(reps["replication"], reps["contacts_arrived"].astype(int)))
    for frame in (reps, records):
        assert set(frame["scenario_hash"]) == {summary["scenario"]["hash"]}
        assert set(frame["seed"]) == {3}  # the base seed (called base_seed before 0.1.0 shipped)
        assert set(frame["mashsim_version"]) == {mashsim.__version__}
        assert set(frame["scenario"]) == {"london-borough"}
    decided = records.dropna(subset=["decided_h"])
    # records of the window's contacts decided in it or in the run-out after it (the rest are censored)
    assert len(decided) == int((reps["contacts_decided"] + reps["contacts_decided_in_runout"]).sum())
    assert (decided["decided_h"] >= decided["arrived_h"]).all()


def test_run_prints_a_table_by_default(capsys):
    code, out, _ = run_cli(capsys, "run", "london-borough", *SHORT, "-r", "2", "--seed", "1", "--workers", "1")
    assert code == 0
    assert "all_signals_missed_rate" in out and "95% CI" in out


# ----------------------------------------------------------------------------- show, schema


def test_show_prints_the_network_and_the_tagged_values(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    path = tmp_path / "small.toml"
    path.write_text(SMALL_TOML)
    code, out, _ = run_cli(capsys, "show", path, "--set", "arrivals.sources.police.annual_contacts=4000")
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    assert "triage -> desk:police  (asked for amber/red)" in lines
    assert "triage -> desk:health  (asked for green/amber/red)" in lines
    assert "desk:education -> decision  (latency 2 h, loss 3%)" in lines
    assert "source:schools -> triage" in lines
    assert "red: deadline 4 elapsed hours; asks police, health, education" in lines
    # the tagged value with its source; the overridden one says it was changed
    assert any("roles.screeners.staff" in line and "a test source" in line for line in lines)
    changed = [line for line in lines if "arrivals.sources.police.annual_contacts" in line]
    assert changed and "changed by --set arrivals.sources.police.annual_contacts" in changed[0]
    assert "a test figure" not in out


def test_show_json_is_the_resolved_scenario_with_defaults(capsys):
    code, out, _ = run_cli(capsys, "show", "london-borough", "--json")
    assert code == 0
    resolved = one_json_object(out)
    assert resolved["agencies"]["health"]["out_of_hours_staff"] == 0  # a default filled in
    assert resolved["agencies"]["police"]["staff"] == 3  # a tagged value, unwrapped
    assert mashsim.load_scenario(resolved).name == "london-borough"


def test_schema_prints_the_json_schema(capsys):
    code, out, _ = run_cli(capsys, "schema")
    assert code == 0
    schema = one_json_object(out)
    assert "properties" in schema
    assert {"arrivals", "roles", "agencies", "policy"} <= set(schema["properties"])


def test_version(capsys):
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and mashsim.__version__ in out


def test_an_extends_loop_exits_2(tmp_path, capsys):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    code, out, err = run_cli(capsys, "validate", tmp_path / "a.toml")
    assert code == 2 and "extends" in err and "loop" in err and out == ""


def test_an_out_folder_that_cannot_be_made_fails_cleanly(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, out, err = run_cli(capsys, "run", "london-borough", *SHORT, "-r", "1", "--workers", "1",
                             "--out", blocker / "results")
    assert code != 0
    assert str(blocker) in err and "Traceback" not in err
    assert files_in(tmp_path) == [blocker]


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.toml")))
def test_shipped_scenarios_load_by_name_from_any_folder(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "validate", name)
    assert code == 0, err
    assert f"{name}: ok" in out


def test_a_reader_that_stops_early_is_not_an_error():
    # enough JSON (~100 kB) that the pipe fills and the reader's leaving is noticed
    args = [sys.executable, "-m", "mashsim.cli", "run", "london-borough", "--set", "run.horizon_days=2",
            "--set", "run.warmup_days=0", "-r", "60", "--json", "--workers", "1"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    try:
        assert proc.stdout.read(1) == b"{"
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    assert "Traceback" not in err
    assert code == 0, err
