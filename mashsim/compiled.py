"""Which build of the model core runs: pure Python, or the optional compiled one (``make fast``).

``make fast`` compiles the model's inner modules (:data:`MODULES`) with mypyc into extension
modules beside their sources, and writes a manifest (:data:`MANIFEST`) holding a digest of each
source it compiled. Results are the same bit for bit in both builds; only speed differs.

Python loads an extension module in preference to its source, even after the source has been
edited, so an edit made after ``make fast`` would silently not run. :func:`activate` (called
when ``mashsim`` is imported) prevents that: if any compiled source has changed since the build,
or the build is incomplete, the whole core runs as pure Python, with a warning. The modules are
compiled as one group that shares a library, so they are used all together or not at all.
Setting the environment variable ``MASHSIM_PURE=1`` asks for pure Python outright.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

PACKAGE = Path(__file__).resolve().parent

#: The compiled modules (they must stay type-clean under mypy), relative to the package.
MODULES = (
    "model.roles",
    "model.events",
    "model.contact",
    "model.hub",
    "model.cutoffs",
    "model.duty",
    "model.arrivals",
    "model.calendar",
    "model.children",
    "model.matching",
    "metrics.collector",
    "metrics.children",
    "metrics.histogram",
)
#: The shared library mypyc builds for the group, inside the package.
GROUP = "_core"
MANIFEST = "_compiled.json"


@dataclass(frozen=True)
class Core:
    """The build in use: ``kind`` is ``"compiled"`` or ``"pure"``; ``why`` says how it was chosen."""

    kind: str
    why: str
    stale: bool = False

    def __str__(self) -> str:
        return f"{self.kind} core ({self.why})"


def source_path(module: str, package: Path = PACKAGE) -> Path:
    return package.joinpath(*module.split(".")).with_suffix(".py")


def extension_paths(module: str, package: Path = PACKAGE) -> list[Path]:
    """The extension modules built for ``module`` (for any Python), if any."""
    source = source_path(module, package)
    return sorted(source.parent.glob(f"{source.stem}.*.so")) + sorted(source.parent.glob(f"{source.stem}.*.pyd"))


def own_extension(module: str, package: Path = PACKAGE) -> Path | None:
    """The extension module this Python would import for ``module``, if one was built for it."""
    source = source_path(module, package)
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = source.with_name(source.stem + suffix)
        if candidate.exists():
            return candidate
    return None


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def choose(package: Path = PACKAGE, environ: Mapping[str, str] = os.environ) -> Core:
    """Decide which build to run, from the files in ``package`` and the environment."""
    built = [m for m in MODULES if own_extension(m, package)]
    if not built:
        return Core("pure", "not compiled; `make fast` builds the compiled core")
    if environ.get("MASHSIM_PURE", "") not in ("", "0"):
        return Core("pure", "MASHSIM_PURE is set")
    manifest = package / MANIFEST
    try:
        recorded = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return Core("pure", f"compiled modules found but no readable {MANIFEST}: "
                            "run `make fast` to rebuild or `make pure` to remove them", stale=True)
    missing = [m for m in MODULES if m not in built]
    if missing:
        return Core("pure", f"the compiled build is incomplete (no {', '.join(missing)}): "
                            "run `make fast` to rebuild or `make pure` to remove it", stale=True)
    sources = recorded.get("sources", {})
    changed = [m for m in MODULES if sources.get(m) != digest(source_path(m, package))]
    if changed:
        names = ", ".join(str(source_path(m, package).relative_to(package.parent)) for m in changed)
        return Core("pure", f"{names} changed since the core was compiled: "
                            "run `make fast` to rebuild or `make pure` to remove the build", stale=True)
    return Core("compiled", f"mypyc {recorded.get('mypy', '?')}, built {recorded.get('built', '?')}")


class _SourcesFirst(importlib.abc.MetaPathFinder):
    """Loads the listed modules from their ``.py`` files, passing over the extension modules."""

    def __init__(self, sources: Mapping[str, Path]) -> None:
        self.sources = dict(sources)

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 - the finder protocol
        source = self.sources.get(fullname)
        return importlib.util.spec_from_file_location(fullname, source) if source else None


_active: Core | None = None


def current() -> Core:
    """The build chosen when ``mashsim`` was imported (what every result of this process ran on)."""
    return _active if _active is not None else choose()


def activate(package: Path = PACKAGE, environ: Mapping[str, str] = os.environ) -> Core:
    """Choose the build and make imports follow it; warn if a stale build is passed over."""
    global _active
    core = choose(package, environ)
    if package == PACKAGE:
        _active = core
    if core.kind == "pure" and any(own_extension(m, package) for m in MODULES):
        name = package.name
        sys.meta_path.insert(0, _SourcesFirst({f"{name}.{m}": source_path(m, package) for m in MODULES}))
    if core.stale:
        warnings.warn(f"mashsim runs its pure-Python core: {core.why}", RuntimeWarning, stacklevel=2)
    return core
