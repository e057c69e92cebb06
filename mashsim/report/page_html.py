"""The skeleton of a self-contained HTML page that a trainer saves, prints or hands out: one style,
tables, embedded PNG images, a small markdown reader for case traces, and printing to PDF.

Shared by the run page (:mod:`mashsim.report.run_page`) and the tabletop debrief
(:mod:`mashsim.app.tabletop_debrief`), so both look alike and neither keeps its own copy. No
scripts and no external files: the page opens the same offline, in a mail attachment, or printed.
"""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

CHROMIUM = "/usr/bin/chromium"

# Scoped to the page's own block (``.mashsim-page``): the dashboard shows the debrief inline, and
# must keep its own style.
STYLE = """
.mashsim-page { font-family: system-ui, sans-serif; color: #222; max-width: 1100px; margin: 1.5em auto;
  padding: 0 1em; line-height: 1.4; }
.mashsim-page h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.mashsim-page h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
.mashsim-page table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
.mashsim-page th, .mashsim-page td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left;
  vertical-align: top; }
.mashsim-page th { background: #f3f3f3; }
.mashsim-page small, .mashsim-page .meta { color: #555; }
.mashsim-page img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
.mashsim-page .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(15em, 1fr)); gap: 0.6em; }
.mashsim-page .figure { border: 1px solid #ddd; border-radius: 6px; padding: 0.5em 0.7em; break-inside: avoid; }
.mashsim-page .figure .value { font-size: 1.7em; font-weight: 600; }
.mashsim-page .better { color: #1b7f3b; } .mashsim-page .worse { color: #b22222; }
.mashsim-page .unclear { color: #666; }
.mashsim-page .note { background: #fff6dd; padding: 0.5em 1em; border-left: 4px solid #e0b000; }
.mashsim-page .case { border: 1px solid #ddd; padding: 0 1em; margin: 1em 0; break-inside: avoid; }
@media print { .mashsim-page { max-width: none; margin: 0; } .mashsim-page h2 { break-after: avoid; } }
"""


def e(value: Any) -> str:
    """Text escaped for HTML."""
    return html.escape(str(value))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A table of plain text (every cell escaped)."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def records_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """A table of dicts, their keys as the header; "None." when there are no rows."""
    if not rows:
        return "<p>None.</p>"
    return table(list(rows[0]), [list(r.values()) for r in rows])


def image(title: str, png: bytes) -> str:
    """A PNG embedded in the page, with its title."""
    data = base64.b64encode(png).decode("ascii")
    return f'<h3>{e(title)}</h3><img alt="{e(title)}" src="data:image/png;base64,{data}">'


def document(title: str, parts: Iterable[str]) -> str:
    """The whole page: ``parts`` (HTML already made safe) inside the shared style."""
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
            f"<style>{STYLE}</style></head><body><div class='mashsim-page'>\n" + "\n".join(parts)
            + "\n</div></body></html>\n")


_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<b>\1</b>", e(_ESCAPED.sub(r"\1", text)))


def markdown(text: str, top: int = 3) -> str:
    """The markdown a case trace is written in (headings, ``|`` tables, ``-`` lists, paragraphs) as
    HTML; a ``#`` heading becomes ``<h{top}>``. Anything else is kept as text, escaped."""
    out: list[str] = []
    rows: list[list[str]] = []
    items: list[str] = []

    def flush() -> None:
        if rows:
            body = [r for r in rows if not all(set(c.strip()) <= set("-:") for c in r)]
            out.append("<table>" + "".join("<tr>" + "".join(f"<td>{_inline(c.strip())}</td>" for c in r)
                                           + "</tr>" for r in body if any(c.strip() for c in r)) + "</table>")
            rows.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            if items:
                flush()
            rows.append(stripped.strip("|").split("|"))
            continue
        if stripped.startswith("- "):
            if rows:
                flush()
            items.append(stripped[2:])
            continue
        flush()
        if stripped.startswith("#"):
            level = min(len(stripped) - len(stripped.lstrip("#")) + top - 1, 6)
            out.append(f"<h{level}>{_inline(stripped.lstrip('#').strip())}</h{level}>")
        elif stripped:
            out.append(f"<p>{_inline(stripped)}</p>")
    flush()
    return "\n".join(out)


def to_pdf(page: str, chromium: str = CHROMIUM) -> bytes | None:
    """The page printed to PDF by headless chromium; None where chromium is not installed (or fails)."""
    if shutil.which(chromium) is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        source.write_text(page, encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--print-to-pdf={out}", source.as_uri()], capture_output=True, timeout=120, check=False)
        return out.read_bytes() if out.exists() else None


def pdf_missing_reason(chromium: str = CHROMIUM) -> str | None:
    """Why a PDF cannot be made on this server (None when it can): said beside the button."""
    if shutil.which(chromium) is None:
        return (f"PDF needs chromium at {chromium}, which this server does not have: download the page "
                "(HTML) and print it to PDF from the browser.")
    return None
