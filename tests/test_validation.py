"""``mashsim check-model``: the fast subset passes; the document, the table and the exit status; Little's law
and the metrics it rests on; the output-analysis helpers the document uses."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import mashsim
from mashsim.cli import main
from mashsim.experiment.stats import Interval, t_interval, welch_interval
from mashsim.validation import document
from mashsim.validation.analysis import replications_study, warmup_study
from mashsim.validation.calibration import TARGETS, calibrate
from mashsim.validation import queueing
from mashsim.validation.checks import FAIL, PASS, Check, against_sample, family_level, within
from mashsim.validation.equivalence import ASSURANCE_WANTED, POWER_WANTED, pass_probability, power
from mashsim.validation.little import TOLERANCE as LITTLE, little_check, little_sides
from mashsim.validation.suite import Options, plan, run_all
from support import default_scenario, small_scenario


@pytest.fixture(scope="module")
def fast_report():
    """The --fast run, once for the module (a few seconds)."""
    return run_all(Options(fast=True, seed=2024, workers=1))


# ------------------------------------------------------------------------------- the fast subset


def test_the_fast_subset_passes_every_check(fast_report):
    assert fast_report.checks
    assert fast_report.failures == [], [(c.family, c.name, c.test) for c in fast_report.failures]
    families = {c.family for c in fast_report.checks}
    assert families == {"Erlang C (M/M/c)", "Jackson tandem", "Pollaczek–Khinchine (M/G/1)",
                        "Ciw (independent simulator)", "Extreme values", "Little's law",
                        "Non-preemptive priority M/M/c (Cobham)", "Ciw: a rota with out-of-hours cover"}
    # the fast run skips calibration and output analysis
    assert not fast_report.calibration and fast_report.warmup is None and not fast_report.precision


def test_every_step_has_its_own_label_for_the_progress_bar():
    options = Options(fast=True)
    steps = plan(options)
    assert len(steps) == len({s.label for s in steps})  # labels say which step is running
    assert any("Erlang" in s.label for s in steps) and any("Ciw" in s.label for s in steps)


# ------------------------------------------------------------------------------- the verdicts


def test_family_wise_levels_and_equivalence_verdicts():
    assert family_level(1) == 0.95 and family_level(10) == pytest.approx(0.995)
    values = [0.99, 1.01, 1.0, 0.995, 1.005]
    assert within("f", "n", 1.0, values, queueing.MEAN, fast=False).status == PASS
    assert within("f", "n", 1.03, values, queueing.MEAN, fast=False).status == PASS  # 3% off: inside ±5%
    # 6% off: inside the fast subset's ±30%, but the 90% CI of the error is not inside the full run's ±5%
    assert within("f", "n", 1.06, values, queueing.MEAN, fast=False).status == FAIL
    assert within("f", "n", 1.06, values, queueing.MEAN, fast=True).status == PASS
    assert within("f", "n", 2.0, values, queueing.MEAN, fast=True).status == FAIL


def test_every_check_states_its_power_and_every_theory_check_its_tolerance(fast_report):
    theory = {queueing.ERLANG, queueing.JACKSON, queueing.PK, queueing.PRIORITY, "Little's law"}
    for check in fast_report.checks:
        assert check.power is not None, check.name
        if check.family in theory:
            assert check.tolerance in (queueing.MEAN.fast, queueing.SHARE.fast, LITTLE.fast), check.name
            assert 0.0 <= check.power <= 1.0 and 0.9 < check.assurance <= 1.0, (check.name, check.assurance)
            assert "90% CI" in check.test


@pytest.mark.parametrize("case", [("erlang", c) for c in queueing.ERLANG_GRID]
                         + [("tandem", c) for c in queueing.TANDEMS] + [("pk", c) for c in queueing.PK_CASES]
                         + [("priority", c) for c in queueing.PRIORITY_CASES])
def test_the_full_run_is_sized_for_power_and_pass_chance(case):
    """At the noise each case declares, the full budget's runs reach the wanted power and pass chance."""
    kind, spec = case
    noise = spec[-1]
    budget = queueing.FULL
    measured, warmup = budget.contacts(0.8, noise)
    assert warmup >= 0.01 * measured
    se = math.sqrt(noise / (budget.replications * measured))
    n = budget.replications
    for tolerance in (queueing.MEAN.full, queueing.SHARE.full):
        if tolerance == queueing.SHARE.full and kind in ("tandem", "priority"):
            continue  # no P(wait) figure in these cases
        noisy = se if tolerance == queueing.MEAN.full else se / 2  # P(wait): far less noisy (see SHARE)
        assert power(noisy, n, tolerance) >= POWER_WANTED
    assert pass_probability(0.0, se, n, queueing.MEAN.full) >= ASSURANCE_WANTED - 1e-6


def test_welch_interval_of_a_difference():
    rng = np.random.default_rng(1)
    a, b = rng.normal(1.0, 1.0, 50), rng.normal(0.0, 3.0, 80)
    d = welch_interval(a, b)
    assert d.mean == pytest.approx(a.mean() - b.mean())
    assert d.ci_low < 1.0 < d.ci_high
    assert welch_interval([1, 1], [1, 1]) == Interval(0.0, 0.0, 0.0, 2)
    assert math.isnan(welch_interval([1.0], [1.0, 2.0]).mean)
    assert against_sample("f", "n", list(b), list(b + 0.0), 1, "ref").status == PASS


# ------------------------------------------------------------------------------- Little's law and its metric


def test_contacts_in_system_is_the_area_under_the_count_of_contacts_in_the_hub():
    # no warm-up: every contact is recorded, open ones with no decision time, so the time-average
    # count can be recomputed exactly from the records (a sample-path identity, not a statistic)
    scenario = small_scenario("run.warmup_days=0", "roles.screeners.initial_backlog=5")
    result = mashsim.simulate(scenario, 3, record=True)
    end = scenario.run.horizon_days * 24
    area = sum(min(r["decided_h"] if r["decided_h"] is not None else end, end) - r["arrived_h"]
               for r in result.records)
    assert result.metrics["contacts_in_system"] == pytest.approx(area / end, rel=1e-12)


def test_littles_law_holds_on_the_default_scenario(fast_report):
    check = next(c for c in fast_report.checks if c.family == "Little's law")
    assert check.status == PASS
    count, product = little_sides(fast_report.default_run)
    # the paired gap is the finite-window edge effect: small next to L itself
    assert abs(np.mean((count - product) / count)) < 0.05


def test_little_fails_when_the_delays_are_wrong(fast_report):
    run = fast_report.default_run
    broken = dataclasses.replace(run, replications=[
        dataclasses.replace(r, metrics={**r.metrics, "decision_delay_hours.mean": r.metrics[
            "decision_delay_hours.mean"] * 1.5}) for r in run.replications])
    assert little_check(broken).status == FAIL


def test_wait_probability_counts_tasks_that_queued():
    m = mashsim.simulate(small_scenario(), 4).metrics
    for role in ("contact_officers", "screeners", "managers", "police"):
        p = m[f"wait_probability.by_role.{role}"]
        assert 0.0 <= p <= 1.0
        assert (p == 0.0) == (m[f"wait_hours.by_role.{role}"] == 0.0)


# ------------------------------------------------------------------------------- calibration and output analysis


def test_calibration_rows_measure_every_target(fast_report):
    rows = calibrate(fast_report.default_run)
    assert [r.target for r in rows] == list(TARGETS)
    for row in rows:
        assert row.simulated.n == len(fast_report.default_run.replications)
        assert row.target.low <= row.target.high
        assert row.within == (row.target.low <= row.simulated.mean <= row.target.high)
    s47, rest = rows[3], rows[4]
    assert s47.simulated.mean + rest.simulated.mean == pytest.approx(1.0)  # shares of referrals


def test_warmup_study_and_replications_study():
    study = warmup_study(default_scenario(), replications=2, days=28, seed=3)
    assert study.delays.shape[0] == 2 and study.delays.shape[1] == study.arrival_days.size > 100
    assert np.all(np.diff(study.arrival_days) >= 0)
    assert 0 <= study.result.truncation <= study.delays.shape[1] // 2
    assert study.recommended_days <= 28
    cache: dict[int, dict] = {}
    scenario = small_scenario()
    [found] = replications_study(scenario, 7, cache, [("all_signals_missed_rate", 0.05)], max_replications=25)
    assert found.result.converged
    assert len(cache) == len(found.result.values)
    assert list(found.result.values) == [cache[i]["all_signals_missed_rate"] for i in range(len(cache))]
    # the cache is reused: a second study over the same metric runs nothing new
    replications_study(scenario, 7, cache, [("all_signals_missed_rate", 0.05)], max_replications=25)
    assert len(cache) == len(found.result.values)


# ------------------------------------------------------------------------------- the document and the command


def test_the_document_names_every_check_and_says_it_is_the_fast_subset(fast_report, tmp_path):
    written = document.write_document(fast_report, tmp_path / "validation.md")
    text = (tmp_path / "validation.md").read_text()
    assert written == [tmp_path / "validation.md"]
    assert "fast subset" in text and "All " in text
    for check in fast_report.checks:
        assert check.name in text
    assert "## Calibration" not in text
    assert "## Tolerances" in text and "power at 5%" in text and "pass chance if right" in text
    for tolerance in document.TOLERANCES.values():
        assert tolerance.reason in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["validation.md"]  # no temporary file left


def test_a_full_document_has_calibration_warmup_plot_and_replications(fast_report, tmp_path):
    run = fast_report.default_run
    report = dataclasses.replace(
        fast_report, options=Options(fast=False), calibration=calibrate(run),
        warmup=warmup_study(run.scenario, replications=2, days=21, seed=1),
        precision=replications_study(small_scenario(), 7, {}, [("all_signals_missed_rate", 0.05)], 25))
    document.write_document(report, tmp_path / "docs" / "validation.md")
    text = (tmp_path / "docs" / "validation.md").read_text()
    assert "## Calibration against published figures" in text and "contact → referral conversion" in text
    standing = [line for line in text.splitlines() if any(line.startswith(f"| {t.title} |") for t in TARGETS)]
    assert len(standing) == len(TARGETS)
    assert all(("used to calibrate (not evidence)" in line) != ("independent (evidence)" in line)
               for line in standing)
    # only the kept-back figures (DfE's referrals by source) are independent evidence
    kept_back = sum(t.use == "validate" for t in TARGETS)
    assert kept_back > 0 and sum("independent (evidence)" in line for line in standing) == kept_back
    assert f"Here {kept_back} of {len(TARGETS)} are independent." in text
    assert "MSER-5" in text and "![Welch plot" in text and "Hoad" in text
    png = (tmp_path / "docs" / "img" / "warmup-welch.png").read_bytes()
    assert png.startswith(b"\x89PNG")


def _fake_run(report):
    return lambda options, progress=None: (progress and progress(1, 1, "done"), report)[1]


def test_check_model_exits_0_and_writes_the_document(fast_report, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("mashsim.validation.suite.run_all", _fake_run(fast_report))
    out = tmp_path / "v.md"
    assert main(["check-model", "--fast", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "Erlang C" in captured.out and "all passed" in captured.out
    assert "wrote" in captured.err and out.exists()


def test_check_model_exits_1_when_a_check_fails_and_still_writes_the_document(fast_report, tmp_path,
                                                                              monkeypatch, capsys):
    bad = Check("Erlang C (M/M/c)", "a broken check", 1.0, t_interval([2.0, 2.1, 1.9]), FAIL, "made up")
    report = dataclasses.replace(fast_report, checks=[*fast_report.checks, bad])
    monkeypatch.setattr("mashsim.validation.suite.run_all", _fake_run(report))
    out = tmp_path / "v.md"
    assert main(["check-model", "--fast", "--out", str(out)]) == 1
    text = out.read_text()
    assert "1 of" in text and "FAILED" in text and "a broken check" in text
    assert "FAIL" in capsys.readouterr().out


def test_check_model_refuses_a_folder_as_out(tmp_path, capsys):
    assert main(["check-model", "--fast", "--out", str(tmp_path)]) == 2
    assert "--out" in capsys.readouterr().err


def test_only_the_ciw_comparisons_use_bonferroni_intervals(fast_report):
    sizes = {"Ciw (independent simulator)": 8, "Ciw: a rota with out-of-hours cover": 2}
    for check in fast_report.checks:
        if check.family in sizes:
            assert f"Bonferroni, {sizes[check.family]} " in check.test, (check.family, check.test)
        else:
            assert "Bonferroni" not in check.test


def test_a_fast_run_does_not_overwrite_the_full_document(fast_report, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("mashsim.validation.suite.run_all", _fake_run(fast_report))
    monkeypatch.chdir(tmp_path)
    assert main(["check-model", "--fast"]) == 0
    assert (tmp_path / "docs" / "validation-fast.md").exists()
    assert not (tmp_path / "docs" / "validation.md").exists()
