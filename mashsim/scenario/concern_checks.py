"""Cross-reference checks of the concern pathways (``[concerns.<name>]``): every agency, source and
hours pattern they name must exist in the hub."""

from __future__ import annotations

from mashsim.scenario.errors import Problem
from mashsim.scenario.schema import HubSettings


def _unknown(path: str, name: str, known: dict, what: str) -> list[Problem]:
    if name in known:
        return []
    allowed = ", ".join(known) or "none defined"
    return [Problem(path, f"no such {what} (allowed: {allowed})", name)]


def check_concerns(hub: HubSettings, at: str, hours: dict) -> list[Problem]:
    """Problems of one hub's concern pathways; ``at`` prefixes each path (``hubs.<name>.``)."""
    problems: list[Problem] = []
    for concern, pathway in hub.concerns.items():
        path = f"{at}concerns.{concern}"
        for agency in pathway.holds:
            problems += _unknown(f"{path}.holds.{agency}", agency, hub.agencies, "agency")
        for rag, names in pathway.also_ask.items():
            for i, agency in enumerate(names):
                problems += _unknown(f"{path}.also_ask.{rag}.{i}", agency, hub.agencies, "agency")
            if len(set(names)) != len(names):
                problems.append(Problem(f"{path}.also_ask.{rag}", "an agency is listed twice", names))
        if pathway.mandatory_report_to is not None:
            problems += _unknown(f"{path}.mandatory_report_to", pathway.mandatory_report_to, hub.agencies, "agency")
        notice = pathway.school_notification
        if notice is not None:
            for i, source in enumerate(notice.sources):
                problems += _unknown(f"{path}.school_notification.sources.{i}", source, hub.arrivals.sources,
                                     "source")
            problems += _unknown(f"{path}.school_notification.school_hours", notice.school_hours, hours,
                                 "hours pattern")
    return problems
