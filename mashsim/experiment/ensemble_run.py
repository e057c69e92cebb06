"""Replications over an ensemble: ``M`` members x ``R`` replications each (a two-level design).

Replications go round the members: replication ``r`` of member ``k`` (the ``k``-th of ``M`` chosen,
both counted from 0) is replication ``r M + k`` of the base seed. So every replication has its
own random numbers, independent of every other member's; more replications extend a run without
changing the ones already made (``mashsim staff`` doubles them where a decision is close); and
the same ``(seed, members)`` gives the same numbers to whatever scenario is run over the
ensemble, so two staffing alternatives run over the same members meet the same contacts (common
random numbers, paired within a member). See :mod:`mashsim.experiment.two_level` for how
the results are split into parameter uncertainty and chance.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from mashsim.experiment.ensemble import Ensemble
from mashsim.experiment.runner import Progress, RunResult, run_replications
from mashsim.experiment.staffing import SimulatedReplications
from mashsim.experiment.two_level import TwoLevel, two_level
from mashsim.replication import ReplicationResult, simulate
from mashsim.scenario.errors import ScenarioError
from mashsim.scenario.schema import Scenario

#: builds the scenario with a member's ``(path, value)`` settings (the CLI: the file, its --set, then these)
Build = Callable[[list[tuple[str, Any]]], Scenario]


def member_scenarios(ensemble: Ensemble, rows: Sequence[int], build: Build) -> list[Scenario]:
    """Each chosen member's scenario; every member the scenario rejects is reported at once (exit 2)."""
    scenarios, problems = [], []
    for row in rows:
        try:
            scenarios.append(build(ensemble.settings(row)))
        except ScenarioError as error:
            problems += [replace(p, path=f"member {ensemble.ids[row]}: {p.path}") for p in error.problems]
    if problems:
        raise ScenarioError(problems, ensemble.source)
    return scenarios


def member_of_replication(index: int, members: int) -> int:
    """The position (among the ``members`` chosen) of the member replication ``index`` runs."""
    return index % members


@dataclass
class EnsembleResult:
    """Replications of a scenario over ensemble members, with what made them.

    ``replications`` are in replication order (going round the members); ``member_of[i]`` is the
    member number (the file's ``member`` column, else its row) of ``replications[i]``.
    """

    run: RunResult                     # the replications as one plain run: the base scenario (the members'
                                       # settings not applied), its hash, the seed, version and core
    ensemble: Ensemble
    rows: list[int]                    # the ensemble rows run, in order
    per_member: int
    member_of: list[int]

    # what made the replications: the plain run's, recorded once
    scenario = property(lambda self: self.run.scenario)
    scenario_hash = property(lambda self: self.run.scenario_hash)
    seed = property(lambda self: self.run.seed)
    replications = property(lambda self: self.run.replications)
    version = property(lambda self: self.run.version)
    core = property(lambda self: self.run.core)
    metric_names = property(lambda self: self.run.metric_names)

    @property
    def members(self) -> list[int]:
        return [self.ensemble.ids[row] for row in self.rows]

    def groups(self, metric: str) -> list[list[float]]:
        """The metric's values, one list a member (in member order)."""
        out: dict[int, list[float]] = {}
        for member, result in zip(self.member_of, self.replications):
            out.setdefault(member, []).append(result.metrics[metric])
        return [out[m] for m in self.members if m in out]

    def summary(self, level: float = 0.95) -> dict[str, TwoLevel]:
        """Mean, two-level interval and variance split of every metric."""
        return {name: two_level(self.groups(name), level) for name in self.metric_names}

    def as_run(self) -> RunResult:
        """The replications as one plain run (for what reads any run: stability, the frame)."""
        return self.run

    def frame(self):
        """One row per replication, with its member number and the ensemble file's hash."""
        frame = self.as_run().frame()
        frame.insert(1, "member", self.member_of)
        frame["ensemble_hash"] = self.ensemble.file_hash
        return frame

    def records_frame(self):
        """Per-contact records (run with ``record=True``), each with its replication's member number."""
        frame = self.as_run().records_frame()
        if len(frame):
            member = dict(zip((r.replication for r in self.replications), self.member_of))
            frame.insert(1, "member", frame["replication"].map(member))
        return frame

    def ensemble_dict(self) -> dict[str, Any]:
        return {**self.ensemble.describe(), "members_run": self.members, "replications_per_member": self.per_member}

    def to_dict(self, level: float = 0.95) -> dict[str, Any]:
        """The JSON form: a plain run's, each metric with its two-level figures, and the ensemble."""
        data = self.as_run().to_dict(level)
        summary = self.summary(level)
        for name, figures in summary.items():
            node = data["metrics"]
            for part in name.split("."):
                node = node[part]
            node.update(figures.to_dict())
        data["ensemble"] = self.ensemble_dict()
        data["members"] = list(self.member_of)
        data["uncertainty"] = "two-level: ensemble members (parameters) x replications (chance)"
        return data


def run_ensemble(
    ensemble: Ensemble,
    rows: Sequence[int],
    base: Scenario,
    per_member: int,
    seed: int,
    *,
    workers: int | None = 1,
    record: bool = False,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> EnsembleResult:
    """Run ``per_member`` replications of ``base`` with each member's settings (``rows``: the ensemble
    rows chosen, in order): :func:`run_replications` with a :class:`MemberBatch` as its task, so a
    run over an ensemble is scheduled, seeded and collected as any run is. Check the members
    first with :func:`member_scenarios`: a member the scenario rejects then fails before anything runs."""
    if per_member < 1:
        raise ValueError("replications per member must be at least 1")
    batch = MemberBatch.of(ensemble, rows)
    run = run_replications(base, per_member * len(rows), seed, workers=workers, record=record, progress=progress,
                           executor=executor, task=batch)
    return EnsembleResult(run, ensemble, list(rows), per_member, [batch.member(r.replication) for r in run.replications])


class EnsembleReplications(SimulatedReplications):
    """``mashsim staff``'s replications over an ensemble: replication ``i`` of a mix runs member
    ``i % M`` with the mix's staffing (``make(settings, member_settings)`` builds it), so mixes
    are paired member by member and replication by replication; judge them with
    :func:`mashsim.experiment.two_level.round_robin_interval`."""

    def __init__(self, make: Callable[[dict[str, int], list[tuple[str, Any]]], Scenario], ensemble: Ensemble,
                 rows: Sequence[int], metrics: Sequence[str], seed: int, executor: Executor | None = None,
                 slots: int = 1) -> None:
        super().__init__(lambda settings: make(settings, []), metrics, seed, executor, slots)
        self.make_member, self.ensemble, self.rows = make, ensemble, list(rows)

    def pieces(self, settings: dict[str, int], indices: Sequence[int]) -> list[tuple[Scenario, list[int]]]:
        m = len(self.rows)
        out = []
        for k, row in enumerate(self.rows):
            part = [i for i in indices if member_of_replication(i, m) == k]
            if part:
                out.append((self.make_member(settings, self.ensemble.settings(row)), part))
        return out


@dataclass(frozen=True)
class MemberBatch:
    """A sweep's task over an ensemble (``run_sweep(task=...)``): replication ``r`` of a design point
    runs member ``r % M``'s settings on top of the point's scenario. Picklable, so any worker (a
    process, a Dask worker) runs it with the same results."""

    ids: tuple[int, ...]                              # the members run, in order
    settings: tuple[tuple[tuple[str, float], ...], ...]  # each one's (path, value) settings

    @classmethod
    def of(cls, ensemble: Ensemble, rows: Sequence[int]) -> "MemberBatch":
        return cls(tuple(ensemble.ids[r] for r in rows), tuple(tuple(ensemble.settings(r)) for r in rows))

    def member(self, replication: int) -> int:
        return self.ids[member_of_replication(replication, len(self.ids))]

    def __call__(self, scenario: Scenario, seed: int, replications: Sequence[int], record: bool = False,
                 series: bool = False) -> list[ReplicationResult]:
        built: dict[int, Scenario] = {}
        results = []
        for i in replications:
            k = member_of_replication(i, len(self.ids))
            if k not in built:
                built[k] = with_settings(scenario, list(self.settings[k]), f"ensemble member {self.ids[k]}")
            results.append(simulate(built[k], seed, i, record=record, series=series))
        return results


def with_settings(scenario: Scenario, settings: list[tuple[str, Any]], source: str) -> Scenario:
    """``scenario`` with ``settings`` applied (rebuilt from its dump, which keeps its hash)."""
    from mashsim.scenario.load import apply_overrides, build_scenario

    return build_scenario(apply_overrides(scenario.model_dump(mode="json"), settings), source)
