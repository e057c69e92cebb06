"""Value of information: which unmeasured figure, if measured, would most change the staffing answer.

Each *figure* (a scenario value, by its dotted path) is varied over a range, and its effect on one
*answer* metric is measured; the figures are ranked by their share of the answer's variation.

- **Figures** (:mod:`mashsim.experiment.voi_figures`). By default every value tagged ``E`` that can be varied:
  a number, or a table of numbers varied by one multiplier (all three of a task time, all four of
  a ``holds_information``). Mixes that must sum to 1, lists (profiles, ask lists), text, zeros and
  whole numbers that round to one value are left out (``skipped`` says why), and so are the
  ``annual_cost`` figures: only ``compare --per-fte`` reads them, never a run. Figures are not
  grouped: a committee asks for one agency's figure, not "every desk's". ``paths`` names others
  (an ``S`` or ``D`` figure, or a number inside a table: ``roles.managers.task_minutes.mode``).
- **Ranges.** With a calibration ``ensemble``, a figure that is one of its columns ranges over the
  5th to 95th percentile of its members (a column inside an estimated table replaces the table);
  every other figure over ``±spread`` of the scenario's value, clipped to what the field allows.
- **Answer.** ``answer`` (a catalogue name; short forms allowed), else :data:`DEFAULT_ANSWER`.
- **swing** (cheap: ``2 x figures x replications`` runs): each figure alone at its low and at its
  high end, every other at the scenario's value; replication ``r`` of every run uses seed
  ``(seed, r)`` (common random numbers), so the swing is a paired difference. ``index`` is
  ``swing² / Σ swing²``; its interval is a percentile bootstrap over the replications (0/0 with one).
- **sobol** (``base_samples x (figures + 2) x replications`` runs): Saltelli's sample over every
  range at once (:mod:`mashsim.experiment.designs`) and SALib's total-order index ``ST`` of the
  answer's mean over the replications, with SALib's 95% bootstrap interval; ``swing`` is then the
  least-squares slope of the answer over each figure's range (a linear summary).

What the index means: how much of the answer's variation, over the ranges given, goes with each
figure (with Sobol, including its interactions); so measuring the top figures would narrow the
answer most. What it does not mean: it is no expected value of perfect (partial) information
(EVPPI: the expected gain in the *decision*, staff and cost, from knowing a figure), which is not
computed here; a figure can move the answer without changing which staffing mix is cheapest. It
depends on the ranges: a figure given too narrow a range looks unimportant.

Nothing here prints or reads files but the ensemble given.
"""

from __future__ import annotations

import math
import shlex
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from mashsim._version import __version__
from mashsim.experiment import limits
from mashsim.experiment.designs import MissingExtra, count_points, make_points
from mashsim.experiment.stats import t_interval
from mashsim.experiment.voi_figures import ENSEMBLE_RANGE, Figure, choose_figures
from mashsim.experiment.voi_labels import label_of
from mashsim.metrics.catalogue import family_of
from mashsim.metrics.names import UnknownMetric, metric_names, resolve_metric
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.load import apply_overrides, build_scenario, scenario_hash
from mashsim.scenario.schema import Scenario

if TYPE_CHECKING:
    from mashsim.experiment.engines import Engine

__all__ = ["DEFAULT_ANSWER", "ENSEMBLE_RANGE", "METHODS", "InputRank", "ValueOfInformation", "answer_values",
           "value_of_information"]

#: the answer unless asked: the target that settled the staffing answer in the how-to's search (the
#: mixes one person smaller than the chosen one are not shown to meet it), and one that staff move
DEFAULT_ANSWER = "working_day_breach_rate"
METHODS = ("swing", "sobol")
BOOTSTRAP = 2000  # resamples of the replications for a swing share's interval
IN_FLIGHT_PER_SLOT = 2


@dataclass(frozen=True)
class InputRank:
    """One figure's place in the ranking (see the module's docstring for what ``index`` means)."""

    path: str               # scenario path of the figure
    label: str              # plain English for a committee
    tag: str                # the figure's tag now (E, S, D; "" if untagged)
    low: float              # the range explored (multipliers when ``scaled``) ...
    high: float
    source_of_range: str    # "calibration ensemble" or "±25% of the scenario's value"
    index: float            # share of the answer's variance (Sobol ST), or the swing's share
    index_low: float        # 95% CI of index (0/0 if the method has none)
    index_high: float
    swing: float            # change in the answer (its units) from the figure's low to its high end
    swing_low: float = math.nan   # 95% CI of swing (swing: paired t over replications; sobol: NaN)
    swing_high: float = math.nan
    scaled: bool = False    # low/high multiply every number of the figure (a table)
    base: Any = None        # the scenario's value of the figure


@dataclass(frozen=True)
class ValueOfInformation:
    """The ranking, with what made it: scenario, seed, version, and the command that reproduces it."""

    scenario: str
    seed: int
    version: str
    answer: str             # the metric (catalogue name) the staffing answer turns on
    answer_label: str       # its plain-English label and unit
    method: str             # "sobol" or "swing", with the design size, in words
    runs: int               # simulation runs it took
    ranks: list[InputRank]  # most important first
    command: str            # the CLI command that reproduces this result exactly
    scenario_hash: str = ""
    answer_unit: str = ""
    replications: int = 0
    answer_mean: float = math.nan   # the answer's mean over every run
    skipped: list[dict[str, str]] = field(default_factory=list)  # figures left out, with why
    warnings: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)  # the --set PATH=VALUE changes made to the scenario


def value_of_information(scenario: Scenario, *, answer: str | None = None, paths: Sequence[str] | None = None,
                         ensemble: Path | None = None, method: str = "swing", spread: float = 0.25,
                         base_samples: int = 16, replications: int = 2, seed: int = 42, workers: int = 1,
                         horizon_days: float | None = None, progress: Callable[[int, int], None] | None = None,
                         source: str | None = None, engine: "Engine | None" = None,
                         overrides: Sequence[str] = ()) -> ValueOfInformation:
    """Rank the figures of ``scenario`` by their effect on ``answer`` (see the module's docstring).

    ``source`` names the scenario in ``command`` (default its name: a shipped scenario) and
    ``overrides`` the ``--set PATH=VALUE`` changes already applied to it, so that ``command`` and the
    result reproduce the scenario as it was run, not as its file gives it; ``engine``
    runs the tasks (default: one opened here with ``workers``). Bad input raises
    :class:`ScenarioError` naming the option (``--answer``, ``--param``, ``--spread``, ...)."""
    problems = _check_options(method, spread, base_samples, replications)
    raw = scenario.model_dump(mode="json")
    base = scenario
    if horizon_days is not None:
        try:
            raw = apply_overrides(raw, [("run.horizon_days", horizon_days)])
            base = build_scenario(raw, "--horizon-days")
        except ScenarioError as error:
            problems += [Problem("--horizon-days", p.message, horizon_days) for p in error.problems]
    try:
        metric = resolve_metric(answer or DEFAULT_ANSWER, metric_names(base))
    except UnknownMetric as error:
        problems.append(Problem("--answer", str(error), answer or DEFAULT_ANSWER))
        metric = ""
    if problems:
        raise ScenarioError(problems, "mashsim voi")
    warnings: list[str] = []
    members = _read_ensemble(ensemble, scenario, overrides, warnings)
    figures, skipped = choose_figures(scenario, raw, paths, spread, members)
    count = 2 * len(figures) if method == "swing" else count_points("sobol", [0] * len(figures), n=base_samples)
    runs = count * replications
    too_many = limits.RUNS.refuse(runs, f"{count:,} points x {replications:,} replications = {runs:,}")
    if too_many:  # counted before a point is made: a design too large to build is refused at once
        raise ScenarioError([Problem("-n" if method == "sobol" else "-r", too_many)], "mashsim voi")
    points, unit = _points(method, figures, seed, base_samples)
    values = _run_points(raw, points, seed, replications, metric, engine, workers, progress)
    analyse = _swing_ranks if method == "swing" else _sobol_ranks
    ranks, described = analyse(figures, unit, values, seed, base_samples)
    ranks.sort(key=lambda r: (-r.index, -abs(r.swing), r.path))
    family = family_of(metric)
    answer_unit = family.unit if family else ""
    return ValueOfInformation(
        scenario=scenario.name, seed=seed, version=__version__, answer=metric,
        answer_label=f"{family.label if family else metric} ({answer_unit})", method=described, runs=runs, ranks=ranks,
        command=_command(source or scenario.name, overrides, metric, paths, ensemble, method, spread, base_samples,
                         replications, seed, horizon_days), overrides=list(overrides),
        scenario_hash=scenario_hash(base), answer_unit=answer_unit, replications=replications,
        answer_mean=float(np.nanmean(values)) if np.isfinite(values).any() else math.nan, skipped=skipped,
        warnings=warnings)


def _check_options(method: str, spread: float, base_samples: int, replications: int) -> list[Problem]:
    problems = []
    if method not in METHODS:
        problems.append(Problem("--method", f"unknown method; allowed: {', '.join(METHODS)}", method))
    if not (isinstance(spread, (int, float)) and 0 < spread < 1):
        problems.append(Problem("--spread", "must be more than 0 and less than 1 (0.25 is ±25%)", spread))
    if base_samples < 1:
        problems.append(Problem("-n", "must be 1 or more", base_samples))
    if replications < 1 or limits.REPLICATIONS.refuse(replications):
        problems.append(Problem("-r", limits.REPLICATIONS.refuse(replications) or "must be 1 or more", replications))
    return problems


def _read_ensemble(ensemble: Path | None, scenario: Scenario, overrides: Sequence[str], warnings: list[str]):
    if ensemble is None:
        return None
    from mashsim.experiment.ensemble import check_against, read_ensemble

    members = read_ensemble(ensemble)
    warnings += check_against(members, scenario, overrides)  # a path both --set and ranged: refused
    return members


# ------------------------------------------------------------------------------------------ running
Point = list[tuple[str, Any]]  # the (path, value) overrides that make one run's scenario


def _points(method: str, figures: list[Figure], seed: int, base_samples: int) -> tuple[list[Point], np.ndarray]:
    """The runs' overrides and each run's figures in their ranges (points x figures, 0 to 1): swing, each
    figure at its low then its high end; sobol, Saltelli's sample in SALib's order."""
    if method == "swing":
        points = [[(f.path, f.value(x))] for f in figures for x in (f.low, f.high)]
        return points, np.empty((len(points), 0))
    try:
        design = make_points("sobol", figures, seed, n=base_samples)
    except MissingExtra as error:
        raise ScenarioError([Problem("--method", str(error), method)], "--method") from None
    unit = np.array([[(point[f.path] - f.low) / (f.high - f.low) for f in figures] for point in design.points])
    return [[(f.path, f.value(point[f.path])) for f in figures] for point in design.points], unit


def answer_values(raw: dict[str, Any], point: Point, seed: int, replications: int, metric: str) -> list[float]:
    """The answer in replications ``0..replications-1`` of the scenario ``point`` makes: one task.

    The scenario is built here, in the worker, so the parent holds overrides, not scenarios."""
    from mashsim.experiment.runner import run_batch

    scenario = build_scenario(apply_overrides(raw, point), "value of information")
    return [float(r.metrics[metric]) for r in run_batch(scenario, seed, range(replications))]


def _run_points(raw: dict[str, Any], points: list[Point], seed: int, replications: int, metric: str,
                engine: "Engine | None", workers: int, progress: Callable[[int, int], None] | None) -> np.ndarray:
    """points x replications of the answer, run a few tasks a worker at a time (memory stays flat)."""
    from mashsim.experiment.engines import open_engine

    if engine is None:
        with open_engine("local", workers) as own:
            return _run_points(raw, points, seed, replications, metric, own, workers, progress)
    out = np.full((len(points), replications), np.nan)
    window = max(1, engine.slots * IN_FLIGHT_PER_SLOT)
    pending: dict[Future, int] = {}
    total, done, queue = len(points) * replications, 0, iter(range(len(points)))
    while True:
        for i in queue:
            pending[engine.executor.submit(answer_values, raw, points[i], seed, replications, metric)] = i
            if len(pending) >= window:
                break
        if not pending:
            return out
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            out[pending.pop(future)] = future.result()
            done += replications
            if progress:
                progress(done, total)


# ----------------------------------------------------------------------------------------- analysis
def _swing_ranks(figures: list[Figure], unit: np.ndarray, values: np.ndarray, seed: int, base_samples: int) -> tuple[list[InputRank], str]:
    diffs = values[1::2] - values[0::2]  # figures x replications: high end minus low end, paired
    if np.isnan(diffs).all(axis=1).any():
        worst = figures[int(np.flatnonzero(np.isnan(diffs).all(axis=1))[0])].path
        raise ScenarioError([Problem("--answer", f"the answer is undefined (NaN) in every run varying {worst}: "
                                                 "choose another answer or a longer --horizon-days")], "--answer")
    swings = np.nanmean(diffs, axis=1)
    shares = _shares(swings)
    low, high = _bootstrap_shares(diffs, seed)
    ranks = []
    for j, f in enumerate(figures):
        ci = t_interval(diffs[j])
        ranks.append(_rank(f, shares[j], low[j], high[j], swings[j], ci.ci_low, ci.ci_high))
    r = values.shape[1]
    return ranks, (f"swing: each of {len(figures)} figures alone at its low and high end, {r} replication"
                   f"{'s' if r != 1 else ''} each (common random numbers); share = swing² / Σ swing²")


def _shares(swings: np.ndarray) -> np.ndarray:
    total = float(np.sum(swings ** 2))
    return swings ** 2 / total if total > 0 else np.zeros_like(swings)


def _bootstrap_shares(diffs: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """95% percentile interval of each share, resampling replications (the same for every figure:
    they share their random numbers); 0/0 with one replication, which has nothing to resample."""
    k, r = diffs.shape
    if r < 2:
        return np.zeros(k), np.zeros(k)
    rng = np.random.default_rng([seed, 0x766F69])  # "voi": apart from every replication's streams
    picks = rng.integers(0, r, size=(BOOTSTRAP, r))
    shares = np.array([_shares(np.nanmean(diffs[:, pick], axis=1)) for pick in picks])
    low, high = np.nanpercentile(shares, [2.5, 97.5], axis=0)
    return low, high


def _sobol_ranks(figures: list[Figure], unit: np.ndarray, values: np.ndarray, seed: int, base_samples: int) -> tuple[list[InputRank], str]:
    try:
        from SALib.analyze import sobol  # type: ignore[import-untyped]
    except ImportError:
        raise ScenarioError([Problem("--method", "sobol needs SALib: pip install 'mashsim[sensitivity]'",
                                     "sobol")], "--method") from None
    y = np.nanmean(values, axis=1) if np.isfinite(values).any(axis=1).all() else None
    if y is None:
        raise ScenarioError([Problem("--answer", "the answer is undefined (NaN) at some design points: choose "
                                                 "another answer or a longer --horizon-days")], "--answer")
    problem = {"num_vars": len(figures), "names": [f.path for f in figures],
               "bounds": [[f.low, f.high + (1 if f.integer else 0)] for f in figures]}
    # the answer's least-squares slope over each range: its low-to-high change, were it linear
    slopes = np.linalg.lstsq(np.column_stack([np.ones(len(y)), unit]), y, rcond=None)[0][1:]
    if np.ptp(y) == 0:  # nothing moved the answer: no variance to share
        st = conf = np.zeros(len(figures))
    else:
        result = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        st, conf = np.asarray(result["ST"]), np.asarray(result["ST_conf"])
    ranks = [_rank(f, float(st[j]), max(0.0, float(st[j] - conf[j])), float(st[j] + conf[j]), float(slopes[j]))
             for j, f in enumerate(figures)]
    return ranks, (f"sobol: Saltelli sample of {base_samples} base samples x ({len(figures)} figures + 2) = "
                   f"{len(unit)} points, {values.shape[1]} replication{'s' if values.shape[1] != 1 else ''} "
                   f"each; share = total-order index ST (95% CI from SALib); swing = linear slope over the range")


def _rank(f: Figure, index: float, low: float, high: float, swing: float, swing_low: float = math.nan,
          swing_high: float = math.nan) -> InputRank:
    return InputRank(f.path, label_of(f.path, f.scale), f.tag, f.low, f.high, f.source_of_range, float(index),
                     float(low), float(high), float(swing), float(swing_low), float(swing_high), f.scale, f.base)


def _command(source: str, overrides: Sequence[str], metric: str, paths: Sequence[str] | None, ensemble: Path | None,
             method: str, spread: float, base_samples: int, replications: int, seed: int,
             horizon_days: float | None) -> str:
    words = ["mashsim", "voi", source, *(w for text in overrides for w in ("--set", text)), "--answer", metric,
             "--method", method, "--spread", f"{spread:g}"]
    if method == "sobol":
        words += ["-n", str(base_samples)]
    words += ["-r", str(replications), "--seed", str(seed)]
    if horizon_days is not None:
        words += ["--horizon-days", f"{horizon_days:g}"]
    if ensemble is not None:
        words += ["--ensemble", str(ensemble)]
    for path in paths or ():
        words += ["--param", path]
    return " ".join(shlex.quote(w) for w in words)
