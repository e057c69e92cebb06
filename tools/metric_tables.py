"""Write the reference's metric tables (docs/reference.md) from the metric catalogue.

Each table sits between a start marker naming its section of ``mashsim.metrics.catalogue`` and an
end marker; everything between them is replaced, the prose around them is left alone. A test
(tests/test_metric_catalogue.py) fails when the doc is out of date.

    python tools/metric_tables.py           # rewrite the tables in docs/reference.md
    python tools/metric_tables.py --check   # exit 1 if they are out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mashsim.metrics.catalogue import AXES, FAMILIES, HEADLINE_SECTION, POLICE_FAMILIES, Family  # noqa: E402

REFERENCE = ROOT / "docs" / "reference.md"
START = "<!-- metric table: {} (written by tools/metric_tables.py from the catalogue) -->"
END = "<!-- end metric table -->"
# the catalogue's sections, the headline first: each has its table in the reference
SECTIONS = tuple(dict.fromkeys((HEADLINE_SECTION, *(f.section for f in (*FAMILIES, *POLICE_FAMILIES)))))


def markdown(section: str) -> str:
    """The reference's table of one section's metrics: name pattern, unit, definition."""
    lines = ["| metric | unit | definition |", "|---|---|---|"]
    for family in (f for f in (*FAMILIES, *POLICE_FAMILIES) if f.section == section):
        if isinstance(family.definition, str):
            patterns = ", ".join(f"`{_pattern(family, b)}`" for b in family.breakdowns)
            lines.append(f"| {patterns} | {family.unit} | {family.definition} |")
        else:
            lines += [f"| `{_pattern(family, b)}` | {family.unit} | {text} |"
                      for b, text in zip(family.breakdowns, family.definition)]
    return "\n".join(lines) + "\n"


def _pattern(family: Family, breakdown: tuple[str, ...]) -> str:
    """``rag_breach_rate.by_rag.<rag>``: a breakdown's names as a pattern."""
    parts = [family.stem]
    for key in breakdown:
        axis = AXES[key]
        placeholder = f"<{key.removeprefix('researched_')}>"
        parts += [axis.word, placeholder] if axis.word else [placeholder]
    return ".".join(parts)


def updated(text: str) -> str:
    """``text`` with every marked table rewritten from the catalogue; a section of the catalogue
    with no table in the text is an error (every metric must be documented)."""
    for section in SECTIONS:
        start = START.format(section)
        pattern = re.compile(re.escape(start) + r"\n.*?" + re.escape(END), re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"metric_tables: {REFERENCE.name} has no table marked {start!r}")
        text = pattern.sub(lambda _: f"{start}\n{markdown(section)}{END}", text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the tables are up to date")
    args = parser.parse_args(argv)
    text = REFERENCE.read_text()
    new = updated(text)
    if args.check:
        print("up to date" if new == text else f"{REFERENCE.name}: the metric tables are out of date; "
              "run python tools/metric_tables.py")
        return 0 if new == text else 1
    if new != text:
        REFERENCE.write_text(new)
    print(f"{REFERENCE.name}: {'rewritten' if new != text else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
