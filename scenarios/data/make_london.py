"""Regenerate the London scenarios' borough figures from the ONS child populations in this folder.

    python scenarios/data/make_london.py          # rewrite london-boroughs.csv and the two TOML files
    python scenarios/data/make_london.py --check  # exit 1, naming the stale files, if any is out of date

Reads ``ons-mye2-mid2023-london.csv`` (an extract of ONS MYE2, ages 0-17, see README.md) and
``../london-borough.toml`` (the default borough's staff), and writes:

* ``london-boroughs.csv``: one row per borough, its children aged 0-17, year, source and tag;
* the ``[hubs.<borough>]`` tables of ``../london-wide.toml`` (scale, children, staff) (everything from the first one to the
  end of the file; the header above them is left as it is);
* ``pools.met_police.staff`` in ``../london-pooled.toml``: the sum of the boroughs' police desks.

The rules (also in london-wide.toml's header): scale = children / 57,000 (the default borough's),
to 3 decimals; each role's and desk's staff = the default's x scale, rounded to the nearest 0.5 FTE
(halves up), at least 0.5. The City of London is left out (its children's services are run with
Hackney's).
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent
EXTRACT = HERE / "ons-mye2-mid2023-london.csv"
TABLE = HERE / "london-boroughs.csv"
DEFAULT = SCENARIOS / "london-borough.toml"
WIDE = SCENARIOS / "london-wide.toml"
POOLED = SCENARIOS / "london-pooled.toml"

DEFAULT_CHILDREN = 57_000  # the default borough's children aged 0-17 (london-borough.toml's header)
DEFAULT_CONTACTS = 13_000  # the default borough's contacts a year
YEAR = "mid-2023"
SOURCE = ("ONS, Estimates of the population for England and Wales, mid-2023 (2023 local authority "
          "boundaries), table MYE2 Persons, ages 0-17 summed")
LEFT_OUT = {"City of London": "served with Hackney; not a hub"}
TABLE_COLUMNS = ["borough", "hub", "code", "children_0_17", "year", "source", "tag", "note"]


@dataclass(frozen=True)
class Borough:
    """One London borough's children aged 0-17 and where the figure comes from."""

    name: str
    code: str
    children: int
    year: str = YEAR
    source: str = SOURCE
    tag: str = "S"

    @property
    def hub(self) -> str:
        """The hub's name in the scenario files: ``Kingston upon Thames`` -> ``kingston_upon_thames``."""
        return self.name.lower().replace(" ", "_")

    @property
    def scale(self) -> float:
        """Children over the default borough's, to 3 decimals (as written in london-wide.toml)."""
        return round(self.children / DEFAULT_CHILDREN, 3)


def read_extract(path: Path = EXTRACT) -> dict[str, list]:
    """The extract's rows by name: ``[code, geography, all_ages, [age 0, ..., age 17]]``."""
    with path.open(newline="") as handle:
        return {row["name"]: [row["code"], row["geography"], int(row["all_ages"]),
                              [int(row[f"age_{a}"]) for a in range(18)]]
                for row in csv.DictReader(handle)}


def boroughs(extract: dict[str, list] | None = None) -> list[Borough]:
    """All 33 London local authorities (the 32 boroughs and the City), alphabetically."""
    rows = read_extract() if extract is None else extract
    return sorted((Borough(name, code, sum(ages)) for name, (code, geography, _, ages) in rows.items()
                   if geography == "London Borough"), key=lambda b: b.name)


def hubs(all_boroughs: list[Borough]) -> list[Borough]:
    """The boroughs that are hubs in london-wide (all but the City of London)."""
    return [b for b in all_boroughs if b.name not in LEFT_OUT]


def round_staff(value: float) -> float:
    """To the nearest 0.5 FTE, halves up, at least 0.5."""
    return max(0.5, math.floor(value * 2 + 0.5) / 2)


def default_staff(path: Path = DEFAULT) -> dict[str, dict[str, float]]:
    """The default borough's staff: ``{"roles": {name: FTE}, "agencies": {name: FTE}}``, in file order."""
    raw = tomllib.loads(path.read_text())

    def plain(value):
        return value["value"] if isinstance(value, dict) else value
    return {kind: {name: plain(table["staff"]) for name, table in raw[kind].items()}
            for kind in ("roles", "agencies")}


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def hub_table(borough: Borough, staff: dict[str, dict[str, float]]) -> str:
    """The ``[hubs.<borough>]`` table for one borough."""
    note = f"{borough.children:,} children aged 0-17 / {DEFAULT_CHILDREN:,}"
    source = f"ONS MYE2 {borough.year}, ages 0-17 (scenarios/data/london-boroughs.csv)"
    lines = [f"[hubs.{borough.hub}]",
             f'arrivals.scale = {{ value = {borough.scale:.3f}, tag = "D", source = "{source}", '
             f'note = "{note}" }}',
             f'children.population = {{ value = {borough.children}, tag = "S", source = "{source}" }}']
    for kind in ("roles", "agencies"):
        cells = ", ".join(f"{name}.staff = {_number(round_staff(fte * borough.scale))}"
                          for name, fte in staff[kind].items())
        lines.append(f"{kind} = {{ {cells} }}")
    return "\n".join(lines) + "\n"


def police_total(hub_boroughs: list[Borough], staff: dict[str, dict[str, float]]) -> float:
    """The sum of the boroughs' police desks: the pan-London team's staff in london-pooled."""
    return sum(round_staff(staff["agencies"]["police"] * b.scale) for b in hub_boroughs)


def table_text(all_boroughs: list[Borough]) -> str:
    """london-boroughs.csv's text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    for b in all_boroughs:
        writer.writerow([b.name, "" if b.name in LEFT_OUT else b.hub, b.code, b.children, b.year,
                         b.source, b.tag, LEFT_OUT.get(b.name, "")])
    return out.getvalue()


_FIRST_HUB = re.compile(r"^\[hubs\.", re.MULTILINE)  # a table, not the header's mention of one


def wide_text(current: str, hub_boroughs: list[Borough], staff: dict[str, dict[str, float]]) -> str:
    """london-wide.toml with its ``[hubs.*]`` tables regenerated (the header kept as it is)."""
    first = _FIRST_HUB.search(current)
    head = current[:first.start()] if first else current.rstrip("\n") + "\n\n"
    return head + "\n".join(hub_table(b, staff) for b in hub_boroughs)


_POOL_STAFF = re.compile(r"^(staff = \{ value = )([0-9.]+)(,.*)$", re.MULTILINE)


def pooled_text(current: str, total: float) -> str:
    """london-pooled.toml with ``pools.met_police.staff`` set to ``total``."""
    new, count = _POOL_STAFF.subn(lambda m: f"{m.group(1)}{_number(total)}{m.group(3)}", current)
    if count != 1:
        raise ValueError(f"{POOLED}: expected one 'staff = {{ value = ... }}' line, found {count}")
    return new


def generated() -> dict[Path, str]:
    """Every file this script writes, with the text it should hold now."""
    all_boroughs = boroughs()
    hub_boroughs = hubs(all_boroughs)
    staff = default_staff()
    return {TABLE: table_text(all_boroughs),
            WIDE: wide_text(WIDE.read_text(), hub_boroughs, staff),
            POOLED: pooled_text(POOLED.read_text(), police_total(hub_boroughs, staff))}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in generated().items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not check:
            temp = path.with_suffix(path.suffix + ".tmp")
            temp.write_text(text)
            temp.replace(path)  # never leave a half-written scenario
    verb = "out of date" if check else "rewritten"
    for path in stale:
        print(f"{path.relative_to(SCENARIOS.parent)}: {verb}")
    hub_boroughs = hubs(boroughs())
    children = sum(b.children for b in hub_boroughs)
    contacts = sum(b.scale for b in hub_boroughs) * DEFAULT_CONTACTS
    print(f"{len(hub_boroughs)} hubs, {children:,} children aged 0-17, about {contacts:,.0f} contacts a year; "
          f"pooled police staff {_number(police_total(hub_boroughs, default_staff()))} FTE")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
