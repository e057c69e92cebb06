"""The sanity bounds of scenario numbers: each declared once, with the reason given to the user.

Every number in a scenario must be finite (no ``inf`` or ``nan``) and within
what a machine can simulate: a value past a bound would make a run hang, run
out of memory, overflow, or report a meaningless result instead of an error.
The bounds are generous for real use (a London-wide year of ~400,000 contacts
and 32 hubs, horizons of years, staff of hundreds per role).

The schema's numeric types are built here (:data:`Finite` and the bounded
types made by :func:`bounded`), so a field gets the check by its type; a
field added later with a plain ``float`` is still refused ``inf`` and ``nan``
by :class:`mashsim.scenario.base.Model`'s configuration, and the test suite
asks every numeric field for an upper bound.  ``docs/reference.md`` lists
:data:`BOUNDS` (a test checks it names each one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError


@dataclass(frozen=True)
class Bound:
    """The largest value a kind of quantity may take, its unit, and why."""

    high: float
    unit: str
    why: str

    def message(self) -> str:
        exact = isinstance(self.high, int) or self.high.is_integer()
        high = f"{int(self.high):,}" if exact else f"{self.high:,}"
        return f"at most {high}{' ' + self.unit if self.unit else ''}: {self.why}"


YEARS_OF_RUN = 10
DAYS_OF_RUN = 365 * YEARS_OF_RUN

# Each bound once: the number, and the reason the user is told.
RUN_DAYS = Bound(DAYS_OF_RUN, "days", "a run covers years, not decades (ten years takes minutes a replication)")
DAY_INDEX = Bound(2 * DAYS_OF_RUN, "days", "a day of the run, counted from time 0 (warm-up + horizon at most)")
HOURS = Bound(DAYS_OF_RUN * 24, "hours", "ten years, as long as the longest run")
TASK_MINUTES = Bound(525_600, "minutes", "a year of work on one task; longer is not one task")
STAFF = Bound(1_000, "staff", "a role of a thousand people is beyond any hub's, and each is simulated")
BACKLOG = Bound(100_000, "tasks", "a quarter of a London-wide year of contacts waiting at once")
ANNUAL_CONTACTS = Bound(3_000_000, "contacts a year",
                        "more than all of England's initial contacts (2.77 million in 2021/22)")
POPULATION = Bound(10_000_000, "children", "more than all England's children (about 12 million) is not one hub's")
MULTIPLIER = Bound(100, "times", "a hundredfold change of arrivals is beyond any recorded surge")
WEIGHT = Bound(1_000_000, "", "profile weights are relative: a million to one covers any ratio that matters")
PER_WAITING = Bound(1, "", "a chance added per contact waiting; above 1 any queue makes it certain")
REPLICATIONS = Bound(10_000, "replications", "precision grows with the square root: 10,000 gives 1% of the "
                     "spread, and each is a whole run")
SEED = Bound(2**63 - 1, "", "results store the seed as a 64-bit signed integer")
LOGNORMAL_CV = Bound(1_000, "times the mean", "a lognormal spread wider than that puts nearly every draw at 0")
CONTACTS_PER_RUN = Bound(10_000_000, "contacts a replication",
                         "25 London-wide years; a replication of more takes tens of minutes and gigabytes")
STAFF_DAYS = Bound(1_000_000_000, "staff-days a replication",
                   "each person's presence is drawn every day: more takes over five minutes a replication")
ANNUAL_COST = Bound(10_000_000, "pounds a year", "one FTE's yearly cost; more is a slip (a cost in pence?)")
DEPTH = Bound(32, "levels", "a scenario's tables and lists nest a few levels; deeper input is not read further")
LOOKAHEAD_DAYS = 101 * 366  # how far past a time the model looks for working hours (deadlines, reopening)

BOUNDS: dict[str, Bound] = {
    "run.horizon_days, run.warmup_days": RUN_DAYS,
    "days counted from time 0 (roles.*.changes.day, injects.start_day)": DAY_INDEX,
    "hours (deadlines, latencies, decision allowance, injects.hours)": HOURS,
    "task and research minutes (min, mode, max, mean, sd)": TASK_MINUTES,
    "staff, out_of_hours_staff, changes.staff, absence injects' staff": STAFF,
    "initial_backlog": BACKLOG,
    "arrivals.sources.*.annual_contacts": ANNUAL_CONTACTS,
    "arrivals.scale, period multipliers, surge factor": MULTIPLIER,
    "day_profile and hour_profile weights": WEIGHT,
    "screening.under_rating_per_waiting": PER_WAITING,
    "run.replications, --replications": REPLICATIONS,
    "run.seed, --seed": SEED,
    "lognormal sd": LOGNORMAL_CV,
    "expected contacts of one replication, all hubs and surges": CONTACTS_PER_RUN,
    "staff of every role and desk x days of the run, all hubs and pools": STAFF_DAYS,
    "nesting of tables and lists": DEPTH,
    "annual_cost of a role, desk or pool": ANNUAL_COST,
}


def too_large(bound: Bound) -> PydanticCustomError:
    return PydanticCustomError("too_large", "{message}", {"message": bound.message()})


def _at_most(bound: Bound) -> AfterValidator:
    def check(value: Any) -> Any:
        if value > bound.high:
            raise too_large(bound)
        return value

    return AfterValidator(check)


# A finite number: TOML ints are taken where a float is wanted, but not true, "5", inf or nan.
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Whole = Annotated[int, Field(strict=True)]


def bounded(bound: Bound, *, whole: bool = False, gt: float | None = None, ge: float | None = None) -> Any:
    """A finite number (or whole number) in ``(gt or [ge, bound.high]``, refused past the bound with its reason."""
    return Annotated[Whole if whole else Finite, Field(gt=gt, ge=ge, json_schema_extra={"maximum": bound.high}),
                     _at_most(bound)]


def _iso_date(value: Any) -> Any:
    # a date written as text in a table built from JSON ("2025-01-06"); TOML gives dates themselves
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date", "not a date (allowed: YYYY-MM-DD)") from None
    return value


Date = Annotated[dt.date, BeforeValidator(_iso_date), Field(strict=True)]


def _pair(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value  # TOML has arrays, not tuples


DateRange = Annotated[tuple[Date, Date], BeforeValidator(_pair)]


# The schema's quantities (see the module's docstring): each bounded by its kind.
Probability = Annotated[Finite, Field(ge=0.0, le=1.0)]
Minutes = bounded(TASK_MINUTES, ge=0.0)
PositiveMinutes = bounded(TASK_MINUTES, gt=0.0)
Hours = bounded(HOURS, ge=0.0)
PositiveHours = bounded(HOURS, gt=0.0)
AnyHours = bounded(HOURS)  # its own validator gives the lower bound's message
RunDays = bounded(RUN_DAYS, ge=0.0)
PositiveRunDays = bounded(RUN_DAYS, gt=0.0)
Day = bounded(DAY_INDEX, ge=0.0)
WholeDay = bounded(DAY_INDEX, whole=True, ge=0)
Staff = bounded(STAFF, ge=0.0)
WholeStaff = bounded(STAFF, whole=True, ge=0)
PositiveWholeStaff = bounded(STAFF, whole=True, gt=0)
Backlog = bounded(BACKLOG, whole=True, ge=0)
Population = bounded(POPULATION, whole=True, gt=0)
Contacts = bounded(ANNUAL_CONTACTS, ge=0.0)
Multiplier = bounded(MULTIPLIER, ge=0.0)
PositiveMultiplier = bounded(MULTIPLIER, gt=0.0)
Weight = bounded(WEIGHT)  # the profile's own check says "values must be >= 0"
PerWaiting = bounded(PER_WAITING, ge=0.0)
Replications = bounded(REPLICATIONS, whole=True, ge=1)
Seed = bounded(SEED, whole=True, ge=0)
AnnualCost = bounded(ANNUAL_COST, ge=0.0)

# Finite but with no upper bound: kept for fields written before the bounds; a new field should take a
# bounded type above (the test suite asks every number in the schema for an upper bound).
NonNegative = Annotated[Finite, Field(ge=0.0)]
Positive = Annotated[Finite, Field(gt=0.0)]
