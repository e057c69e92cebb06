"""``mashsim show``'s concern pathways: per concern, its share, risk mix, who holds, who is asked, rules."""

from __future__ import annotations

from mashsim.model.concerns import asked
from mashsim.report.terminal import PlainTable
from mashsim.scenario.schema import CONCERNS, RESEARCHED_RAGS, RISK_LEVELS, HubSettings, RiskMix


def _mix(mix: RiskMix) -> str:
    return " / ".join(f"{getattr(mix, r):.0%}" for r in RISK_LEVELS)


def _holds(hub: HubSettings, concern: str) -> str:
    pathway = hub.concerns.get(concern)
    if pathway is None or not pathway.holds:
        return "as each agency"
    return ", ".join(f"{agency} ×{change:g}" if isinstance(change, (int, float))
                     else f"{agency} {_mix(change)}"  # type: ignore[arg-type]
                     for agency, change in pathway.holds.items())


def _asks(hub: HubSettings, concern: str) -> str:
    parts = []  # only the RAGs whose desks differ from policy.ask's
    for rag in reversed(RESEARCHED_RAGS):
        names = asked(hub, hub.policy, concern, rag)
        if names != list(getattr(hub.policy.ask, rag)):
            parts.append(f"{rag}: {', '.join(names) or 'no one'}")
    return "; ".join(parts) or "as policy.ask"


def _rules(hub: HubSettings, concern: str) -> str:
    pathway = hub.concerns.get(concern)
    if pathway is None:
        return "-"
    rules = []
    if pathway.mandatory_report_to:
        rules.append(f"mandatory report to {pathway.mandatory_report_to}, never screened out")
    if pathway.school_notification:
        notice = pathway.school_notification
        rules.append(f"school told before the next school day ('{notice.school_hours}' hours) "
                     f"for contacts from {', '.join(notice.sources)}")
    return "; ".join(rules) or "-"


def pathways_table(hub: HubSettings) -> PlainTable:
    """One row a concern that arrives or has a pathway: share, risk mix (low / medium / high /
    critical), who holds information, who is asked at each RAG, and the rules switched on."""
    table = PlainTable(title="Concern pathways (risk: low / medium / high / critical)")
    for col in ("concern", "share", "risk mix", "holds", "asked", "rules"):
        table.add_column(col)
    shares = hub.arrivals.concern_mix
    for concern in CONCERNS:
        share = getattr(shares, concern)
        pathway = hub.concerns.get(concern)
        if share == 0 and pathway is None:
            continue
        mix = _mix(pathway.risk_mix) if pathway is not None and pathway.risk_mix is not None else "as the source's"
        table.add_row(concern, f"{share:.1%}", mix, _holds(hub, concern), _asks(hub, concern),
                      _rules(hub, concern))
    return table
