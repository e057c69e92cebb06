"""``mashsim brief``'s work: the five sections composed from the library, and the folder written.

The folder holds ``brief.html`` (self-contained: charts embedded), the charts as PNG,
``figures.json`` (every figure with the command that reproduces it and the value it gave) and
``brief.pdf`` where Debian's chromium is installed to print the page. The files are written
together (:func:`mashsim.atomic.write_folder`): interrupted, nothing is left half-written.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from mashsim._version import __version__
from mashsim.atomic import write_folder
from mashsim.report.brief_figures import Book, Settings
from mashsim.report.brief_sections import Context, Section, Tick
from mashsim.scenario.load import scenario_hash
from mashsim.scenario.schema import Scenario

PAGE, PDF, FIGURES = "brief.html", "brief.pdf", "figures.json"
CHARTS = ("now.png", "hubs.png", "staffing.png", "per_fte.png", "voi.png")
CHROMIUM = Path("/usr/bin/chromium")
PRINT_SECONDS = 120  # printing a page of a few charts takes seconds; a hung browser must not hang the brief


def is_brief_file(name: str) -> bool:
    """Whether a file of that name is one a brief writes (and may replace)."""
    return name in (PAGE, PDF, FIGURES, *CHARTS)


@dataclass
class Brief:
    meta: dict[str, Any]
    sections: list[Section]
    book: Book


def make_brief(settings: Settings, base: Scenario, *, executor: Any = None, slots: int = 1,
               tick: Tick | None = None) -> Brief:
    """Run every section's work for ``base`` (the scenario with ``settings.overrides`` applied)."""
    from mashsim.report.brief_basis import basis, measure_next
    from mashsim.report.brief_fte import per_fte
    from mashsim.report.brief_sections import performance
    from mashsim.report.brief_staffing import staffing

    ctx = Context(settings, base, Book(), executor, slots, tick)
    now, run = performance(ctx)
    search, _ = staffing(ctx)
    sections = [now, search, per_fte(ctx), basis(ctx, run), measure_next(ctx)]
    meta = {"scenario": {"name": base.name, "hash": scenario_hash(base)}, "description": base.description,
            "seed": settings.seed, "mashsim_version": __version__,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "horizon_days": base.run.horizon_days, "warmup_days": base.run.warmup_days,
            "focus_hub": ctx.focus, "settings": settings.to_dict()}
    return Brief(meta, sections, ctx.book)


def figures_json(brief: Brief) -> dict[str, Any]:
    return {**brief.meta, "confidence_level": 0.95,
            "how_to_check": "run a figure's command; its JSON output holds the figure's value at json_path",
            "figures": brief.book.to_list(), "charts": brief.book.charts}


def write_brief(brief: Brief, out: Path, pdf: bool = True) -> tuple[list[str], str | None]:
    """Write the folder; the files written and a note on the PDF (None when it was printed)."""
    from mashsim.report.brief_html import render

    notes: list[str | None] = [None]

    def write(folder: Path) -> list[str]:
        names = []
        for section in brief.sections:
            for chart in section.charts:
                chart.draw(folder / chart.file)
                names.append(chart.file)
        (folder / PAGE).write_text(render(brief.meta, brief.sections, folder), encoding="utf-8")
        (folder / FIGURES).write_text(json.dumps(figures_json(brief), indent=2, default=str) + "\n")
        notes[0] = print_pdf(folder / PAGE, folder / PDF) if pdf else "PDF not asked for"
        return [PAGE, FIGURES, *names, *([] if notes[0] else [PDF])]

    written = write_folder(out, write, is_brief_file)
    return written, notes[0]


def print_pdf(page: Path, pdf: Path, browser: Path = CHROMIUM,
              run: Callable[..., Any] = subprocess.run) -> str | None:
    """Print ``page`` to ``pdf`` with headless chromium; None when done, else why not (the brief is
    whole without it)."""
    if not browser.exists():
        return f"no PDF: {browser} is not installed (apt-get install chromium); the HTML page is complete"
    profile = tempfile.mkdtemp(prefix="mashsim-brief-")  # its own profile: never a user's open browser
    try:
        done = run([str(browser), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", page.resolve().as_uri()],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=PRINT_SECONDS,
                   env={**os.environ, "HOME": profile})
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"no PDF: chromium failed ({error})"
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if done.returncode != 0 or not pdf.exists():
        pdf.unlink(missing_ok=True)
        return f"no PDF: chromium exited with {done.returncode}"
    return None
