"""Build (or remove) the optional compiled model core: ``make fast`` / ``make pure``.

Compiles the modules listed in ``mashsim/compiled.py`` with mypyc, as one group, into extension
modules beside their sources, then records a digest of each source in ``mashsim/_compiled.json``.
``mashsim`` uses the build only while that record matches the sources (see ``mashsim.compiled``).

Needs a C compiler, the Python headers, and mypy (``pip install -e '.[compiled]'``). Without
them it stops with a message and exit code 2, leaving the pure-Python core in use; a failed build
leaves no part of itself behind.

    python tools/build_core.py            # build
    python tools/build_core.py --remove   # back to pure Python
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import sysconfig
import time
import tomllib
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mashsim"
BUILD = ROOT / "build" / "mypyc"


def _compiled_module():
    # Loaded on its own, not through `import mashsim`: importing the package would map the old
    # extension modules into this process while the build overwrites them.
    spec = importlib.util.spec_from_file_location("_mashsim_compiled", PACKAGE / "compiled.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building the class
    spec.loader.exec_module(module)
    return module


compiled = _compiled_module()


def built_files() -> list[Path]:
    files = [p for m in compiled.MODULES for p in compiled.extension_paths(m, PACKAGE)]
    files += sorted(PACKAGE.glob(f"{compiled.GROUP}__mypyc.*"))
    return files + [p for p in [PACKAGE / compiled.MANIFEST] if p.exists()]


def remove() -> list[Path]:
    files = built_files()
    for path in files:
        path.unlink(missing_ok=True)
    return files


def fail(message: str) -> int:
    print(f"build_core: {message}", file=sys.stderr)
    return 2


def check_tools(need_mypy: bool = True) -> str | None:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return (f"no C compiler ({compiler!r} is not on PATH): the compiled core needs one "
                "(on Debian: apt-get install gcc python3-dev). mashsim runs as pure Python without it.")
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not headers.exists():
        return f"the Python headers are missing ({headers}): on Debian, apt-get install python3-dev."
    if need_mypy and importlib.util.find_spec("mypyc") is None:
        return "mypy is not installed in this environment: pip install -e '.[compiled]' (make fast does this)."
    return None


def build() -> int:
    problem = check_tools()
    if problem:
        return fail(problem)
    from mypyc.build import mypycify
    from setuptools import setup

    remove()  # an old build must never be mistaken for this one if this one fails
    sources = [str(compiled.source_path(m, PACKAGE).relative_to(ROOT)) for m in compiled.MODULES]
    started = time.perf_counter()
    try:
        extensions = mypycify(["--ignore-missing-imports", "--follow-imports=silent", *sources],
                              group_name=f"mashsim.{compiled.GROUP}", target_dir=str(BUILD), opt_level="3")
        # packages and modules named (none): the checkout has several top-level folders, and setuptools
        # refuses to guess the packages of a build that only compiles these extensions in place
        setup(name="mashsim-core", ext_modules=extensions, packages=[], py_modules=[], script_args=[
            "--quiet", "build_ext", "--inplace", "--build-temp", str(BUILD / "temp"),
            "--build-lib", str(BUILD / "lib")])
    except (SystemExit, Exception) as error:  # mypy type errors and compiler failures end in SystemExit
        remove()
        return fail(f"the build failed ({error}); the pure-Python core stays in use")
    manifest = {
        "sources": {m: compiled.digest(compiled.source_path(m, PACKAGE)) for m in compiled.MODULES},
        "mypy": _version("mypy"),
        "python": sys.version.split()[0],
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    path = PACKAGE / compiled.MANIFEST
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_text(json.dumps(manifest, indent=2) + "\n")
    temporary.replace(path)  # written last, whole: without it the build is not used
    core = compiled.choose(PACKAGE, {})
    if core.kind != "compiled":
        remove()
        return fail(f"the build is not usable: {core.why}")
    print(f"compiled {len(sources)} modules in {time.perf_counter() - started:.0f} s: {core}")
    return 0


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--remove", action="store_true", help="remove the compiled core (back to pure Python)")
    parser.add_argument("--check", action="store_true",
                        help="only say whether this machine can build it (a compiler and headers; exit 1 if not)")
    parser.add_argument("--requirements", action="store_true",
                        help="print what the build needs installed (the `compiled` extra of pyproject.toml)")
    args = parser.parse_args(argv)
    if args.requirements:
        with open(ROOT / "pyproject.toml", "rb") as file:
            print(" ".join(tomllib.load(file)["project"]["optional-dependencies"]["compiled"]))
        return 0
    if args.check:
        problem = check_tools(need_mypy=False)
        print(problem or "a C compiler and the Python headers are present")
        return 1 if problem else 0
    if args.remove:
        removed = remove()
        print(f"removed the compiled core ({len(removed)} files)" if removed else "no compiled core to remove")
        return 0
    return build()


if __name__ == "__main__":
    sys.exit(main())
