"""``mashsim report``: tables, charts and an HTML page from a sweep's results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from mashsim.commands.common import EXIT_OK, non_negative_int

NAME = "report"
HELP = "tables (CSV), charts (PNG) and an HTML report from a sweep's results folder"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", type=Path, help="a results folder written by `mashsim sweep`")
    parser.add_argument("--metric", action="append", default=[], metavar="M",
                        help="a metric to report, e.g. rag_breach_rate.red (repeatable; default: missed signals, "
                             "RAG breaches and delays by RAG, utilisation of every role)")
    parser.add_argument("--compare", nargs=2, action="append", default=[], type=compare_side,
                        metavar=("A", "B"), help="also report the paired difference B minus A: of two design points "
                                                 "(3 0), or of two values of one factor at every level of the others "
                                                 "(scenario=london-wide scenario=london-pooled); repeatable")
    parser.add_argument("--out", type=Path, metavar="DIR2", help="write the report here (default: DIR/report)")


def compare_side(text: str) -> int | str:
    """A side of ``--compare``: a design point's number, or ``FACTOR=VALUE``."""
    if "=" in text:
        factor, _, value = text.partition("=")
        if not factor or not value:
            raise argparse.ArgumentTypeError(f"write FACTOR=VALUE, e.g. scenario=london-pooled (got {text})")
        return text
    try:
        return non_negative_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"a design point (0, 1, ...) or FACTOR=VALUE (got {text})") from None


def run(args: argparse.Namespace) -> int:
    from rich.text import Text

    from mashsim.report.analysis import analyse
    from mashsim.report.sweep_data import load_sweep
    from mashsim.report.sweep_table import differences_table, sweep_table
    from mashsim.report.terminal import console as Console  # markup off: user text shown as it is
    from mashsim.report.writer import PAGE, check_report_folder, write_report

    data = load_sweep(args.folder)
    out = args.out if args.out is not None else args.folder / "report"
    check_report_folder(out)
    report = analyse(data, args.metric, [tuple(pair) for pair in args.compare])
    written = write_report(report, out)
    console = Console()
    console.print(sweep_table(report))
    differences = differences_table(report)
    if differences is not None:
        console.print(differences)
    for note in report.notes:
        console.print(Text.assemble(("note:", "yellow"), " ", note))
    console.print(f"wrote {out / PAGE} and {len(written) - 1} more file(s) in {out}")
    return EXIT_OK
