"""Every output is whole: a run's results, a report, a trace and a sweep's rows are written
together or not at all, under a full disk, Ctrl-C, SIGTERM and SIGKILL; an output that cannot be
written is an input error (exit 2) naming its option and the real target; and mashsim never
deletes what it did not write."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import mashsim.atomic as atomic
from bad_inputs import SMALL_TOML
from experiments import GRID, write_experiment
from mashsim.cli import main
from support import REPO

RUN = ["-r", "2", "--workers", "1"]


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def scenario(folder: Path) -> Path:
    (folder / "small.toml").write_text(SMALL_TOML)
    return folder / "small.toml"


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) and its bytes; {} when there is no folder."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} \
        if folder.exists() else {}


def leftovers(target: Path) -> list[str]:
    """Hidden files or folders beside ``target`` that a writer made."""
    return sorted(p.name for p in target.parent.glob(f".{target.name}.*"))


@pytest.fixture
def earlier(tmp_path, capsys) -> tuple[Path, Path, dict[str, bytes]]:
    """A scenario, and a folder holding an earlier run's results: (scenario, folder, its contents)."""
    path, out = scenario(tmp_path), tmp_path / "results"
    assert cli(capsys, "run", path, *RUN, "--seed", "1", "--out", out)[0] == 0
    return path, out, contents(out)


def fail_on_call(monkeypatch, owner, name: str, n: int, error: BaseException) -> None:
    """``owner.name`` raises ``error`` on its ``n``-th call (the calls before it do their work)."""
    original = getattr(owner, name)
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, failing)


def full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# ------------------------------------------------------------------------------------- run --out

@pytest.mark.parametrize("before", ["nothing", "an earlier run"])
def test_a_full_disk_midway_leaves_the_earlier_results_and_exits_2_naming_the_folder(
        before, earlier, tmp_path, capsys, monkeypatch):
    path, out, old = earlier
    if before == "nothing":
        out, old = tmp_path / "new" / "results", {}
    # records.parquet is written, then replications.parquet finds the disk full
    fail_on_call(monkeypatch, pd.DataFrame, "to_parquet", 2, full())
    code, stdout, err = cli(capsys, "run", path, *RUN, "--out", out)
    assert code == 2 and stdout == ""
    assert "--out" in err and str(out) in err and "No space left on device" in err and "Traceback" not in err
    assert ".part" not in err  # the real target is named, never the temporary one
    assert contents(out) == old and leftovers(out) == []


def test_ctrl_c_while_writing_leaves_the_earlier_results(earlier, capsys, monkeypatch):
    path, out, old = earlier
    fail_on_call(monkeypatch, pd.DataFrame, "to_parquet", 2, KeyboardInterrupt())
    code, _, err = cli(capsys, "run", path, *RUN, "--out", out)
    assert code == 130 and "nothing of this run was written" in err
    assert contents(out) == old and leftovers(out) == []


def test_a_new_run_replaces_the_earlier_results_whole(earlier, capsys, monkeypatch):
    path, out, old = earlier
    for exchange in (True, False):  # swapped in one step, and where the system cannot (two renames)
        if not exchange:
            monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
        code, _, err = cli(capsys, "run", path, *RUN, "--seed", str(2 + exchange), "--out", out)
        assert code == 0, err
        new = contents(out)
        assert set(new) == set(old) and new["summary.json"] != old["summary.json"]
        assert leftovers(out) == []
        old = new


def test_a_folder_holding_other_files_is_refused_before_the_run_and_left_alone(earlier, capsys):
    path, out, old = earlier
    (out / "notes.txt").write_text("mine")
    code, stdout, err = cli(capsys, "run", path, *RUN, "--out", out)
    assert code == 2 and stdout == ""
    assert "holds other files" in err and "notes.txt" in err and "Traceback" not in err
    assert contents(out) == {**old, "notes.txt": b"mine"}


def test_a_refused_or_failed_run_creates_no_folder(tmp_path, capsys):
    out = tmp_path / "a" / "b" / "results"
    code, _, err = cli(capsys, "run", tmp_path / "missing.toml", "--out", out)
    assert code == 2 and not (tmp_path / "a").exists()


def test_an_out_inside_a_file_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = cli(capsys, "run", scenario(tmp_path), *RUN, "--out", blocker / "results")
    assert code == 2 and "--out" in err and str(blocker) in err and "Traceback" not in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not bind root")
def test_an_unwritable_out_exits_2_before_the_run(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, _, err = cli(capsys, "run", scenario(tmp_path), *RUN, "--out", locked / "results")
    finally:
        locked.chmod(0o700)
    assert code == 2 and "--out" in err and "cannot be written" in err
    assert list(locked.iterdir()) == []


# ------------------------------------------------------------------------------------- killed mid-write

DRIVER = textwrap.dedent("""
    import sys, time
    import mashsim.report.files as files
    from mashsim.cli import main

    write = files._write

    def slow(result, folder):
        names = write(result, folder)
        print("staged", flush=True)  # every file is in the hidden folder; nothing is in place yet
        time.sleep(60)
        return names

    files._write = slow
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_run_stopped_while_writing_leaves_the_earlier_results(stop, earlier, capsys):
    path, out, old = earlier
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, "run", str(path), *RUN, "--out", str(out)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "staged"
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert contents(out) == old
    if stop == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert len(leftovers(out)) == 1  # the killed writer's hidden folder...
        assert cli(capsys, "run", path, *RUN, "--out", out)[0] == 0
        assert leftovers(out) == []  # ...is removed by the next writer, its process being gone
    else:
        assert proc.returncode == 130 and "Traceback" not in err
        assert leftovers(out) == []


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_run_stopped_before_its_end_writes_nothing(stop, tmp_path):
    out = tmp_path / "results"
    long_run = ["--set", "run.horizon_days=400", "-r", "50", "--workers", "1"]
    proc = subprocess.Popen([sys.executable, "-m", "mashsim.cli", "run", str(scenario(tmp_path)), *long_run,
                             "--out", str(out)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    assert proc.poll() is None, "the run ended before it could be stopped"
    proc.send_signal(stop)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err
    assert not out.exists() and leftovers(out) == []


def test_a_small_file_system_that_fills_up_leaves_nothing_half_written(tmp_path):
    """On a real full disk: a 1 MiB tmpfs, in a mount namespace of its own (skipped where that
    cannot be made), holds an earlier short run; a longer run does not fit beside it."""
    if not shutil.which("unshare"):
        pytest.skip("no unshare")
    small = scenario(tmp_path)
    mount = tmp_path / "disk"
    mount.mkdir()
    command = f"""
        mount -t tmpfs -o size=1m tmpfs {mount} || exit 99
        {sys.executable} -m mashsim.cli run {small} -r 1 --workers 1 --out {mount}/results >/dev/null || exit 98
        cp -r {mount}/results {tmp_path}/before
        {sys.executable} -m mashsim.cli run {small} -r 40 --workers 1 --set run.horizon_days=60 \\
            --out {mount}/results >/dev/null 2>{tmp_path}/err.txt
        echo $? > {tmp_path}/code.txt
        cp -r {mount}/results {tmp_path}/after
        ls -A {mount} > {tmp_path}/listing.txt
    """
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", command], cwd=REPO, capture_output=True, text=True)
    if proc.returncode in (99, 1) and not (tmp_path / "code.txt").exists():
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr
    err = (tmp_path / "err.txt").read_text()
    assert (tmp_path / "code.txt").read_text().strip() == "2", err
    assert "No space left on device" in err and f"{mount}/results" in err and "Traceback" not in err
    assert contents(tmp_path / "after") == contents(tmp_path / "before")
    assert (tmp_path / "listing.txt").read_text().split() == ["results"]


# ------------------------------------------------------------------------------------- report --out

def test_a_report_never_deletes_files_it_did_not_write(tmp_path, capsys):
    from sweep_fixture import grid_results

    folder = grid_results(tmp_path / "sweep", replications=2)
    out = tmp_path / "report"
    assert cli(capsys, "report", folder, "--out", out)[0] == 0
    first = contents(out)
    assert cli(capsys, "report", folder, "--out", out, "--metric", "all_signals_missed_rate")[0] == 0  # replaced whole
    assert contents(out) != first and leftovers(out) == []
    (out / "notes.txt").write_text("my notes")
    before = contents(out)
    code, _, err = cli(capsys, "report", folder, "--out", out)
    assert code == 2 and "notes.txt" in err and "Traceback" not in err
    assert contents(out) == before


def test_a_report_that_cannot_be_written_exits_2_and_leaves_the_earlier_one(tmp_path, capsys, monkeypatch):
    from sweep_fixture import grid_results

    folder = grid_results(tmp_path / "sweep", replications=2)
    out = tmp_path / "report"
    assert cli(capsys, "report", folder, "--out", out)[0] == 0
    before = contents(out)
    fail_on_call(monkeypatch, pd.DataFrame, "to_csv", 2, full())
    code, _, err = cli(capsys, "report", folder, "--out", out)
    assert code == 2 and str(out) in err and "No space left on device" in err and "Traceback" not in err
    assert contents(out) == before and leftovers(out) == []


# ------------------------------------------------------------------------------------- trace --markdown

def test_a_trace_that_cannot_be_written_exits_2_naming_the_file(tmp_path, capsys, monkeypatch):
    target, path = tmp_path / "case.md", scenario(tmp_path)
    target.write_text("earlier")
    fail_on_call(monkeypatch, Path, "write_text", 1, full())
    code, _, err = cli(capsys, "trace", path, "--pick", "random", "--markdown", target)
    assert code == 2 and "--markdown" in err and str(target) in err and "No space left on device" in err
    assert ".part" not in err and "Traceback" not in err
    assert target.read_text() == "earlier" and leftovers(target) == []


# ------------------------------------------------------------------------------------- sweep

def test_a_sweep_on_a_full_disk_exits_2_keeps_whole_rows_and_resumes_to_the_same_rows(tmp_path, capsys, monkeypatch):
    experiment = write_experiment(tmp_path, GRID)
    reference, out = tmp_path / "reference", tmp_path / "results"
    assert cli(capsys, "sweep", experiment, "--out", reference, "--workers", "1")[0] == 0
    # points.parquet, then two part files are stored; the third finds the disk full
    fail_on_call(monkeypatch, pq, "write_table", 4, full())
    code, _, err = cli(capsys, "sweep", experiment, "--out", out, "--workers", "1")
    assert code == 2 and "--out" in err and str(out) in err and "No space left on device" in err
    assert "--resume" in err and "Traceback" not in err
    parts = sorted((out / "rows").glob("*"))
    assert len(parts) == 2 and all(pq.read_table(p).num_rows for p in parts)  # whole, no temporary file
    monkeypatch.undo()
    assert cli(capsys, "sweep", experiment, "--out", out, "--workers", "1", "--resume")[0] == 0
    rows = [pd.read_parquet(folder / "rows").sort_values(["point", "replication"]).reset_index(drop=True)
            for folder in (reference, out)]
    pd.testing.assert_frame_equal(*rows)


# ------------------------------------------------------------------------------------- the pieces

def test_atomic_write_names_the_real_file_in_its_errors(tmp_path):
    target = tmp_path / "x.json"

    def full(path: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    with pytest.raises(OSError) as caught:
        atomic.atomic_write(target, full)
    assert caught.value.filename == str(target) and caught.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_check_output_folder_makes_nothing(tmp_path):
    target = tmp_path / "a" / "b"
    atomic.check_output_folder(target, lambda name: False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["trace", "check-model"])
def test_a_file_output_in_an_impossible_place_is_refused_before_the_work(command, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    target = blocker / "out.md"
    args = ["trace", scenario(tmp_path), "--pick", "random", "--markdown", target] if command == "trace" \
        else ["check-model", "--fast", "--out", target]
    code, _, err = cli(capsys, *args)
    assert code == 2 and str(blocker) in err and "not a folder" in err and "Traceback" not in err
    code, _, err = cli(capsys, *args[:-1], tmp_path)
    assert code == 2 and "is a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "small.toml"][:1 + (command == "trace")]


def test_a_forced_sweep_deletes_only_the_files_a_sweep_writes(tmp_path, capsys):
    experiment = write_experiment(tmp_path, GRID)
    out = tmp_path / "results"
    assert cli(capsys, "sweep", experiment, "--out", out, "--workers", "1")[0] == 0
    (out / "notes.txt").write_text("mine")
    (out / "rows" / "my-analysis.csv").write_text("mine too")
    assert cli(capsys, "sweep", experiment, "--out", out, "--workers", "1", "--force")[0] == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / "rows" / "my-analysis.csv").read_text() == "mine too"
