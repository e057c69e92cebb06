"""``mashsim check-model``: verify the model against queueing theory, Ciw and extreme values, compare the
default scenario with published figures, and write docs/validation.md.

Exit 0 when every check passes, 1 when any fails; the document is written in both cases and names the
failures.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mashsim.commands.common import EXIT_OK, positive_int, seed_option

NAME = "check-model"
HELP = "verify the model against theory and an independent simulator; write docs/validation.md"
EXIT_FAILED = 1
DEFAULT_OUT = Path("docs") / "validation.md"
DEFAULT_FAST_OUT = Path("docs") / "validation-fast.md"  # a quick run must not overwrite the full document


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fast", action="store_true",
                        help="a subset for CI (seconds): no calibration, no warm-up or replications analysis")
    parser.add_argument("--out", type=Path, default=None, metavar="FILE",
                        help=f"where to write the document (default: {DEFAULT_OUT}, or {DEFAULT_FAST_OUT} with "
                             "--fast); its plot goes in img/ beside it")
    parser.add_argument("--seed", type=seed_option, default=2024,
                        help="base seed of the checks (default: 2024; the default scenario keeps its own seed)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="processes to use (default: every core); results do not depend on it")


def run(args: argparse.Namespace) -> int:
    from mashsim.atomic import check_output_file, writing
    from mashsim.commands.common import Progress
    from mashsim.report.terminal import console as Console  # markup off: user text shown as it is
    from mashsim.validation.document import write_document
    from mashsim.validation.table import results_table
    from mashsim.validation.suite import Options, plan, run_all

    out = args.out or (DEFAULT_FAST_OUT if args.fast else DEFAULT_OUT)
    check_output_file(out, "--out", "give a file name such as docs/validation.md")  # before the checks
    options = Options(fast=args.fast, seed=args.seed, workers=args.workers)
    err = Console(stderr=True)
    bar = Progress(err, len(plan(options)), "checks") if err.is_terminal else None

    def progress(done: int, total: int, label: str) -> None:
        if bar:
            bar.update(done, total, label)
        else:
            err.print(f"[{done}/{total}] {label}", highlight=False)

    try:
        report = run_all(options, progress)
    finally:
        if bar:
            bar.stop()
    Console().print(results_table(report))
    with writing(out, "--out"):
        written = write_document(report, out)
    for path in written:
        err.print(f"wrote {path}", highlight=False)
    return EXIT_OK if report.passed else EXIT_FAILED
