"""The ``[tabletop]`` table of an exercise file: how a tabletop exercise plays the week.

A tabletop exercise (see :mod:`mashsim.tabletop`) plays one replication of
the exercise's scenario while trainees take decisions at its pauses.  This
table says where play starts, the facilitator's usual step, the named
decision points where play stops by itself (the injects' starts stop it
too), what an hour of overtime costs and how many case vignettes a team is
shown.  It is optional: an exercise file without it is played from the
start of the measured window with the defaults below, and ``mashsim run``
ignores it (it changes no result).
"""

from __future__ import annotations

from pydantic import Field

from mashsim.scenario.base import Model
from mashsim.scenario.bounds import Bound, Day, PositiveHours, bounded

#: what an hour of one person's overtime may cost: a bound for typing slips, far above any pay rate
OVERTIME_COST = Bound(10_000, "pounds an hour", "far above any hourly rate of pay; a larger figure is a typing slip")
VIGNETTES = Bound(50, "vignettes", "a team reads each case aloud: fifty is more than a session can discuss")

OvertimeCost = bounded(OVERTIME_COST, ge=0.0)
VignetteCount = bounded(VIGNETTES, whole=True, ge=1)


class DecisionPoint(Model):
    """A moment where play stops for the teams to decide, with the facilitator's prompt."""

    day: Day = Field(description="days after time 0, as an inject's start_day (1.375 = day 1, 09:00)")
    label: str = Field(min_length=1, description="a short name for the facilitator's timeline")
    prompt: str = Field("", description="what the facilitator asks the teams at this point")

    @property
    def hours(self) -> float:
        return self.day * 24.0


class Tabletop(Model):
    """How a tabletop exercise plays the scenario's week."""

    start_day: Day | None = Field(
        None, description="where play starts (days after time 0); default the end of the warm-up")
    step_hours: PositiveHours = Field(1.0, description="the step the facilitator's play button takes")
    decision_points: list[DecisionPoint] = Field(default_factory=list)
    overtime_cost_per_hour: OvertimeCost = Field(
        45.0, description="what one person's hour of overtime costs (an estimate: tag it E)")
    vignettes: VignetteCount = Field(5, description="how many waiting contacts a team is shown to screen")
