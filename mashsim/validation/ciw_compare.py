"""The reduced MASH network run in Ciw, an independent simulator, and in mashsim: do they agree?

Ciw (Palmer, Knight, Harper & Hawa 2019, *Journal of Simulation* 13(4))
is imported only here and only when the check runs; it is a test-only
dependency (``pip install mashsim[dev]``).  Without it the check is reported
as skipped, with the reason.

The network (:class:`~mashsim.validation.configs.ReducedMash`): one Poisson
stream of contacts into screening; Blue contacts leave after screening,
Green, Amber and Red contacts go to the desk their RAG is routed to and then
to a manager.  In Ciw each RAG is a customer class (splitting a Poisson
stream at random gives independent Poisson streams, so the classes arrive
independently at the RAG's share of the rate) with its own route, and Red
is priority class 0 at every node, without pre-emption, as in mashsim.
Compared: the mean wait at each station and the mean time to decision of
each RAG, by Welch intervals of the difference.

A second case (:class:`~mashsim.validation.configs.RotaDesk`) checks duty
rotas: one desk whose day staff hand over to out-of-hours cover, against a
Ciw schedule (where a server busy at the end of its shift finishes in
overtime, beside the new shift's servers).
"""

from __future__ import annotations

import numpy as np

from mashsim.experiment.runner import run_replications
from mashsim.model.stages import DECIDE, SCREEN
from mashsim.scenario.schema import RAGS, Constant, Exponential, Triangular, Uniform
from mashsim.validation.checks import Check, against_sample, skipped
from mashsim.validation.configs import MINUTES_PER_HOUR, ReducedMash, RotaDesk

FAMILY = "Ciw (independent simulator)"
ROTA_FAMILY = "Ciw: a rota with out-of-hours cover"
ROTA = RotaDesk()  # the full run's case; the fast run's is shorter
ROTA_FAST = RotaDesk(horizon_days=120.0)
ROTA_REPLICATIONS, ROTA_REPLICATIONS_FAST = 10, 6
HOURS_PER_DAY = 24.0


def _ciw():
    """Ciw, or None when it is not installed."""
    try:
        import ciw
    except ImportError:
        return None
    return ciw


def _distribution(ciw, duration):
    """A scenario task time (minutes) as a Ciw distribution in hours."""
    h = MINUTES_PER_HOUR
    if isinstance(duration, Triangular):
        return ciw.dists.Triangular(duration.min / h, duration.mode / h, duration.max / h)
    if isinstance(duration, Exponential):
        return ciw.dists.Exponential(h / duration.mean)
    if isinstance(duration, Uniform):
        return ciw.dists.Uniform(duration.min / h, duration.max / h)
    if isinstance(duration, Constant):
        return ciw.dists.Deterministic(duration.mean / h)
    raise ValueError(f"no Ciw equivalent for {type(duration).__name__}")


def stations(spec: ReducedMash) -> list[str]:
    """Ciw's nodes in order (node ``i + 1`` is ``stations[i]``): mashsim's role names."""
    return [SCREEN.role, *spec.desks, DECIDE.role]


def ciw_network(ciw, spec: ReducedMash):
    """The Ciw network of ``spec``: one class per RAG, Red served first everywhere."""
    scenario = spec.scenario()
    nodes = stations(spec)
    tasks = [getattr(scenario.roles, SCREEN.role).task_minutes,
             *(scenario.agencies[d].research_minutes for d in spec.desks), getattr(scenario.roles, DECIDE.role).task_minutes]
    servers = [spec.screening[1], *(spec.desks[d][1] for d in spec.desks), spec.decision[1]]
    service = [_distribution(ciw, task) for task in tasks]
    arrivals, routing = {}, {}
    size = len(nodes)
    for rag in RAGS:
        arrivals[rag] = [ciw.dists.Exponential(spec.arrivals_per_hour * spec.rag_share(rag))] + [None] * (size - 1)
        matrix = [[0.0] * size for _ in range(size)]
        if rag != "blue":
            desk = nodes.index(spec.route[rag])
            matrix[0][desk] = 1.0
            matrix[desk][size - 1] = 1.0
        routing[rag] = matrix
    return ciw.create_network(
        arrival_distributions=arrivals,
        service_distributions={rag: list(service) for rag in RAGS},
        number_of_servers=servers,
        routing=routing,
        priority_classes={rag: 0 if rag == "red" else 1 for rag in RAGS},
    )


def run_ciw(ciw, spec: ReducedMash, replications: int, seed: int) -> dict[str, list[float]]:
    """Per replication, mashsim-named figures from Ciw: ``wait_hours.by_role.<station>`` and
    ``decision_delay_hours.by_rag.<rag>.mean``, measured as mashsim measures them."""
    return _simulate(ciw, ciw_network(ciw, spec), stations(spec), RAGS, spec.warmup_days, spec.horizon_days,
                     replications, seed)


def rota_network(ciw, spec: RotaDesk):
    """The rota desk in Ciw: one node, its servers on a daily schedule (day staff, then cover)."""
    scenario = spec.scenario()
    schedule = ciw.Schedule(numbers_of_servers=[spec.day_staff, spec.cover],
                            shift_end_dates=[spec.end - spec.start, HOURS_PER_DAY], offset=float(spec.start))
    return ciw.create_network(
        arrival_distributions={"red": [ciw.dists.Exponential(spec.arrivals_per_hour)]},
        service_distributions={"red": [_distribution(ciw, scenario.agencies["desk"].research_minutes)]},
        number_of_servers=[schedule],
        routing={"red": [[0.0]]},
    )


def _simulate(ciw, network, nodes: list[str], classes, warmup_days: float, horizon_days: float,
              replications: int, seed: int) -> dict[str, list[float]]:
    start = warmup_days * HOURS_PER_DAY
    end = start + horizon_days * HOURS_PER_DAY
    out: dict[str, list[float]] = {}
    for replication in range(replications):
        ciw.seed(seed + replication)
        simulation = ciw.Simulation(network)
        simulation.simulate_until_max_time(end)
        records = simulation.get_all_records()
        # waits of tasks that started in the window, as the model's role statistics count them
        for i, name in enumerate(nodes, start=1):
            waits = [r.waiting_time for r in records if r.node == i and start <= r.service_start_date < end]
            out.setdefault(f"wait_hours.by_role.{name}", []).append(float(np.mean(waits)) if waits else np.nan)
        # time to decision of contacts that arrived in the window and were decided (left the network)
        visits: dict[int, list] = {}
        for r in records:
            visits.setdefault(r.id_number, []).append(r)
        times: dict[str, list[float]] = {rag: [] for rag in classes}
        for rows in visits.values():
            rows.sort(key=lambda r: r.arrival_date)
            first, last = rows[0], rows[-1]
            if first.node == 1 and start <= first.arrival_date < end and last.destination == -1:
                times[first.customer_class].append(last.exit_date - first.arrival_date)
        for rag, values in times.items():
            out.setdefault(f"decision_delay_hours.by_rag.{rag}.mean", []).append(
                float(np.mean(values)) if values else np.nan)
    return out


def describe(spec: ReducedMash) -> str:
    """The network in words, for the document."""
    def task(t) -> str:
        return "/".join(f"{t[k]:g}" for k in ("min", "mode", "max")) if "mode" in t else str(dict(t))
    desks = "; ".join(f"{rag.capitalize()} → {spec.route[rag].replace('_', ' ')}" for rag in spec.route)
    staff = ", ".join(f"{name.replace('_', ' ')} {servers} ({task(t)} min)"
                      for name, (t, servers) in spec.desks.items())
    mix = " / ".join(f"{RAGS[i]} {spec.risk_mix[level]:.1%}" for i, level in enumerate(spec.risk_mix))
    return (f"screening ({spec.screening[1]} staff, {task(spec.screening[0])} min) → one desk per RAG ({desks}; "
            f"desk staff: {staff}) → decision ({spec.decision[1]} staff, {task(spec.decision[0])} min); Blue "
            f"leaves after screening. Poisson arrivals at {spec.arrivals_per_hour:g} an hour, RAG shares {mix}; "
            "task times triangular (min/mode/max), staff always on duty")


def compared_figures(spec: ReducedMash) -> list[tuple[str, str]]:
    """(metric, label) of every figure compared."""
    waits = [(f"wait_hours.by_role.{name}", f"mean wait at {name.replace('_', ' ')}") for name in stations(spec)]
    times = [(f"decision_delay_hours.by_rag.{rag}.mean", f"mean time to decision, {rag}") for rag in RAGS]
    return waits + times


def ciw_checks(spec: ReducedMash, replications: int, seed: int, workers: int | None = 1) -> list[Check]:
    """mashsim and Ciw on the same network: every compared figure's difference interval holds 0."""
    figures = compared_figures(spec)
    ciw = _ciw()
    if ciw is None:
        reason = "Ciw is not installed (it is a test-only dependency: pip install 'mashsim[dev]')"
        return [skipped(FAMILY, label, reason) for _, label in figures]
    ours = run_replications(spec.scenario(), replications, seed, workers=workers)
    theirs = run_ciw(ciw, spec, replications, seed)
    note = (f"reduced MASH, {spec.arrivals_per_hour:g} contacts an hour, {replications} replications of "
            f"{spec.horizon_days:g} days after {spec.warmup_days:g} in each simulator; Ciw {ciw.__version__}")
    return [against_sample(FAMILY, label, theirs[metric], ours.values(metric), len(figures), "Ciw", "h", note)
            for metric, label in figures]


def rota_checks(spec: RotaDesk, replications: int, seed: int, workers: int | None = 1) -> list[Check]:
    """The rota desk in mashsim and in Ciw: the mean wait and the mean time to decision agree."""
    figures = [("wait_hours.by_role.desk", "rota: mean wait at the desk"),
               ("decision_delay_hours.by_rag.red.mean", "rota: mean time to decision")]
    ciw = _ciw()
    if ciw is None:
        reason = "Ciw is not installed (it is a test-only dependency: pip install 'mashsim[dev]')"
        return [skipped(ROTA_FAMILY, label, reason) for _, label in figures]
    ours = run_replications(spec.scenario(), replications, seed, workers=workers)
    theirs = _simulate(ciw, rota_network(ciw, spec), ["desk"], ["red"], spec.warmup_days, spec.horizon_days,
                       replications, seed)
    note = (f"one desk, {spec.arrivals_per_hour:g} contacts an hour day and night, {spec.day_staff} staff "
            f"{spec.start:g}:00-{spec.end:g}:00 and {spec.cover} out of hours; {replications} replications of "
            f"{spec.horizon_days:g} days after {spec.warmup_days:g} in each simulator; Ciw {ciw.__version__}")
    return [against_sample(ROTA_FAMILY, label, theirs[metric], ours.values(metric), len(figures), "Ciw", "h", note)
            for metric, label in figures]
