"""The metric catalogue: every metric family declared once, and how a run's values are named.

A family is one stem (``rag_breach_rate``) with its unit, its label and table section, whether it is
a headline, the breakdowns it is reported under (``rag_breach_rate`` alone and
``rag_breach_rate.by_rag.<rag>``) and its definition for the reference. Everything that names or
shows metrics reads this module: the collector (which computes each family's values and lets
:func:`flatten` name them), the network sums, :func:`metric_names`, the terminal table, the
dashboard, the plots and the reference's metric tables (``python tools/metric_tables.py``).

Adding a metric is a family here and its values in ``Collector.metrics`` (counts made with
``Collector._count``/``_counts`` are summed over a network's hubs by themselves); then
``python tools/metric_tables.py`` rewrites the reference's tables. A new family is left out of the
terminal table unless :data:`TABLE` names it.

The order of :data:`FAMILIES` (and of each family's breakdowns) is the order of the flat metrics
dict, the JSON and the parquet columns: append, never reorder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from mashsim.model.contact import CAUSES, MISS_KINDS
from mashsim.scenario.children import UNMATCHED_OUTCOMES
from mashsim.scenario.schema import CONCERNS, OUTCOMES, RAGS, RESEARCHED_RAGS, RISK_LEVELS

# units: how a value is read and shown
SHARE = "share"      # a fraction in [0, 1], shown as a percentage
HOURS = "hours"      # elapsed or waiting hours
COUNT = "count"      # a whole number of contacts or tasks
AVERAGE = "average"  # a time-average number (of contacts, of tasks), shown to 0.1
GROWTH = "growth"    # a signed share (of the arrivals), shown as a signed percentage, never cut to [0, 1]
UNITS = (SHARE, HOURS, COUNT, AVERAGE, GROWTH)

DELAY_STATS = ("mean", "median", "p90", "p95", "max")
# the two readings of a RAG deadline's hours: of the hub's working clock, or of elapsed time
READINGS = ("working", "elapsed")


@dataclass(frozen=True)
class Axis:
    """A breakdown axis: the word in the name (``by_rag``; none for a delay's statistic) and where
    its values come from (fixed, or the scenario's agencies, sources, roles and pools)."""

    key: str
    word: str | None
    values: tuple[str, ...] = ()  # empty: the scenario's, given to names() by key

    def items(self, scenario: Mapping[str, Sequence[str]]) -> Sequence[str]:
        return self.values or scenario[self.key]


AXES = {axis.key: axis for axis in (
    Axis("agency", "by_agency"),
    Axis("source", "by_source"),
    Axis("cause", "by_cause", CAUSES),
    Axis("risk", "by_risk", RISK_LEVELS),
    Axis("rag", "by_rag", RAGS),
    Axis("researched_rag", "by_rag", RESEARCHED_RAGS),
    Axis("outcome", "by_outcome", OUTCOMES),
    Axis("stat", None, DELAY_STATS),
    Axis("kind", None, MISS_KINDS),
    Axis("reading", "by_reading", READINGS),
    Axis("match", "by_match", UNMATCHED_OUTCOMES),
    Axis("role", "by_role"),
    Axis("pool", "by_pool"),
    Axis("concern", "by_concern", CONCERNS),
)}
# Every contact metric is also reported for each concern: its every breakdown again, with the
# concern outermost (``rag_breach_rate.by_concern.fgm.by_rag.red``), after all the totals. The
# families do not list these: see Family.concern_breakdowns.
CONCERN = "concern"
# the words that name a breakdown in a flat name (``by_rag`` in ``rag_breach_rate.by_rag.red``); a
# breakdown's value may itself begin with "by_" (``by_policy``), so readers drop only these
AXIS_WORDS = frozenset({axis.word for axis in AXES.values() if axis.word} | {"by_hub"})


@dataclass(frozen=True)
class Family:
    """One metric family.

    ``breakdowns``: each a tuple of axis keys (``()`` the family's own total, ``("rag", "stat")``
    ``<stem>.by_rag.<rag>.<stat>``), in the order the metrics are reported. ``staff``: a role
    metric, reported per role (``by_role``) and per pool (``by_pool``), one role's metrics together.
    ``definition``: the reference's text, one for the family or one per breakdown (a rate's
    numerator ÷ its denominator).
    """

    stem: str
    unit: str
    label: str
    section: str
    definition: str | tuple[str, ...]
    breakdowns: tuple[tuple[str, ...], ...] = ((),)
    staff: bool = False
    # counted over a hub's children, not its contacts (with [children]): a child's contacts can have
    # different concerns, so such a family has no breakdown by concern
    per_child: bool = False

    def __post_init__(self) -> None:
        # a typo in a declaration fails at import, not as a missing metric later
        if self.unit not in UNITS:
            raise ValueError(f"{self.stem}: unit {self.unit!r} is not one of {UNITS}")
        unknown = {key for b in self.breakdowns for key in b} - set(AXES)
        if unknown:
            raise ValueError(f"{self.stem}: unknown axes {sorted(unknown)}; the axes are {sorted(AXES)}")
        if not isinstance(self.definition, str) and len(self.definition) != len(self.breakdowns):
            raise ValueError(f"{self.stem}: one definition per breakdown, or one for all")

    @property
    def concern_breakdowns(self) -> tuple[tuple[str, ...], ...]:
        """The family's breakdowns by concern: each of its own with the concern axis outermost
        (none for a staff metric: staff serve every concern; none for a per-child one: a child's
        contacts can have different concerns)."""
        return () if self.staff or self.per_child else tuple((CONCERN, *b) for b in self.breakdowns)

    @property
    def headline(self) -> bool:
        """Whether the family has a metric in the default set a report shows (:data:`HEADLINE`)."""
        return any(family_of(name) is self for name in HEADLINE) or self.stem == HEADLINE_STAFF.partition(".")[0]

    def names(self, breakdown: tuple[str, ...], scenario: Mapping[str, Sequence[str]],
              red_first: bool = False) -> list[str]:
        """The flat names of one breakdown, the axes' values nested in order (the first outermost);
        ``red_first``: RAGs from Red down, as the terminal table reads them."""
        names = [self.stem]
        for key in breakdown:
            axis = AXES[key]
            items = axis.items(scenario)
            if red_first and key in ("rag", "researched_rag"):
                items = tuple(reversed(items))
            prefix = f".{axis.word}" if axis.word else ""
            names = [f"{name}{prefix}.{item}" for name in names for item in items]
        return names


HEADLINE_SECTION = "High- and critical-risk children"
ACCOUNTING = "Accounting"
MISSED = "Breakdown: all signals, including by policy (share of signals agencies held)"
LATE = "Late returns (unanswered at the cut-off)"
OUTCOMES_SECTION = "Outcomes"
DELAY = "Time from contact to decision (hours)"
TIMESCALES = "Timescales"
STAFF = "Staff (utilisation in working hours; mean queue)"
CHILDREN = "Children (across a child's contacts; with `[children]`)"
PATHWAYS = "Concern pathways"

FAMILIES: tuple[Family, ...] = (
    Family("contacts_arrived", COUNT, "Contacts arrived", ACCOUNTING,
           "Contacts arriving in the window (including initial-backlog contacts only when `warmup_days = 0`)."),
    Family("contacts_decided", COUNT, "Contacts decided", ACCOUNTING,
           "Of those, contacts decided by the end of the window (Blue contacts count as decided when screened). "
           "The other contact metrics count the contacts decided in the run-out as well (see "
           "`contacts_decided_in_runout`)."),
    Family("contacts_open_at_end", COUNT, "Open at the window's end", ACCOUNTING,
           "`contacts_arrived − contacts_decided`: open at the end of the window, "
           "`contacts_decided_in_runout + contacts_censored`."),
    Family("contacts_in_system", AVERAGE, "Contacts in the hub", ACCOUNTING,
           "Time-average number of contacts in the hub (arrived, not yet decided; Blue ones until screened) "
           "over the window, **whenever they arrived** (warm-up arrivals and backlog included): the L of "
           "Little's law, L = λW."),
    Family("all_signals_missed_rate", SHARE, "All signals missed", MISSED,
           ("Held signals of decided contacts that did not reach the decision ÷ held signals of decided contacts.",
            "That agency's missed signals ÷ that agency's held signals.",
            "Missed signals with that fate (`not_asked`, `screened_out`, `late`, `unmatched`, `lost_in_channel`, "
            "`desk_outage`) ÷ **all** held signals (so the six causes add up to `all_signals_missed_rate`). "
            "Most of it is by policy (Blue children's records, desks a RAG does not ask): see "
            "`high_risk_missed_rate` for what staffing and sharing can change.",
            "Missed signals of contacts with that true risk (`low` … `critical`) ÷ held signals of those contacts."),
           breakdowns=((), ("agency",), ("cause",), ("risk",))),
    Family("late_return_rate", SHARE, "Late returns", LATE,
           "Requests to that desk, for decided contacts, with no return when the case was passed to the "
           "managers ÷ requests to that desk for decided contacts. It counts requests whether or not the agency "
           "held anything; the `late` cause of `all_signals_missed_rate` counts only held signals.",
           breakdowns=(("agency",),)),
    Family("under_triage_rate", SHARE, "Under-triage (against the correct RAG)", HEADLINE_SECTION,
           "Decided contacts with true risk `high` or `critical` whose outcome is lower (`nfa` < `early_help` < "
           "`s17` < `s47`) than the correct RAG's outcome mix would have given with the same draw ÷ decided "
           "contacts with true risk `high` or `critical`. A child rated right, or whose signals revealed its "
           "risk at decision, is never under-triaged, whatever its outcome."),
    Family("decision_delay_hours", HOURS, "Hours to decision", DELAY,
           ("Elapsed hours (nights and weekends included) from arrival to decision, over decided contacts and "
            "censored ones (at their delay so far: with any censored, a lower bound, shown `≥`); for "
            "Blue contacts, to the end of screening. `<stat>` is `mean`, `median`, `p90`, `p95` or `max`.",
            "The same over the contacts given that RAG at screening (censored ones never screened are only in "
            "the overall figures)."),
           breakdowns=(("stat",), ("rag", "stat"))),
    Family("rag_breach_rate", SHARE, "RAG deadline breaches", TIMESCALES,
           ("Green/Amber/Red contacts decided after their RAG deadline, or censored past it ÷ decided and "
            "censored Green/Amber/Red contacts. A contact still not screened at the run-out's cap counts under "
            "the RAG its screening draw gives with no queue pressure (when that RAG's clock starts at contact), so "
            "a backlog nobody has screened cannot make the figure look better.",
            "The same for that screening RAG (`red`, `amber`, `green`) ÷ decided and censored contacts with that "
            "screening RAG.",
            "The same deadline hours read on the hub's working clock (`working`) or as elapsed hours (`elapsed`), "
            "from the same start (`rag.<rag>.clock_starts`): Green/Amber/Red contacts decided after it, or censored "
            "past it ÷ decided and censored Green/Amber/Red contacts. The scenario's `rag.<rag>.clock` is the "
            "reading the hub works to.",
            "The same by reading for that screening RAG."),
           breakdowns=((), ("researched_rag",), ("reading",), ("reading", "researched_rag"))),
    Family("working_day_breach_rate", SHARE, "Over one working day", TIMESCALES,
           ("Contacts decided more than one working day after arrival, or censored past it ÷ decided and "
            "censored contacts (Blue included).",
            "The same for that screening RAG (all four) ÷ decided and censored contacts with that screening RAG."),
           breakdowns=((), ("rag",))),
    Family("rag_share", SHARE, "RAG at screening", OUTCOMES_SECTION,
           "Decided contacts given that RAG **at screening** ÷ decided contacts.", breakdowns=(("rag",),)),
    Family("outcome_share", SHARE, "Outcome", OUTCOMES_SECTION,
           "Decided contacts with that outcome (`nfa`, `early_help`, `s17`, `s47`) ÷ decided contacts.",
           breakdowns=(("outcome",),)),
    Family("referral_rate", SHARE, "Referrals", OUTCOMES_SECTION,
           "Decided contacts with outcome `s17` or `s47` ÷ decided contacts."),
    Family("utilisation", SHARE, "Utilisation", STAFF,
           "Busy staff-hours ÷ available staff-hours, both counted only while the role is **on duty** (its "
           "`hours` pattern), where available = the number on duty that day (or the number busy, if more). "
           "Out-of-hours work and overtime after the end of duty are not counted. NaN if nobody was ever on duty.",
           breakdowns=(("role",), ("pool",)), staff=True),
    Family("queue_length", AVERAGE, "Mean queue", STAFF,
           "Time-average number of tasks waiting (not in service) over the whole window, day and night. "
           "Withdrawn requests stop counting when withdrawn.",
           breakdowns=(("role",), ("pool",)), staff=True),
    Family("wait_hours", HOURS, "Mean wait", STAFF,
           "Mean hours from queueing to the start of service, over tasks that started in the window. Tasks "
           "still waiting at the end and withdrawn requests are not counted.",
           breakdowns=(("role",), ("pool",)), staff=True),
    Family("wait_probability", SHARE, "Chance of waiting", STAFF,
           "Share of the tasks that started in the window that had to wait at all (queueing theory's P(wait)).",
           breakdowns=(("role",), ("pool",)), staff=True),
    Family("backlog_at_end", COUNT, "Backlog at the end", STAFF,
           "Tasks waiting or in service at the end of the window.",
           breakdowns=(("role",), ("pool",)), staff=True),
    Family("high_risk_missed_rate", SHARE, "Missed signals, high/critical risk", HEADLINE_SECTION,
           ("Held signals about decided contacts with true risk `high` or `critical` that did not reach the "
            "decision ÷ held signals about those contacts.",
            "Those missed signals that were `avoidable` (asked but late, unmatched, lost in the channel, desk "
            "down; screened out, or not asked, because the child was rated below its true risk) or `by_policy` "
            "(screened out or not asked where the correct RAG would not have asked either) ÷ the same held "
            "signals, so the two add up to `high_risk_missed_rate`.",
            "Those missed signals with that fate ÷ the same held signals.",
            "That agency's missed signals about those contacts ÷ that agency's held signals about them."),
           breakdowns=((), ("kind",), ("cause",), ("agency",))),
    Family("contacts_decided_in_runout", COUNT, "Decided in the run-out", ACCOUNTING,
           "Of the window's contacts, those decided after the window's end, in the run-out (the run goes on, "
           "arrivals and all, until every contact of the window is decided or the cap, "
           "`mashsim.replication.RUNOUT_CAP_DAYS` days, is reached)."),
    Family("contacts_censored", COUNT, "Censored (open at the cap)", ACCOUNTING,
           "Of the window's contacts, those still open at the run-out's cap: each counts as a breach of every "
           "deadline it has passed by then, and enters the delays at its delay so far."),
    Family("backlog_growth", GROWTH, "Backlog growth", ACCOUNTING,
           "How fast the contacts in the hub grew over the window: the mean number in the hub over the window's "
           "second half minus that over its first half, per day, ÷ the window's arrivals per day. A backlog that "
           "keeps a steady share of the arrivals reads that share; a stable hub about 0. A run is flagged "
           "unstable when it is above `mashsim.experiment.stability.GROWTH_LIMIT` and its CI excludes 0."),
    Family("unmatched_rate", SHARE, "Unmatched, by search outcome", MISSED,
           "Held signals missed because the desk's record search did not match the child, by what the search "
           "found (`no_match`; `several` possible records; a `possible` match the extra research did not "
           "confirm) ÷ held signals about decided contacts: the three add up to "
           "`all_signals_missed_rate.by_cause.unmatched`.",
           breakdowns=(("match",),)),
    Family("children_contacted", COUNT, "Children contacted", CHILDREN,
           "Children with a contact arriving in the window (0 without `[children]`).", per_child=True),
    Family("children_repeat_unreferred", COUNT, "Two or more contacts, no referral", CHILDREN,
           "Children with two or more contacts arriving in the window and none decided `s17` or `s47` (a "
           "contact still open at the run-out's cap is not a referral).", per_child=True),
    Family("high_risk_children_unreferred", COUNT, "High/critical risk, not referred", CHILDREN,
           "Children with a contact at true risk `high` or `critical` in the window and no `s17` or `s47` "
           "decision about any of their window's contacts by the run-out's cap.", per_child=True),
    Family("high_risk_child_hours_to_referral", HOURS, "Hours to referral, high/critical-risk child", CHILDREN,
           "Elapsed hours from the first contact in the window of a child with a contact at true risk `high` or "
           "`critical` in the window to the first `s17` or `s47` decision about the child; a child with none by "
           "the run-out's cap enters at its time so far (a lower bound: see `high_risk_children_unreferred`). "
           "`<stat>` is `mean`, `median`, `p90`, `p95` or `max`.",
           breakdowns=(("stat",),), per_child=True),
    Family("signals_never_decided", COUNT, "Held signals no decision received", CHILDREN,
           ("Per child contacted in the window and agency: a signal the agency held about the child that missed "
            "a decision and, as at the child's latest decided contact of the window, has reached none since "
            "(neither reached at a later contact nor found in the child's history by the history desk): the "
            "serious-case-review pattern.",
            "The same for that agency's signals."),
           breakdowns=((), ("agency",)), per_child=True),
    Family("school_notices", COUNT, "School notices (Operation Encompass)", PATHWAYS,
           "Contacts of the window whose school is told before its next school day "
           "(`concerns.<concern>.school_notification`): the notice goes when the hub has screened the contact."),
    Family("school_notice_late_rate", SHARE, "School notices late", PATHWAYS,
           "School notices sent after the next school day had started (screened after it; a contact still "
           "unscreened at the run-out's cap, if it was past it then) ÷ school notices."),
    Family("referral_source_share", SHARE, "Referrals by source", OUTCOMES_SECTION,
           "Referrals (outcome `s17` or `s47`) of decided contacts from that source ÷ referrals of decided "
           "contacts: where the hub's referrals come from, as DfE's *Characteristics of children in need* "
           "publishes it for England (a figure kept back to validate, in `calibration/targets.toml`). A "
           "child's return counts under its own source. Initial-backlog contacts (counted only when "
           "`warmup_days = 0`) have no source: their referrals are in the denominator only.",
           breakdowns=(("source",),)),
)

# The police pipeline's families (a scenario's [police]: mashsim.model.police, mashsim.metrics.police):
# reported only by a run whose hubs have one, after every other metric, so they are not in FAMILIES
# (which every run reports); declared here, like every metric, for their names, units and reference.
POLICE = "The police pipeline (public-protection desk, CAIT)"
POLICE_FAMILIES: tuple[Family, ...] = (
    Family("police_notifications", COUNT, "Police notifications", POLICE,
           "Police child-welfare notifications (Merlin records) whose incident falls in the window."),
    Family("police_notification_wait_hours", HOURS, "Notification wait before the MASH sees it (hours)", POLICE,
           "Elapsed hours from the incident to MASH receipt (the public-protection desk's queue and review), over "
           "the window's notifications; one still at the desk when the run-out ends enters at its wait so far.",
           breakdowns=(("stat",),)),
    Family("police_ppd_backlog_at_end", COUNT, "Public-protection desk backlog at the end", POLICE,
           "Notifications raised before the window's end and not yet reviewed then."),
    Family("police_signals_missed_rate", SHARE, "Police signals missed", POLICE,
           "Police-held signals of decided contacts that did not reach the decision ÷ police-held signals: "
           "`all_signals_missed_rate.by_agency.police`, named for the police question."),
    Family("s47_enquiries", COUNT, "s47 enquiries", POLICE,
           "Contacts of the window decided s47: each needs a CAIT joint visit."),
    Family("s47_past_deadline", COUNT, "s47 joint visits past the deadline", POLICE,
           "s47 enquiries whose joint visit was done after `police.cait.joint_visit_deadline_hours` from the "
           "decision, or was still waiting past it when the run-out ended."),
    Family("s47_past_deadline_rate", SHARE, "s47 joint visits past the deadline (share)", POLICE,
           "`s47_past_deadline` ÷ `s47_enquiries`."),
    Family("cait_wait_hours", HOURS, "CAIT wait (hours)", POLICE,
           "Elapsed hours from the s47 decision to the joint visit done (one still waiting when the run-out "
           "ended enters at its wait so far).", breakdowns=(("stat",),)),
)
BY_STEM = {family.stem: family for family in (*FAMILIES, *POLICE_FAMILIES)}
CONTACT_FAMILIES = tuple(f for f in FAMILIES if not f.staff)
STAFF_FAMILIES = tuple(f for f in FAMILIES if f.staff)
# The terminal table: which breakdowns it shows, in its order (RAGs from Red down). The outcome shares
# and referrals come before the times: they answer "what happened", the times "how fast".
# The first rows answer the question: what staffing and sharing can change for the children at risk.
TABLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("high_risk_missed_rate", ()), ("high_risk_missed_rate", ("kind",)), ("under_triage_rate", ()),
    ("contacts_arrived", ()), ("contacts_decided", ()), ("contacts_open_at_end", ()),
    ("contacts_decided_in_runout", ()), ("contacts_censored", ()), ("backlog_growth", ()),
    ("all_signals_missed_rate", ()), ("all_signals_missed_rate", ("cause",)), ("all_signals_missed_rate", ("agency",)),
    ("unmatched_rate", ("match",)),
    ("late_return_rate", ("agency",)),
    ("referral_rate", ()), ("outcome_share", ("outcome",)),
    ("decision_delay_hours", ("stat",)), ("decision_delay_hours", ("rag", "stat")),
    ("rag_breach_rate", ()), ("rag_breach_rate", ("researched_rag",)),
    ("rag_breach_rate", ("reading", "researched_rag")),
    ("working_day_breach_rate", ()), ("working_day_breach_rate", ("rag",)),
    ("children_contacted", ()), ("children_repeat_unreferred", ()), ("high_risk_children_unreferred", ()),
    ("high_risk_child_hours_to_referral", ("stat",)), ("signals_never_decided", ()),
    ("utilisation", ("role",)), ("queue_length", ("role",)), ("utilisation", ("pool",)), ("queue_length", ("pool",)),
)
TABLE_DELAY_STATS = ("mean", "p90")  # the per-RAG delay rows: mean and p90 only
# The terminal's table by concern (one row a concern, these columns): every metric by concern is in
# the JSON and Parquet; the terminal shows the few that say how each concern's children fare.
CONCERN_TABLE = ("contacts_arrived", "high_risk_missed_rate", "under_triage_rate", "rag_breach_rate",
                 "decision_delay_hours.mean", "referral_rate", "school_notice_late_rate")


def by_concern(name: str, concern: str) -> str:
    """``rag_breach_rate.by_rag.red`` -> ``rag_breach_rate.by_concern.<concern>.by_rag.red``."""
    head, _, rest = name.partition(".")
    return f"{head}.by_concern.{concern}" + (f".{rest}" if rest else "")

# The metrics a report shows by default: high/critical-risk missed signals (avoidable and by policy) and
# under-triage, RAG breaches and delays by RAG, and every role's utilisation.
HEADLINE = ("high_risk_missed_rate", "high_risk_missed_rate.avoidable", "high_risk_missed_rate.by_policy",
            "under_triage_rate", "rag_breach_rate.by_rag.red", "rag_breach_rate.by_rag.amber",
            "rag_breach_rate.by_rag.green", "decision_delay_hours.mean", "decision_delay_hours.by_rag.red.mean",
            "decision_delay_hours.by_rag.amber.mean", "decision_delay_hours.by_rag.green.mean")
HEADLINE_STAFF = "utilisation.by_role."


def headline_metrics(available: Sequence[str]) -> list[str]:
    """The headline metrics among ``available`` (those a sweep recorded), in the report's order."""
    chosen = [m for m in HEADLINE if m in available]
    return chosen + [m for m in available if m.startswith(HEADLINE_STAFF)]


def family_of(name: str) -> Family | None:
    """The family a flat name belongs to (``rag_breach_rate.by_hub.camden.by_rag.red`` →
    ``rag_breach_rate``), or None for a name that is not a metric."""
    return BY_STEM.get(name.partition(".")[0])


def unit_of(name: str) -> str | None:
    """The unit of a metric (``"share"``, ``"hours"``, ``"count"``, ``"average"``), None if unknown."""
    family = family_of(name)
    return family.unit if family else None


def is_growth(name: str) -> bool:
    """Whether a metric is a signed share (shown as a signed percentage, never cut to [0, 1])."""
    return unit_of(name) == GROWTH


def is_censorable(name: str) -> bool:
    """Whether a metric's value is a lower bound when contacts are censored (the delay statistics)."""
    return unit_of(name) == HOURS and name.startswith(("decision_delay_hours", "high_risk_child_hours_to_referral"))


def is_share(name: str) -> bool:
    """Whether a metric is a share in [0, 1] (shown as a percentage)."""
    return unit_of(name) == SHARE


# ------------------------------------------------------------------ naming what the collector computes
def contact_breakdowns(by_concern: bool) -> list[tuple[Family, tuple[str, ...]]]:
    """Every contact family's breakdowns in the order they are reported: the totals, then (with
    ``by_concern``) each family's breakdowns by concern."""
    pairs = [(family, b) for family in CONTACT_FAMILIES for b in family.breakdowns]
    if by_concern:
        pairs += [(family, b) for family in CONTACT_FAMILIES for b in family.concern_breakdowns]
    return pairs


def flatten(values: Mapping[str, Mapping[tuple[str, ...], Sequence[float]]],
            scenario: Mapping[str, Sequence[str]], by_concern: bool = False) -> dict[str, float]:
    """The contact metrics as a flat dict in catalogue order, from ``values[stem][breakdown]``: one value
    per name of that breakdown, in :meth:`Family.names` order; ``by_concern``: the breakdowns by concern
    too. A family or breakdown the collector does not compute, or one it computes that is not declared,
    is an error, never a silent 0."""
    flat: dict[str, float] = {}
    for family in CONTACT_FAMILIES:
        declared = set(family.breakdowns) | (set(family.concern_breakdowns) if by_concern else set())
        if set(values[family.stem]) != declared:
            raise KeyError(f"{family.stem}: computed {sorted(values[family.stem])}, declared {sorted(declared)}")
    for family, breakdown in contact_breakdowns(by_concern):
        names = family.names(breakdown, scenario)
        numbers = values[family.stem][breakdown]
        if len(numbers) != len(names):
            raise ValueError(f"{family.stem} {breakdown}: {len(numbers)} values for {len(names)} names")
        flat.update(zip(names, numbers))
    if set(values) - {f.stem for f in CONTACT_FAMILIES}:
        raise KeyError(f"undeclared metric families: {sorted(set(values) - set(BY_STEM))}")
    return flat


def flatten_staff(values: Mapping[str, Mapping[str, float]], by: str) -> dict[str, float]:
    """The staff metrics of each role (``by="by_role"``) or pool (``by_pool``) from ``values[role][stem]``,
    one role's metrics together, in catalogue order."""
    return {f"{family.stem}.{by}.{role}": numbers[family.stem]
            for role, numbers in values.items() for family in STAFF_FAMILIES}


def by_hub(name: str, hub: str) -> str:
    """``all_signals_missed_rate.by_agency.police`` -> ``all_signals_missed_rate.by_hub.<hub>.by_agency.police``."""
    head, _, rest = name.partition(".")
    return f"{head}.by_hub.{hub}" + (f".{rest}" if rest else "")


# ------------------------------------------------------------------------------------ the terminal table
def table_rows(agencies: Sequence[str], roles: Sequence[str], pools: Sequence[str]) -> list[tuple[str, str | None]]:
    """The terminal table's rows: ``(metric name, section heading where a section starts, else None)``."""
    scenario = {"agency": agencies, "role": roles, "pool": pools}
    rows: list[tuple[str, str | None]] = []
    section = None
    for stem, breakdown in TABLE:
        family = BY_STEM[stem]
        names = family.names(breakdown, scenario, red_first=True)
        if breakdown == ("rag", "stat"):
            names = [n for n in names if n.rsplit(".", 1)[1] in TABLE_DELAY_STATS]
        for name in names:
            rows.append((name, family.section if family.section != section else None))
            section = family.section
    return rows
