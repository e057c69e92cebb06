"""The names of a scenario's metrics, and resolving a name a user typed to one of them.

Experiment files (``replications.metric``) and staffing targets name metrics by their flat dotted
names (``rag_breach_rate.by_rag.red``).  A short form without the ``by_...`` part
(``rag_breach_rate.red``) is accepted when exactly one metric matches it.
"""

from __future__ import annotations

import difflib
from typing import Iterable, Sequence

from mashsim.metrics.catalogue import AXIS_WORDS, scenario_names
from mashsim.metrics.police import POLICE_METRICS
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.schema import Scenario


class UnknownMetric(ValueError):
    """A metric name that is not one of the scenario's; the message says what is allowed."""


def metric_names(scenario: Scenario) -> list[str]:
    """Every metric a replication of ``scenario`` reports, in the order the collector reports them.

    Named by the catalogue from the scenario's hubs, agencies, sources, roles and pools: no simulation runs.
    """
    hubs = [(name, {"agency": list(hub.agencies), "source": list(hub.arrivals.sources), "role": list(hub.staffed_roles())})
            for name, hub in scenario.hub_list()]
    names = scenario_names(hubs, list(scenario.pools))
    if any(hub.police is not None for _, hub in scenario.hub_list()):  # the police pipeline's, after the rest
        names += list(POLICE_METRICS)
    return names


def short_form(name: str) -> str:
    """``name`` without its breakdown words: ``rag_breach_rate.by_rag.red`` → ``rag_breach_rate.red``
    (a value such as ``by_policy`` stays: ``high_risk_missed_rate.by_policy`` is not the total)."""
    return ".".join(part for part in name.split(".") if part not in AXIS_WORDS)


def resolve_metric(name: str, known: Sequence[str]) -> str:
    """The full metric name ``name`` stands for, among ``known``.

    ``name`` may be a full name or its short form (``rag_breach_rate.red``,
    ``utilisation.screeners``) when that is unambiguous.  Raises :class:`UnknownMetric` with a
    "did you mean" hint otherwise.

    >>> resolve_metric("rag_breach_rate.red", ["rag_breach_rate", "rag_breach_rate.by_rag.red"])
    'rag_breach_rate.by_rag.red'
    """
    if name in known:
        return name
    matches = [full for full in known if short_form(full) == name]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UnknownMetric(f"ambiguous metric name; it could be {', '.join(matches)}")
    raise UnknownMetric(f"unknown metric; {_hint(name, known)}")


def _hint(name: str, known: Iterable[str]) -> str:
    known = list(known)
    shorts = {short_form(full): full for full in known}
    close = difflib.get_close_matches(name, [*known, *shorts], n=3, cutoff=0.6)
    # one suggestion per metric; a short form is shown with the full name it stands for
    by_full: dict[str, str] = {}
    for candidate in close:
        full = candidate if candidate in known else shorts[candidate]
        by_full.setdefault(full, full if candidate == full else f"{candidate} ({full})")
    shown = list(by_full.values())
    tops = sorted({full.split(".")[0] for full in known})
    hint = f"did you mean {' or '.join(shown)}? " if shown else ""
    return f"{hint}metrics are named like {', '.join(tops)} (see docs/reference.md#metrics)"


def resolve_metrics(names: Iterable[str], known: Sequence[str], field: str) -> list[str]:
    """Each of ``names`` resolved by :func:`resolve_metric`; one input error (exit 2) naming the
    option ``field`` (e.g. ``--metric``) lists every name that is not a metric."""
    resolved, problems = [], []
    for name in names:
        try:
            resolved.append(resolve_metric(name, known))
        except UnknownMetric as error:
            problems.append(Problem(field, str(error), name))
    if problems:
        raise ScenarioError(problems, field)
    return resolved
