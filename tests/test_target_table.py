"""The target table, calibration/targets.toml: declared once, read by ``mashsim calibrate`` and by the
validation report (``mashsim check-model``), shipped by name, and refused clearly when it is wrong.

Each bad file is the shipped table with one edit, so the test follows the table as it changes.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from mashsim.cli import main
from mashsim.history_matching import prepare
from mashsim.history_matching.targets import read_targets_file
from mashsim.scenario.errors import ScenarioError
from mashsim.scenario.shipped import CALIBRATION, folder
from mashsim.validation.calibration import TARGETS, load_targets
from support import REPO

TABLE = REPO / "calibration" / "targets.toml"


def test_the_validation_targets_are_the_tables():
    specs = read_targets_file(TABLE).targets
    assert [t.name for t in TARGETS] == [s.name for s in specs]
    assert [(t.low, t.high) for t in TARGETS] == [(s.low, s.high) for s in specs]
    assert [t.point for t in TARGETS] == [s.point for s in specs]
    assert [(t.use, t.unit, t.calibrated) for t in TARGETS] == [(s.use, s.unit, s.calibrated) for s in specs]
    assert [t.figure.text for t in TARGETS] == [s.metric for s in specs]
    # what the report shows is there for every figure, and a tuned figure says what was tuned
    for t in TARGETS:
        assert t.title and t.published and t.model_figure and t.driver, t.name
        assert (t.calibrated is not None) == (t.use == "calibrate"), t.name


def test_the_table_is_the_shipped_one_and_calibrate_finds_it_by_name_from_any_folder(tmp_path, monkeypatch):
    assert folder(CALIBRATION) == REPO / "calibration"
    by_path = prepare(TABLE)  # every parameter's range is accepted by the scenario at both ends
    monkeypatch.chdir(tmp_path)
    by_name = prepare("targets")
    assert Path(by_name.source) == TABLE
    assert [t.name for t in by_name.targets] == [t.name for t in by_path.targets] == [t.name for t in TARGETS]
    assert [(p.path, p.low, p.high) for p in by_name.parameters] == \
        [(p.path, p.low, p.high) for p in by_path.parameters]
    assert [t.spec for t in load_targets("targets.toml")] == [t.spec for t in load_targets(TABLE)]


def test_a_misspelt_shipped_name_is_refused_with_a_suggestion(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", "london-borough", "targts", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "nor a shipped targets file of that name" in err and "did you mean targets?" in err
    assert not (tmp_path / "out").exists()


# (edit of the shipped table, the field named, words the message must hold)
BAD = {
    "unknown metric in an expression": (
        ('"outcome_share.by_outcome.s47 / referral_rate"', '"outcome_share.by_outcome.s47 / referal_rate"'),
        "targets.3.metric", "did you mean referral_rate"),
    "low above high": (("low = 1.25\nhigh = 1.5", "low = 1.5\nhigh = 1.25"), "targets.0.high", "need low < high"),
    "missing source": (
        ('source = "ADCS Safeguarding Pressures (contacts) and DfE Characteristics of children in need (referrals), '
         'England [D]"\n', ""), "targets.2.source", "required field is missing"),
    "use not calibrate or validate": (('use = "calibrate"', 'use = "check"'), "targets.0.use", "'calibrate' or 'validate'"),
    "a tuned figure kept back": (
        ('name = "s47-share-of-referrals"', 'name = "s47-share-of-referrals"\nuse = "validate"'), "targets.3",
        "is not kept back"),
}


def _bad_table(folder: Path, edit: tuple[str, str]) -> Path:
    """The shipped table with ``edit`` made once in its targets (never in the comments above them)."""
    preamble, marker, text = TABLE.read_text().partition("[[targets]]")
    old, new = edit
    assert old in text, f"the shipped table changed: update the edit {old!r}"
    if 'use = "validate"' in new:  # the target's own use line goes: one use, now validate
        head, _, tail = text.partition(old)
        text = head + new + tail.replace('use = "calibrate"\n', "", 1)
    else:
        text = text.replace(old, new, 1)
    text = preamble + marker + text
    bad = folder / "bad-targets.toml"
    bad.write_text(text)
    return bad


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_table_is_refused_naming_the_file_and_the_field_by_both_readers(case, tmp_path, capsys):
    edit, field, words = BAD[case]
    bad = _bad_table(tmp_path, edit)
    # the validation report's reader
    with pytest.raises(ScenarioError) as caught:
        load_targets(bad)
    assert caught.value.source == str(bad)
    assert any(p.path.startswith(field) and words in p.message for p in caught.value.problems), \
        caught.value.report()
    # mashsim calibrate, from the same loader: exit 2, the file and the field on stderr, nothing written
    # (a small budget, so that a file wrongly taken as good costs seconds, not minutes)
    out = tmp_path / "out"
    assert main(["calibrate", "london-borough", str(bad), "--out", str(out), "--no-plots", "--waves", "1",
                 "--points", "4", "--replications", "2", "--set", "run.horizon_days=7", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and field in err and words in err, err
    assert not out.exists()


def test_the_report_needs_its_own_fields_where_calibrate_does_without_them(tmp_path):
    # Green's published wording goes
    text = TABLE.read_text()
    line = next(x for x in text.splitlines() if x.startswith('published = "less than 2½ days'))
    bad = tmp_path / "no-wording.toml"
    bad.write_text(text.replace(line + "\n", "", 1))
    assert [t.name for t in prepare(bad).targets] == [t.name for t in TARGETS]
    with pytest.raises(ScenarioError) as caught:
        load_targets(bad)
    assert [p.path for p in caught.value.problems] == ["targets.1.published"]
    assert str(bad) in caught.value.report() and "the validation report needs it" in caught.value.report()


# the model figures are the arithmetic the report's hand-written formulas were before the table
by_name = {t.name: t for t in TARGETS}
hours = st.floats(0, 1e4, allow_nan=False)
share = st.floats(0, 1, allow_nan=False)


@given(amber=hours, green=hours, s17=share, s47=share)
def test_each_model_figure_is_the_arithmetic_it_was(amber, green, s17, s47):
    m = {"decision_delay_hours.by_rag.amber.mean": amber, "decision_delay_hours.by_rag.green.mean": green,
         "outcome_share.by_outcome.s17": s17, "outcome_share.by_outcome.s47": s47, "referral_rate": s17 + s47}
    assert by_name["amber-turnaround"].measure(m) == amber / 24
    assert by_name["green-turnaround"].measure(m) == green / 24
    assert by_name["referral-conversion"].measure(m) == s17 + s47
    for outcome in ("s17", "s47"):
        value = by_name[f"{outcome}-share-of-referrals"].measure(m)
        if s17 + s47:
            assert value == m[f"outcome_share.by_outcome.{outcome}"] / (s17 + s47)
        else:
            assert math.isnan(value)  # no referrals: no share
