"""Packaging: what the wheel carries and how it runs installed, plain --help, CITATION.cff.

The full round trip (python -m build, a fresh virtual environment, the commands from another
folder) is tools/check_wheel.sh, run by `make test` in CI; these are the fast parts of it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mashsim._version import __version__
from mashsim.cli import main
from mashsim.commands import MODULES
from mashsim.commands.helptext import plain
from mashsim.validation.calibration import TARGETS
from support import REPO

MARKUP = re.compile(r"``|`|:[a-z]+:`|\*\*")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The package as the wheel lays it out: setup.py's build_py into a folder of its own (a second)."""
    lib = tmp_path_factory.mktemp("lib")
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)], cwd=REPO,
                   check=True, capture_output=True)
    return lib


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_the_wheel_carries_every_module_and_every_shipped_file(built):
    modules = {f for f in _files(REPO / "mashsim") if f.endswith(".py")}
    assert modules <= _files(built / "mashsim"), "a module is missing from the wheel: is its folder a package?"
    for kind in ("scenarios", "experiments", "calibration"):
        shipped = {f for f in _files(REPO / kind) if not f.endswith(".py")}  # data/make_london.py: sdist only
        assert _files(built / "mashsim" / "_data" / kind) == shipped, \
            f"{kind}/ and the wheel's copy differ: list the new kind of file in setup.py's package_data"
    # pure Python: a compiled core built in this checkout (make fast) is not shipped
    assert not [f for f in _files(built) if f.endswith((".so", ".pyd", ".json"))]


def test_installed_it_runs_shipped_names_from_any_folder(built, tmp_path):
    # the built package alone on the path, run from a folder with no checkout in sight
    code = ("from mashsim.scenario.shipped import folder; from mashsim.scenario import load_scenario; "
            "from mashsim.experiment.plan import make_plan; "
            "print(folder('scenarios')); print(folder('experiments')); "
            "print(load_scenario('london-borough.toml').name); print(load_scenario('london-pooled').name); "
            "print(make_plan('staffing-grid').base.name); "
            "from mashsim.app.state import load_shipped, shipped_names; "
            "print(load_shipped(shipped_names()[0]).scenario.name); "
            # the target table: calibrate's by its shipped name, and check-model's calibration table
            "print(folder('calibration')); from mashsim.history_matching import prepare; "
            "print(prepare('targets').source); from mashsim.validation.calibration import TARGETS; "
            "print(','.join(t.name for t in TARGETS))")
    env = {**os.environ, "PYTHONPATH": str(built)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True).stdout.split("\n")
    data = built / "mashsim" / "_data"
    assert out[:9] == [str(data / "scenarios"), str(data / "experiments"),
                       "london-borough", "london-pooled", "london-borough", "london-borough",
                       str(data / "calibration"), str(data / "calibration" / "targets.toml"),
                       ",".join(t.name for t in TARGETS)]


@pytest.mark.parametrize("command", [[], *([m.replace("_", "-")] for m in MODULES)])
def test_help_is_plain_text(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert not MARKUP.search(text), MARKUP.search(text)
    assert "usage: mashsim" in text


@pytest.mark.parametrize("text, expected", [
    ("``mashsim run``: replications", "mashsim run: replications"),
    (":mod:`mashsim.app.page` and :class:`~mashsim.scenario.Scenario`", "mashsim.app.page and Scenario"),
    (":func:`the loader <mashsim.load_scenario>`", "the loader"),
    ("written by `mashsim sweep`, see `Ciw`_", "written by mashsim sweep, see Ciw"),
    ("**every** hub: hubs.*.agencies.police.staff, 2*3", "every hub: hubs.*.agencies.police.staff, 2*3"),
    ("For example::\n\n    mashsim run x", "For example:\n\n    mashsim run x"),
])
def test_plain_removes_rest_markup_only(text, expected):
    assert plain(text) == expected


def test_help_keeps_hyphenated_names_whole(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "london-borough" in capsys.readouterr().out  # never london-\nborough


def test_the_citation_names_this_version():
    text = (REPO / "CITATION.cff").read_text()
    fields = dict(re.findall(r'^([a-z-]+): "?([^"\n>]*)"?$', text, re.M))
    assert fields["cff-version"] == "1.2.0"
    assert fields["version"] == __version__, "change CITATION.cff's version with mashsim/_version.py"
    assert fields["title"].startswith("mashsim") and fields["license"] == "MIT"
    assert re.search(r"^authors:\n  - name: \S", text, re.M)
