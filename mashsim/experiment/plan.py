"""An experiment resolved against its base scenario: factors checked, design points built.

:func:`make_plan` reads an experiment file and checks everything that depends on the base
scenario: every factor path is a field of it, every value (or both ends of the bounds) is one it
accepts, every design point is a scenario it accepts, the precision rule's metric is one it
reports.  All problems are reported at once as a :class:`ScenarioError` naming the file and the
field, so a sweep never starts on input that would fail half-way.

With a scenario factor there are several base scenarios, and each factor is checked against
each.  Where a factor's paths lead (see :mod:`mashsim.experiment.paths`):

- a plain path must be a field of every base scenario;
- a pattern (``hubs.*.agencies.police.staff``) may match nothing in one base scenario, but must
  match something in at least one;
- a factor must set at least one field in every base scenario (else it would vary nothing there);
- two factors may not set the same field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from mashsim._version import __version__
from mashsim.compiled import current
from mashsim.experiment import limits
from mashsim.experiment.bases import BaseScenario, load_bases
from mashsim.experiment.designs import DesignPoints, MissingExtra, count_points, make_points
from mashsim.experiment.factors import ResolvedFactor, Target, estimate_factors, rejects, scaled
from mashsim.experiment.paths import expand, why_nothing
from mashsim.experiment.spec import SCENARIO_FACTOR, Experiment, Factor, Replications, is_pattern, load_experiment
from mashsim.metrics.names import UnknownMetric, metric_names, resolve_metric
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.load import apply_overrides, build_scenario, scenario_hash
from mashsim.scenario.schema import Scenario
from mashsim.scenario.shipped import EXPERIMENTS, resolve

_POINT_PROBLEMS_SHOWN = 5
_SCENARIOS_KEPT = 64  # built scenarios kept: enough for the tasks in flight, a few MB


@dataclass
class Plan:
    """Everything a sweep needs, resolved: base scenario, factors, points, seeds, metrics."""

    experiment: Experiment
    source: str
    bases: dict[str, BaseScenario] = field(repr=False)
    seed: int
    replications: Replications
    factors: list[ResolvedFactor]
    design: DesignPoints = field(repr=False)
    point_hashes: list[str] = field(repr=False)
    metrics: list[str] = field(repr=False)
    skipped_estimates: list[dict[str, str]] = field(default_factory=list)
    #: run over a parameter ensemble (sweep --ensemble): its file, hash and the members run, in order
    ensemble: dict[str, Any] | None = None
    _recent: dict[int, Scenario] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def points(self) -> list[dict[str, Any]]:
        return self.design.points

    @property
    def base(self) -> Scenario:
        """The (first) base scenario."""
        return next(iter(self.bases.values())).scenario

    @property
    def base_raw(self) -> dict[str, Any]:
        return next(iter(self.bases.values())).raw

    @property
    def base_hash(self) -> str:
        return scenario_hash(self.base)

    def base_at(self, point: int) -> BaseScenario:
        """The base scenario design point ``point`` starts from."""
        values = self.points[point]
        return self.bases[values[SCENARIO_FACTOR]] if SCENARIO_FACTOR in values else next(iter(self.bases.values()))

    def assignments(self, point: int) -> list[tuple[str, Any]]:
        """The ``(path, value)`` overrides that make design point ``point`` from its base scenario."""
        values, key = self.points[point], self.base_at(point).key
        return [pair for f in self.factors for pair in f.assignments(values[f.path], key)]

    def scenario_at(self, point: int) -> Scenario:
        """The scenario of design point ``point`` (the last few are kept: a point's batches come together)."""
        cache = self._recent
        if point not in cache:
            cache[point] = build_scenario(apply_overrides(self.base_at(point).raw, self.assignments(point)),
                                          f"design point {point}")
            while len(cache) > _SCENARIOS_KEPT:
                cache.pop(next(iter(cache)))
        return cache[point]

    @property
    def replications_at_most(self) -> int:
        """Replications in all: points x n, or points x the cap of a precision rule."""
        return len(self.points) * self.replications.most

    @property
    def experiment_hash(self) -> str:
        """A fingerprint of what the results depend on: the resolved experiment and every point's scenario."""
        identity = {"experiment": self.resolved_experiment(exclude={"description"}), "seed": self.seed,
                    "factors": [f.to_json() for f in self.factors], "points": self.points,
                    "point_hashes": self.point_hashes}
        if self.ensemble is not None:  # other members are other results: resume must not mix them
            identity["ensemble"] = {"hash": self.ensemble["hash"], "members_run": self.ensemble["members_run"]}
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
            "base_scenarios": [base.describe() for base in self.bases.values()],
            "mashsim_version": __version__,
            "mashsim_core": current().kind,
            "seed": self.seed,
            "design": self.experiment.design.describe(),
            "points": len(self.points),
            "factors": [f.to_json() for f in self.factors],
            "replications": self.replications.describe(),
            "crn": True,
            "metrics": self.metrics,
        }
        if len(self.bases) == 1:
            info["base_scenario"] = {"name": self.base.name, "hash": self.base_hash}
        if self.design.salib_problem is not None:
            info["salib_problem"] = self.design.salib_problem
        if self.skipped_estimates:
            info["estimates_skipped"] = self.skipped_estimates
        if self.ensemble is not None:
            info["ensemble"] = self.ensemble
        return info


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def make_plan(path: str | Path, overrides: Sequence[tuple[str, Any]] = ()) -> Plan:
    """Read the experiment file at ``path`` (with ``overrides`` added to its ``set``, as ``--set``
    gives them) and resolve it; :class:`ScenarioError` on any problem.

    ``path`` may be the name of a shipped experiment (``staffing-grid``), as on the command line."""
    path = resolve(path, EXPERIMENTS)
    return resolve_plan(load_experiment(path, overrides), Path(path), str(path))


def resolve_plan(experiment: Experiment, path: Path, source: str,
                 points: list[dict[str, Any]] | None = None) -> Plan:
    """``experiment`` (read from ``path``, named ``source`` in problems) resolved into a plan.

    ``points``, when given, are the design points themselves (factor path -> value), used instead
    of the design's own: a history-matching wave samples what is left of the parameter space, which
    no design kind describes, and runs it as an ordinary sweep."""
    # counted from the file alone, before a value is checked or a point made: a design too large
    # to build is refused at once (estimates and the base scenario's replications are counted below)
    too_large = _size_problems(experiment, [f.level_count for f in experiment.factors], experiment.replications)
    if too_large:
        raise ScenarioError(too_large, source)
    bases = load_bases(experiment, Path(path), source)
    problems: list[Problem] = []
    factors = _explicit_factors(experiment, bases, problems)
    skipped: list[dict[str, str]] = []
    if experiment.estimates is not None:
        (key, base), = bases.items()  # estimates go with one scenario (checked in spec)
        taken = {target for f in factors for target, _ in f.targets.get(key, ())}
        estimates = experiment.estimates
        found, skipped = estimate_factors(base.scenario, base.raw, estimates.spread, estimates.include,
                                          estimates.exclude, taken, key)
        factors += found
        if not found:
            problems.append(Problem("estimates", "no value tagged E in the base scenario matches include/exclude"))
    replications = _replications(experiment, bases, problems)
    seed = _shared(bases, lambda s: s.run.seed) if experiment.seed is None else experiment.seed
    if seed is None:
        problems.append(_differ(bases, "seed", lambda s: s.run.seed))
    elif experiment.seed is None and seed > limits.SEED:
        problems.append(Problem("seed", f"the base scenario's run.seed is beyond 2**63 - 1 ({limits.SEED_WHY}): "
                                        f"give seed in the experiment", seed))
    problems += _design_fits(experiment, factors)
    problems += _size_problems(experiment, [len(f.values or ()) for f in factors], replications)
    if problems:
        raise ScenarioError(problems, source)

    d = experiment.design
    try:
        design = DesignPoints(points) if points is not None else make_points(d.kind, factors, seed, n=d.n, trajectories=d.trajectories, levels=d.levels,
                             second_order=d.second_order)
    except MissingExtra as error:
        raise ScenarioError([Problem("design.kind", str(error), d.kind)], source) from None
    plan = Plan(experiment, source, bases, int(seed), replications, factors, design, [], [], skipped)
    plan.point_hashes, plan.metrics = _check_points(plan)
    return plan


def _explicit_factors(experiment: Experiment, bases: dict[str, BaseScenario],
                      problems: list[Problem]) -> list[ResolvedFactor]:
    dumps = {key: base.scenario.model_dump(mode="json") for key, base in bases.items()}
    several = len(bases) > 1
    factors: list[ResolvedFactor] = []
    labels: dict[str, int] = {}
    owners: dict[tuple[str, str], int] = {}  # (base scenario, field) -> the factor that sets it
    for i, spec in enumerate(experiment.factors):
        where = f"factors.{i}"
        if spec.label in labels:
            what = "path" if spec.name is None else "name"
            problems.append(Problem(f"{where}.{what}", f"the same {what} as factors.{labels[spec.label]}",
                                    spec.label))
            continue
        labels[spec.label] = i
        if spec.chooses_scenario:
            factors.append(ResolvedFactor.from_spec(spec, {}, where))
            continue
        targets = _targets(spec, dumps, where, problems)
        if targets is None:
            continue
        shared = sorted({owners.setdefault((key, path), i) for key, found in targets.items()
                         for path, _ in found} - {i})
        if shared:
            problems.append(Problem(f"{where}.path", f"sets a field factors.{shared[0]} sets too", spec.path))
            continue
        if spec.scale:
            empty = [path for found in targets.values() for path, value in found if scaled(value, 1.0) is None]
            if empty:
                problems.append(Problem(f"{where}.scale", f"scale needs a base value holding numbers ({empty[0]} "
                                                          f"has none)", _value_at(targets, empty[0])))
                continue
        factor = ResolvedFactor.from_spec(spec, targets, where)
        for value in factor.checked_values():
            for key, base in bases.items():
                problem = rejects(base.raw, factor.assignments(value, key), key if several else "")
                if problem:
                    problems.append(Problem(f"{where}.{factor.kind}", problem, value))
        factors.append(factor)
    return factors


def _value_at(targets: dict[str, tuple[Target, ...]], path: str) -> Any:
    return next(value for found in targets.values() for p, value in found if p == path)


def _targets(spec: Factor, dumps: dict[str, Any], where: str,
             problems: list[Problem]) -> dict[str, tuple[Target, ...]] | None:
    """The fields ``spec`` sets in each base scenario (by the rules in this module's docstring);
    None, with the problems added, if they break a rule."""
    several = len(dumps) > 1
    targets: dict[str, dict[str, Any]] = {key: {} for key in dumps}
    count = len(problems)
    for pattern in spec.paths:
        matched = False
        for key, dump in dumps.items():
            try:
                found = expand(dump, pattern)
            except LookupError as error:
                which = f"base scenario '{key}'" if several else "the base scenario"
                problems.append(Problem(f"{where}.path", f"not a field of {which}: {error}", pattern))
                continue
            targets[key].update(found)
            matched = matched or bool(found)
        if is_pattern(pattern) and not matched:
            reasons = "; ".join(f"in '{key}': {why_nothing(dump, pattern)}" if several else why_nothing(dump, pattern)
                                for key, dump in dumps.items())
            which = "any base scenario" if several else "the base scenario"
            problems.append(Problem(f"{where}.path", f"matches no field of {which}: {reasons}", pattern))
    if len(problems) > count:
        return None
    for key, found in targets.items():
        if not found:
            problems.append(Problem(f"{where}.path", f"sets nothing in base scenario '{key}' (a factor must vary "
                                                     f"something in each)", spec.path))
    if len(problems) > count:
        return None
    return {key: tuple(found.items()) for key, found in targets.items()}


def _replications(experiment: Experiment, bases: dict[str, BaseScenario], problems: list[Problem]) -> Replications:
    rule = experiment.replications
    if rule is None:
        n = _shared(bases, lambda s: s.run.replications)
        if n is None:
            problems.append(_differ(bases, "replications", lambda s: s.run.replications))
        elif limits.REPLICATIONS.refuse(n):
            problems.append(Problem("replications", f"the base scenario's run.replications: "
                                                    f"{limits.REPLICATIONS.refuse(n)}", n))
            n = None
        rule = Replications(n=n or 1)
    if rule.metric is not None:
        try:
            for base in bases.values():
                rule = rule.model_copy(update={"metric": resolve_metric(rule.metric, metric_names(base.scenario))})
        except UnknownMetric as error:
            where = f" (base scenario '{base.key}')" if len(bases) > 1 else ""
            problems.append(Problem("replications.metric", f"{error}{where}", rule.metric))
    return rule


def _shared(bases: dict[str, BaseScenario], get: Callable[[Scenario], Any]) -> Any:
    """``get`` of the base scenarios when it is the same for all; None when they differ."""
    values = {get(base.scenario) for base in bases.values()}
    return values.pop() if len(values) == 1 else None


def _differ(bases: dict[str, BaseScenario], name: str, get: Callable[[Scenario], Any]) -> Problem:
    shown = ", ".join(f"{key}: {get(base.scenario)}" for key, base in bases.items())
    return Problem(name, f"the base scenarios' run.{name} differ ({shown}): give {name} in the experiment, "
                         f"the same for every point")


def _size_problems(experiment: Experiment, levels: list[int], replications: Replications | None) -> list[Problem]:
    """The design's points and replications in all against :mod:`mashsim.experiment.limits`, counted
    from ``levels`` (each factor's number of values) without building anything."""
    d = experiment.design
    points = count_points(d.kind, levels, n=d.n, trajectories=d.trajectories, second_order=d.second_order)
    counted = {"grid": f"a grid of {' x '.join(f'{n:,}' for n in levels)} values has {points:,} points",
               "lhs": f"the design has {points:,} points",
               "morris": f"{d.trajectories or 0:,} trajectories x ({len(levels)} factors + 1) = {points:,} points",
               "sobol": f"n = {d.n or 0:,} x ({'2 x ' if d.second_order else ''}{len(levels)} factors + 2) = "
                        f"{points:,} points"}[d.kind]
    where = {"grid": "factors", "lhs": "design.n", "morris": "design.trajectories", "sobol": "design.n"}[d.kind]
    problem = limits.POINTS.refuse(points, counted)
    if problem:
        return [Problem(where, problem)]
    if replications is None:
        return []
    each = replications.most
    runs = points * each
    where = "replications" if experiment.replications is None else \
        "replications.n" if replications.fixed else "replications.max"
    problem = limits.RUNS.refuse(runs, f"{points:,} points x {each:,} replications = {runs:,}")
    return [Problem(where, problem)] if problem else []


def _design_fits(experiment: Experiment, factors: list[ResolvedFactor]) -> list[Problem]:
    kind = experiment.design.kind
    problems = []
    for factor in factors:
        if factor.chooses_scenario and kind != "grid":
            problems.append(Problem(factor.where, f"a scenario factor goes with design grid (design '{kind}' "
                                                  f"takes bounds, and scenarios have none)"))
        elif kind == "grid" and factor.kind != "values":
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
