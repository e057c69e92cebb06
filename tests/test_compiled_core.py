"""The optional compiled core (``make fast``): chosen only when it matches its sources, and
giving the same results as pure Python, bit for bit.

The choice is tested on a stand-in package (no compiler needed). The comparison and the guard
against a stale build need the real build: ``make test-compiled`` (run by CI) builds it and runs
these tests with the model's own; elsewhere they are skipped, saying so.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mashsim import compiled

REPO = Path(__file__).resolve().parents[1]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
needs_build = pytest.mark.skipif(compiled.current().kind != "compiled",
                                 reason="the core is not compiled here (`make test-compiled` builds it)")


def stand_in(root: Path, name: str = "standin", built: bool = True) -> Path:
    """A package laid out like mashsim's core, with (unloadable) extension modules if ``built``."""
    package = root / name
    for module in compiled.MODULES:
        source = compiled.source_path(module, package)
        source.parent.mkdir(parents=True, exist_ok=True)
        for init in (package / "__init__.py", source.parent / "__init__.py"):
            init.touch()
        source.write_text(f"WHERE = 'source of {module}'\n")
        if built:
            source.with_name(source.stem + SUFFIX).write_bytes(b"not a real extension module")
    if built:
        sources = {m: compiled.digest(compiled.source_path(m, package)) for m in compiled.MODULES}
        (package / compiled.MANIFEST).write_text(json.dumps({"sources": sources, "mypy": "9.9"}))
    return package


def test_without_a_build_the_core_is_pure_and_nothing_is_said(tmp_path):
    core = compiled.choose(stand_in(tmp_path, built=False), {})
    assert (core.kind, core.stale) == ("pure", False)
    assert "make fast" in core.why


def test_a_build_matching_its_sources_is_used(tmp_path):
    core = compiled.choose(stand_in(tmp_path), {})
    assert (core.kind, core.stale) == ("compiled", False)
    assert "mypyc 9.9" in core.why


@pytest.mark.parametrize("value, kind", [("1", "pure"), ("yes", "pure"), ("0", "compiled"), ("", "compiled")])
def test_mashsim_pure_asks_for_pure_python(tmp_path, value, kind):
    core = compiled.choose(stand_in(tmp_path), {"MASHSIM_PURE": value})
    assert core.kind == kind and not core.stale


def test_a_source_edited_after_the_build_turns_the_whole_core_pure(tmp_path):
    package = stand_in(tmp_path)
    compiled.source_path("model.hub", package).write_text("WHERE = 'edited'\n")
    core = compiled.choose(package, {})
    assert (core.kind, core.stale) == ("pure", True)
    assert "standin/model/hub.py changed" in core.why and "make fast" in core.why


def test_an_incomplete_build_is_not_used(tmp_path):
    package = stand_in(tmp_path)
    roles = compiled.source_path("model.roles", package)
    roles.with_name(roles.stem + SUFFIX).unlink()
    core = compiled.choose(package, {})
    assert (core.kind, core.stale) == ("pure", True)
    assert "incomplete" in core.why and "model.roles" in core.why


@pytest.mark.parametrize("manifest", [None, "{not json"])
def test_extension_modules_without_a_readable_manifest_are_not_used(tmp_path, manifest):
    package = stand_in(tmp_path)
    if manifest is None:
        (package / compiled.MANIFEST).unlink()
    else:
        (package / compiled.MANIFEST).write_text(manifest)
    core = compiled.choose(package, {})
    assert (core.kind, core.stale) == ("pure", True)
    assert compiled.MANIFEST in core.why


def test_a_stale_build_is_passed_over_with_a_warning_and_the_sources_are_imported(tmp_path, monkeypatch):
    package = stand_in(tmp_path)
    compiled.source_path("model.roles", package).write_text("WHERE = 'edited source'\n")
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(RuntimeWarning, match="pure-Python core: standin/model/roles.py changed"):
        core = compiled.activate(package, {})
    assert core.kind == "pure"
    # without the guard, the import would find the (broken) extension module first and fail
    assert importlib.import_module("standin.model.roles").WHERE == "edited source"
    assert importlib.import_module("standin.metrics.histogram").WHERE == "source of metrics.histogram"


def test_the_build_script_stops_cleanly_without_a_compiler(tmp_path):
    before = sorted(p for p in (REPO / "mashsim").rglob("*") if "__pycache__" not in p.parts)
    done = subprocess.run([sys.executable, str(REPO / "tools" / "build_core.py")], capture_output=True,
                          text=True, env={**os.environ, "PATH": str(tmp_path)})
    assert done.returncode == 2
    assert "no C compiler" in done.stderr and "pure Python" in done.stderr
    assert sorted(p for p in (REPO / "mashsim").rglob("*") if "__pycache__" not in p.parts) == before


def _cases(pure: bool) -> dict:
    env = {**os.environ, "MASHSIM_PURE": "1" if pure else ""}
    done = subprocess.run([sys.executable, str(REPO / "tests" / "core_cases.py")], capture_output=True,
                          text=True, env=env, check=True)
    return json.loads(done.stdout)


@needs_build
def test_the_compiled_core_gives_the_pure_results_bit_for_bit():
    fast, pure = _cases(pure=False), _cases(pure=True)
    assert (fast["core"], pure["core"]) == ("compiled", "pure")
    assert fast["cases"].keys() == pure["cases"].keys()
    for case, result in fast["cases"].items():
        expected = pure["cases"][case]
        # repr: NaN (no red contacts in a short run, say) equals itself, and floats compare exactly
        assert {k: repr(v) for k, v in result["metrics"].items()} == \
               {k: repr(v) for k, v in expected["metrics"].items()}, case
        assert result == expected, case  # records, trace and hourly series


@needs_build
@pytest.mark.parametrize("edit", [False, True])
def test_a_copy_of_the_build_runs_compiled_until_a_source_changes(tmp_path, edit):
    copy = tmp_path / "mashsim"
    shutil.copytree(REPO / "mashsim", copy, ignore=shutil.ignore_patterns("__pycache__"))
    if edit:
        with open(copy / "model" / "roles.py", "a") as source:
            source.write("\n# an edit made after the build\n")
    probe = "import mashsim, mashsim.model.roles as r; print(mashsim.CORE.kind, r.__file__)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(tmp_path), "MASHSIM_PURE": ""})
    kind, where = done.stdout.split()
    if edit:
        assert kind == "pure" and where == str(copy / "model" / "roles.py")
        assert "mashsim/model/roles.py changed since the core was compiled" in done.stderr
    else:
        assert kind == "compiled" and where.endswith(SUFFIX) and not done.stderr
