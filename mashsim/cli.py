"""The ``mashsim`` command line: builds the parser from :mod:`mashsim.commands` and maps errors to
exit codes. No model logic here.

Exit codes: 0 success, 1 the operating system refused a file operation (e.g. writing to a full
standard output), 2 bad input (with every problem listed; an output that cannot be written is
bad input too, and names its option and path), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from mashsim._version import __version__
from mashsim.commands import MODULES
from mashsim.compiled import current
from mashsim.commands.common import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK
from mashsim.commands.helptext import PlainHelpFormatter
from mashsim.scenario import ScenarioError


def _parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(
        prog="mashsim",
        description="Simulate a Multi-Agency Safeguarding Hub: missed signals, delays and staffing.",
        epilog="SCENARIO is a TOML file or the name of a shipped scenario (e.g. london-borough).",
        formatter_class=PlainHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mashsim {__version__}, {current()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    handlers = {}
    for name in MODULES:
        module = importlib.import_module(f"mashsim.commands.{name}")
        module.add_arguments(sub.add_parser(module.NAME, help=module.HELP, description=module.__doc__,
                                            formatter_class=PlainHelpFormatter))
        handlers[module.NAME] = module.run
    return parser, handlers


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    try:
        return handlers[args.command](args)
    except ScenarioError as error:
        print(error.report(), file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        # the reader (e.g. `| head`) went away: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again
        return EXIT_OK
    except OSError as error:
        print(f"mashsim: {error.strerror or error}" + (f": {error.filename}" if error.filename else ""),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: no file was left half-written; outputs are written whole when the work is done, "
              "so nothing of this run was written", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
