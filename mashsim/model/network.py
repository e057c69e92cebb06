"""The scenario's network: hubs, their sources, triage, desks, decision and outcomes, and shared pools.

A one-hub scenario's nodes are named ``source:<name>``, ``triage``,
``desk:<agency>``, ``decision`` and ``outcome:<name>``; in a scenario with
``[hubs.*]`` each hub's nodes carry its name first (``camden/triage``).  A
team shared by several hubs is one node, ``pool:<name>``, joined to the
triage and decision of every hub whose desk it staffs.  A hub with ``[police]``
has ``police:ppd`` (between its police source and triage) and ``police:cait``
(after its s47 outcome), or the pool's node where a shared team does that
work (see :func:`police_node`).  Edges carry the
channel between nodes (``latency_hours`` each way, ``loss`` on returns) and
the RAGs that use them.  The model reads each desk's channel from this graph.
"""

from __future__ import annotations

import networkx as nx

from mashsim.scenario.errors import Problem
from mashsim.scenario.schema import OUTCOMES, RESEARCHED_RAGS, HubSettings, Scenario

TRIAGE, DECISION = "triage", "decision"


def hub_node(hub: str | None, node: str) -> str:
    """The name of one of a hub's nodes (``triage``, ``desk:police``...) in the scenario's graph."""
    return node if hub is None else f"{hub}/{node}"


def desk_node(agency: str, hub: str | None = None) -> str:
    return hub_node(hub, f"desk:{agency}")


def pool_node(pool: str) -> str:
    return f"pool:{pool}"


def research_node(settings: HubSettings, agency: str, hub: str | None = None) -> str:
    """Where a hub's requests to ``agency`` go: its own desk, or the pool that staffs it."""
    pool = settings.agencies[agency].pool
    return desk_node(agency, hub) if pool is None else pool_node(pool)


def police_node(settings: HubSettings, team: str, hub: str | None = None) -> str:
    """Where a hub's police ``team`` (``ppd`` or ``cait``) works: its own team, or the pool that does it."""
    assert settings.police is not None
    pool = getattr(settings.police, team).pool
    return hub_node(hub, f"police:{team}") if pool is None else pool_node(pool)


def build_network(scenario: Scenario) -> nx.DiGraph:
    """The directed graph of the scenario's hubs and pools."""
    graph = nx.DiGraph(name=scenario.name)
    for name, pool in scenario.pools.items():
        graph.add_node(pool_node(name), kind="pool", team=pool.kind, staff=pool.staff, hours=pool.hours)
    for hub, settings in scenario.hub_list():
        _add_hub(graph, hub, settings)
    return graph


def independent_groups(scenario: Scenario, graph: nx.DiGraph) -> list[tuple[list[str | None], list[str]]]:
    """The scenario's hubs in groups that share no team, each with the pools it uses.

    Hubs joined through a pool (directly or through a chain of pools and hubs)
    are one group; a hub with only its own desks is a group of one.  Groups and
    the hubs and pools in each are in the scenario's order.  A pool no hub asks
    is a group of its own, without hubs.
    """
    hub_order = {name: i for i, (name, _) in enumerate(scenario.hub_list())}
    pool_order = {name: i for i, name in enumerate(scenario.pools)}
    groups = []
    for nodes in nx.connected_components(graph.to_undirected(as_view=True)):
        data = [graph.nodes[n] for n in nodes]
        hubs = sorted({d["hub"] for d in data if d.get("kind") != "pool"}, key=hub_order.__getitem__)
        pools = sorted((n.removeprefix("pool:") for n, d in zip(nodes, data) if d.get("kind") == "pool"),
                       key=pool_order.__getitem__)
        groups.append((hubs, pools))
    return sorted(groups, key=lambda g: (hub_order[g[0][0]] if g[0] else len(hub_order), g[1]))


def _add_hub(graph: nx.DiGraph, hub: str | None, settings: HubSettings) -> None:
    triage, decision = hub_node(hub, TRIAGE), hub_node(hub, DECISION)
    graph.add_node(triage, kind="triage", hub=hub)
    graph.add_node(decision, kind="decision", hub=hub)
    for name, source in settings.arrivals.sources.items():
        node = hub_node(hub, f"source:{name}")
        graph.add_node(node, kind="source", hub=hub, annual_contacts=source.annual_contacts)
        graph.add_edge(node, triage, kind="contact", latency_hours=0.0, loss=0.0)
    graph.add_edge(triage, decision, kind="no research", latency_hours=0.0, loss=0.0)
    for name, agency in settings.agencies.items():
        channel = settings.channel_for(name)
        rags = [rag for rag in RESEARCHED_RAGS if name in getattr(settings.policy.ask, rag)]
        node = research_node(settings, name, hub)
        if agency.pool is None:
            graph.add_node(node, kind="desk", hub=hub, staff=agency.staff, hours=agency.hours,
                           location=agency.location)
        if rags:
            graph.add_edge(triage, node, kind="request", agency=name, rags=rags,
                           latency_hours=channel.latency_hours, loss=0.0)
        graph.add_edge(node, decision, kind="return", agency=name, latency_hours=channel.latency_hours,
                       loss=channel.loss)
    for outcome in OUTCOMES:
        node = hub_node(hub, f"outcome:{outcome}")
        graph.add_node(node, kind="outcome", hub=hub)
        graph.add_edge(decision, node, kind="outcome", latency_hours=0.0, loss=0.0)
    if settings.police is not None:
        _add_police(graph, hub, settings)


def _add_police(graph: nx.DiGraph, hub: str | None, settings: HubSettings) -> None:
    """The police pipeline: notifications from the police source through the public-protection desk
    to triage, and each s47 outcome on to the CAIT (a pooled team is its pool's node, so hubs that
    share one are joined, and run in one environment)."""
    police = settings.police
    assert police is not None
    ppd, cait = police_node(settings, "ppd", hub), police_node(settings, "cait", hub)
    for team, node in (("ppd", ppd), ("cait", cait)):
        staffing = getattr(police, team)
        if staffing.pool is None:
            graph.add_node(node, kind="police", team=team, hub=hub, staff=staffing.staff, hours=staffing.hours)
    graph.add_edge(hub_node(hub, f"source:{police.source}"), ppd, kind="notification",
                   share=police.notification_share, latency_hours=0.0, loss=0.0)
    graph.add_edge(ppd, hub_node(hub, TRIAGE), kind="reviewed", latency_hours=0.0, loss=0.0)
    graph.add_edge(hub_node(hub, "outcome:s47"), cait, kind="joint visit", latency_hours=0.0, loss=0.0)


def check_network(graph: nx.DiGraph) -> list[Problem]:
    """Structural problems: nodes without a kind (an edge to a missing node), desks or pools never asked."""
    problems = []
    for node, data in graph.nodes(data=True):
        if "kind" not in data:
            problems.append(Problem(f"network.{node}", "an edge leads to a node the scenario does not define"))
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "desk" and not graph.in_degree(node):
            hub, agency = data.get("hub"), node.rpartition("desk:")[2]
            path = f"agencies.{agency}" if hub is None else f"hubs.{hub}.agencies.{agency}"
            problems.append(Problem(path, "this desk is never asked: no RAG in policy.ask names it"))
        elif data.get("kind") == "pool" and data.get("team") == "research" and not graph.in_degree(node):
            problems.append(Problem(f"pools.{node.removeprefix('pool:')}",
                                    "this pool is never asked: no hub's policy.ask names a desk it staffs"))
    return problems


def describe_network(graph: nx.DiGraph) -> list[str]:
    """One line per edge, for ``mashsim show``."""
    lines = []
    for u, v, data in graph.edges(data=True):
        extra = []
        if data.get("rags"):
            extra.append("asked for " + "/".join(data["rags"]))
        if data.get("latency_hours"):
            extra.append(f"latency {data['latency_hours']:g} h")
        if data.get("loss"):
            extra.append(f"loss {data['loss']:.0%}")
        lines.append(f"{u} -> {v}" + (f"  ({', '.join(extra)})" if extra else ""))
    return lines
