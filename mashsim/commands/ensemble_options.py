"""``--ensemble FILE`` and ``--members M``: the options ``run``, ``sweep`` and ``staff`` share.

Each replication then draws its parameters from an ensemble member (see
:mod:`mashsim.experiment.ensemble`), and results split parameter uncertainty from chance
(:mod:`mashsim.experiment.two_level`).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from mashsim.commands.common import positive_int
from mashsim.scenario import Problem, Scenario, ScenarioError

#: members run when --members is not given: enough for a t interval with 9 degrees of freedom, few
#: enough that each member can have a few replications of its own
DEFAULT_MEMBERS = 10


def add_ensemble_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ensemble", type=Path, metavar="FILE",
                        help="a parameter ensemble (Parquet, e.g. from mashsim calibrate): each replication draws "
                             "its parameters from a member, and the output splits parameter uncertainty from chance")
    parser.add_argument("--members", type=positive_int, metavar="M",
                        help=f"ensemble members to run (default: {DEFAULT_MEMBERS}, or every row if fewer), chosen "
                             "from the seed; with --ensemble, -r counts replications per member")


@dataclass
class EnsembleChoice:
    """An ensemble read and checked, the members chosen, and their scenarios built."""

    ensemble: Any                 # mashsim.experiment.ensemble.Ensemble
    rows: list[int]
    scenarios: list[Scenario]
    warnings: list[str]


def choose_members(args: argparse.Namespace, base: Scenario, seed: int,
                   build: Callable[[list[tuple[str, Any]]], Scenario]) -> EnsembleChoice:
    """Read ``args.ensemble``, check it against ``base`` and build each chosen member's scenario
    (``build(settings)``); every problem is an input error (exit 2) before anything runs."""
    from mashsim.experiment.ensemble import check_against, read_ensemble
    from mashsim.experiment.ensemble_run import member_scenarios

    ensemble = read_ensemble(args.ensemble)
    warnings = check_against(ensemble, base, args.overrides)
    rows = ensemble.choose(args.members or DEFAULT_MEMBERS, seed)
    return EnsembleChoice(ensemble, rows, member_scenarios(ensemble, rows, build), warnings)


def per_member(replications: int | None, scenario: Scenario, members: int) -> int:
    """Replications per member: ``-r`` as given, else the scenario's ``run.replications`` shared
    among the members, at least 2 (a member's own spread is what measures chance)."""
    if replications is not None:
        return replications
    return max(2, math.ceil(scenario.run.replications / members))


def wanted(args: argparse.Namespace) -> bool:
    """Whether ``--ensemble`` was given; ``--members`` without it is an input error."""
    if args.ensemble is None and args.members is not None:
        raise ScenarioError([Problem("--members", "counts ensemble members: give --ensemble FILE as well",
                                     args.members)], "--members")
    return args.ensemble is not None


@dataclass
class EnsembleRun:
    """``run --ensemble``: the members chosen and the replications each gets, ready to run."""

    base: Scenario
    choice: EnsembleChoice
    per_member: int
    seed: int

    @classmethod
    def prepare(cls, args: argparse.Namespace, base: Scenario, seed: int,
                build: Callable[[list[tuple[str, Any]]], Scenario]) -> "EnsembleRun":
        from mashsim.experiment import limits

        if args.replications is not None and args.replications < 2:
            raise ScenarioError([Problem("--replications", "with --ensemble, counts replications per member: at "
                                                           "least 2 are needed to tell chance from parameters",
                                         args.replications)], "mashsim run")
        choice = choose_members(args, base, seed, build)
        run = cls(base, choice, per_member(args.replications, base, len(choice.rows)), seed)
        too_many = limits.RUNS.refuse(run.total, f"{len(choice.rows):,} members x {run.per_member:,} replications "
                                                 f"= {run.total:,}")
        if too_many:
            raise ScenarioError([Problem("--members", too_many, len(choice.rows))], "mashsim run")
        return run

    @property
    def total(self) -> int:
        return self.per_member * len(self.choice.rows)

    def run(self, **options: Any):
        from mashsim.experiment.ensemble_run import run_ensemble

        c = self.choice
        return run_ensemble(c.ensemble, c.rows, self.base, self.per_member, self.seed, **options)


def staff_over_ensemble(args: argparse.Namespace, base: Scenario, seed: int, metrics: list[str], levers: list,
                        executor: Any, slots: int) -> dict[str, Any]:
    """``staff --ensemble``: the keyword arguments that make :func:`search_staffing` run every mix over
    the chosen members (``-r`` and ``--max-replications`` count per member: by default the scenario's
    replications shared among the members, at least 2 each, and 4 times that) and judge each target
    on the two-level interval; with ``"ensemble"``, the members run, for the output."""
    from mashsim.experiment import limits
    from mashsim.experiment.ensemble_run import EnsembleReplications
    from mashsim.experiment.staffing import most_mixes_run
    from mashsim.experiment.two_level import round_robin_interval
    from mashsim.scenario import load_scenario

    def make(settings: dict[str, int], pairs: list[tuple[str, Any]]) -> Scenario:
        return load_scenario(args.scenario, [*args.overrides, *settings.items(), *pairs])

    checked = argparse.Namespace(**{**vars(args), "overrides": [*args.overrides, *args.vary]})
    choice = choose_members(checked, base, seed, lambda pairs: make({}, pairs))
    m = len(choice.rows)
    # per member, as for run: without -r, the scenario's replications shared among the members
    replications = per_member(args.replications, base, m)
    cap = args.max_replications or 4 * replications
    if cap < replications:
        raise ScenarioError([Problem("--max-replications", f"must be at least the replications per member "
                                                           f"({replications})", cap)], "mashsim staff")
    too_many = limits.RUNS.refuse(most_mixes_run(levers) * cap * m,
                                  f"the search may run {most_mixes_run(levers):,} mixes x {cap:,} replications x "
                                  f"{m} members = {most_mixes_run(levers) * cap * m:,}")
    if too_many:
        raise ScenarioError([Problem("--members", too_many, m)], "mashsim staff")
    replicate = EnsembleReplications(make, choice.ensemble, choice.rows, metrics, seed, executor, slots)
    return {"replicate": replicate, "replications": replications * m, "max_replications": cap * m,
            "interval": round_robin_interval(m), "ensemble": choice}


def ensemble_provenance(choice: EnsembleChoice | None, quiet: bool) -> dict[str, Any]:
    """``{"ensemble": ...}`` for a command's output (empty without one); its warnings go to stderr
    unless ``quiet`` (``--json``)."""
    if choice is None:
        return {}
    if not quiet:
        import sys

        for warning in choice.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return {"ensemble": {**choice.ensemble.describe(), "members_run": [choice.ensemble.ids[r] for r in choice.rows]}}


def sweep_over_ensemble(args: argparse.Namespace, plan: Any) -> tuple[Any, Any, list[str]]:
    """``sweep --ensemble``: the plan marked with the members run, the task that runs replication
    ``r`` of every design point on member ``r % M`` (so points pair member by member), and the
    warnings. The experiment must have a fixed number of replications, at least 2 a member."""
    from dataclasses import replace

    from mashsim.experiment.ensemble import check_against, read_ensemble
    from mashsim.experiment.ensemble_run import MemberBatch, member_scenarios, with_settings

    rule = plan.replications
    if not rule.fixed:
        raise ScenarioError([Problem("--ensemble", "needs a fixed number of replications (replications.n): a "
                                                   "precision rule judges plain intervals, not intervals over "
                                                   "members")],
                            str(args.experiment))
    ensemble = read_ensemble(args.ensemble)
    n = int(rule.n)
    members = args.members or min(len(ensemble), DEFAULT_MEMBERS, max(1, n // 2))
    if n < 2 * min(members, len(ensemble)):
        raise ScenarioError([Problem("--members", f"the experiment runs {n} replications a point: at most {n // 2} "
                                                  "members can have 2 each (a member's own spread measures chance)",
                                     members)], str(args.experiment))
    factor_paths = [f"{path}=" for f in plan.factors for path in ([f.path] if f.written is None else [])]
    warnings: list[str] = []
    rows = ensemble.choose(members, plan.seed)
    for base in plan.bases.values():
        warnings += check_against(ensemble, base.scenario, [*factor_paths, *args.overrides])
        member_scenarios(ensemble, rows, lambda pairs: with_settings(base.scenario, pairs, ensemble.source))
    marked = replace(plan, ensemble={**ensemble.describe(), "members_run": [ensemble.ids[r] for r in rows],
                                     "replication_to_member": "replication r runs members_run[r % len(members_run)]"})
    return marked, MemberBatch.of(ensemble, rows), warnings
