"""The names of a scenario's metrics, and resolving a name a user typed to one of them.

Experiment files (``replications.metric``) and staffing targets name metrics by their flat dotted
names (``rag_breach_rate.by_rag.red``).  A short form without the ``by_...`` part
(``rag_breach_rate.red``) is accepted when exactly one metric matches it.
"""

from __future__ import annotations

import difflib
from typing import Iterable, Mapping, Sequence

from mashsim.metrics.catalogue import AXIS_WORDS, STAFF_FAMILIES, by_hub, contact_breakdowns
from mashsim.metrics.police import POLICE_METRICS
from mashsim.scenario.errors import Problem, ScenarioError
from mashsim.scenario.schema import Scenario


def run_names(axes: Mapping[str, Sequence[str]], by_concern: bool = True) -> list[str]:
    """The names of one hub's (or the whole network's) metrics: contacts (``by_concern``: and by
    concern), then each role's, each pool's. ``axes``: the scenario's values of each axis whose values
    are the scenario's (its agencies, sources, the roles it staffs, its pools: see ``catalogue.AXES``)."""
    names = [name for family, b in contact_breakdowns(by_concern) for name in family.names(b, axes)]
    names += [f"{f.stem}.by_role.{role}" for role in axes["role"] for f in STAFF_FAMILIES]
    return names + [f"{f.stem}.by_pool.{pool}" for pool in axes["pool"] for f in STAFF_FAMILIES]


def scenario_names(hubs: Sequence[tuple[str | None, Mapping[str, Sequence[str]]]],
                   pools: Sequence[str]) -> list[str]:
    """Every metric of a run but the police pipeline's, in the order a replication reports them:
    ``hubs`` lists each hub's name and its axes' values (as :func:`run_names`, without pools: its
    agencies, sources and the roles it staffs; one ``None`` hub for a one-hub scenario). A network
    reports its totals (each axis's values in the order the hubs first name them), the pools, then
    each hub's under ``by_hub``."""
    if len(hubs) == 1 and hubs[0][0] is None:
        return run_names({**hubs[0][1], "pool": pools})
    keys = dict.fromkeys(key for _, axes in hubs for key in axes)
    totals = {key: list(dict.fromkeys(v for _, axes in hubs for v in axes[key])) for key in keys}
    names = run_names({**totals, "pool": pools})
    for hub, axes in hubs:
        # each hub's by-concern figures are left out (the network's are kept): a borough's share of
        # a rare concern is a handful of contacts, and they would multiply a network's columns
        names += [by_hub(name, str(hub)) for name in run_names({**axes, "pool": ()}, by_concern=False)]
    return names


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
