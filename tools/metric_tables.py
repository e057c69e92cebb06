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

from mashsim.metrics.catalogue import SECTIONS, markdown  # noqa: E402  (after the path is set)

REFERENCE = ROOT / "docs" / "reference.md"
START = "<!-- metric table: {} (written by tools/metric_tables.py from the catalogue) -->"
END = "<!-- end metric table -->"


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
