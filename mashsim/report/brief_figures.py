"""The brief's bookkeeping: its settings, every figure it shows with the command that reproduces it,
and the words it uses for metrics and fields in place of their identifiers.

Every number in the brief is a :class:`Figure`: its value, its interval and unit, and the exact
``mashsim`` command line (``argv``) whose ``--json`` output holds the same value at ``json_path``
(``metrics.rag_breach_rate.by_rag.red.mean``). ``figures.json`` lists them all, so a reader (or
a test) can re-run any command and find the same number. A figure worked out from others (children
helped per £100,000 a year) names the figures it comes from and the arithmetic instead.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from mashsim.metrics.catalogue import AXIS_WORDS, family_of, unit_of

#: The timescales the staffing search must meet unless ``--target`` says otherwise: the decision
#: within one working day for 9 contacts in 10 (the statutory expectation for referrals), and the
#: hub's own Amber and Green deadlines for 19 in 20. Red's elapsed 4 hours is left out: it is
#: breached mostly at night and at weekends, before screening, which office-hours staff do not move.
DEFAULT_TARGETS = ("working_day_breach_rate<=0.1", "rag_breach_rate.amber<=0.05", "rag_breach_rate.green<=0.05")


@dataclass(frozen=True)
class Settings:
    """What the brief was asked for, as the cited commands repeat it.

    ``overrides`` are ``--set PATH=VALUE`` texts every cited command carries (the horizon and
    warm-up of a quick or shortened brief first)."""

    scenario: str                    # as given on the command line (a shipped name or a file)
    seed: int
    replications: int                # section 1's
    compare_replications: int        # section 3's, per desk
    staff_replications: int          # section 2's, at first (doubled up to staff_cap where close)
    staff_cap: int
    overrides: tuple[str, ...] = ()
    horizon_days: float | None = None
    warmup_days: float | None = None
    quick: bool = False
    budget: float | None = None
    ensemble: str | None = None
    members: int | None = None
    targets: tuple[str, ...] = DEFAULT_TARGETS
    desks: tuple[str, ...] = ()      # section 3's desks by name (``police``); empty: every desk
    measure: tuple[str, ...] = ()    # section 5's estimates by path; empty: every estimate (one-hub scenarios)

    def sets(self, option: str = "--set") -> list[str]:
        """The overrides as repeated ``option PATH=VALUE`` arguments."""
        return [part for text in self.overrides for part in (option, text)]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def command_text(argv: Sequence[str]) -> str:
    """``mashsim`` and ``argv`` as one line to paste into a shell."""
    return "mashsim " + shlex.join(argv)


@dataclass
class Figure:
    """One number in the brief and where it comes from."""

    id: str
    section: int
    label: str
    value: float | None
    unit: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    argv: list[str] | None = None           # the command whose --json output holds the value ...
    json_path: str | None = None            # ... here (dots; list items by number)
    output: str | None = None               # ... in this file it writes with --out DIR (else: its stdout)
    derived_from: list[str] | None = None   # or: the figures it is worked out from ...
    formula: str | None = None              # ... and how

    @property
    def command(self) -> str | None:
        return command_text(self.argv) if self.argv else None

    def to_dict(self) -> dict[str, Any]:
        out = {k: _clean(v) for k, v in asdict(self).items() if v is not None}
        if self.argv:
            out["command"] = self.command
        return out


@dataclass
class Book:
    """Every figure and chart of one brief, in the order the page shows them."""

    figures: dict[str, Figure] = field(default_factory=dict)
    charts: list[dict[str, Any]] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        if figure.id in self.figures:
            raise ValueError(f"figure {figure.id} given twice")
        self.figures[figure.id] = figure
        return figure

    def chart(self, file: str, title: str, figures: Sequence[str], commands: Sequence[str]) -> None:
        self.charts.append({"file": file, "title": title, "figures": list(figures),
                            "commands": list(dict.fromkeys(commands))})

    def to_list(self) -> list[dict[str, Any]]:
        return [f.to_dict() for f in self.figures.values()]


def lookup(data: Any, path: str) -> Any:
    """The value at ``path`` (``chosen.targets.0.mean``) in a command's JSON output. A key may hold
    dots itself (``totals`` of ``compare`` has ``net.reached``): the longest key that matches is taken."""
    node, parts = data, path.split(".")
    while parts:
        if isinstance(node, list):
            node, parts = node[int(parts[0])], parts[1:]
            continue
        for size in range(len(parts), 0, -1):
            key = ".".join(parts[:size])
            if key in node:
                node, parts = node[key], parts[size:]
                break
        else:
            raise KeyError(f"{path}: no {parts[0]!r} here")
    return node


def metric_path(name: str, statistic: str = "mean") -> str:
    """Where ``mashsim run --json`` puts a metric's statistic: ``metrics.<name>.<statistic>``."""
    return f"metrics.{name}.{statistic}"


def _clean(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


# ------------------------------------------------------------------ words in place of identifiers

def words(identifier: str) -> str:
    """``social_care`` → ``social care``; ``s47`` stays."""
    return identifier.replace("_", " ")


def place(hub: str) -> str:
    """A hub's name as a place: ``kensington_and_chelsea`` → "Kensington and Chelsea"."""
    return " ".join(w if w in ("and", "upon", "of") else w.capitalize() for w in words(hub).split())


def metric_label(name: str, hub: str | None = None) -> str:
    """A metric in words, from the catalogue's label: ``rag_breach_rate.by_rag.red`` → "RAG deadline
    breaches: Red"; ``utilisation.by_role.screeners`` → "Utilisation: screeners"."""
    family = family_of(name)
    head = family.label if family else words(name.partition(".")[0])
    rest = [p for p in name.split(".")[1:] if p not in AXIS_WORDS and p != hub]
    if not rest:
        return head
    parts = [p.title() if p in ("red", "amber", "green", "blue") else words(p) for p in rest]
    return f"{head}: {', '.join(parts)}"


def format_figure(name_or_unit: str, value: float | None, *, unit: bool = False) -> str:
    """A value as the brief writes it: shares as percentages, counts whole, hours to 0.1 h."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    kind = unit_of(name_or_unit) or name_or_unit
    if kind == "share":
        return f"{value:.1%}"
    if kind == "growth":
        return f"{value:+.1%}"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "change":  # a signed count: more (+) or fewer (−) than before
        return "0" if round(value) == 0 else f"{value:+,.0f}".replace("-", "−")
    if kind == "hours":
        return f"{value:,.1f} h" if unit else f"{value:,.1f}"
    if kind == "pounds":
        return f"£{value:,.0f}"
    return f"{value:,.1f}"


def format_range(name_or_unit: str, low: float | None, high: float | None) -> str:
    """``low – high`` of an interval, cut to what the figure can be (shares in 0–100%, others ≥ 0)."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "-"
    kind = unit_of(name_or_unit) or name_or_unit
    if kind not in ("growth", "change"):
        low = max(low, 0.0)
    if kind == "share":
        high = min(high, 1.0)
    between = " to " if kind == "change" else " – "  # a dash beside a minus sign reads as one
    return f"{format_figure(name_or_unit, low)}{between}{format_figure(name_or_unit, high)}"
