"""Concern pathways: how a contact's concern changes its draws and its route through the hub.

A scenario's ``[concerns.<name>]`` tables (:class:`~mashsim.scenario.schema.ConcernPathway`) are
read here, once, into plain tables the hot paths index by the contact's concern:

* the risk mix of each concern (:func:`risk_table`): a contact's concern is drawn first, then its
  true risk from its concern's mix, each from the contact's own uniform, so common random numbers
  hold across staffing, policy and volume exactly as without pathways;
* each agency's chance of holding information, by concern and risk (:func:`holds_table`);
* the desks asked, by concern and RAG (:func:`ask_table`), with a mandatory report's desk added;
* which concerns are never screened out (:func:`never_blue`), and which contacts a school must
  be told about before the next school day (:func:`school_notices`).

With no ``[concerns]`` tables every concern's row is the hub's general setting, so the draws and the
routes are those of a scenario without pathways, bit for bit.
"""

from __future__ import annotations

import numpy as np

from mashsim.scenario.schema import CONCERNS, RAGS, RESEARCHED_RAGS, RISK_LEVELS, ConcernMix, HubSettings, Policy, RiskMix


def risk_table(settings: HubSettings, general: RiskMix) -> np.ndarray:
    """Cumulative risk mix per concern, ``(concerns, risks)``: the concern's own mix where the
    scenario gives one, else ``general`` (the source's mix, or arrivals.risk_mix)."""
    rows = []
    for concern in CONCERNS:
        pathway = settings.concerns.get(concern)
        mix = pathway.risk_mix if pathway is not None and pathway.risk_mix is not None else general
        rows.append(np.cumsum([getattr(mix, r) for r in RISK_LEVELS]))
    return np.array(rows)


def risk_shares(settings: HubSettings, general: RiskMix, concern_mix: ConcernMix) -> list[float]:
    """The share of each risk (RISK_LEVELS' order) among a source's contacts: each concern's risk mix
    (see :func:`risk_table`) weighted by its share of ``concern_mix``. With no concern's own mix it is
    ``general``'s, exactly."""
    if not any(p.risk_mix is not None for p in settings.concerns.values()):
        return [getattr(general, r) for r in RISK_LEVELS]
    rows = np.diff(risk_table(settings, general), axis=1, prepend=0.0)
    weights = np.array([getattr(concern_mix, c) for c in CONCERNS])
    return (weights @ rows).tolist()  # type: ignore[no-any-return]


def draw_risk(cumulative: np.ndarray, concern: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The risk index of each contact: the inverse-CDF draw of ``u`` under its concern's row of
    ``cumulative`` (the same index ``searchsorted(side="right")`` gives on one row)."""
    rows = cumulative[concern]
    return np.minimum((rows <= u[:, None]).sum(axis=1), len(RISK_LEVELS) - 1)


def holds_table(settings: HubSettings) -> np.ndarray:
    """Chance each agency holds information, ``(agencies, concerns, risks)``: its holds_information,
    times the concern's multiplier (at most 1) or replaced by the concern's table."""
    table = np.empty((len(settings.agencies), len(CONCERNS), len(RISK_LEVELS)))
    for i, (name, agency) in enumerate(settings.agencies.items()):
        base = np.array([getattr(agency.holds_information, r) for r in RISK_LEVELS])
        for j, concern in enumerate(CONCERNS):
            pathway = settings.concerns.get(concern)
            change = pathway.holds.get(name) if pathway is not None else None
            if change is None:
                table[i, j] = base
            elif isinstance(change, (int, float)):
                table[i, j] = np.minimum(base * change, 1.0)
            else:
                table[i, j] = [getattr(change, r) for r in RISK_LEVELS]
    return table


def asked(settings: HubSettings, policy: Policy, concern: str, rag: str) -> list[str]:
    """The desks asked about ``concern``'s contacts at ``rag``: ``policy.ask``'s, then the concern's
    ``also_ask`` and its mandatory report's desk."""
    names = list(getattr(policy.ask, rag))
    pathway = settings.concerns.get(concern)
    if pathway is not None:
        also = pathway.also_ask.get(rag, [])  # type: ignore[call-overload]
        extra = [*also, *filter(None, [pathway.mandatory_report_to])]
        names += [a for a in dict.fromkeys(extra) if a not in names]
    return names


def ask_table(settings: HubSettings, policy: Policy, desks: dict[str, int]) -> list[dict[int, tuple[int, ...]]]:
    """The desks asked (their indices) for each concern, then each researched RAG (its index):
    ``policy.ask``'s, then the concern's ``also_ask`` and its mandatory report's desk. A concern
    only adds desks, so a policy that asks more (a sweep, an inject) asks more of every concern."""
    return [{RAGS.index(rag): tuple(desks[a] for a in asked(settings, policy, concern, rag)) for rag in RESEARCHED_RAGS}
            for concern in CONCERNS]


def never_blue(settings: HubSettings) -> list[bool]:
    """Per concern: whether its contacts are never screened out (a mandatory report: rated Blue,
    a contact is rated Green instead and reported)."""
    return [settings.concerns[c].mandatory_report_to is not None if c in settings.concerns else False
            for c in CONCERNS]


def school_notices(settings: HubSettings) -> dict[tuple[int, int], str]:
    """``(concern index, source index)`` of the contacts a school is told about, each mapped to the
    hours pattern of the school days."""
    sources = list(settings.arrivals.sources)
    notices = {}
    for j, concern in enumerate(CONCERNS):
        pathway = settings.concerns.get(concern)
        if pathway is None or pathway.school_notification is None:
            continue
        notice = pathway.school_notification
        for source in notice.sources:
            notices[(j, sources.index(source))] = notice.school_hours
    return notices
