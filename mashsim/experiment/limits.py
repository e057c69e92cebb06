"""How large an experiment may be: every bound on its size in one place, each with its reason.

An experiment is counted before it is built: a range's values from its ends and step, a design's
points from its kind and its factors, the replications from the points and the rule.  Anything
past a bound is refused (exit 2) with the count and the bound, instead of hanging or filling
memory before the first replication runs.  The bounds are generous for real use (the shipped
sensitivity study has 640 points; a Sobol' study of 38 factors at n = 1024 has 79,872).
``mashsim staff`` is held to the same bounds: a ``--vary`` range is a factor's values, a mix a
design point, ``--replications`` and ``--max-replications`` replications per point.

Why these numbers:

- values of one factor (a list or a range): each is checked against the base scenario on its
  own (a few milliseconds), before the points are;
- design points: each point's scenario is built and checked before the sweep starts (4 ms each
  for a borough, 90 ms for London-wide: 100,000 take minutes to hours), and every point is held
  in memory and recorded;
- replications of one point: the confidence interval narrows with the square root of the count,
  so 10,000 already gives 1% of the spread, and each is a whole run;
- replications in all (points x replications per point, or x the cap of a precision rule): a
  million rows of a borough's results (116 metrics) are about a gigabyte, London-wide's (3,828)
  thirty, and days of CPU at 0.2 to 0.8 s a replication; split a larger study into several
  experiments;
- the seed: results store it as a 64-bit signed integer;
- Morris levels: 4 to 8 are usual; a finer grid adds nothing the trajectories can sample.
"""

from __future__ import annotations

from dataclasses import dataclass

from mashsim.scenario import bounds


@dataclass(frozen=True)
class Limit:
    """The most ``what`` an experiment may hold, and why."""

    high: int
    what: str
    why: str

    def refuse(self, count: int, counted: str = "") -> str | None:
        """None when ``count`` is within the limit; else the message: the count, the bound and why.

        ``counted`` says what was counted when it is not plainly ``what`` ("the range holds 8 values").
        """
        if count <= self.high:
            return None
        if counted:
            return f"{counted}: at most {self.high:,} {self.what} ({self.why})"
        return f"{count:,} {self.what}: at most {self.high:,} ({self.why})"


LEVELS = Limit(10_000, "values of one factor",
               "each is a scenario checked before anything runs, and may be run")
POINTS = Limit(100_000, "design points", "each is built and checked before anything runs: 4 ms for a borough, "
               "so 100,000 take 7 minutes")
REPLICATIONS = Limit(int(bounds.REPLICATIONS.high), "replications per point",  # as run.replications
                     "the interval narrows with the square root: 10,000 give 1% of the spread")
RUNS = Limit(1_000_000, "replications in all",
             "a million rows of results is about a gigabyte and days of CPU: split the study into several "
             "experiments")
MORRIS_LEVELS = Limit(1_000, "Morris levels", "4 to 8 are usual; a finer grid adds nothing the trajectories sample")
SEED = int(bounds.SEED.high)  # as run.seed and every --seed
SEED_WHY = bounds.SEED.why


def check_seed(seed: int) -> int:
    """``seed``, or ValueError if results cannot store it."""
    if seed > SEED:
        raise ValueError(f"the seed is at most 2**63 - 1 = {SEED} ({SEED_WHY})")
    return seed
