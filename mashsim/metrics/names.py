"""Metric names: every name a scenario's replications report, and resolving what a user typed.

A user may write a metric in full (``rag_breach_rate.by_rag.red``) or leave out the ``by_*``
parts (``rag_breach_rate.red``, ``utilisation.screeners``, ``decision_delay_hours.red.mean``)
when that picks out one metric. Anything else is refused with the closest names.
"""

from __future__ import annotations

import difflib
from typing import Iterable

from mashsim.metrics.collector import Collector
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.schema import Scenario

# Per-role metrics, one of each for every staffed role (Collector.metrics writes them per role).
ROLE_METRICS = ("utilisation", "queue_length", "wait_hours", "backlog_at_end")


def metric_names(scenario: Scenario) -> list[str]:
    """Every metric name a replication of ``scenario`` reports, in the order it reports them."""
    # A collector that saw no contact still names every contact metric (with NaN values).
    empty = Collector(list(scenario.agencies), list(scenario.arrivals.sources), 0.0, 0.0, None)  # type: ignore[arg-type]
    names = list(empty.metrics({}))
    for role in scenario.staffed_roles():
        names += [f"{metric}.by_role.{role}" for metric in ROLE_METRICS]
    return names


def short_name(name: str) -> str:
    """``name`` without its ``by_*`` parts: ``rag_breach_rate.by_rag.red`` → ``rag_breach_rate.red``."""
    return ".".join(part for part in name.split(".") if not part.startswith("by_"))


def resolve_metric(text: str, known: Iterable[str], field: str = "metric") -> str:
    """The full metric name ``text`` stands for among ``known``.

    Raises :class:`ScenarioError` naming ``field`` (e.g. ``--target``) when ``text`` is no metric,
    or is a short form that several metrics share; the message lists the closest names.
    """
    known = list(known)
    if text in known:
        return text
    matches = [name for name in known if short_name(name) == text]
    if len(matches) == 1:
        return matches[0]
    if matches:
        message = f"is short for more than one metric: {', '.join(matches)}; write it in full"
    else:
        # short forms compete with full names, so 'rag_breach_rate.rde' finds 'rag_breach_rate.red'
        candidates = list(dict.fromkeys([*known, *(short_name(k) for k in known)]))
        close = difflib.get_close_matches(text, candidates, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(repr(c) for c in close[:3])}? " if close else ""
        message = f"no such metric; {hint}see `mashsim run --json` or docs/reference.md#metrics for the names"
    raise ScenarioError([Problem(field, message, text)], field)


def resolve_metrics(texts: Iterable[str], known: Iterable[str], field: str = "metric") -> list[str]:
    """Several names resolved at once; one error lists every name that failed."""
    known = list(known)
    resolved, problems = [], []
    for text in texts:
        try:
            resolved.append(resolve_metric(text, known, field))
        except ScenarioError as error:
            problems += error.problems
    if problems:
        raise ScenarioError(problems, field)
    return resolved
