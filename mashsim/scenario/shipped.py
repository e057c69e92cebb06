"""The scenarios, experiments and targets files shipped with mashsim, and how a name on the command
line (or in a file) becomes a file: the one place every command and file format resolves one.

In a checkout the shipped files are the top-level ``scenarios/``, ``experiments/`` and
``calibration/`` folders, the ones users see and edit. A wheel or sdist carries the very same files
as package data (setup.py maps the folders into ``mashsim/_data/``), found through
:mod:`importlib.resources`, so an installed mashsim runs ``mashsim run london-borough`` (and
``mashsim calibrate london-borough targets``, ``mashsim check-model``) from any folder.

A name resolves, in this order, to

1. the file it names as a path (relative to ``near``, the folder of the file that names it, for
   an experiment's ``scenario`` and a scenario's ``extends``; else to the current folder);
2. the shipped file of that name, written with or without ``.toml`` (``london-borough``,
   ``london-borough.toml``), when the name has no folder in it;
3. else a problem: file not found, with the close matches and the shipped names.
"""

from __future__ import annotations

import difflib
from importlib.resources import files
from pathlib import Path

from mashsim.scenario.errors import Problem, ScenarioError

SCENARIOS, EXPERIMENTS = "scenarios", "experiments"
CALIBRATION = "calibration"  # targets files: published figures to calibrate to and validate against
SUFFIX = ".toml"
_WHAT = {SCENARIOS: "scenario", EXPERIMENTS: "experiment", CALIBRATION: "targets file"}
_CHECKOUT = Path(__file__).resolve().parents[2]  # the folder holding mashsim/, in a source checkout
_PACKAGE_DATA = "_data"  # where setup.py puts the shipped folders inside an installed package


def folder(kind: str = SCENARIOS) -> Path:
    """The folder of the shipped ``kind`` (``scenarios``, ``experiments`` or ``calibration``).

    The installed package's data when it has them (a wheel), else the checkout's own folder (a
    source checkout, an editable install, or ``PYTHONPATH`` pointing at the checkout).
    """
    _check_kind(kind)
    data = files("mashsim") / _PACKAGE_DATA / kind
    # an installed wheel is unpacked on disk, so its data are plain paths that `extends` can walk
    if isinstance(data, Path) and data.is_dir():
        return data
    return _CHECKOUT / kind


def names(kind: str = SCENARIOS) -> list[str]:
    """The shipped names of ``kind``, sorted (``london-borough``, ...; ``targets`` in ``calibration``)."""
    return sorted(path.stem for path in folder(kind).glob(f"*{SUFFIX}"))


def shipped_file(name: str, kind: str = SCENARIOS) -> Path | None:
    """The shipped file called ``name``, with or without ``.toml``; None when there is none.

    A name with a folder in it (``./x``, ``a/b``) is a path, never a shipped name.
    """
    stem = _as_name(name)
    if stem is None:
        return None
    path = folder(kind) / f"{stem}{SUFFIX}"
    return path if path.is_file() else None


def find(source: str | Path, kind: str = SCENARIOS, near: Path | None = None) -> Path | None:
    """The file ``source`` names (see the module's docstring for the order), or None.

    A path that exists but is not a file (a folder) is returned when no shipped file has its
    name, so that the reader can say what it is.
    """
    text = str(source)
    path = Path(near, text) if near is not None else Path(text)
    if path.is_file():
        return path
    # a results folder called london-borough must not hide the shipped scenario of that name
    shipped = shipped_file(text, kind)
    if shipped is not None:
        return shipped
    return path if path.exists() else None


def not_found(source: str | Path, kind: str = SCENARIOS, near: Path | None = None, field: str = "") -> Problem:
    """The problem of a name that :func:`find` cannot resolve: what was looked for, close matches."""
    text = str(source)
    what = _WHAT[_check_kind(kind)]
    shipped = names(kind)
    as_name = _as_name(text) is not None
    where = f" next to {near}" if near is not None else ""
    message = f"file not found{where}" + (f", nor a shipped {what} of that name" if as_name else "")
    close = _close_matches(text, shipped if as_name else [], near)
    if close:
        message += f"; did you mean {' or '.join(close)}?"
    if as_name:
        message += f" (shipped {what}s: {', '.join(shipped) or 'none'})"
    elif shipped_file(Path(text).name, kind) is not None:
        message += f"; mashsim ships a {what} of that name: give the name alone, {_as_name(Path(text).name)}"
    return Problem(field, message, text) if field else Problem(field, message)


def resolve(source: str | Path, kind: str = SCENARIOS, near: Path | None = None, field: str = "",
            where: str | None = None) -> Path:
    """The file ``source`` names; else :class:`ScenarioError` from ``where`` (default: ``source``)."""
    found = find(source, kind, near)
    if found is None:
        raise ScenarioError([not_found(source, kind, near, field)], where or str(source))
    return found


def _stem(text: str) -> str:
    return text[: -len(SUFFIX)] if text.endswith(SUFFIX) else text


def _as_name(text: str) -> str | None:
    """The shipped name ``text`` would be (``.toml`` dropped), or None when it has a folder in it."""
    stem = _stem(text)
    if not stem or stem.startswith(".") or any(sep in text for sep in ("/", "\\")):
        return None
    return stem


def _close_matches(text: str, shipped: list[str], near: Path | None) -> list[str]:
    """Shipped names close to ``text``, then the files close to it in the folder it names."""
    path = Path(near, text) if near is not None else Path(text)
    found = difflib.get_close_matches(_stem(path.name), shipped, n=2, cutoff=0.75)
    here = path.parent
    if here.is_dir():
        local = sorted(p.name for p in here.glob(f"*{SUFFIX}"))
        parent = Path(text).parent
        for name in difflib.get_close_matches(path.name, local, n=2, cutoff=0.75):
            found.append(str(parent / name) if str(parent) != "." else name)
    return list(dict.fromkeys(found))


def _check_kind(kind: str) -> str:
    if kind not in _WHAT:
        raise ValueError(f"kind must be one of {', '.join(_WHAT)} (got {kind!r})")
    return kind
