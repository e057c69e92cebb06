"""A contact: one child's referral, with everything drawn for it when it arrives."""

from __future__ import annotations

from typing import Any

# Indices used throughout the model; names live in mashsim.scenario.schema.
LOW, MEDIUM, HIGH, CRITICAL = range(4)
BLUE, GREEN, AMBER, RED = range(4)

# What became of a signal an agency held: it reached the decision, or the cause of the miss.
CAUSES = ("not_asked", "screened_out", "late", "unmatched", "lost_in_channel", "desk_outage")
NOT_ASKED, SCREENED_OUT, LATE, UNMATCHED, LOST, OUTAGE = range(len(CAUSES))
REACHED = -1

# Whether a missed signal is one staffing and sharing could have saved (avoidable) or one the hub's
# policy chose not to seek (by policy): see miss_kind.
MISS_KINDS = ("avoidable", "by_policy")
AVOIDABLE, BY_POLICY = range(len(MISS_KINDS))


class Contact:
    """One contact's attributes (drawn at arrival) and its progress through the hub.

    All randomness a contact will ever need is drawn when it arrives, from
    streams of its own source, so two scenarios that differ only in staff or
    policy see the very same children with the very same task times.
    """

    __slots__ = (
        "id", "source", "arrived", "risk", "concern", "urgent",
        "holds", "unmatched", "lost", "research_hours",
        "stage_hours",
        "u_screen", "u_reveal", "u_outcome",
        "counted", "backlog",
        "logged_at", "screened_at", "rag", "deadline", "due", "asked", "returned", "pending", "jobs",
        "sent_at", "decided_at", "decided_rag", "outcome", "fates", "failed",
        "deadline_working", "deadline_elapsed", "kinds", "correct_outcome",
        "matching", "child", "key", "generation", "u_return", "u_delay", "u_history", "earlier", "history_found",
        "child_missed", "notify_by",
        "u_notify", "ppd_hours", "cait_hours", "incident",
    )

    # Drawn at arrival (ContactFactory.make sets them).
    id: int
    source: int
    arrived: float
    risk: int
    concern: int
    urgent: bool
    holds: list[bool]
    unmatched: list[bool]
    lost: list[bool]
    research_hours: list[float]
    stage_hours: list[float]  # per hub stage, in the order of mashsim.model.stages.STAGES: its task's hours
    u_screen: float
    u_reveal: float
    u_outcome: float
    matching: list[int]  # per agency, the record search's outcome (an index of MATCH_OUTCOMES)
    # With [children] (mashsim.model.children): the child (-1: none, each contact its own), the key of
    # the first contact of the child's run of returns, which return this is (0: a first contact), and the
    # draws for the child's return and for the history desk's search.
    child: int
    key: int
    generation: int
    u_return: float
    u_delay: float
    u_history: float
    # Progress. Fields that are None until their step happens are typed Any: the model reads each
    # only once it is set (a compiled build checks declared types when a field is written).
    counted: bool
    backlog: bool
    logged_at: Any
    screened_at: Any
    rag: Any
    deadline: Any
    due: float  # the provisional deadline before screening: see queue_deadline
    asked: tuple[int, ...]
    returned: list[Any]
    pending: int
    jobs: list[Any]
    sent_at: Any
    decided_at: Any
    decided_rag: Any
    outcome: Any
    fates: list[Any]
    failed: tuple[int, ...]
    # the RAG deadline under each reading of its hours (deadline is the one the hub works to)
    deadline_working: Any
    deadline_elapsed: Any
    kinds: list[Any]  # per agency, set when decided: see miss_kinds
    correct_outcome: Any  # the outcome the correct RAG would have given with the same draw
    earlier: int  # the child's contacts before this one
    history_found: bool  # the history desk found the child's earlier contacts
    child_missed: int  # after the decision: agencies (a bitmask) whose held signal about the child reached none
    notify_by: Any  # when the school must have been told (Operation Encompass), else None
    # The police pipeline (mashsim.model.police), drawn only for its source's contacts when a scenario
    # has one, from a stream of their own (so every other draw is the same with or without it):
    u_notify: float  # below police.notification_share: a notification the public-protection desk reviews
    ppd_hours: float  # the desk's review
    cait_hours: float  # the child abuse investigation team's joint visit, if the outcome is s47
    incident: float  # a notification's time at the incident (``arrived`` is then its time at the MASH)

    def __init__(self, id: int, source: int, arrived: float) -> None:
        self.id = id
        self.source = source
        self.arrived = arrived
        self.counted = False
        self.backlog = False
        self.logged_at = None
        self.screened_at = None
        self.rag = None
        self.deadline = None
        self.due = 0.0
        self.asked = ()
        self.returned = []
        self.pending = 0
        self.jobs = []
        self.sent_at = None
        self.decided_at = None
        self.decided_rag = None
        self.outcome = None
        self.fates = []  # per agency, set when decided: see signal_fates
        self.failed = ()  # agencies whose desk answered with nothing (systems down)
        self.child = -1
        self.generation = 0
        self.earlier = 0
        self.history_found = False
        self.child_missed = 0
        self.notify_by = None  # set on arrival when a concern pathway tells the school
        # Left unset until their step (a borough year makes ~13,000 contacts: each field costs): the
        # two deadline readings are set with the deadline; kinds and correct_outcome when a high- or
        # critical-risk child is decided, and read only then.

    def carries_signal(self, i: int) -> bool:
        """Whether agency ``i``'s return, once back, brings its information to the decision."""
        return self.holds[i] and not self.unmatched[i] and not self.lost[i] and i not in self.failed

    @property
    def correct_rag(self) -> int:
        """The RAG a perfect screener would give: one RAG level per level of true risk."""
        return self.risk


def queue_rank(c: Contact, urgent: bool) -> int:
    """The class a contact queues in under the ``rag`` discipline: 0 for urgent work (Red, or flagged
    urgent before screening), 1 for Amber, 2 for the rest (Green, or not yet rated)."""
    return 0 if urgent else 1 if c.rag == AMBER else 2


def queue_deadline(c: Contact) -> float:
    """The deadline a contact queues by under the ``deadline`` discipline.

    Once screened, its RAG deadline; before that (logging and screening) the
    provisional one the hub set at contact (``due``): the Red deadline if the
    referrer flagged it urgent, else one working day (the Working Together
    timescale for a decision).  Every queue reads the deadline here, and only
    here.
    """
    return c.deadline if c.deadline is not None else c.due


def signal_fates(c: Contact) -> list[int | None]:
    """Per agency: None if it held nothing, REACHED, or the cause of the miss (an index of CAUSES)."""
    holds = c.holds
    if not any(holds):  # most contacts: nothing held anywhere
        return [None] * len(holds)
    if c.rag == BLUE:
        return [SCREENED_OUT if held else None for held in holds]
    asked, returned, failed = c.asked, c.returned, c.failed
    fates: list[int | None] = []
    for i, held in enumerate(holds):
        if not held:
            fates.append(None)
        elif i not in asked:
            fates.append(NOT_ASKED)
        elif returned[i] is None:
            fates.append(LATE)
        elif i in failed:
            fates.append(OUTAGE)
        elif c.unmatched[i]:
            fates.append(UNMATCHED)
        elif c.lost[i]:
            fates.append(LOST)
        else:
            fates.append(REACHED)
    return fates


def miss_kind(fate: int, rag: int, correct_rag: int, asked_at_correct: bool) -> int:
    """Whether a missed signal (``fate``, a cause) was AVOIDABLE or BY_POLICY.

    ``rag`` is the RAG the contact was given at screening, ``correct_rag`` the one a perfect screener
    would give, ``asked_at_correct`` whether the policy asks this desk at the correct RAG.

    * screened out: avoidable when the child should not have been Blue (a screening error), by policy
      when it should (the hub does not research Blue contacts);
    * not asked: avoidable only when the child was rated below its true risk and the desk would have
      been asked at the correct RAG; otherwise the policy chose not to ask (including an over-rated
      child, and a backlog contact that entered the run already past its requests);
    * late, unmatched, lost in the channel, desk down: avoidable (staffing, systems, channels).
    """
    if fate == SCREENED_OUT:
        return BY_POLICY if correct_rag == BLUE else AVOIDABLE
    if fate == NOT_ASKED:
        return AVOIDABLE if rag < correct_rag and asked_at_correct else BY_POLICY
    return AVOIDABLE


def miss_kinds(c: Contact, ask_correct: tuple[int, ...]) -> list[int | None]:
    """Per agency, from ``c.fates``: None where nothing was missed, else :func:`miss_kind`;
    ``ask_correct`` lists the desks the policy asks at ``c``'s correct RAG."""
    rag, correct = c.rag, c.correct_rag
    return [None if fate is None or fate == REACHED else miss_kind(fate, rag, correct, i in ask_correct)
            for i, fate in enumerate(c.fates)]
