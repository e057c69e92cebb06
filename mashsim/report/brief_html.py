"""The brief as one self-contained HTML page: a first page with what it is about and how it was made,
then each section with its text, tables, charts (embedded PNG) and the commands behind its figures.
Printed (``brief.pdf``), each section starts on a new page."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any, Sequence

from mashsim.report.brief_sections import Section
from mashsim.report.html import STYLE

PRINT = """
.first { border: 1px solid #ccc; padding: 0.5em 1.5em; margin-bottom: 2em; }
.quick { background: #fde2e2; border-left: 6px solid #c0392b; padding: 0.6em 1em; font-weight: bold; }
.flag { background: #fff1e6; border-left: 4px solid #e76f51; padding: 0.4em 1em; font-weight: bold; }
.commands code { display: block; white-space: pre-wrap; margin: 0.2em 0; font-size: 0.8em; }
.small { color: #555; font-size: 0.85em; }
@media print { section { break-before: page; } body { margin: 0; max-width: none; } img { max-height: 60vh; } }
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _text(text: str) -> str:
    """Plain text with `code` spans."""
    parts = _e(text).split("`")
    return "".join(f"<code>{p}</code>" if k % 2 else p for k, p in enumerate(parts))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f'<th{" class=text" if k == 0 else ""}>{_e(h)}</th>' for k, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td{" class=text" if k == 0 else ""}>{_e(c)}</td>' for k, c in enumerate(row))
                   + "</tr>" for row in rows)
    return f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>'


def _image(title: str, path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="{_e(title)}" src="data:image/png;base64,{data}"><figcaption class="small">' \
           f'{_e(title)}</figcaption></figure>'


def first_page(meta: dict[str, Any]) -> str:
    """Scenario, seed, version, date and settings; the warning that a quick brief is not for decisions."""
    s = meta["settings"]
    items = {
        "scenario": f"{meta['scenario']['name']} (scenario {meta['scenario']['hash']})",
        "seed": s["seed"],
        "mashsim version": meta["mashsim_version"],
        "date": meta["date"],
        "window": f"{meta['horizon_days']:g} days after {meta['warmup_days']:g} days' warm-up",
        "replications": f"{s['replications']} for section 1{' per ensemble member' if s['ensemble'] else ''}; "
                        f"{s['staff_replications']} to {s['staff_cap']} a mix in the staffing search; "
                        f"{s['compare_replications']} a desk for section 3",
        "budget": "not given" if s["budget"] is None else f"£{s['budget']:,.0f} a year",
        "ensemble": s["ensemble"] or "none (the scenario's own figures)",
    }
    quick = ('<p class="quick">QUICK: short horizon, few replications — not for decisions.</p>'
             if s["quick"] else "")
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items.items())
    return (f'<div class="first"><h1>Brief for the committee: {_e(meta["scenario"]["name"])}</h1>{quick}'
            f"<p>{_e(meta['description'])}</p><dl>{rows}</dl>"
            '<p class="small">Every figure below was made by a mashsim command shown under its section; '
            "figures.json beside this page lists each figure with the command that reproduces it and the value "
            "it gave. Intervals are 95% confidence intervals over replications.</p></div>")


def render(meta: dict[str, Any], sections: Sequence[Section], folder: Path) -> str:
    """The page; the charts are read from ``folder`` and embedded."""
    parts = [first_page(meta)]
    contents = "".join(f"<li>{s.number}. {_e(s.title)}</li>" for s in sections)
    parts.append(f"<ol class=small style='list-style: none'>{contents}</ol>")
    for s in sections:
        body = [f"<h2>{s.number}. {_e(s.title)}</h2>"]
        body += [f'<p class="flag">{_text(flag)}</p>' for flag in s.flags]
        body += [f"<p>{_text(p)}</p>" for p in s.paragraphs]
        body += [_table(headers, rows) for headers, rows in s.tables]
        body += [_image(chart.title, folder / chart.file) for chart in s.charts]
        body += [f'<p class="small">{_text(note)}</p>' for note in s.notes]
        if s.commands:
            shown = "".join(f"<code>{_e(c)}</code>" for c in s.commands)
            body.append(f'<div class="commands small"><p>Reproduce these figures with:</p>{shown}</div>')
        parts.append(f"<section>{''.join(body)}</section>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Brief: {_e(meta['scenario']['name'])}</title><style>{STYLE}{PRINT}</style></head>"
            f"<body>{''.join(parts)}</body></html>")
