"""A calibration problem resolved against its base scenario: parameters, targets, and each wave's sweep plan.

A wave is an ordinary sweep: the parameters are bounds factors of an experiment built here, and
the wave's design points (a Latin hypercube for the first, samples of the region left for the
others) its points, so every wave runs, stores and resumes exactly as ``mashsim sweep`` does.
By default only values the scenario tags ``E`` (an estimate), or fields inside one (the ``mode``
of an estimated task time), may be calibrated: a sourced figure is evidence, not a knob.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from mashsim.experiment.plan import Plan, resolve_plan
from mashsim.experiment.spec import Experiment
from mashsim.history_matching.targets import Settings, Target, TargetsFile, read_targets_file, resolve_targets
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.shipped import CALIBRATION, SCENARIOS, find, not_found, resolve

WAVE_FOLDER = "wave-{}"


@dataclass(frozen=True)
class Parameter:
    """One calibrated field: its dotted path and range."""

    path: str
    low: float
    high: float

    def from_unit(self, u: float) -> float:
        return float(self.low + u * (self.high - self.low))

    def to_unit(self, x: float) -> float:
        return (x - self.low) / (self.high - self.low)


@dataclass
class Calibration:
    """Everything a calibration needs, checked: the targets file, scenario, parameters, targets, seed."""

    table: TargetsFile
    source: str
    scenario_file: Path
    overrides: dict[str, Any]
    parameters: list[Parameter]
    targets: list[Target] = field(default_factory=list)
    untagged: list[str] = field(default_factory=list)
    seed: int | None = None  # the file's, else (once resolved) the base scenario's run.seed

    @property
    def settings(self) -> Settings:
        return self.table.calibrate

    @property
    def matched(self) -> list[Target]:
        return [t for t in self.targets if t.calibrates]

    @property
    def kept_back(self) -> list[Target]:
        return [t for t in self.targets if not t.calibrates]

    def experiment(self, wave: int, points: int) -> Experiment:
        """The sweep experiment of wave ``wave`` (with ``points`` design points)."""
        return Experiment.model_validate({
            "name": f"calibrate-wave-{wave}", "scenario": str(self.scenario_file), "set": self.overrides,
            "seed": self.seed,
            "factors": [{"path": p.path, "bounds": [p.low, p.high]} for p in self.parameters],
            "design": {"kind": "lhs", "n": points},
            "replications": {"n": self.settings.replications}})

    def plan(self, wave: int, points: list[dict[str, Any]] | None = None) -> Plan:
        """Wave ``wave``'s sweep plan: a Latin hypercube of the ranges, or ``points`` when given."""
        experiment = self.experiment(wave, len(points) if points is not None else self.settings.points)
        try:
            return resolve_plan(experiment, Path(self.source), self.source, points)
        except ScenarioError as error:
            raise ScenarioError([self._relabel(p) for p in error.problems], self.source) from None

    def _relabel(self, problem: Problem) -> Problem:
        """A problem of the wave's experiment named by the targets file's own fields."""
        for i, parameter in enumerate(self.parameters):
            prefix = f"factors.{i}"
            if problem.path == prefix or problem.path.startswith(prefix + "."):
                return replace(problem, path=f"parameters.{parameter.path}")
        return problem


def prepare(targets_file: str | Path, scenario: str | None = None, ranges: Sequence[tuple[str, tuple[float, float]]] = (),
            overrides: Sequence[tuple[str, Any]] = (), allow_untagged: bool = False) -> Calibration:
    """Read ``targets_file`` (a file, or a shipped name) and resolve it against its scenario (``scenario`` overrides the file's);
    ``ranges`` add or replace parameters; every problem raises :class:`ScenarioError`."""
    # a file, else a shipped targets file by name (``targets``: calibration/targets.toml, in a wheel too)
    targets_file = resolve(targets_file, CALIBRATION)
    source = str(targets_file)
    table = read_targets_file(targets_file)
    name, near = (scenario, Path.cwd()) if scenario is not None else (table.scenario, Path(source).parent)
    if name is None:
        raise ScenarioError([Problem("scenario", "name the base scenario: in the targets file, or as SCENARIO on "
                                                 "the command line")], source)
    file = find(name, SCENARIOS, near=near)
    if file is None:
        raise ScenarioError([not_found(name, SCENARIOS, near=near, field="scenario")], source)
    bounds = {**table.parameters, **dict(ranges)}
    if not bounds:
        raise ScenarioError([Problem("parameters", "nothing to calibrate: add [parameters] (path = [low, high]) "
                                                   "or --range PATH=LO..HI")], source)
    calibration = Calibration(table, source, file.resolve(), {**table.overrides, **dict(overrides)},
                              [Parameter(path, float(lo), float(hi)) for path, (lo, hi) in bounds.items()],
                              seed=table.calibrate.seed)
    first = calibration.plan(1)  # checks every path and both ends of every range against the scenario
    calibration.seed = first.seed
    calibration.untagged = _untagged(first, [p.path for p in calibration.parameters])
    if calibration.untagged and not allow_untagged:
        given = dict(ranges)
        raise ScenarioError([Problem("--range" if path in given else f"parameters.{path}",
                                     "not an estimate (tagged E) in the scenario: a sourced or derived figure is "
                                     "evidence, not something to tune; add --allow-untagged to calibrate it anyway",
                                     path) for path in calibration.untagged], source)
    calibration.targets = resolve_targets(table, first.metrics, source)
    return calibration


def _untagged(plan: Plan, paths: list[str]) -> list[str]:
    """The paths that are neither a value the base scenario tags E nor a field inside one."""
    estimates = [path for path, _, provenance in plan.base.provenance() if provenance.tag == "E"]
    return [p for p in paths if not any(p == e or p.startswith(e + ".") for e in estimates)]
