"""Scenarios that cut the real model down to textbook queues, and the default's extreme variants.

Every scenario here goes through the ordinary :class:`~mashsim.scenario.Scenario`
validation and runs in the ordinary model: what is checked is mashsim itself,
not a copy of it.  A textbook queue is configured with the scenario format
alone (no model change was needed):

* arrivals at a constant rate, day and night, every day (flat day and hour
  profiles, one source, no calendar periods);
* staff on the ``always`` hours pattern (on duty around the clock, bank
  holidays included), never absent;
* a stage that is not being studied takes no time (a ``constant`` task of
  0 minutes), so a contact passes through it without waiting;
* nobody is mis-rated, there is no deadline to cut research off
  (``policy.decide_at_deadline = false``), and every contact has the same
  true risk unless a mix is wanted.

Times in the scenario are in minutes; the model works, and the checks
report, in hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from mashsim.model.arrivals import HOURS_PER_YEAR
from mashsim.scenario import Scenario, load_scenario
from mashsim.scenario.bounds import HOURS
from mashsim.model.stages import DECIDE, SCREEN
from mashsim.scenario.schema import HUB_ROLES, RAGS, RESEARCHED_RAGS, RISK_LEVELS, WEEKDAYS, Constant, \
    Exponential, Triangular, Uniform
from mashsim.validation.theory import triangular_moments, uniform_moments

MINUTES_PER_HOUR = 60.0
INSTANT = {"dist": "constant", "mean": 0}
NO_DEADLINE_HOURS = HOURS.high  # the longest deadline a scenario may have: ten years, beyond any run here
DEFAULT_SCENARIO = "london-borough"


def _always(staff: int, task: Mapping[str, Any]) -> dict[str, Any]:
    return {"staff": staff, "hours": "always", "absence_rate": 0.0, "task_minutes": dict(task)}


def _instant_roles() -> dict[str, dict[str, Any]]:
    """Every hub stage's role taking no time: the stages a configuration does not study."""
    return {role: _always(1, INSTANT) for role in HUB_ROLES}


def _base(name: str, lam_per_hour: float, horizon_days: float, warmup_days: float,
          risk_mix: Mapping[str, float], urgent_flag: float) -> dict[str, Any]:
    return {
        "name": name,
        "hub_hours": "always",
        "run": {"horizon_days": horizon_days, "warmup_days": warmup_days},
        "arrivals": {
            "day_profile": [1] * 7,
            "hour_profile": [1] * 24,
            "risk_mix": dict(risk_mix),
            "urgent_flag": urgent_flag,
            "sources": {"all": {"annual_contacts": lam_per_hour * HOURS_PER_YEAR}},
        },
        "screening": {"under_rating": 0.0, "over_rating": 0.0},
        "rag": {rag: {"deadline_hours": NO_DEADLINE_HOURS, "clock": "elapsed"} for rag in RESEARCHED_RAGS},
        "policy": {"decide_at_deadline": False},
    }


ALL_RED = {"low": 0.0, "medium": 0.0, "high": 0.0, "critical": 1.0}


def single_desk(lam_per_hour: float, service_minutes: Mapping[str, Any], servers: int,
                horizon_days: float, warmup_days: float, risk_mix: Mapping[str, float] = ALL_RED,
                queue_discipline: str = "fifo") -> Scenario:
    """One agency desk, ``desk``, as an M/G/c queue: Poisson arrivals, ``servers`` staff always on duty.

    By default every contact is Red (so every queue is served first come,
    first served within one priority class); with a ``risk_mix`` the RAGs
    (one per level of true risk, no mis-rating) are the classes of a priority
    queue in ``queue_discipline``.  Every RAG asks ``desk`` only; logging,
    screening and deciding take no time.  ``service_minutes`` is any scenario
    duration table, e.g. ``{"dist": "exponential", "mean": 60}``.
    """
    return load_scenario(single_desk_raw(lam_per_hour, service_minutes, servers, horizon_days, warmup_days,
                                         risk_mix, queue_discipline))


def single_desk_raw(lam_per_hour: float, service_minutes: Mapping[str, Any], servers: int,
                    horizon_days: float, warmup_days: float, risk_mix: Mapping[str, float] = ALL_RED,
                    queue_discipline: str = "fifo") -> dict[str, Any]:
    """The scenario table of :func:`single_desk` (to write as a file, or tag a value in it)."""
    raw = _base("textbook-desk", lam_per_hour, horizon_days, warmup_days, risk_mix, 0.0)
    raw["roles"] = _instant_roles()
    raw["agencies"] = {"desk": {
        "staff": servers, "hours": "always", "research_minutes": dict(service_minutes),
        "holds_information": {level: 0.0 for level in RISK_LEVELS},
    }}
    raw["policy"]["ask"] = {rag: ["desk"] for rag in RESEARCHED_RAGS}
    raw["policy"]["queue_discipline"] = queue_discipline
    return raw


def tandem(lam_per_hour: float, first: tuple[Mapping[str, Any], int], second: tuple[Mapping[str, Any], int],
           horizon_days: float, warmup_days: float) -> Scenario:
    """Two stations in series: screening (``first``: service, staff) then deciding (``second``).

    No desk is asked, so a screened contact goes straight to the managers:
    the hub's own screening and decision stages form the tandem.
    """
    raw = _base("textbook-tandem", lam_per_hour, horizon_days, warmup_days, ALL_RED, 0.0)
    raw["roles"] = {**_instant_roles(), SCREEN.role: _always(first[1], first[0]),
                    DECIDE.role: _always(second[1], second[0])}
    raw["policy"]["ask"] = {}
    return load_scenario(raw)


@dataclass(frozen=True)
class ReducedMash:
    """A MASH reduced to a queueing network: screening -> one research desk per RAG -> decision.

    Contacts arrive as one Poisson stream; each is Blue, Green, Amber or Red
    with the chances in ``risk_mix`` (screening makes no errors), so the
    routing after screening is probabilistic: Blue leaves, the others go to
    the desk ``route`` names for their RAG and then to a manager.  Red is
    served first at every station (flagged urgent from arrival), without
    pre-emption.  Task times are in minutes, as in a scenario file.
    """

    arrivals_per_hour: float = 2.5
    risk_mix: Mapping[str, float] = field(
        default_factory=lambda: {"low": 0.5, "medium": 0.275, "high": 0.175, "critical": 0.05})
    screening: tuple[Mapping[str, Any], int] = ({"min": 15, "mode": 30, "max": 60}, 2)
    desks: Mapping[str, tuple[Mapping[str, Any], int]] = field(default_factory=lambda: {
        "police": ({"min": 30, "mode": 60, "max": 120}, 1),
        "social_care": ({"min": 20, "mode": 40, "max": 60}, 1),
    })
    route: Mapping[str, str] = field(default_factory=lambda: {"green": "social_care", "amber": "police",
                                                               "red": "police"})
    decision: tuple[Mapping[str, Any], int] = ({"min": 10, "mode": 20, "max": 45}, 1)
    horizon_days: float = 60.0
    warmup_days: float = 5.0

    def rag_share(self, rag: str) -> float:
        """The share of contacts with this RAG: one RAG per level of true risk."""
        return self.risk_mix[RISK_LEVELS[RAGS.index(rag)]]

    def scenario(self) -> Scenario:
        """The reduced MASH as a mashsim scenario."""
        raw = _base("reduced-mash", self.arrivals_per_hour, self.horizon_days, self.warmup_days,
                    self.risk_mix, 1.0)
        raw["roles"] = {**_instant_roles(), SCREEN.role: _always(self.screening[1], self.screening[0]),
                        DECIDE.role: _always(self.decision[1], self.decision[0])}
        raw["agencies"] = {
            name: {"staff": servers, "hours": "always", "research_minutes": dict(task),
                   "holds_information": {level: 0.0 for level in RISK_LEVELS}}
            for name, (task, servers) in self.desks.items()
        }
        raw["policy"]["ask"] = {rag: [desk] for rag, desk in self.route.items()}
        # Red first, the rest first come first served, as Ciw's two priority classes (mashsim cannot order
        # Amber before Green at screening, before they are rated)
        raw["policy"]["queue_discipline"] = "fifo"
        return load_scenario(raw)


@dataclass(frozen=True)
class RotaDesk:
    """One desk on a rota: ``day_staff`` on duty from ``start`` to ``end`` every day, ``cover`` out of hours.

    Every contact is Red (the out-of-hours cover takes urgent work only), so
    the desk is one first-come-first-served queue whose number of servers
    follows the rota, as a Ciw schedule: whoever is busy at a change of shift
    finishes in overtime beside the staff coming on duty.  Arrivals are Poisson
    day and night; logging, screening and deciding take no time.
    """

    # long tasks and a busy night (the cover ~90% loaded), so that staff are often busy at 17:00: a
    # cover kept waiting for the day staff's overtime would be ~10% slower, which these runs detect
    arrivals_per_hour: float = 0.4
    task: Mapping[str, Any] = field(default_factory=lambda: {"min": 60, "mode": 120, "max": 240})
    day_staff: int = 2
    cover: int = 1
    start: float = 9.0
    end: float = 17.0
    horizon_days: float = 180.0
    warmup_days: float = 3.0

    def scenario(self) -> Scenario:
        """The rota desk as a mashsim scenario."""
        raw = _base("rota-desk", self.arrivals_per_hour, self.horizon_days, self.warmup_days, ALL_RED, 0.0)
        raw["calendar"] = {"hours": {"daytime": {"days": list(WEEKDAYS), "start": self.start, "end": self.end,
                                                 "bank_holidays": True}}}
        raw["roles"] = _instant_roles()
        raw["agencies"] = {"desk": {
            "staff": self.day_staff, "hours": "daytime", "out_of_hours_staff": self.cover, "absence_rate": 0.0,
            "research_minutes": dict(self.task), "holds_information": {level: 0.0 for level in RISK_LEVELS},
        }}
        raw["policy"]["ask"] = {"red": ["desk"]}
        return load_scenario(raw)


def service_moments_hours(duration) -> tuple[float, float]:
    """Mean (hours) and second moment (hours squared) of a scenario task-time distribution."""
    if isinstance(duration, Constant):
        mean, second = duration.mean, duration.mean ** 2
    elif isinstance(duration, Exponential):
        mean, second = duration.mean, 2.0 * duration.mean ** 2
    elif isinstance(duration, Uniform):
        mean, second = uniform_moments(duration.min, duration.max)
    elif isinstance(duration, Triangular):
        mean, second = triangular_moments(duration.min, duration.mode, duration.max)
    else:
        raise ValueError(f"no closed-form moments for {type(duration).__name__}")
    return mean / MINUTES_PER_HOUR, second / MINUTES_PER_HOUR ** 2


# ---------------------------------------------------------------------- the default, at its extremes


def default_variant(overrides: list[tuple[str, Any]], horizon_days: float, warmup_days: float,
                    base: str = DEFAULT_SCENARIO) -> Scenario:
    """The default scenario with ``--set``-style overrides and a given run length."""
    run = [("run.horizon_days", horizon_days), ("run.warmup_days", warmup_days)]
    return load_scenario(base, [*run, *overrides])


def unlimited_staff(base: Scenario, staff: int = 100) -> list[tuple[str, Any]]:
    """Overrides giving every role and desk ``staff`` people on duty around the clock, never absent."""
    paths = [f"roles.{name}" for name in HUB_ROLES] + [f"agencies.{name}" for name in base.agencies]
    # each hub role's task time too, so that a role the scenario file leaves to its default is whole
    tasks = [(f"roles.{name}.task_minutes", getattr(base.roles, name).task_minutes.model_dump()) for name in HUB_ROLES]
    return [pair for path in paths for pair in (
        (f"{path}.staff", staff), (f"{path}.hours", "always"), (f"{path}.absence_rate", 0.0),
        (f"{path}.changes", []))] + tasks


def no_arrivals(base: Scenario) -> list[tuple[str, Any]]:
    """Overrides setting every source's volume to zero."""
    return [(f"arrivals.sources.{name}.annual_contacts", 0) for name in base.arrivals.sources]


def holds_nothing(agency: str) -> list[tuple[str, Any]]:
    """Overrides under which ``agency`` never holds relevant information."""
    return [(f"agencies.{agency}.holds_information", {level: 0.0 for level in RISK_LEVELS})]


def no_deadline() -> list[tuple[str, Any]]:
    """Overrides with RAG deadlines far beyond any run, the hub still deciding at the deadline."""
    return [("policy.decide_at_deadline", True),
            *((f"rag.{rag}.deadline_hours", NO_DEADLINE_HOURS) for rag in RESEARCHED_RAGS)]
