"""The default scenario holds its calibration: Greenwich's turnaround (Green decided later than Amber,
both inside their bands), the referral conversion and the s47 share.

These figures were used to calibrate the scenario's estimates (see the targets'
``calibrated``), so the test is no evidence that the model is right; it is the
guard that a change to the default scenario or the model does not undo the
calibration unnoticed.

The run is the default scenario exactly as shipped (a year after a 28-day
warm-up, its own seed 42), so its figures are those of
``mashsim run london-borough -r 30``: about 12 s of CPU.

Each band is checked as an equivalence test: the 95% CI of the mean over the
replications must lie inside the band, so a scenario whose true mean sits at
or beyond an edge of a band passes with chance at most 2.5%.  The ordering is
a paired one-sided test: the 95% CI of Green - Amber, replication by
replication (same contacts, same seeds), must lie above 0, so a scenario in
which Green is truly no later than Amber passes with chance at most 2.5%.

Power (the chance the test passes with the scenario as calibrated), from the
spread over 30 replications (standard deviations: Amber 0.096 d, Green
0.35 d): Amber's mean 1.41 d sits 0.09 d under the top of its 1.25-1.5 d
band, and the CI's half-width is 0.04 d, so it passes with chance about 0.999
(the mean's standard error is 0.018 d: 3.2 of them from the point where the
CI would cross the edge); Green (2.08 d in 1.25-2.5 d, half-width 0.13 d) and
the ordering (+0.67 d) pass with chance above 0.99, and the referral
conversion (28.4%, 0.6 points under the top of 23-29%, half-width 0.2 points)
and the NFA/CIN share (73.2%, 1.2 points over 72%, half-width 0.3 points) with
chance above 0.999.
"""

from __future__ import annotations

import pytest

from mashsim.experiment.runner import run_replications
from mashsim.experiment.stats import t_interval
from mashsim.scenario.load import load_scenario
from mashsim.validation.calibration import TARGETS, Target, calibrate

REPLICATIONS = 30


def _target(name: str) -> Target:
    [target] = [t for t in TARGETS if t.name == name]  # the names of calibration/targets.toml
    return target


HIGH_NEED = _target("amber-turnaround")  # level 3: Amber at screening
LOWER_NEED = _target("green-turnaround")  # level 2: Green at screening


@pytest.fixture(scope="module")
def default_run():
    return run_replications(load_scenario("london-borough"), REPLICATIONS, workers=1)


CALIBRATED = tuple(t for t in TARGETS if t.calibrates)
KEPT_BACK = tuple(t for t in TARGETS if not t.calibrates)


@pytest.mark.parametrize("target", CALIBRATED, ids=lambda t: t.name)
def test_the_default_scenario_holds_every_calibration_target_inside_its_band(default_run, target):
    [row] = calibrate(default_run, (target,))
    ci = row.simulated
    assert ci.n == REPLICATIONS
    assert target.low <= ci.ci_low and ci.ci_high <= target.high, (
        f"{target.name}: {ci.mean:.3f} ({ci.ci_low:.3f} - {ci.ci_high:.3f}) {target.unit}, "
        f"band {target.low} - {target.high}")


def test_lower_need_is_decided_later_than_high_need_as_greenwich_found(default_run):
    metrics = [r.metrics for r in default_run.replications]
    later = t_interval([LOWER_NEED.measure(m) - HIGH_NEED.measure(m) for m in metrics])
    assert later.ci_low > 0.0, f"Green - Amber: {later.mean:.3f} d ({later.ci_low:.3f} - {later.ci_high:.3f})"


def test_each_target_says_whether_it_was_tuned_to():
    # a target tuned to (see docs/validation.md) is no evidence; only the kept-back ones are
    assert CALIBRATED and all(t.calibrated and t.use == "calibrate" for t in CALIBRATED)
    assert {t.evidence for t in CALIBRATED} == {"used to calibrate (not evidence)"}
    assert KEPT_BACK and all(t.calibrated is None and t.use == "validate" for t in KEPT_BACK)
    assert {t.evidence for t in KEPT_BACK} == {"independent (evidence)"}


@pytest.mark.parametrize("target", KEPT_BACK, ids=lambda t: t.name)
def test_a_kept_back_target_is_measured_on_the_default_run_with_an_interval(default_run, target):
    # measured, not asserted to agree: where it falls is the finding docs/validation.md reports
    [row] = calibrate(default_run, (target,))
    assert row.simulated.n == REPLICATIONS
    assert 0.0 < row.simulated.ci_low <= row.simulated.mean <= row.simulated.ci_high < 1.0
    assert row.simulated.ci_high - row.simulated.ci_low < 0.02  # 30 replications: a share to within a point
