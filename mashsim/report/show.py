"""``mashsim show``: the resolved scenario, where its figures came from, and its network."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from mashsim.model.network import build_network, check_network, describe_network
from mashsim.report.pathways import pathways_table
from mashsim.report.terminal import PlainTable, console as plain_console, printer, styled
from mashsim.scenario.load import scenario_hash
from mashsim.scenario.schema import HUB_ROLES, Scenario, Staffing


def _duration(d) -> str:
    if d.dist == "triangular":
        return f"{d.mode:g} ({d.min:g}–{d.max:g}) min"
    if d.dist == "uniform":
        return f"uniform {d.min:g}–{d.max:g} min"
    if d.dist == "lognormal":
        return f"lognormal mean {d.mean:g}, sd {d.sd:g} min"
    return f"{d.dist} mean {d.mean:g} min"


_QUEUES = {"fifo": "Red first, then first come first served", "rag": "Red, then Amber, then Green",
           "deadline": "earliest deadline first", "off": "first come first served (Red priority off)"}


def _staff_row(name: str, role: Staffing, task) -> list[str]:
    changes = ", ".join(f"day {c.day}: {c.staff:g}" for c in role.changes) or "-"
    return [name, f"{role.staff:g}", role.hours, f"{role.absence_rate:.0%}", str(role.out_of_hours_staff),
            _duration(task) if task is not None else "-", changes]


def print_scenario(scenario: Scenario, console: Console | None = None) -> None:
    """Print the scenario as resolved, with provenance tags and the agency network."""
    console = console or plain_console()
    say = printer(console)
    run = scenario.run
    say(Text.assemble((scenario.name, "bold"), f"  (hash {scenario_hash(scenario)})"))
    if scenario.description:
        say(scenario.description)
    say(f"run: {run.horizon_days:g} days after {run.warmup_days:g} warm-up, "
        f"{run.replications} replications, seed {run.seed}; time 0 = {scenario.calendar.start_date}; "
        f"working-hour deadlines count in '{scenario.hub_hours}' hours")

    if scenario.hubs:
        say(f"{len(scenario.hubs)} hubs; the tables below are the defaults each hub starts from")
        say(_hubs_table(scenario))
    if scenario.pools:
        pools = PlainTable(title="Pools (teams shared by hubs)")
        for col in ("pool", "staff (FTE)", "hours", "absence", "out of hours", "changes", "serves"):
            pools.add_column(col)
        for name, pool in scenario.pools.items():
            row = _staff_row(name, pool, None)
            pools.add_row(*row[:5], row[6], ", ".join(_served_by(scenario, name)) or "no one")
        say(pools)

    sources = PlainTable(title="Sources")
    for col in ("source", "contacts a year", "period multipliers"):
        sources.add_column(col)
    for name, src in scenario.arrivals.sources.items():
        mult = ", ".join(f"{k} ×{v:g}" for k, v in src.period_multipliers.items()) or "calendar's"
        sources.add_row(name, f"{src.annual_contacts:,.0f}", mult)
    say(sources)

    staff = PlainTable(title="Staff")
    for col in ("role", "staff (FTE)", "hours", "absence", "out of hours", "task time", "changes"):
        staff.add_column(col)
    for name in HUB_ROLES:
        role = getattr(scenario.roles, name)
        staff.add_row(*_staff_row(name, role, role.task_minutes))
    for name, agency in scenario.agencies.items():
        label = f"{name} desk" if agency.pool is None else f"{name} desk (pool {agency.pool}: staff below unused)"
        staff.add_row(*_staff_row(label, agency, agency.research_minutes))
    say(staff)

    policy = scenario.policy
    say(f"policy: {'decide at the RAG deadline' if policy.decide_at_deadline else 'wait for every return'}"
        f" (allowance {policy.decision_allowance_hours:g} h); queues "
        f"{_QUEUES[policy.queue_discipline] if policy.red_priority else _QUEUES['off']}")
    for rag in ("red", "amber", "green"):
        deadline = getattr(scenario.rag, rag)
        say(f"  {rag}: deadline {deadline.deadline_hours:g} {deadline.clock} hours; asks "
            f"{', '.join(getattr(policy.ask, rag)) or 'no one'}")

    say(pathways_table(scenario))  # concern pathways: how each concern's contacts differ

    if scenario.injects:
        print_injects(scenario, console)

    say(styled("\nNetwork", "bold"))
    graph = build_network(scenario)
    if scenario.hubs:
        say(f"  {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges "
            "(`mashsim show --json` gives the whole scenario)")
    else:
        for line in describe_network(graph):
            say(f"  {line}")
    for warning in check_network(graph):
        say(_warning(warning))

    tags = PlainTable(title="Where the figures come from (S source · D derived · E estimate)")
    for col in ("field", "value", "tag", "source / note"):
        tags.add_column(col)
    tagged = list(scenario.provenance())
    top_level = {path: (value, prov) for path, value, prov in tagged if not path.startswith("hubs.")}
    for path, value, prov in tagged:
        head, _, rest = path.partition(".")
        if head == "hubs" and top_level.get(rest.partition(".")[2]) == (value, prov):
            continue  # a hub's copy of a top-level figure: listed once, above
        text = value.model_dump() if hasattr(value, "model_dump") else value
        tags.add_row(path, str(text), prov.tag or "", " ".join(filter(None, [prov.source, prov.note])))
    say(tags)


def _served_by(scenario: Scenario, pool: str) -> list[str]:
    """The hubs whose desks (or police teams) a pool staffs: ``camden (police)``, ``camden (ppd)``."""
    return [f"{hub or scenario.name} ({name})" for hub, settings in scenario.hub_list()
            for name, pooled in [*((a, d.pool) for a, d in settings.agencies.items()),
                                 *(() if settings.police is None else
                                   (("ppd", settings.police.ppd.pool), ("cait", settings.police.cait.pool)))]
            if pooled == pool]


def _hubs_table(scenario: Scenario) -> PlainTable:
    table = PlainTable(title="Hubs: contacts a year and staff (FTE); 'pool' = staffed by a pool below")
    desks = list(dict.fromkeys(a for hub in scenario.hubs.values() for a in hub.agencies))
    table.add_column("hub", no_wrap=True)
    for col in ("contacts", "logging", "screening", "deciding", *desks):
        table.add_column(col.replace("_", " "), justify="right")
    for name, hub in scenario.hubs.items():
        volume = sum(s.annual_contacts for s in hub.arrivals.sources.values()) * hub.arrivals.scale
        staff = [f"{getattr(hub.roles, r).staff:g}" for r in HUB_ROLES]
        for agency in desks:
            desk = hub.agencies.get(agency)
            staff.append("-" if desk is None else "pool" if desk.pool else f"{desk.staff:g}")
        table.add_row(name, f"{volume:,.0f}", *staff)
    return table


def _warning(text: str) -> Text:
    return Text.assemble("  ", ("warning:", "yellow"), " ", text)


def print_injects(scenario: Scenario, console: Console) -> None:
    """The injected events with their calendar times, and warnings about them."""
    from mashsim.report.trace_text import Clock
    from mashsim.scenario.checks import inject_warnings

    clock = Clock(scenario.calendar.start_date)
    table = PlainTable(title="Injected events")
    hubs = bool(scenario.hubs)
    for col in ("#", "kind", *(["where"] if hubs else []), "what", "starts", "ends"):
        table.add_column(col)
    for i, inject in enumerate(scenario.injects):
        table.add_row(str(i), inject.kind, *([inject.where()] if hubs else []), inject.describe(),
                      clock.when(inject.start_hours), clock.when(inject.end_hours))
    say = printer(console)
    say(table)
    for warning in inject_warnings(scenario):
        say(_warning(warning))
