"""The scenario format: pydantic models, with the defaults a file may leave out.

Units: times of day and deadlines in hours, task times in minutes, volumes a
year, probabilities in [0, 1].  Field names are the dotted paths that
``mashsim run --set`` takes (``roles.screeners.staff``, ``policy.ask.green``).
Cross-references (agency names, hour patterns, periods) are checked in
:mod:`mashsim.scenario.checks`, which reports each problem with its path.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from mashsim.model.stages import HUB_ROLES  # the hub's roles, declared with its flow (re-exported here)
from mashsim.scenario.base import Model, merge_tables, tagged_union
from mashsim.scenario.children import Children, Matching
from mashsim.scenario.bounds import (LOGNORMAL_CV, Backlog, Contacts, Date, DateRange, Finite, Hours, Minutes,
                                     Multiplier, NonNegative, PerWaiting, Positive, PositiveHours, PositiveMinutes,
                                     PositiveRunDays, Probability, Replications, RunDays, Seed, Staff, Weight,
                                     WholeDay, WholeStaff)
from mashsim.scenario.bounds import AnnualCost
from mashsim.scenario.injects import Inject
from mashsim.scenario.tabletop import Tabletop

RISK_LEVELS = ("low", "medium", "high", "critical")
RAGS = ("blue", "green", "amber", "red")
RESEARCHED_RAGS = ("green", "amber", "red")
OUTCOMES = ("nfa", "early_help", "s17", "s47")
# the police pipeline's two teams, as the run's roles name them (see Police)
PPD, CAIT = "police_ppd", "police_cait"
# cse (child sexual exploitation) comes last so that the older concerns keep their places (and draws)
CONCERNS = ("neglect", "physical", "sexual", "emotional", "domestic_abuse", "fgm", "cse")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SUM_TOLERANCE = 1e-6


def _check_sums_to_one(values: dict[str, float], what: str) -> None:
    total = sum(values.values())
    if not math.isclose(total, 1.0, abs_tol=_SUM_TOLERANCE):
        raise ValueError(f"{what} must sum to 1 (got {total:.6g})")


# --------------------------------------------------------------------------- durations


class Triangular(Model):
    """Triangular task time in minutes: the domain brief's "mode (min-max)"."""

    dist: Literal["triangular"] = "triangular"
    min: Minutes
    mode: Minutes
    max: PositiveMinutes

    @model_validator(mode="after")
    def _ordered(self) -> "Triangular":
        if not self.min <= self.mode <= self.max or self.min == self.max:
            raise ValueError("need min <= mode <= max and min < max")
        return self

    @property
    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3.0


class Exponential(Model):
    """Exponential task time in minutes (for textbook M/M/c checks)."""

    dist: Literal["exponential"]
    mean: PositiveMinutes


class Constant(Model):
    """Fixed task time in minutes (for M/D/c checks)."""

    dist: Literal["constant"]
    mean: Minutes


class Lognormal(Model):
    """Lognormal task time in minutes, given by its mean and standard deviation."""

    dist: Literal["lognormal"]
    mean: PositiveMinutes
    sd: PositiveMinutes

    @model_validator(mode="after")
    def _spread(self) -> "Lognormal":
        if self.sd > LOGNORMAL_CV.high * self.mean:
            raise ValueError(f"sd is {LOGNORMAL_CV.message()}")
        return self


class Uniform(Model):
    """Uniform task time in minutes."""

    dist: Literal["uniform"]
    min: Minutes
    max: PositiveMinutes

    @model_validator(mode="after")
    def _ordered(self) -> "Uniform":
        if not self.min < self.max:
            raise ValueError("need min < max")
        return self

    @property
    def mean(self) -> float:
        return (self.min + self.max) / 2.0


Duration = tagged_union({"triangular": Triangular, "exponential": Exponential, "constant": Constant,
                         "lognormal": Lognormal, "uniform": Uniform}, "dist", default="triangular")


# --------------------------------------------------------------------------- calendar


class HoursPattern(Model):
    """When a role is on duty: the same hours on each listed weekday."""

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(min_length=1)
    start: Annotated[Finite, Field(ge=0.0, lt=24.0)] = 9.0
    end: Annotated[Finite, Field(gt=0.0, le=24.0)] = 17.0
    bank_holidays: bool = Field(False, description="on duty on bank holidays too")

    @model_validator(mode="after")
    def _order(self) -> "HoursPattern":
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self

    @property
    def hours_per_day(self) -> float:
        return self.end - self.start


def _default_hours() -> dict[str, HoursPattern]:
    return {
        "office": HoursPattern(days=list(WEEKDAYS[:5]), start=9.0, end=17.0),
        "always": HoursPattern(days=list(WEEKDAYS), start=0.0, end=24.0, bank_holidays=True),
    }


class Period(Model):
    """A named calendar period (a school holiday, Christmas) with an arrival multiplier."""

    dates: list[DateRange] = Field(
        min_length=1, description="inclusive [first, last] date ranges"
    )
    multiplier: Multiplier = 1.0

    @field_validator("dates")
    @classmethod
    def _ordered(cls, ranges: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
        for first, last in ranges:
            if last < first:
                raise ValueError(f"range ends ({last}) before it starts ({first})")
        return ranges


class Calendar(Model):
    start_date: Date = Field(dt.date(2025, 1, 6), description="simulated time 0 is 00:00 on this day")
    bank_holidays: list[Date] = Field(default_factory=list)
    periods: dict[str, Period] = Field(default_factory=dict)
    hours: dict[str, HoursPattern] = Field(default_factory=_default_hours)

    @field_validator("hours")
    @classmethod
    def _keep_builtins(cls, hours: dict[str, HoursPattern]) -> dict[str, HoursPattern]:
        return {**_default_hours(), **hours}


# --------------------------------------------------------------------------- arrivals


class RiskMix(Model):
    low: Probability
    medium: Probability
    high: Probability
    critical: Probability

    @model_validator(mode="after")
    def _sums(self) -> "RiskMix":
        _check_sums_to_one(self.model_dump(), "risk mix")
        return self


class ConcernMix(Model):
    neglect: Probability = 0.0
    physical: Probability = 0.0
    sexual: Probability = Field(0.0, description="child sexual abuse (and exploitation, where cse is left at 0)")
    emotional: Probability = 0.0
    domestic_abuse: Probability = 0.0
    fgm: Probability = 0.0
    cse: Probability = Field(0.0, description="child sexual exploitation")

    @model_validator(mode="after")
    def _sums(self) -> "ConcernMix":
        _check_sums_to_one(self.model_dump(), "concern mix")
        return self


def _profile(length: int):
    def check(values: list[float]) -> list[float]:
        if len(values) != length:
            raise ValueError(f"needs exactly {length} values (got {len(values)})")
        if any(v < 0 for v in values):
            raise ValueError("values must be >= 0")
        if sum(values) <= 0:
            raise ValueError("at least one value must be > 0")
        return values

    return check


class Source(Model):
    """One referral source: its volume and, optionally, its own profiles."""

    annual_contacts: Contacts = Field(
        description="expected contacts a year, holidays and weekends included (in the first 365.25 days)")
    day_profile: list[Weight] | None = Field(None, description="7 weights, Monday first; default arrivals.day_profile")
    hour_profile: list[Weight] | None = Field(None, description="24 weights from midnight; default arrivals.hour_profile")
    period_multipliers: dict[str, Multiplier] = Field(
        default_factory=dict, description="per calendar period; replaces the period's own multiplier"
    )
    risk_mix: RiskMix | None = None
    concern_mix: ConcernMix | None = None

    @field_validator("day_profile")
    @classmethod
    def _day(cls, v: list[float] | None) -> list[float] | None:
        return v if v is None else _profile(7)(v)

    @field_validator("hour_profile")
    @classmethod
    def _hour(cls, v: list[float] | None) -> list[float] | None:
        return v if v is None else _profile(24)(v)


class Arrivals(Model):
    day_profile: list[Weight] = Field(default_factory=lambda: [1, 1, 1, 1, 1, 0.1, 0.1])
    hour_profile: list[Weight] = Field(
        default_factory=lambda: [0.2] * 8 + [1.0] * 10 + [0.4] * 6, description="24 weights from midnight"
    )
    risk_mix: RiskMix = Field(
        default_factory=lambda: RiskMix(low=0.5, medium=0.275, high=0.175, critical=0.05)
    )
    concern_mix: ConcernMix = Field(
        default_factory=lambda: ConcernMix(
            neglect=0.35, physical=0.15, sexual=0.08, emotional=0.17, domestic_abuse=0.24, fgm=0.01
        )
    )
    urgent_flag: Probability = Field(
        0.7, description="chance a referrer flags a critical-risk contact as urgent (served as Red from logging)"
    )
    scale: Multiplier = Field(
        1.0, description="multiplies every source's annual_contacts (e.g. a hub's child population over the default's)")
    sources: dict[str, Source] = Field(min_length=1)

    @field_validator("day_profile")
    @classmethod
    def _day(cls, v: list[float]) -> list[float]:
        return _profile(7)(v)

    @field_validator("hour_profile")
    @classmethod
    def _hour(cls, v: list[float]) -> list[float]:
        return _profile(24)(v)


# --------------------------------------------------------------------------- staff


class StaffChange(Model):
    """From the start of ``day`` (counted from time 0), the role has ``staff`` FTE."""

    day: WholeDay
    staff: Staff


class Staffing(Model):
    """A staffed role: headcount, hours, absence, out-of-hours cover for Red work."""

    staff: Staff = Field(description="FTE on duty in working hours; a fraction works that share of "
                         "each day's hours, as part_time says")
    hours: str = Field("office", description="a pattern in calendar.hours")
    part_time: Literal["mornings", "afternoons", "whole_days"] = Field(
        "mornings", description="when a fraction of an FTE works: the first share of each day's hours "
        "(mornings), the last (afternoons), or whole days on that share of days at random (whole_days)")
    absence_rate: Probability = Field(0.0, description="chance a staff member is away on a given day")
    out_of_hours_staff: WholeStaff = Field(
        0, description="staff for urgent (Red) work outside `hours`"
    )
    changes: list[StaffChange] = Field(default_factory=list)
    initial_backlog: Backlog = Field(0, description="tasks waiting at time 0")
    # not a model input: read only by `mashsim compare --per-fte` to put its effects per pound
    annual_cost: AnnualCost | None = Field(
        None, description="what one more FTE costs a year, in pounds (salary, on-costs, overheads)")

    def staff_on_day(self, day: int) -> float:
        staff = self.staff
        for change in sorted(self.changes, key=lambda c: c.day):
            if change.day <= day:
                staff = change.staff
        return staff

    def max_staff(self) -> float:
        """The most staff the role ever has (a change on day 0 replaces ``staff``)."""
        return max([self.staff_on_day(0), *(c.staff for c in self.changes)])


class Role(Staffing):
    task_minutes: Duration


class HubRoles(Model):
    """One field per hub role, named as :data:`mashsim.model.stages.HUB_ROLES` names them, in the flow's order."""

    contact_officers: Role = Field(description="log contacts")
    screeners: Role = Field(description="social workers who screen and RAG-rate contacts")
    managers: Role = Field(description="decide the outcome after research")


# --------------------------------------------------------------------------- agencies


class RiskProbabilities(Model):
    """A probability for each level of true risk."""

    low: Probability
    medium: Probability
    high: Probability
    critical: Probability


class Channel(Model):
    """How requests and returns travel between the hub and a desk (each way)."""

    latency_hours: Hours = 0.0
    loss: Probability = Field(0.0, description="chance a return's content does not reach the decision")


class RemoteChannel(Channel):
    """A remote desk's channel: its defaults are the remote ones, field by field."""

    latency_hours: Hours = 1.0
    loss: Probability = Field(0.03, description="chance a return's content does not reach the decision")


class Channels(Model):
    co_located: Channel = Field(default_factory=Channel)
    remote: RemoteChannel = Field(default_factory=RemoteChannel)


class Agency(Staffing):
    """A partner agency's research desk."""

    research_minutes: Duration
    holds_information: RiskProbabilities = Field(
        description="chance the agency holds information relevant to the child's risk"
    )
    match_failure: Probability = Field(
        0.0, description="chance the desk's search misses the child's records (shorthand for matching.no_match)")
    matching: Matching | None = Field(None, description="the outcome shares of the desk's record search")
    matching_shared_id: Matching | None = Field(
        None, description="the same while policy.shared_identifier is on (a shared NHS number); default: matching")
    location: Literal["co-located", "remote"] = "co-located"
    channel: Channel | None = Field(None, description="overrides channels.<location>")
    pool: str | None = Field(
        None, description="a team in `pools` that does this desk's research (this desk's own staff fields are then unused)")

    @model_validator(mode="after")
    def _one_way_to_match(self) -> "Agency":
        if self.matching is not None and self.match_failure:
            raise ValueError("give matching.no_match or match_failure (its shorthand), not both")
        return self

    def match_shares(self, shared_identifier: bool) -> Matching:
        """The record search's outcome shares, with or without a shared identifier."""
        if shared_identifier and self.matching_shared_id is not None:
            return self.matching_shared_id
        return self.matching if self.matching is not None else Matching(no_match=self.match_failure)


# --------------------------------------------------------------------------- hub behaviour


class RagDeadline(Model):
    deadline_hours: PositiveHours
    clock: Literal["working", "elapsed"] = Field(
        "working", description="working: hours of the hub's working pattern; elapsed: the clock runs out of hours"
    )
    clock_starts: Literal["contact", "screening"] = Field(
        "contact", description="contact: the deadline runs from the contact's arrival (the child's wait); "
                               "screening: from the RAG rating")


class RedDeadline(RagDeadline):
    """Red: 4 hours, and the clock runs out of hours (Luton) unless the scenario says otherwise."""

    deadline_hours: PositiveHours = 4.0
    clock: Literal["working", "elapsed"] = "elapsed"


class AmberDeadline(RagDeadline):
    deadline_hours: PositiveHours = 24.0


class GreenDeadline(RagDeadline):
    deadline_hours: PositiveHours = 72.0


class RagDeadlines(Model):
    """Time for agencies' returns and the decision, from contact or screening (Blue has none).

    Each RAG's table has its own defaults field by field (Surrey police MASH: 4 / 24 / 72), so
    a file that writes only ``rag.red.deadline_hours`` keeps Red's elapsed clock.
    """

    red: RedDeadline = Field(default_factory=RedDeadline)
    amber: AmberDeadline = Field(default_factory=AmberDeadline)
    green: GreenDeadline = Field(default_factory=GreenDeadline)


class Screening(Model):
    under_rating: Probability = Field(0.10, description="chance a contact is rated one level below its true risk")
    over_rating: Probability = Field(0.05, description="chance a contact is rated one level above")
    under_rating_per_waiting: PerWaiting = Field(
        0.0, description="added to under_rating per contact waiting to be screened, per screener in post (FTE)"
    )
    under_rating_max: Probability = 0.5

    @model_validator(mode="after")
    def _room(self) -> "Screening":
        if self.under_rating + self.over_rating > 1.0:
            raise ValueError("under_rating + over_rating must be <= 1")
        if self.under_rating_max < self.under_rating:
            raise ValueError("under_rating_max must be >= under_rating")
        if self.under_rating_max + self.over_rating > 1.0:
            raise ValueError("under_rating_max + over_rating must be <= 1")
        return self


class OutcomeMix(Model):
    nfa: Probability = 0.0
    early_help: Probability = 0.0
    s17: Probability = 0.0
    s47: Probability = 0.0

    @model_validator(mode="after")
    def _sums(self) -> "OutcomeMix":
        _check_sums_to_one(self.model_dump(), "outcome mix")
        return self


class Outcomes(Model):
    """The decision's outcome mix for each RAG the manager arrives at."""

    blue: OutcomeMix = Field(default_factory=lambda: OutcomeMix(nfa=1.0))
    green: OutcomeMix = Field(default_factory=lambda: OutcomeMix(nfa=0.3, early_help=0.6, s17=0.1))
    amber: OutcomeMix = Field(default_factory=lambda: OutcomeMix(nfa=0.05, early_help=0.15, s17=0.65, s47=0.15))
    red: OutcomeMix = Field(default_factory=lambda: OutcomeMix(s17=0.2, s47=0.8))


class Decision(Model):
    recognition: Probability = Field(
        0.8, description="chance each signal that reaches the decision lets the manager see the true risk"
    )
    outcomes: Outcomes = Field(default_factory=Outcomes)


class AskLists(Model):
    """Which agencies' desks are asked for each RAG."""

    red: list[str] = Field(default_factory=list)
    amber: list[str] = Field(default_factory=list)
    green: list[str] = Field(default_factory=list)


class Policy(Model):
    decide_at_deadline: bool = Field(
        True, description="decide with what has arrived by the deadline (false: wait for every return)"
    )
    decision_allowance_hours: Hours = Field(
        1.0, description="research is cut off this long before the RAG deadline, leaving time to decide"
    )
    red_priority: bool = Field(True, description="Red work is served before other work in every queue; "
                               "false: one first-come-first-served queue, whatever queue_discipline says")
    # rag by default: Greenwich's MASH (2013) decided high/complex need in ~1.25 days and lower need in
    # under 2.5 days but later than high need; first come first served had Green decided before Amber
    queue_discipline: Literal["fifo", "rag", "deadline"] = Field(
        "rag", description="the order of every queue, without pre-emption: fifo (Red first, then first come "
        "first served), rag (Red, then Amber, then Green) or deadline (earliest RAG deadline first)")
    ask: AskLists = Field(default_factory=AskLists)
    shared_identifier: bool = Field(
        False, description="agencies search by a shared identifier (NHS number): each desk's matching_shared_id "
                           "shares apply (the scenario's policy: a policy inject does not change it)")


class RunSettings(Model):
    horizon_days: PositiveRunDays = Field(91.0, description="measured days after the warm-up")
    warmup_days: RunDays = Field(14.0, description="days simulated first and excluded from every metric")
    replications: Replications = 10
    seed: Seed = 42


class Pool(Staffing):
    """A team shared by a pool of hubs. A research team (``kind = "research"``): every hub whose
    agency desk names it sends its requests here (a pan-London police team, a health desk shared by
    neighbouring boroughs). A police team (``kind = "ppd"`` or ``"cait"``): every hub whose
    ``police.ppd.pool`` (or ``police.cait.pool``) names it sends its notifications (or s47 joint
    visits) here (a Basic Command Unit's public-protection desk or child abuse investigation team)."""

    description: str = ""
    kind: Literal["research", "ppd", "cait"] = Field(
        "research", description="the work the team does: research for agency desks (agencies.<name>.pool), "
        "the public-protection desk's reviews (police.ppd.pool) or the CAIT's joint visits (police.cait.pool)")

    @field_validator("initial_backlog")
    @classmethod
    def _no_backlog(cls, value: int) -> int:
        if value:
            raise ValueError("a pool has no initial backlog (give it to a member hub's desk)")
        return value


# --------------------------------------------------------------------------- concern pathways


class SchoolNotification(Model):
    """Operation Encompass: police tell the child's school of a domestic-abuse incident before the
    next school day starts. The notice goes when the hub has screened the contact."""

    sources: list[str] = Field(
        default_factory=lambda: ["police"], description="the sources whose contacts of this concern are notified")
    school_hours: str = Field("office", description="a pattern in calendar.hours: the school days")


class ConcernPathway(Model):
    """How contacts of one concern go through the hub, where they differ from the rest.

    Every field left out keeps the hub's general setting, so a scenario without ``[concerns]``
    runs exactly as before.
    """

    risk_mix: RiskMix | None = Field(
        None, description="true risk of this concern's contacts, from every source (replaces the source's "
                          "and arrivals.risk_mix)")
    holds: dict[str, Multiplier | RiskProbabilities] = Field(
        default_factory=dict, description="per agency: a number multiplies its holds_information for this "
                                          "concern (at most 1), a table replaces it")
    also_ask: dict[Literal["red", "amber", "green"], list[str]] = Field(
        default_factory=dict, description="per RAG: desks asked about this concern as well as policy.ask.<rag>'s")
    mandatory_report_to: str | None = Field(
        None, description="an agency every contact of this concern is reported to, never screened out to Blue "
                          "(FGM's mandatory reporting duty: police)")
    school_notification: SchoolNotification | None = Field(
        None, description="notify the school before the next school day (Operation Encompass)")


class PoliceTeam(Role):
    """A police team around the hub (the public-protection desk, the child abuse investigation team):
    its staff and rota as any role's, and the minutes one task takes.  With ``pool``, a team in
    ``pools`` shared with other hubs does the work instead (its staff and rota; the task minutes and
    the joint-visit deadline stay this hub's)."""

    pool: str | None = Field(
        None, description="a police team in `pools` (of this team's kind) that does this work for several "
        "hubs (this team's own staff fields are then unused)")


class Cait(PoliceTeam):
    """The child abuse investigation team: after a strategy discussion decides an s47 enquiry, a
    joint visit with social care, due within ``joint_visit_deadline_hours`` of the MASH decision."""

    joint_visit_deadline_hours: PositiveHours = Field(
        72.0, description="hours from the MASH decision (s47) to the joint visit: past it, the enquiry is late")


class Police(Model):
    """The Met's side of the front door (optional; absent: the hub as it always was).

    A share of one source's contacts are police child-welfare notifications (Merlin records): the
    public-protection desk (``ppd``) reviews each before it reaches the MASH, which receives it when
    the review ends; after the decision, each s47 outcome waits for a joint visit by the ``cait``."""

    source: str = Field("police", description="the source in arrivals.sources whose contacts are notifications")
    notification_share: Probability = Field(1.0, description="share of that source's contacts reviewed by the PPD")
    ppd: PoliceTeam = Field(description="the public-protection desk: reviews notifications before the MASH sees them")
    cait: Cait = Field(description="the child abuse investigation team: the joint visit after an s47 decision")

    @model_validator(mode="after")
    def _no_initial_backlog(self) -> "Police":
        # a backlog is contacts waiting at a hub stage at time 0; the police teams' are not modelled
        for team in ("ppd", "cait"):
            if getattr(self, team).initial_backlog:
                raise ValueError(f"{team}.initial_backlog: must be 0 (a police team starts with no backlog)")
        return self


class HubSettings(Model):
    """One hub's sources, staff, partner agencies and policies."""

    hub_hours: str = Field("office", description="the working pattern that working-hour deadlines count in")
    arrivals: Arrivals
    roles: HubRoles
    agencies: dict[str, Agency] = Field(default_factory=dict)
    channels: Channels = Field(default_factory=Channels)
    rag: RagDeadlines = Field(default_factory=RagDeadlines)
    screening: Screening = Field(default_factory=Screening)
    decision: Decision = Field(default_factory=Decision)
    policy: Policy = Field(default_factory=Policy)
    children: Children | None = Field(
        None, description="the children contacts are about, and their returns (none: each contact its own child)")
    concerns: dict[Literal[CONCERNS], ConcernPathway] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="concern pathways: how each concern's contacts differ")
    police: Police | None = Field(
        None, description="the police pipeline around the hub (public-protection desk, CAIT); absent: none")

    @model_validator(mode="after")
    def _police_source_exists(self) -> "HubSettings":
        if self.police is not None and self.police.source not in self.arrivals.sources:
            raise ValueError(f"police.source: '{self.police.source}' is not a source in arrivals.sources "
                             f"(allowed: {', '.join(self.arrivals.sources)})")
        return self

    def pools_used(self) -> set[str]:
        """The pools that do this hub's work: its agency desks' and its police teams'."""
        pools = {a.pool for a in self.agencies.values()}
        if self.police is not None:
            pools |= {self.police.ppd.pool, self.police.cait.pool}
        return {p for p in pools if p is not None}

    def channel_for(self, agency: str) -> Channel:
        desk = self.agencies[agency]
        if desk.channel is not None:
            return desk.channel
        return self.channels.co_located if desk.location == "co-located" else self.channels.remote

    def staffed_roles(self) -> dict[str, Staffing]:
        """Every role this hub staffs itself, by name: its roles, then each agency desk and police
        team not in a pool."""
        hub = {name: getattr(self.roles, name) for name in HUB_ROLES}
        desks = {name: a for name, a in self.agencies.items() if a.pool is None}
        police = {} if self.police is None else {name: team for name, team in
                                                  ((PPD, self.police.ppd), (CAIT, self.police.cait))
                                                  if team.pool is None}
        return {**hub, **desks, **police}


HUB_FIELDS = tuple(HubSettings.model_fields)


class Scenario(HubSettings):
    """A whole MASH scenario: one hub (the top-level tables), or several in ``hubs``.

    With ``[hubs.<name>]`` tables, the top-level hub tables are the defaults
    every hub starts from: each hub's table is merged over them field by field
    (as ``extends`` merges files), and only the named hubs are simulated.
    """

    name: str = Field(min_length=1)
    description: str = ""
    run: RunSettings = Field(default_factory=RunSettings)
    calendar: Calendar = Field(default_factory=Calendar)
    hubs: dict[str, HubSettings] = Field(
        default_factory=dict, description="hubs by name, each merged over the top-level hub tables")
    pools: dict[str, Pool] = Field(
        default_factory=dict, description="research teams shared by hubs (agencies.<name>.pool names one)")
    injects: list[Inject] = Field(
        default_factory=list, description="events injected for a training exercise: surge, outage, absence, policy")
    tabletop: Tabletop | None = Field(
        None, description="how a tabletop exercise plays this scenario (decision points, step); runs ignore it")

    @model_validator(mode="before")
    @classmethod
    def _hubs_start_from_the_top_level(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("hubs"), dict):
            defaults = {key: data[key] for key in HUB_FIELDS if key in data}
            data = {**data, "hubs": {
                name: merge_tables(defaults, table) if isinstance(table, dict) else table
                for name, table in data["hubs"].items()
            }}
        return data

    def hub_list(self) -> list[tuple[str | None, HubSettings]]:
        """The hubs to simulate: ``(name, settings)`` of each, or ``(None, self)`` for a one-hub scenario."""
        if self.hubs:
            return list(self.hubs.items())
        return [(None, self)]
