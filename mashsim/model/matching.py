"""A desk's record search: which of the child's records it finds, from the contact's match draw.

The outcome is read off the one uniform the contact drew for the desk's search (its ``MATCH``
draw, see :mod:`mashsim.model.arrivals`), against the cumulative shares of
:data:`mashsim.scenario.children.MATCH_OUTCOMES`. Where a draw falls inside the possible-match
band is itself uniform, so the same draw says whether the extra research confirms the match:
no new draw, and a scenario with only ``match_failure`` draws exactly as before.
"""

from __future__ import annotations

import numpy as np

from mashsim.model.durations import MINUTES_PER_HOUR
from mashsim.scenario.children import MATCHED, NO_MATCH, POSSIBLE, SEVERAL, Matching


def search_outcomes(u: np.ndarray, shares: Matching) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each match draw in ``u``: the search's outcome (an index of MATCH_OUTCOMES), whether the
    desk ends up without the child's records (unmatched), and the extra research hours it cost."""
    no, several, possible = shares.cumulative()
    if possible == no:  # only matches and no matches (match_failure): the cheap way, the same answer
        unmatched = u < no
        return np.where(unmatched, NO_MATCH, MATCHED), unmatched, np.zeros(u.shape)
    outcome = np.where(u < no, NO_MATCH, np.where(u < several, SEVERAL, np.where(u < possible, POSSIBLE, MATCHED)))
    is_possible = outcome == POSSIBLE
    confirmed = is_possible & (u - several < shares.possible_resolved * (possible - several))
    unmatched = (outcome != MATCHED) & ~confirmed
    extra = np.where(is_possible, shares.resolve_minutes / MINUTES_PER_HOUR, 0.0)
    return outcome, unmatched, extra
