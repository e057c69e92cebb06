"""What a served classroom checks before it opens a team's session: the served-mode run-size limits.

A session plays one replication of its exercise, and scoring replays it (once
for the baseline, once per decision for the account), so the size that counts
is one replication's, checked against the server's limits as any run is
(:func:`mashsim.app.limits.run_size`); the decisions a team may log are capped
by :data:`mashsim.tabletop.session.MAX_DECISIONS`.
"""

from __future__ import annotations

from mashsim.app.limits import Limits, RunSize, run_size
from mashsim.scenario.schema import Scenario


def session_size(scenario: Scenario, limits: Limits) -> RunSize:
    """One replication's size, or :class:`mashsim.app.limits.LimitReached` saying why it is too big."""
    return run_size(scenario.model_copy(update={"run": scenario.run.model_copy(update={"replications": 1})}),
                    limits)
