"""An experiment resolved against its base scenario: factors checked, design points built.

:func:`make_plan` reads an experiment file and checks everything that depends on the base
scenario: every factor path is a field of it, every value (or both ends of the bounds) is one it
accepts, every design point is a scenario it accepts, the precision rule's metric is one it
reports.  All problems are reported at once as a :class:`ScenarioError` naming the file and the
field, so a sweep never starts on input that would fail half-way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mashsim._version import __version__
from mashsim.experiment.designs import DesignPoints, MissingExtra, make_points
from mashsim.experiment.factors import ResolvedFactor, estimate_factors, locate, rejects, scaled
from mashsim.experiment.spec import Experiment, Replications, load_experiment, set_paths
from mashsim.metrics.names import UnknownMetric, metric_names, resolve_metric
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.load import (PACKAGE_SCENARIOS, apply_overrides, build_scenario, read_scenario_file,
                                   resolve_path, scenario_hash)
from mashsim.scenario.schema import Scenario

_POINT_PROBLEMS_SHOWN = 5
_SCENARIOS_KEPT = 64  # built scenarios kept: enough for the tasks in flight, a few MB


@dataclass
class Plan:
    """Everything a sweep needs, resolved: base scenario, factors, points, seeds, metrics."""

    experiment: Experiment
    source: str
    base_raw: dict[str, Any] = field(repr=False)
    base: Scenario = field(repr=False)
    seed: int
    replications: Replications
    factors: list[ResolvedFactor]
    design: DesignPoints = field(repr=False)
    point_hashes: list[str] = field(repr=False)
    metrics: list[str] = field(repr=False)
    skipped_estimates: list[dict[str, str]] = field(default_factory=list)
    _recent: dict[int, Scenario] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def points(self) -> list[dict[str, Any]]:
        return self.design.points

    @property
    def base_hash(self) -> str:
        return scenario_hash(self.base)

    def assignments(self, point: int) -> list[tuple[str, Any]]:
        """The ``(path, value)`` overrides that make design point ``point`` from the base scenario."""
        values = self.points[point]
        return [(f.path, f.applied(values[f.path])) for f in self.factors]

    def scenario_at(self, point: int) -> Scenario:
        """The scenario of design point ``point`` (the last few are kept: a point's batches come together)."""
        cache = self._recent
        if point not in cache:
            cache[point] = build_scenario(apply_overrides(self.base_raw, self.assignments(point)),
                                          f"design point {point}")
            while len(cache) > _SCENARIOS_KEPT:
                cache.pop(next(iter(cache)))
        return cache[point]

    @property
    def experiment_hash(self) -> str:
        """A fingerprint of what the results depend on: the resolved experiment and every point's scenario."""
        identity = {"experiment": self.resolved_experiment(exclude={"description"}), "seed": self.seed,
                    "factors": [f.to_json() for f in self.factors], "points": self.points,
                    "point_hashes": self.point_hashes}
        text = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=_plain)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def resolved_experiment(self, exclude: set[str] | None = None) -> dict[str, Any]:
        resolved = self.experiment.model_copy(update={"seed": self.seed, "replications": self.replications})
        return resolved.model_dump(mode="json", by_alias=True, exclude=exclude)

    def describe(self) -> dict[str, Any]:
        """The contents of ``experiment.json`` (see the sweep results contract in docs/reference.md)."""
        info: dict[str, Any] = {
            "experiment": self.resolved_experiment(),
            "experiment_hash": self.experiment_hash,
            "source": self.source,
            "base_scenario": {"name": self.base.name, "hash": self.base_hash},
            "mashsim_version": __version__,
            "seed": self.seed,
            "design": self.experiment.design.describe(),
            "points": len(self.points),
            "factors": [f.to_json() for f in self.factors],
            "replications": self.replications.describe(),
            "crn": True,
            "metrics": self.metrics,
        }
        if self.design.salib_problem is not None:
            info["salib_problem"] = self.design.salib_problem
        if self.skipped_estimates:
            info["estimates_skipped"] = self.skipped_estimates
        return info


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def make_plan(path: str | Path) -> Plan:
    """Read the experiment file at ``path`` and resolve it; :class:`ScenarioError` on any problem."""
    source = str(path)
    experiment = load_experiment(path)
    base_raw, base = _base_scenario(experiment, Path(path), source)
    problems: list[Problem] = []
    factors = _explicit_factors(experiment, base_raw, base, problems)
    skipped: list[dict[str, str]] = []
    if experiment.estimates is not None:
        taken = {f.path for f in factors}
        estimates = experiment.estimates
        found, skipped = estimate_factors(base, base_raw, estimates.spread, estimates.include, estimates.exclude,
                                          taken)
        factors += found
        if not found:
            problems.append(Problem("estimates", "no value tagged E in the base scenario matches include/exclude"))
    replications = _replications(experiment, base, problems)
    problems += _design_fits(experiment, factors)
    if problems:
        raise ScenarioError(problems, source)

    seed = base.run.seed if experiment.seed is None else experiment.seed
    d = experiment.design
    try:
        design = make_points(d.kind, factors, seed, n=d.n, trajectories=d.trajectories, levels=d.levels,
                             second_order=d.second_order)
    except MissingExtra as error:
        raise ScenarioError([Problem("design.kind", str(error), d.kind)], source) from None
    plan = Plan(experiment, source, base_raw, base, seed, replications, factors, design, [], [], skipped)
    plan.point_hashes, plan.metrics = _check_points(plan)
    return plan


def _base_scenario(experiment: Experiment, path: Path, source: str) -> tuple[dict[str, Any], Scenario]:
    """The base scenario's raw table with ``set`` applied, and the scenario it validates to."""
    relative = path.parent / experiment.scenario
    scenario_path = relative if relative.exists() else resolve_path(experiment.scenario)
    if not scenario_path.exists():
        shipped = ", ".join(sorted(p.stem for p in PACKAGE_SCENARIOS.glob("*.toml")))
        raise ScenarioError([Problem("scenario", f"no such file next to the experiment, nor a shipped scenario "
                                                 f"(shipped: {shipped})", experiment.scenario)], source)
    raw = read_scenario_file(scenario_path)
    pairs = set_paths(experiment.overrides)
    try:
        raw = apply_overrides(raw, pairs)
        base = build_scenario(raw, source)
    except ScenarioError as error:
        where = "set" if pairs else "scenario"
        raise ScenarioError([_relocated(p, where) for p in error.problems],
                            f"{source} (base scenario {experiment.scenario})") from None
    return raw, base


def _relocated(problem: Problem, prefix: str) -> Problem:
    return Problem(f"{prefix}.{problem.path}" if problem.path else prefix, problem.message,
                   *([problem.value] if problem.value is not None else []))


def _explicit_factors(experiment: Experiment, raw: dict[str, Any], base: Scenario,
                      problems: list[Problem]) -> list[ResolvedFactor]:
    dump = base.model_dump(mode="json")
    factors: list[ResolvedFactor] = []
    seen: dict[str, int] = {}
    for i, spec in enumerate(experiment.factors):
        where = f"factors.{i}"
        if spec.path in seen:
            problems.append(Problem(f"{where}.path", f"the same path as factors.{seen[spec.path]}", spec.path))
            continue
        seen[spec.path] = i
        try:
            base_value = locate(dump, spec.path)
        except LookupError as error:
            problems.append(Problem(f"{where}.path", f"not a field of the base scenario: {error}", spec.path))
            continue
        factor = ResolvedFactor.from_spec(spec, base_value, where)
        if spec.scale and scaled(base_value, 1.0) is None:
            problems.append(Problem(f"{where}.scale", "scale needs a base value holding numbers", base_value))
            continue
        for value in factor.checked_values():
            problem = rejects(raw, factor, value)
            if problem:
                problems.append(Problem(f"{where}.{factor.kind}", problem, value))
        factors.append(factor)
    return factors


def _replications(experiment: Experiment, base: Scenario, problems: list[Problem]) -> Replications:
    rule = experiment.replications or Replications(n=base.run.replications)
    if rule.metric is not None:
        try:
            rule = rule.model_copy(update={"metric": resolve_metric(rule.metric, metric_names(base))})
        except UnknownMetric as error:
            problems.append(Problem("replications.metric", str(error), rule.metric))
    return rule


def _design_fits(experiment: Experiment, factors: list[ResolvedFactor]) -> list[Problem]:
    kind = experiment.design.kind
    problems = []
    for factor in factors:
        if kind == "grid" and factor.kind != "values":
            problems.append(Problem(factor.where, "design 'grid' needs values or a range; bounds go with "
                                                  "design lhs, morris or sobol"))
        elif kind != "grid" and factor.kind != "bounds":
            problems.append(Problem(factor.where, f"design '{kind}' needs bounds = [low, high]; values and "
                                                  f"ranges go with design grid"))
    return problems


def _check_points(plan: Plan) -> tuple[list[str], list[str]]:
    """Every point's scenario hash and the union of the metric names (in the base's order)."""
    hashes: list[str] = []
    names = dict.fromkeys(plan.metrics or metric_names(plan.base))
    problems: list[Problem] = []
    for point in range(len(plan.points)):
        try:
            scenario = plan.scenario_at(point)
        except ScenarioError as error:
            if len(problems) < _POINT_PROBLEMS_SHOWN:
                shown = ", ".join(f"{p} = {v!r}" for p, v in plan.points[point].items())
                problems.append(Problem("design", f"point {point} ({shown}) is rejected by the base scenario: "
                                        + "; ".join(str(p) for p in error.problems)))
            continue
        hashes.append(scenario_hash(scenario))
        names.update(dict.fromkeys(metric_names(scenario)))
    if problems:
        raise ScenarioError(problems, plan.source)
    return hashes, list(names)
