"""The hub's network: sources, triage, agency desks, decision and outcomes as a directed graph.

Nodes are named ``source:<name>``, ``triage``, ``desk:<agency>``,
``decision`` and ``outcome:<name>``; edges carry the channel between them
(``latency_hours`` each way, ``loss`` on returns) and the RAGs that use them.
The model reads each desk's channel from this graph.
"""

from __future__ import annotations

import networkx as nx

from mashsim.scenario.errors import Problem
from mashsim.scenario.schema import OUTCOMES, RESEARCHED_RAGS, Scenario

TRIAGE, DECISION = "triage", "decision"


def desk_node(agency: str) -> str:
    return f"desk:{agency}"


def build_network(scenario: Scenario) -> nx.DiGraph:
    """The directed graph of the scenario's hub."""
    graph = nx.DiGraph(name=scenario.name)
    graph.add_node(TRIAGE, kind="triage")
    graph.add_node(DECISION, kind="decision")
    for name, source in scenario.arrivals.sources.items():
        graph.add_node(f"source:{name}", kind="source", annual_contacts=source.annual_contacts)
        graph.add_edge(f"source:{name}", TRIAGE, kind="contact", latency_hours=0.0, loss=0.0)
    graph.add_edge(TRIAGE, DECISION, kind="no research", latency_hours=0.0, loss=0.0)
    for name, agency in scenario.agencies.items():
        channel = scenario.channel_for(name)
        rags = [rag for rag in RESEARCHED_RAGS if name in getattr(scenario.policy.ask, rag)]
        node = desk_node(name)
        graph.add_node(node, kind="desk", staff=agency.staff, hours=agency.hours, location=agency.location)
        if rags:
            graph.add_edge(TRIAGE, node, kind="request", rags=rags, latency_hours=channel.latency_hours, loss=0.0)
        graph.add_edge(node, DECISION, kind="return", latency_hours=channel.latency_hours, loss=channel.loss)
    for outcome in OUTCOMES:
        graph.add_node(f"outcome:{outcome}", kind="outcome")
        graph.add_edge(DECISION, f"outcome:{outcome}", kind="outcome", latency_hours=0.0, loss=0.0)
    return graph


def check_network(graph: nx.DiGraph) -> list[Problem]:
    """Structural problems: nodes without a kind (an edge to a missing node), unreachable desks."""
    problems = []
    for node, data in graph.nodes(data=True):
        if "kind" not in data:
            problems.append(Problem(f"network.{node}", "an edge leads to a node the scenario does not define"))
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "desk" and not nx.has_path(graph, TRIAGE, node):
            agency = node.removeprefix("desk:")
            problems.append(
                Problem(f"agencies.{agency}", "this desk is never asked: no RAG in policy.ask names it")
            )
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
