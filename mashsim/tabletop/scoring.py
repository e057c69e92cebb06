"""A team's score against the hidden true risks and against the baseline, and what each decision did.

Every measure counts the same children in both runs (the contacts of the
measured week, matched by id: a decision changes when and how children are
dealt with, never which children come):

- **protected in time**: high- or critical-risk children rated at screening at
  their correct RAG or higher, decided at their correct RAG or higher, and
  within their RAG deadline (higher is better);
- **avoidable missed signals**: information an agency held on a high- or
  critical-risk child that staffing or sharing could have brought to the
  decision (the catalogue's "avoidable" misses; lower is better);
- **deadline breaches**: children decided after their RAG deadline, or still
  open past it at the end (lower is better);
- **overtime cost**: staff x hours of every overtime decision at the
  exercise's cost per hour (an estimate).

The per-decision account is incremental: decision k's effect is the run with
decisions 1..k against the run with decisions 1..k-1 (each a replay of the
log), so the effects add up exactly to the team's total against the baseline,
and a decision is credited with what it changed given what the team had
already done.  It costs one replay per decision (a borough's week replays in
well under a second; results are kept by the session).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mashsim._version import __version__
from mashsim.scenario.load import scenario_hash
from mashsim.scenario.schema import RAGS, RISK_LEVELS
from mashsim.tabletop.decisions import Overtime, Screen

MEASURES = ("protected", "avoidable_missed", "breaches", "overtime_cost")
BETTER = {"protected": +1, "avoidable_missed": -1, "breaches": -1, "overtime_cost": -1}


def _correct(row: dict) -> int:
    return RISK_LEVELS.index(row["true_risk"])  # one RAG level per level of true risk


def _protected(row: dict) -> bool:
    correct = _correct(row)
    return (correct >= RISK_LEVELS.index("high") and row["decided_h"] is not None
            and RAGS.index(row["rag"]) >= correct and RAGS.index(row["decided_rag"]) >= correct
            and not row["rag_breach"])


def measures(records: list[dict], overtime_cost: float) -> dict[str, float]:
    """The four measures of one run's records."""
    return {
        "protected": float(sum(_protected(r) for r in records)),
        "avoidable_missed": float(sum(r["signals_avoidable"] or 0 for r in records)),
        "breaches": float(sum(bool(r["rag_breach"]) for r in records)),
        "overtime_cost": overtime_cost,
    }


def overtime_cost(session, decisions: int | None = None) -> float:
    log = session.log if decisions is None else session.log[:decisions]
    rate = session.settings.overtime_cost_per_hour
    return sum(e.decision.staff * e.decision.hours * rate for e in log if isinstance(e.decision, Overtime))


@dataclass(frozen=True)
class Score:
    """A team's measures, the baseline's on the same children, and its own screening against the truth."""

    scenario: str
    scenario_hash: str
    seed: int
    version: str
    team: str
    decisions: int
    children: int  # contacts of the measured week
    high_risk: int
    team_measures: dict[str, float]
    baseline: dict[str, float]
    screening: dict[str, int]  # the team's own RAGs against the true risk: correct, under, over

    @property
    def against_baseline(self) -> dict[str, float]:
        """Each measure's change from the baseline, signed so that positive is better."""
        return {m: BETTER[m] * (self.team_measures[m] - self.baseline[m]) + 0.0 for m in MEASURES}  # no -0

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "scenario_hash": self.scenario_hash, "seed": self.seed,
                "mashsim_version": self.version, "team": self.team, "decisions": self.decisions,
                "children": self.children, "high_risk": self.high_risk, "measures": self.team_measures,
                "baseline": self.baseline, "against_baseline": self.against_baseline,
                "screening": self.screening}


def score(session) -> Score:
    """``session``'s score (its whole log played to the end, by replay) against its baseline."""
    team, base = session.result().records, session.baseline().records
    by_id = {r["contact_id"]: r for r in team}
    screening: Counter[str] = Counter()
    for entry in session.log:
        if isinstance(entry.decision, Screen) and entry.decision.contact_id in by_id:
            given, correct = entry.decision.rag_index, _correct(by_id[entry.decision.contact_id])
            screening["correct" if given == correct else "under" if given < correct else "over"] += 1
    return Score(session.scenario.name, scenario_hash(session.scenario), session.seed, __version__, session.team,
                 len(session.log), len(team), sum(_correct(r) >= RISK_LEVELS.index("high") for r in team),
                 measures(team, overtime_cost(session)), measures(base, 0.0),
                 {k: screening[k] for k in ("correct", "under", "over")})


@dataclass(frozen=True)
class Effect:
    """What one decision changed, given the decisions before it."""

    index: int
    at: float
    when: str
    decision: str
    change: dict[str, float]  # each measure, this run minus the one without the decision (not signed)
    in_time: dict[str, int] = field(default_factory=dict)  # by RAG: decided in time now, not before (net)
    signals: dict[str, int] = field(default_factory=dict)  # by agency: signals now reaching the decision (net)

    def sentence(self) -> str:
        """The decision's account in words, for the debrief."""
        parts = []
        for rag, n in self.in_time.items():
            if n:
                children = "child" if abs(n) == 1 else "children"
                parts.append(f"{abs(n)} {rag.title()} {children} "
                             + ("decided within their deadline who would not have been" if n > 0
                                else "breached their deadline who would not have"))
        for agency, n in self.signals.items():
            if n:
                parts.append(f"{abs(n)} {agency} signal{'s' if abs(n) != 1 else ''} "
                             + ("reached the decision that would have been missed" if n > 0
                                else "missed that would have reached the decision"))
        if self.change["overtime_cost"]:
            parts.append(f"overtime cost £{self.change['overtime_cost']:,.0f}")
        said = "; ".join(parts) if parts else "no child's outcome changed"
        return f"{self.decision} at {self.when}: {said}."


def account(session) -> list[Effect]:
    """Each decision's effect: the run with decisions 1..k against the run with 1..k-1."""
    effects = []
    before = measures(session.result(0).records, 0.0)
    for k, entry in enumerate(session.log, start=1):
        prev_records, records = session.result(k - 1).records, session.result(k).records
        now = measures(records, overtime_cost(session, k))
        effects.append(Effect(k - 1, entry.at, session.when(entry.at), entry.decision.describe(),
                              {m: now[m] - before[m] for m in MEASURES},
                              _in_time(prev_records, records), _signals(prev_records, records)))
        before = now
    return effects


def _in_time(before: list[dict], after: list[dict]) -> dict[str, int]:
    """By screening RAG (after the decision): children now decided in time, less those now not. Only
    contacts in both runs count: a child's return that one run's decisions brought and the other's did
    not has nothing to be compared with (returns keep their number in any run that makes them)."""
    was = {r["contact_id"]: r["decided_h"] is not None and not r["rag_breach"] for r in before}
    net: Counter = Counter()
    for r in after:
        if r["contact_id"] not in was:
            continue
        now = r["decided_h"] is not None and not r["rag_breach"]
        if now != was[r["contact_id"]] and r["rag"] is not None:
            net[r["rag"]] += 1 if now else -1
    return {rag: net[rag] for rag in reversed(RAGS) if net[rag]}


def _signals(before: list[dict], after: list[dict]) -> dict[str, int]:
    """By agency: signals now reaching the decision that did not before, less the reverse (contacts in
    both runs only, as :func:`_in_time`)."""
    was = {r["contact_id"]: r for r in before}
    net: Counter = Counter()
    for r in after:
        if r["contact_id"] not in was:
            continue
        for key, fate in r.items():
            if key.startswith("signal_") and key not in ("signals_held", "signals_missed", "signals_avoidable"):
                old = was[r["contact_id"]][key]
                if (fate == "reached") != (old == "reached"):
                    net[key.removeprefix("signal_")] += 1 if fate == "reached" else -1
    return {agency: n for agency, n in net.items() if n}
