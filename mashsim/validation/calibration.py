"""The default scenario against published figures: simulated vs published, the gap, and what drives it.

These are validation against the world, not verification of the code: a
figure outside its published band does not make ``check-model`` fail, it
says which estimate (tagged E in the scenario) to revisit.  Each target
names its source, how the published figure maps onto the model's metrics,
and the band taken as agreement.

A target some estimate was tuned to match is **used to calibrate**, and its
agreement is then no evidence that the model is right (it agrees by
construction); only the others are **independent** evidence.  Each target
says which it is (``use``, and ``calibrated``: what was tuned to it).

The figures are declared once, in the shipped target table
(``calibration/targets.toml``, the file ``mashsim calibrate`` reads), and read
here through the same loader and expression evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from mashsim.experiment.runner import RunResult
from mashsim.experiment.stats import Interval, t_interval
from mashsim.history_matching import targets as table
from mashsim.metrics.names import metric_names
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.load import load_scenario
from mashsim.scenario.shipped import CALIBRATION, SCENARIOS, resolve

Metrics = Mapping[str, float]
SHIPPED_TARGETS = "targets"  # calibration/targets.toml: the default scenario's published figures
# what the report shows of each figure, beyond what calibrate needs
REPORT_FIELDS = ("published", "model_figure", "driver")


class Target(table.Target):
    """A target of the table as the validation report shows it: the spec's fields under the report's names."""

    @property
    def title(self) -> str:
        return self.spec.heading

    @property
    def published(self) -> str:
        return self.spec.published

    @property
    def point(self) -> float:
        """The published point figure, else the band's middle: the gap is measured from it."""
        return self.spec.point

    @property
    def low(self) -> float:
        return self.spec.band[0]

    @property
    def high(self) -> float:
        return self.spec.band[1]

    @property
    def unit(self) -> str:
        return self.spec.unit

    @property
    def source(self) -> str:
        """Where and when, and the note on the band (if any)."""
        return f"{self.spec.source}, {self.spec.date}" + (f"; {self.spec.note}" if self.spec.note else "")

    @property
    def model_figure(self) -> str:
        return self.spec.model_figure

    @property
    def driver(self) -> str:
        return self.spec.driver

    @property
    def calibrated(self) -> str | None:
        return self.spec.calibrated

    def measure(self, metrics: Metrics) -> float:
        """The model figure on one replication's metrics (NaN where undefined)."""
        return self.figure(metrics)

    @property
    def use(self) -> str:
        """``calibrate`` (matched, by hand or by ``mashsim calibrate``) or ``validate`` (kept back)."""
        return self.spec.use

    @property
    def evidence(self) -> str:
        """The row's standing, in the words the document and the terminal table use."""
        return "used to calibrate (not evidence)" if self.calibrates else "independent (evidence)"


def load_targets(source: str | Path = SHIPPED_TARGETS) -> tuple[Target, ...]:
    """The targets of a targets file (default: the shipped one), resolved against its own scenario.

    Every problem raises :class:`ScenarioError` naming the file and the field, as ``mashsim
    calibrate`` does; the report's own fields (``published``, ``model_figure``, ``driver``) are
    required here, where calibrate does without them.
    """
    path = resolve(source, CALIBRATION)
    where = str(path)
    spec = table.read_targets_file(path)
    missing = [Problem(f"targets.{i}.{name}", "the validation report needs it: give it as text")
               for i, target in enumerate(spec.targets) for name in REPORT_FIELDS if not getattr(target, name)]
    if spec.scenario is None:
        missing.append(Problem("scenario", "name the scenario the figures are for"))
    if missing or spec.scenario is None:
        raise ScenarioError(missing, where)
    scenario = load_scenario(resolve(spec.scenario, SCENARIOS, near=path.parent, field="scenario", where=where))
    return tuple(Target(t.spec, t.figure) for t in table.resolve_targets(spec, metric_names(scenario), where))


TARGETS: tuple[Target, ...] = load_targets()


@dataclass(frozen=True)
class CalibrationRow:
    """One target against the simulated figure (mean and 95% CI over replications)."""

    target: Target
    simulated: Interval

    @property
    def within(self) -> bool:
        return self.target.low <= self.simulated.mean <= self.target.high

    @property
    def gap(self) -> float:
        """Simulated minus the published point figure, in the target's unit."""
        return self.simulated.mean - self.target.point


def calibrate(result: RunResult, targets: tuple[Target, ...] = TARGETS) -> list[CalibrationRow]:
    """Each target measured on every replication of ``result`` (a run of the default scenario)."""
    metrics = [r.metrics for r in result.replications]
    return [CalibrationRow(t, t_interval([t.measure(m) for m in metrics])) for t in targets]
