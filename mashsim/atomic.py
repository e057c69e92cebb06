"""Writing outputs whole or not at all.

- :func:`atomic_write`: one file, through a temporary file in the same folder renamed into place.
  The temporary name starts with a dot, so readers of a folder of Parquet files (pyarrow, pandas)
  never read a file that is still being written.
- :func:`write_folder`: a set of files that belong together (a run's results, a report), built in
  a hidden folder beside the target and put in its place in one step, so that a reader, a killed
  process or a full disk leaves either the earlier set or the new one, never a mix. An earlier set
  is replaced only when the folder holds nothing else: mashsim never deletes what it did not write.

Errors name the real target (never the temporary name) and, for an output named on the command
line, are input errors (exit 2): see :func:`output_error`.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from mashsim.scenario.errors import Problem, ScenarioError

T = TypeVar("T")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through a temporary file in the same folder, then rename it into place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(fd)
    except OSError as error:
        raise _naming(error, path) from None
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise _naming(error, path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, whole or not at all."""
    atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def _naming(error: OSError, path: Path) -> OSError:
    """The same error, naming ``path`` rather than a temporary file."""
    return OSError(error.errno, error.strerror or str(error), str(path))  # errno picks the subclass


# ------------------------------------------------------------------ errors of outputs named by the user

def output_error(error: OSError, target: Path, field: str = "--out", after: str = "") -> ScenarioError:
    """An input error (exit 2) for an output that could not be written: the option, the target, why."""
    why = error.strerror or str(error)
    return ScenarioError([Problem(field, f"cannot be written ({why}){after}", str(target))], field)


@contextmanager
def writing(target: Path, field: str = "--out", after: str = "", *, only_inside: bool = False) -> Iterator[None]:
    """Turn an operating system error while writing ``target`` into :func:`output_error`;
    ``only_inside``: only an error about a file in folder ``target`` (the block does more than write)."""
    try:
        yield
    except OSError as error:
        if only_inside and not _inside(error.filename, Path(target)):
            raise
        raise output_error(error, target, field, after) from None


def _inside(filename: Any, folder: Path) -> bool:
    if not isinstance(filename, (str, os.PathLike)):
        return False
    path, folder = Path(os.path.abspath(filename)), Path(os.path.abspath(folder))
    return path == folder or folder in path.parents


# ------------------------------------------------------------------ a set of files, together

def check_output_folder(target: Path, ours: Callable[[str], bool], field: str = "--out") -> None:
    """Refuse (exit 2) a ``target`` that :func:`write_folder` could not fill: a file, a folder holding
    files that ``ours`` does not claim, or one that cannot be made or written. Creates nothing, so
    that a run refused, failed or interrupted leaves no trace."""
    def refuse(message: str) -> None:
        raise ScenarioError([Problem(field, message, str(target))], field)

    target = Path(target)
    if target.exists() and not target.is_dir():
        refuse("exists and is not a folder")
    if target.is_dir():
        others = sorted(p.name for p in target.iterdir() if not ours(p.name))
        if others:
            shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            refuse(f"holds other files, which mashsim did not write ({shown}); these results replace an "
                   "earlier set whole, so name a new or empty folder, or move those files")
    _check_place(target, field)


def check_output_file(path: Path, field: str, hint: str = "give a file name") -> None:
    """Refuse (exit 2), before the work, a file output that :func:`atomic_write` could not write:
    a folder, or a place that cannot be made or written. Creates nothing."""
    path = Path(path)
    if path.is_dir():
        raise ScenarioError([Problem(field, f"is a folder; {hint}", str(path))], field)
    _check_place(path, field)


def _check_place(target: Path, field: str) -> None:
    """Refuse a ``target`` whose folder cannot be made, or in which nothing can be written."""
    ancestor = Path(os.path.abspath(target)).parent  # the nearest folder that exists: the rest would be made
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    problem = None
    if not ancestor.is_dir():
        problem = f"cannot be created: {ancestor} is not a folder"
    elif not os.access(ancestor, os.W_OK | os.X_OK) or (target.is_dir() and not os.access(target, os.W_OK)):
        problem = f"cannot be written (permission denied in {ancestor})"
    if problem:
        raise ScenarioError([Problem(field, problem, str(target))], field)


def write_folder(target: Path, write: Callable[[Path], T], ours: Callable[[str], bool],
                 field: str = "--out") -> T:
    """Fill folder ``target`` with the files ``write(folder)`` makes, all together or not at all.

    ``write`` fills a hidden folder beside ``target``, which then takes ``target``'s place in one
    step; an earlier set there (only files ``ours`` claims: anything else is refused, exit 2) is
    deleted after. On an error or an interrupt ``target`` is as it was. Returns what ``write`` returns.
    """
    target = Path(target)
    check_output_folder(target, ours, field)  # again: the folder may have changed during a long run
    with writing(target, field):
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent))
    try:
        with writing(target, field):
            os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700; a results folder is an ordinary one
            result = write(staging)
            _put_in_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # the new set if it failed, else the earlier set
    return result


def _put_in_place(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; an earlier set there ends up at ``staging`` or is deleted."""
    if not target.exists() or not any(target.iterdir()):
        os.replace(staging, target)  # an empty folder is replaced in one step too
    elif not _exchange(staging, target):  # where the system cannot swap two folders in one step
        aside = staging.with_name(staging.name.removesuffix(".part") + ".old.part")
        os.rename(target, aside)
        try:
            os.rename(staging, target)
        except BaseException:
            os.rename(aside, target)
            raise
        shutil.rmtree(aside, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False where the
    system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_cwd, rename_exchange = -100, 2
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove_abandoned(target: Path) -> None:
    """Delete hidden folders left beside ``target`` by a writer that was killed (its process gone)."""
    if os.name != "posix":  # os.kill(pid, 0) tests a process only on POSIX
        return
    for path in target.parent.glob(f".{target.name}.*.part"):
        pid = path.name[len(target.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
