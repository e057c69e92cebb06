"""A contact: one child's referral, with everything drawn for it when it arrives."""

from __future__ import annotations

# Indices used throughout the model; names live in mashsim.scenario.schema.
LOW, MEDIUM, HIGH, CRITICAL = range(4)
BLUE, GREEN, AMBER, RED = range(4)


class Contact:
    """One contact's attributes (drawn at arrival) and its progress through the hub.

    All randomness a contact will ever need is drawn when it arrives, from
    streams of its own source, so two scenarios that differ only in staff or
    policy see the very same children with the very same task times.
    """

    __slots__ = (
        "id", "source", "arrived", "risk", "concern", "urgent",
        "holds", "unmatched", "lost", "research_hours",
        "log_hours", "screen_hours", "decide_hours",
        "u_screen", "u_reveal", "u_outcome",
        "counted", "backlog",
        "logged_at", "screened_at", "rag", "deadline", "asked", "returned", "pending", "jobs",
        "sent_at", "decided_at", "decided_rag", "outcome",
    )

    def __init__(self, id: int, source: int, arrived: float) -> None:
        self.id = id
        self.source = source
        self.arrived = arrived
        self.counted = False
        self.backlog = False
        self.logged_at: float | None = None
        self.screened_at: float | None = None
        self.rag: int | None = None
        self.deadline: float | None = None
        self.asked: tuple[int, ...] = ()
        self.returned: list[float | None] = []
        self.pending = 0
        self.jobs: list = []
        self.sent_at: float | None = None
        self.decided_at: float | None = None
        self.decided_rag: int | None = None
        self.outcome: int | None = None

    @property
    def correct_rag(self) -> int:
        """The RAG a perfect screener would give: one RAG level per level of true risk."""
        return self.risk
