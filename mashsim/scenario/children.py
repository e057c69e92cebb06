"""The scenario's children and record matching: who a contact is about, and whether a desk finds them.

``[children]`` (optional: without it every contact is a child of its own, as before) gives each
hub a population of children; a contact is about one of them, and a child may come back. The
return chances are per level of true risk, raised when a signal held about the child has so far
reached no decision. ``agencies.<name>.matching`` replaces the single ``match_failure`` chance by
the outcomes a record search has (the DfE record-matching service distinguishes them): a match,
a possible match that costs research time and may still fail, several possible matches, or none.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from mashsim.scenario.base import Model
from mashsim.scenario.bounds import Minutes, Multiplier, Population, PositiveRunDays, Probability

# The outcomes of a desk's record search, in the order they lie on the contact's match draw: a
# draw below the no-match share finds nothing (so a scenario with only `match_failure` draws
# exactly as it always did), then several possible matches, then a possible match, then a match.
MATCH_OUTCOMES = ("no_match", "several", "possible", "match")
NO_MATCH, SEVERAL, POSSIBLE, MATCHED = range(len(MATCH_OUTCOMES))
UNMATCHED_OUTCOMES = MATCH_OUTCOMES[:MATCHED]  # the ways a held signal is missed as "unmatched"


class Matching(Model):
    """The outcome shares of one desk's record search (a match takes the rest)."""

    no_match: Probability = Field(0.0, description="share of searches that find no record of the child")
    several: Probability = Field(
        0.0, description="share that find several possible records and cannot tell which (nothing is returned)")
    possible: Probability = Field(
        0.0, description="share that find one possible record: extra research, which may still fail")
    possible_resolved: Probability = Field(
        0.5, description="chance the extra research confirms a possible match (else nothing is returned)")
    resolve_minutes: Minutes = Field(30.0, description="extra research minutes a possible match costs")

    @model_validator(mode="after")
    def _room(self) -> "Matching":
        if self.no_match + self.several + self.possible > 1.0 + 1e-9:
            raise ValueError("no_match + several + possible must be <= 1 (a match takes the rest)")
        return self

    def cumulative(self) -> tuple[float, float, float]:
        """The shares' running totals in :data:`MATCH_OUTCOMES` order (below each: that outcome)."""
        return self.no_match, self.no_match + self.several, self.no_match + self.several + self.possible


class ReturnChances(Model):
    """The chance a child comes back within twelve months of a decision, by true risk."""

    low: Probability = 0.15
    medium: Probability = 0.20
    high: Probability = 0.30
    critical: Probability = 0.35


class Children(Model):
    """A hub's child population, how often children come back, and the history desk."""

    population: Population = Field(description="children (0-17) the hub serves")
    returns: ReturnChances = Field(
        default_factory=ReturnChances,
        description="chance a child comes back within twelve months of a decision, by true risk")
    missed_multiplier: Multiplier = Field(
        1.5, description="the return chance is multiplied by this while a signal held about the child has "
                         "reached no decision (capped at 1)")
    return_mean_days: PositiveRunDays = Field(
        120.0, description="mean days from a decision to the child's return (exponential, cut at a year)")
    history_desk: str = Field("social_care", description="the agency whose desk finds a child's earlier "
                              "contacts and decisions (an agency the hub does not have finds nothing)")
    history_found: Probability = Field(
        0.9, description="chance the history desk, once asked and matched, finds the child's earlier contacts")
