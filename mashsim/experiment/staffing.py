"""The least-cost staffing mix whose targets all hold with 95% confidence.

Each *lever* is a staffing field (``agencies.police.staff``) with a whole-number range and a cost
per unit. A *mix* sets every lever; its cost is the sum of cost × staff. The search finds the
cheapest mix whose every target is met with 95% confidence (:mod:`mashsim.experiment.targets`).

Assumption (monotonicity): one more person in any varied role never makes a target worse, beyond
noise. It holds for delays, breaches, queues and missed signals through late returns when the
targets say "at most"; it does not for a target that staff push the wrong way (utilisation at
least X). Under it, a mix at least as large as one that meets the targets meets them too, and a
mix no larger than one that does not, does not; the search uses both to leave most mixes unrun.

Search: the lever with the most values is searched by bisection, for every combination of the
others (in increasing order), for the fewest staff that meet the targets; the cheapest of those
minimal mixes is the answer. A combination whose cheapest possible mix costs more than the
runner-up so far is skipped. Every mix runs replications ``0 .. n-1`` on the same seed (common
random numbers), so mixes are compared on the same contacts; where a target's confidence interval
straddles its threshold, replications are doubled up to a cap. A mix still undecided at the cap is
not shown to meet its targets and is treated as not meeting them.

Finally each mix one person smaller than the chosen one in one lever is run (if it was only
settled by the assumption): the evidence that the chosen mix cannot be cut, and a check of the
assumption — a smaller mix that meets the targets is reported as a warning. The assumption is also
checked on every pair of mixes run where one has at least the other's staff in every lever: a
target the larger mix does worse on, paired replication by replication with its 99% interval clear
of 0, is reported as a warning.

An unstable mix (its backlog grows over the window, :mod:`mashsim.experiment.stability`) never
meets the targets, whatever its figures say: they depend on the horizon. Its verdict is
``unstable``; the backlog-growth metrics are asked of ``replicate`` after the targets' metrics.

The runner-up is the cheapest other mix that meets the targets without merely adding staff to the
chosen one (any mix that does, meets them too, at more cost).
"""

from __future__ import annotations

import itertools
import math
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from mashsim.experiment.runner import chunks, run_batch
from mashsim.experiment.stability import Stability, growth_metrics, judge_stability
from mashsim.experiment.stats import t_interval
from mashsim.experiment.targets import CLOSE, FAILS, MET, Evidence, IntervalOf, Target, judge
from mashsim.scenario.schema import HUB_ROLES, Scenario

Mix = tuple[int, ...]
Progress = Callable[[dict[str, int], int], None]
UNSTABLE = "unstable"  # a mix's verdict when its backlog grows: never meets the targets
MONOTONE_LEVEL = 0.99  # the paired interval a contradiction of the assumption must clear 0 at


@dataclass(frozen=True)
class Lever:
    """A staffing field varied over ``low .. high`` (whole numbers) at ``cost`` per unit."""

    path: str
    low: int
    high: int
    cost: float = 1.0

    @property
    def values(self) -> range:
        return range(self.low, self.high + 1)


@dataclass
class MixResult:
    """One mix run: its staffing, cost, replications and the evidence on every target."""

    mix: Mix
    cost: float
    replications: int
    evidence: list[Evidence]
    stability: Stability | None = None  # None: the replications measured no backlog growth
    rows: list[list[float]] = field(default_factory=list, repr=False)  # each replication's target values

    @property
    def stable(self) -> bool:
        return self.stability is None or self.stability.stable

    @property
    def verdict(self) -> str:
        if not self.stable:
            return UNSTABLE
        verdicts = {e.verdict for e in self.evidence}
        return MET if verdicts == {MET} else FAILS if FAILS in verdicts else CLOSE

    @property
    def met(self) -> bool:
        return self.verdict == MET


@dataclass
class StaffingResult:
    """The answer: the chosen mix and runner-up (None if none), every mix run, the mixes one person
    smaller than the chosen one (each run), and warnings if the evidence contradicts the assumption."""

    levers: list[Lever]
    targets: list[Target]
    seed: int
    replications: int
    max_replications: int
    chosen: MixResult | None
    runner_up: MixResult | None
    evaluated: list[MixResult]
    fewer: list[MixResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def mixes(self) -> int:
        """How many mixes the ranges hold."""
        return math.prod(len(lever.values) for lever in self.levers)

    @property
    def total_replications(self) -> int:
        return sum(r.replications for r in self.evaluated)

    def closest(self) -> Evidence | None:
        """When no mix meets the targets: the unmet target nearest its threshold at the largest mix."""
        top = next((r for r in self.evaluated if r.mix == tuple(lv.high for lv in self.levers)), None)
        unmet = [e for e in (top.evidence if top else []) if e.verdict != MET]
        return min(unmet, key=lambda e: e.gap) if unmet else None

    def settings(self, mix: Mix) -> dict[str, int]:
        return settings_of(self.levers, mix)

    def to_dict(self) -> dict[str, Any]:
        def mix_dict(r: MixResult | None) -> dict[str, Any] | None:
            if r is None:
                return None
            return {"staff": self.settings(r.mix), "cost": r.cost, "replications": r.replications,
                    "verdict": r.verdict, "stable": r.stable,
                    "stability": r.stability.to_dict() if r.stability else None,
                    "targets": [e.to_dict() for e in r.evidence]}

        closest = self.closest() if self.chosen is None else None
        return {
            "found": self.chosen is not None,
            "chosen": mix_dict(self.chosen),
            "runner_up": mix_dict(self.runner_up),
            "one_fewer": [mix_dict(r) for r in self.fewer],
            "closest_target": closest.to_dict() if closest else None,
            "levers": [{"path": lv.path, "low": lv.low, "high": lv.high, "cost": lv.cost} for lv in self.levers],
            "targets": [str(t) for t in self.targets],
            "seed": self.seed,
            "replications": {"initial": self.replications, "max": self.max_replications,
                             "total_run": self.total_replications},
            "mixes": {"in_ranges": self.mixes, "run": len(self.evaluated)},
            "common_random_numbers": True,
            "confidence": "one-sided 95% bound of the mean on the right side of each threshold",
            "evaluated": [mix_dict(r) for r in self.evaluated],
            "unstable": [self.settings(r.mix) for r in self.evaluated if not r.stable],
            "warnings": self.warnings,
        }


STAFF_PARTS = ("staff", "out_of_hours_staff")


def staff_fields(scenario: Scenario) -> list[str]:
    """The whole-number staffing fields a search may vary: ``staff`` and ``out_of_hours_staff`` of
    each role and desk a hub staffs itself (``hubs.<hub>.`` first in a scenario with hubs, whose
    top-level tables are only defaults) and of each pooled team (``pools.<pool>.``)."""
    fields = []
    for hub, settings in scenario.hub_list():
        prefix = "" if hub is None else f"hubs.{hub}."
        fields += [f"{prefix}{'roles' if name in HUB_ROLES else 'agencies'}.{name}.{part}"
                   for name in settings.staffed_roles() for part in STAFF_PARTS]
    return fields + [f"pools.{pool}.{part}" for pool in scenario.pools for part in STAFF_PARTS]



Replicate = Callable[[dict[str, int], range], list[list[float]]]


class SimulatedReplications:
    """``replicate(settings, indices)``: the target metrics of replications ``indices`` of the
    scenario ``make(settings)`` builds, on ``seed``; in this process, or in batches over
    ``executor`` (``slots`` workers), with the same results either way."""

    def __init__(self, make: Callable[[dict[str, int]], Scenario], metrics: Sequence[str], seed: int,
                 executor: Executor | None = None, slots: int = 1) -> None:
        self.make, self.metrics, self.seed = make, list(metrics), seed
        self.executor, self.slots = executor, max(1, slots)
        self.growth: list[str] = []  # the backlog-growth metrics, given after the targets' (set on the first run)

    def pieces(self, settings: dict[str, int], indices: Sequence[int]) -> list[tuple[Scenario, list[int]]]:
        """The scenario each of ``indices`` runs (here one for all; over an ensemble, a member's each)."""
        return [(self.make(settings), list(indices))]

    def __call__(self, settings: dict[str, int], indices: range) -> list[list[float]]:
        pieces = self.pieces(settings, indices)
        if self.executor is None:
            results = [result for scenario, part in pieces for result in run_batch(scenario, self.seed, part)]
        else:
            size = max(1, math.ceil(len(indices) / self.slots))
            futures = [self.executor.submit(run_batch, scenario, self.seed, batch)
                       for scenario, part in pieces for batch in chunks(part, size)]
            results = [result for future in futures for result in future.result()]
        results.sort(key=lambda result: result.replication)  # in replication order, whatever the pieces
        if results and not self.growth:
            self.growth = growth_metrics(list(results[0].metrics))
        return [[result.metrics[m] for m in [*self.metrics, *self.growth]] for result in results]


def most_mixes_run(levers: Sequence[Lever]) -> int:
    """The most mixes :func:`search_staffing` can run: the top mix; for every combination of the other
    levers, the widest lever's top and its bisection; then the chosen, the runner-up and one fewer each."""
    widths = sorted(len(lever.values) for lever in levers)
    others = math.prod(widths[:-1])
    return 1 + others * (1 + math.ceil(math.log2(widths[-1]))) + 2 + len(levers)


def search_staffing(levers: Sequence[Lever], targets: Sequence[Target], replicate: Replicate, *, seed: int,
                    replications: int = 10, max_replications: int = 40, level: float = 0.95,
                    progress: Progress | None = None, interval: IntervalOf = t_interval) -> StaffingResult:
    """The cheapest mix of ``levers`` whose ``targets`` all hold with ``level`` confidence.

    ``replicate(settings, indices)`` gives, for ``{path: staff}``, each replication's values of
    the targets' metrics (in target order): :class:`SimulatedReplications` runs the model. Every
    mix asks for replications ``0 .. n-1`` (``seed`` records which seed they use); ``n`` starts
    at ``replications`` and doubles, up to ``max_replications``, while a target is close.
    ``progress(settings, n)`` is called before each batch of replications. ``interval`` makes the
    intervals targets are judged on (over an ensemble: the two-level one over its members).
    """
    if not levers or not targets:
        raise ValueError("at least one lever and one target are needed")
    if not 2 <= replications <= max_replications:
        raise ValueError("need 2 <= replications <= max_replications")
    levers = list(levers)
    search = _Search(levers, list(targets), replicate, replications, max_replications, level, progress, interval)
    chosen, runner_up = search.run()
    fewer = search.fewer(chosen)
    warnings = [f"{describe(search.settings(r.mix))} also meets the targets at less cost, though the search "
                f"ruled it out from a larger mix that does not: more staff made a target worse, so the "
                f"monotonicity the search assumes does not hold here and a cheaper mix may exist"
                for r in fewer if r.met]
    warnings += search.contradictions()
    return StaffingResult(levers, list(targets), seed, replications, max_replications, chosen, runner_up,
                          list(search.results.values()), fewer, warnings)


class _Search:
    def __init__(self, levers: list[Lever], targets: list[Target], replicate: Replicate, replications: int,
                 max_replications: int, level: float, progress: Progress | None,
                 interval: IntervalOf = t_interval) -> None:
        self.levers, self.targets, self.replicate, self.interval = levers, targets, replicate, interval
        self.first, self.cap, self.level, self.progress = replications, max_replications, level, progress
        self.results: dict[Mix, MixResult] = {}

    def cost(self, mix: Mix) -> float:
        return sum(lever.cost * v for lever, v in zip(self.levers, mix))

    def settings(self, mix: Mix) -> dict[str, int]:
        return settings_of(self.levers, mix)

    # ------------------------------------------------------------------ one mix
    def evaluate(self, mix: Mix) -> MixResult:
        rows: list[list[float]] = []
        n = self.first
        while True:
            if self.progress:
                self.progress(self.settings(mix), n)
            rows += self.replicate(self.settings(mix), range(len(rows), n))
            evidence = [judge(t, [row[k] for row in rows], self.level, self.interval)
                        for k, t in enumerate(self.targets)]
            result = MixResult(mix, self.cost(mix), n, evidence, self._stability(rows), rows)
            if result.verdict != CLOSE or n >= self.cap:
                return result
            n = min(2 * n, self.cap)

    def _stability(self, rows: list[list[float]]) -> Stability | None:
        """The verdict on the backlog's growth, from the columns after the targets' (None: none given)."""
        first = len(self.targets)
        if not rows or len(rows[0]) == first:
            return None
        names = getattr(self.replicate, "growth", None) or [
            "backlog_growth" + (f".{k}" if k else "") for k in range(len(rows[0]) - first)]
        return judge_stability({name: [row[first + k] for row in rows] for k, name in enumerate(names)}, self.level)

    def contradictions(self) -> list[str]:
        """Every pair of mixes run where the one with at least the other's staff everywhere is worse on a
        target beyond noise: paired over their common replications (common random numbers), the
        ``MONOTONE_LEVEL`` interval of the difference lies on the wrong side of 0."""
        found = []
        results = list(self.results.values())
        for big in results:
            for small in results:
                if big is small or not _covers(big.mix, small.mix):
                    continue
                for k, target in enumerate(self.targets):
                    diffs = [(b[k] - a[k]) * (1 if target.upper else -1) for a, b in zip(small.rows, big.rows)]
                    worse = t_interval([d for d in diffs if d == d], MONOTONE_LEVEL)
                    if worse.n >= 2 and worse.ci_low > 0:
                        low, high = (worse.ci_low, worse.ci_high) if target.upper else (-worse.ci_high, -worse.ci_low)
                        found.append(f"more staff made {target.metric} worse beyond noise: "
                                     f"{describe(self.settings(big.mix))} against {describe(self.settings(small.mix))} "
                                     f"(paired over {worse.n} replications, {MONOTONE_LEVEL:.0%} CI of the change "
                                     f"{low:+.4g} to {high:+.4g}); the monotonicity the search assumes does not "
                                     f"hold here")
        return found

    def meets(self, mix: Mix) -> bool:
        """Whether ``mix`` meets the targets: implied by monotonicity from a mix already run, else run."""
        if mix in self.results:
            return self.results[mix].met
        for other, result in self.results.items():
            if result.met and _covers(mix, other):
                return True
            if not result.met and _covers(other, mix):
                return False
        result = self.evaluate(mix)
        self.results[mix] = result
        return result.met

    # ------------------------------------------------------------------ the search
    def run(self) -> tuple[MixResult | None, MixResult | None]:
        widest = max(range(len(self.levers)), key=lambda i: len(self.levers[i].values))
        others = [i for i in range(len(self.levers)) if i != widest]
        bisected = self.levers[widest]

        def mix_of(prefix: Sequence[int], value: int) -> Mix:
            values = dict(zip(others, prefix))
            values[widest] = value
            return tuple(values[i] for i in range(len(self.levers)))

        if not self.meets(tuple(lever.high for lever in self.levers)):
            return None, None
        minimal: list[Mix] = []
        for prefix in itertools.product(*(self.levers[i].values for i in others)):
            runner_up = self._best(minimal)[1]
            if runner_up is not None and self.cost(mix_of(prefix, bisected.low)) > self.cost(runner_up):
                continue  # every mix here costs more than two found already
            if not self.meets(mix_of(prefix, bisected.high)):
                continue
            low, high = bisected.low, bisected.high  # invariant: high meets the targets
            while low < high:
                middle = (low + high) // 2
                if self.meets(mix_of(prefix, middle)):
                    high = middle
                else:
                    low = middle + 1
            minimal.append(mix_of(prefix, high))
        chosen, runner_up = self._best(minimal)
        return self._result(chosen), self._result(runner_up)

    def _best(self, minimal: list[Mix]) -> tuple[Mix | None, Mix | None]:
        """The cheapest minimal mix (ties: fewer staff, then the first found) and the cheapest other
        one that does not merely add staff to it."""
        ranked = sorted(minimal, key=lambda m: (self.cost(m), sum(m)))
        if not ranked:
            return None, None
        chosen = ranked[0]
        others = [m for m in ranked[1:] if not _covers(m, chosen)]
        return chosen, (others[0] if others else None)

    def _result(self, mix: Mix | None) -> MixResult | None:
        if mix is None:
            return None
        if mix not in self.results:  # known to meet the targets only by monotonicity: show its evidence
            self.results[mix] = self.evaluate(mix)
        return self.results[mix]

    def fewer(self, chosen: MixResult | None) -> list[MixResult]:
        """The mixes with one person fewer than ``chosen`` in one lever, each run (not settled by
        monotonicity): the evidence that the chosen mix cannot be cut, and a check of the assumption."""
        if chosen is None:
            return []
        found = []
        for i, lever in enumerate(self.levers):
            if chosen.mix[i] > lever.low:
                mix = tuple(v - (j == i) for j, v in enumerate(chosen.mix))
                if mix not in self.results:
                    self.results[mix] = self.evaluate(mix)
                found.append(self.results[mix])
        return found


def settings_of(levers: Sequence[Lever], mix: Mix) -> dict[str, int]:
    """``{path: staff}`` of ``mix``."""
    return {lever.path: value for lever, value in zip(levers, mix)}


def describe(settings: dict[str, int]) -> str:
    """``agencies.police.staff=4, roles.screeners.staff=5``."""
    return ", ".join(f"{path}={value}" for path, value in settings.items())


def _covers(big: Mix, small: Mix) -> bool:
    """``big`` has at least the staff of ``small`` in every lever."""
    return all(b >= s for b, s in zip(big, small))
