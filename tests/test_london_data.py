"""The London scenarios' child populations: the ONS extract, the borough table and the TOML files agree."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import mashsim

DATA = Path(__file__).resolve().parents[1] / "scenarios" / "data"
_spec = importlib.util.spec_from_file_location("make_london", DATA / "make_london.py")
make_london = importlib.util.module_from_spec(_spec)
sys.modules["make_london"] = make_london  # a dataclass looks its module up while it is built
_spec.loader.exec_module(make_london)

ROLES = ("contact_officers", "screeners", "managers")


def table_rows() -> list[dict[str, str]]:
    with (DATA / "london-boroughs.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_extract_adds_up_to_the_published_london_row():
    # A mistyped figure would break one of these 19 sums: the region row is ONS's own total.
    extract = make_london.read_extract()
    _, geography, london_all, london_ages = extract.pop("LONDON")
    assert geography == "Region" and london_all == 8_945_309
    assert len(extract) == 33 and {row[1] for row in extract.values()} == {"London Borough"}
    assert sum(row[2] for row in extract.values()) == london_all
    for age in range(18):
        assert sum(row[3][age] for row in extract.values()) == london_ages[age], f"age {age}"


def test_the_generated_files_are_up_to_date():
    stale = [path.name for path, text in make_london.generated().items() if path.read_text() != text]
    assert not stale, f"run python scenarios/data/make_london.py ({', '.join(stale)} out of date)"


def test_the_table_is_sourced_and_sums_the_ages_0_to_17():
    extract = make_london.read_extract()
    rows = table_rows()
    assert len(rows) == 33 and sum(1 for r in rows if r["hub"]) == 32
    for row in rows:
        assert int(row["children_0_17"]) == sum(extract[row["borough"]][3])
        assert row["tag"] == "S" and row["source"].startswith("ONS") and row["year"] == "mid-2023"
    assert sum(int(r["children_0_17"]) for r in rows if r["hub"]) == 1_899_238


def test_london_wide_follows_the_table_and_the_staffing_rule():
    # Checked on the loaded scenarios, independently of the script's own arithmetic.
    default = mashsim.load_scenario("london-borough")
    wide = mashsim.load_scenario("london-wide")
    pooled = mashsim.load_scenario("london-pooled")
    hubs = {r["hub"]: int(r["children_0_17"]) for r in table_rows() if r["hub"]}
    assert set(wide.hubs) == set(hubs) == set(pooled.hubs)
    for name, hub in wide.hubs.items():
        scale = hub.arrivals.scale
        assert scale == pytest.approx(hubs[name] / 57_000, abs=0.0005), name
        staffed = [(getattr(hub.roles, r).staff, getattr(default.roles, r).staff) for r in ROLES]
        staffed += [(hub.agencies[a].staff, default.agencies[a].staff) for a in default.agencies]
        for staff, base in staffed:
            assert staff >= 0.5 and (staff * 2) == int(staff * 2), name
            assert abs(staff - base * scale) <= 0.25 + 1e-9 or staff == 0.5, name
        assert hub.agencies["police"].out_of_hours_staff == default.agencies["police"].out_of_hours_staff
    police = sum(h.agencies["police"].staff for h in wide.hubs.values())
    assert pooled.pools["met_police"].staff == police == 101
    contacts = 13_000 * sum(h.arrivals.scale for h in wide.hubs.values())
    assert 430_000 < contacts < 436_000  # the "about 433,000" quoted in the header and docs


@given(st.floats(min_value=0, max_value=50, allow_nan=False))
def test_staff_rounds_to_the_nearest_half_and_never_below_one_half(value):
    staff = make_london.round_staff(value)
    assert staff >= 0.5 and staff * 2 == int(staff * 2)
    assert abs(staff - value) <= 0.25 or (staff == 0.5 and value < 0.25)


def test_halves_round_up():
    assert [make_london.round_staff(x) for x in (0.75, 1.25, 2.249, 2.25)] == [1.0, 1.5, 2.0, 2.5]


def test_the_pooled_file_must_have_exactly_one_staff_line():
    text = 'staff = { value = 100, tag = "D" }\n'
    assert make_london.pooled_text(text, 101.5) == 'staff = { value = 101.5, tag = "D" }\n'
    with pytest.raises(ValueError, match="found 2"):
        make_london.pooled_text(text * 2, 101)


def test_check_mode_names_a_stale_file_and_writes_nothing(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "london-boroughs.csv"
    stale.write_text("old\n")
    monkeypatch.setattr(make_london, "generated", lambda: {stale: "new\n"})
    monkeypatch.setattr(make_london, "SCENARIOS", tmp_path / "scenarios")
    assert make_london.main(["--check"]) == 1
    assert stale.read_text() == "old\n" and "london-boroughs.csv: out of date" in capsys.readouterr().out
    assert make_london.main([]) == 0 and stale.read_text() == "new\n"
