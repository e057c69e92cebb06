"""A desk's record search: which of the child's records it finds, from the contact's match draw.

The outcome is read off the one uniform the contact drew for the desk's search (its ``MATCH``
draw, see :mod:`mashsim.model.arrivals`), against the cumulative shares of
:data:`mashsim.scenario.children.MATCH_OUTCOMES`. Where a draw falls inside the possible-match
band is itself uniform, so the same draw says whether the extra research confirms the match:
no new draw, and a scenario with only ``match_failure`` draws exactly as before.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from mashsim.model.durations import MINUTES_PER_HOUR
from mashsim.scenario.children import MATCHED, NO_MATCH, POSSIBLE, SEVERAL, Matching


class RecordSearch:
    """Several desks' record searches at once: column ``j`` of a draw array is desk ``j``'s match
    draw, read against ``shares[j]``."""

    def __init__(self, shares: Sequence[Matching]) -> None:
        cumulative = [m.cumulative() for m in shares]
        self.no, self.several, self.possible = (np.array([c[k] for c in cumulative], dtype=float) for k in range(3))
        # where in the possible-match band a draw falls is uniform: its first share is confirmed
        self.confirmed = np.array([m.possible_resolved * (c[2] - c[1]) for m, c in zip(shares, cumulative)],
                                  dtype=float)
        self.extra = np.array([m.resolve_minutes / MINUTES_PER_HOUR for m in shares], dtype=float)

    def outcomes(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each match draw in ``u`` (a row per contact, a column per desk): the search's outcome
        (an index of MATCH_OUTCOMES), whether the desk ends up without the child's records
        (unmatched), and the extra research hours it cost."""
        outcome = np.where(u < self.no, NO_MATCH,
                           np.where(u < self.several, SEVERAL, np.where(u < self.possible, POSSIBLE, MATCHED)))
        is_possible = outcome == POSSIBLE
        confirmed = is_possible & (u - self.several < self.confirmed)
        unmatched = (outcome != MATCHED) & ~confirmed
        return outcome, unmatched, np.where(is_possible, self.extra, 0.0)

