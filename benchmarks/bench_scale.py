"""Benchmark: mashsim at scale, against baselines measured in the same run.

    .venv/bin/python benchmarks/bench_scale.py [--repeat 3] [--quick]

Prints, in one run:

* contacts/s and SimPy events/s of the full model on the default borough;
* seconds for one simulated year of ``london-borough``, ``london-wide`` (32 boroughs, each
  with its own desks: 32 independent groups run one after another) and ``london-pooled``
  (one pan-London police team: one group), one core;
* one busy borough alone, and beside 31 idle hubs (no contacts): what an idle hub costs;
* peak memory of one replication, each figure in a fresh subprocess (``ru_maxrss``: the
  whole process, interpreter and libraries included; and, in another process,
  tracemalloc's peak of Python allocations), for ``london-wide`` at two horizons to show
  memory stays flat;
* with the compiled core built (``make fast``), each year also in pure Python, run in turn
  with it (the baseline: ``MASHSIM_PURE=1``), and the speed-up;
* the same M/M/10 queue at rho = 0.95 (~200,000 customers) in mashsim configured as M/M/c
  (``mashsim.validation.configs.single_desk``, the configuration ``check-model`` tests
  against Erlang C), in a minimal hand-written SimPy M/M/c, and in Ciw: customers/s and
  the ratios side by side;
* an overloaded borough (its staff at 32x its load, and halved screeners): the same run at
  horizons 1x, 2x, 4x, with seconds per contact, which stays flat when cost is linear;
* ``london-borough`` with children and the police pipeline against the same borough without
  either (the configuration before them), and with ``--against DIR`` against another checkout's
  borough-year (``git worktree add /tmp/then REV``: the code as it was), timed in turn.

The machine may be shared: every figure is the median of ``--repeat`` timed runs, each in a
fresh process; rates and ratios use CPU seconds (``time.process_time``), steadier than wall
time when other work shares the cores; comparisons are only made against baselines timed
in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable, Iterator

import simpy

import mashsim.replication
from mashsim import __version__, load_scenario, simulate
from mashsim.compiled import current

# ------------------------------------------------------------------------- cases
YEAR = ["run.horizon_days=365", "run.warmup_days=0"]
MMC_LAMBDA, MMC_C, MMC_MU = 9.5, 10, 1.0  # rho = 0.95
MMC_CUSTOMERS = 200_000


class CountingEnvironment(simpy.Environment):
    """A SimPy environment whose events the benchmark can count (a run of several independent groups
    of hubs makes one environment per group). Only each one's event counter is kept: keeping the
    environments would keep every finished group's model alive and inflate the memory figures."""

    made: list[Iterator[int]] = []  # each environment's event counter (SimPy's _eid)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        CountingEnvironment.made.append(self._eid)


def scaled_load(name: str, factor: float, sets: list[str]):
    """``name`` with every source's annual contacts multiplied by ``factor``."""
    base = load_scenario(name)
    scaled = [f"arrivals.sources.{s}.annual_contacts={src.annual_contacts * factor}"
              for s, src in base.arrivals.sources.items()]
    return load_scenario(name, scaled + sets)


def with_police(scenario):
    """``scenario`` (one hub) with the police pipeline of ``london-met`` (its [police] section, whose
    teams are sized for one default borough)."""
    police = load_scenario("london-met").police
    return scenario.model_validate({**scenario.model_dump(), "police": police.model_dump()})


def mmc_days(customers: int) -> float:
    return customers / MMC_LAMBDA / 24.0


def run_mashsim_mmc(customers: int) -> float:
    # here, not at the top: importing mashsim.validation loads the whole check-model suite (its target
    # table, scenarios, SciPy), about 65 MiB that the memory figures, measured in this script's own
    # process, would otherwise count as the model's
    from mashsim.validation.configs import single_desk  # the textbook configuration check-model uses

    scenario = single_desk(MMC_LAMBDA, {"dist": "exponential", "mean": 60.0 / MMC_MU}, MMC_C,
                           horizon_days=mmc_days(customers), warmup_days=0)
    return simulate(scenario, seed=1).metrics["contacts_arrived"]


def run_simpy_mmc(customers: int) -> float:
    """A minimal hand-written SimPy M/M/c: one process per customer, a ``Resource`` of c servers."""
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=MMC_C)
    rng = random.Random(1)
    served = 0

    def customer():
        nonlocal served
        with servers.request() as request:
            yield request
            yield env.timeout(rng.expovariate(MMC_MU))
        served += 1

    def source():
        while True:
            yield env.timeout(rng.expovariate(MMC_LAMBDA))
            env.process(customer())

    env.process(source())
    env.run(until=mmc_days(customers) * 24.0)
    return served


def run_ciw_mmc(customers: int) -> float:
    import ciw

    ciw.seed(1)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=MMC_LAMBDA)],
        service_distributions=[ciw.dists.Exponential(rate=MMC_MU)],
        number_of_servers=[MMC_C],
    )
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(mmc_days(customers) * 24.0)
    return len(simulation.get_all_records())


def one_case(case: str, arg: str) -> dict[str, Any]:
    """Run one case once (in this process) and return what it measured."""
    mashsim.replication.simpy.Environment = CountingEnvironment
    if case in ("scenario", "no-children", "before-children", "police"):  # arg: "name|days"
        name, days = arg.split("|")
        scenario = load_scenario(name, [f"run.horizon_days={days}", "run.warmup_days=0"])
        if case in ("no-children", "before-children"):  # before children: every contact a first contact
            scenario = scenario.model_copy(update={"children": None})
        if case == "before-children":  # and before the police pipeline (none in london-borough: made sure)
            scenario = scenario.model_copy(update={"police": None})
        if case == "police":  # with the police pipeline: london-met's [police] (its default borough's teams)
            scenario = with_police(scenario)
        return clocked(lambda: simulate(scenario, seed=1).metrics["contacts_arrived"], events=True)
    if case == "idle":  # arg: "idle hubs|days": london-wide's first hub, and that many others with no contacts
        idle, days = (int(x) for x in arg.split("|"))
        wide = load_scenario("london-wide", [f"run.horizon_days={days}", "run.warmup_days=0"])
        names = list(wide.hubs)[: 1 + idle]
        scenario = load_scenario("london-wide", [f"run.horizon_days={days}", "run.warmup_days=0"]
                                 + [f"hubs.{n}.arrivals.scale=0" for n in names[1:]])
        scenario = scenario.model_copy(update={"hubs": {n: scenario.hubs[n] for n in names}})
        return clocked(lambda: simulate(scenario, seed=1).metrics["contacts_arrived"], events=True)
    if case == "overload":  # arg: "factor|sets|days"
        factor, sets, days = arg.split("|")
        scenario = scaled_load("london-borough", float(factor),
                               [s for s in sets.split(",") if s] + [f"run.horizon_days={days}", "run.warmup_days=0"])
        metrics: dict[str, float] = {}

        def run() -> float:
            metrics.update(simulate(scenario, seed=1).metrics)
            return metrics["contacts_arrived"]

        result = clocked(run)
        result["backlog"] = sum(v for k, v in metrics.items() if k.startswith("backlog_at_end.by_role."))
        return result
    runner = {"mashsim": run_mashsim_mmc, "simpy": run_simpy_mmc, "ciw": run_ciw_mmc}[case]
    return clocked(lambda: runner(int(arg)))


def clocked(run: Callable[[], float], events: bool = False) -> dict[str, Any]:
    """Run once: wall and CPU seconds, and the count it returns (and SimPy events scheduled)."""
    CountingEnvironment.made = []
    wall, cpu = time.perf_counter(), time.process_time()
    count = run()
    result = {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "count": count}
    if events:
        result["events"] = sum(next(counter) for counter in CountingEnvironment.made)
    return result


def memory_case(case: str, arg: str, traced: bool) -> dict[str, Any]:
    """Peak memory of one case in this (fresh) process: ru_maxrss, or tracemalloc's peak.

    The two are measured in separate processes: tracemalloc's own bookkeeping would
    inflate the resident size.
    """
    if not traced:
        result = one_case(case, arg)
        result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return result
    tracemalloc.start()
    result = one_case(case, arg)
    result["traced_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result


def in_subprocess(case: str, arg: str, memory: str = "", pure: bool = False, tree: Path | None = None) -> dict[str, Any]:
    """One case in a fresh process; ``tree``: another checkout's, run by its own copy of this script."""
    flags = ["--case", case, arg] if not memory else [f"--{memory}-case", case, arg]
    env = {**os.environ, "PYTHONHASHSEED": "0", "MASHSIM_PURE": "1" if pure else ""}
    script = __file__
    if tree is not None:
        script = str(tree / "benchmarks" / "bench_scale.py")
        env["PYTHONPATH"] = str(tree)
    out = subprocess.run([sys.executable, script, *flags], check=True, capture_output=True, text=True, env=env,
                         cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    result = dict(runs[-1])
    result["seconds"] = statistics.median(r["seconds"] for r in runs)
    result["cpu"] = statistics.median(r["cpu"] for r in runs)
    result["all_seconds"] = [round(r["seconds"], 3) for r in runs]
    return result


def timed(repeat: int, case: str, arg: str, pure: bool = False) -> dict[str, Any]:
    """Median wall and CPU seconds of ``repeat`` runs, each in a fresh process (no warm caches carried over)."""
    return _median([in_subprocess(case, arg, pure=pure) for _ in range(repeat)])


def in_turn(repeat: int, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each case (:func:`in_subprocess`'s arguments) timed ``repeat`` times, one run of each in turn, so
    all see the same machine; the medians, in the order given."""
    runs: list[list[dict[str, Any]]] = [[] for _ in cases]
    for _ in range(repeat):
        for k, case in enumerate(cases):
            runs[k].append(in_subprocess(**case))
    return [_median(r) for r in runs]


def timed_both(repeat: int, case: str, arg: str) -> list[dict[str, Any]]:
    """Compiled and pure-Python runs of the same case, taken in turn so both see the same machine."""
    return in_turn(repeat, [{"case": case, "arg": arg}, {"case": case, "arg": arg, "pure": True}])


def against(repeat: int, tree: Path) -> None:
    """This checkout's borough-year with children and the police pipeline against ``tree``'s borough-year
    (another checkout: the code on the day a speed bound was set), timed in turn, both pure Python."""
    print(f"\nAgainst {tree} (its own london-borough year; timed in turn with this checkout's, pure Python):")
    there, here = in_turn(repeat, [{"case": "scenario", "arg": "london-borough|365", "pure": True, "tree": tree},
                                   {"case": "police", "arg": "london-borough|365", "pure": True}])
    line("london-borough there", f"cpu {there['cpu']:6.2f} s  {there['count']:>9,.0f} contacts  runs {there['all_seconds']}")
    line("here, with children and police", f"cpu {here['cpu']:6.2f} s  {here['count']:>9,.0f} contacts  "
                                           f"x{here['cpu'] / there['cpu']:.2f} there's cpu  runs {here['all_seconds']}")


# ------------------------------------------------------------------------ report
SECTIONS = ["years", "idle", "memory", "mmc", "overload"]


def line(label: str, text: str) -> None:
    print(f"  {label:<44} {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each case (median printed)")
    parser.add_argument("--quick", action="store_true", help="smaller M/M/c and overload runs, one repeat")
    parser.add_argument("--only", choices=SECTIONS, nargs="+", default=SECTIONS, metavar="SECTION",
                        help=f"run only these sections (of {', '.join(SECTIONS)})")
    parser.add_argument("--against", type=Path, metavar="DIR",
                        help="also time another checkout's london-borough year (e.g. a git worktree of an "
                             "older commit) in turn with this one's, with children and the police pipeline")
    parser.add_argument("--case", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--rss-case", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--traced-case", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(one_case(*args.case)))
        return
    if args.rss_case or args.traced_case:
        print(json.dumps(memory_case(*(args.rss_case or args.traced_case), traced=bool(args.traced_case))))
        return

    repeat = 1 if args.quick else args.repeat
    customers = 50_000 if args.quick else MMC_CUSTOMERS
    core = current()
    print(f"mashsim {__version__} · {core} · {os.cpu_count()} cores · load average {os.getloadavg()[0]:.1f} · "
          f"median of {repeat} run(s), each in a fresh process")

    if "years" in args.only:
        years(repeat, core.kind == "compiled")
    if "idle" in args.only:
        idle(repeat)
    if "memory" in args.only:
        memory()
    if "mmc" in args.only:
        mmc(repeat, customers, core.kind == "compiled")
    if "overload" in args.only:
        overload(repeat, args.quick)
    if args.against is not None:
        against(repeat, args.against.resolve())


def years(repeat: int, both: bool) -> None:
    print("\nFull model, one simulated year (one core; wall seconds, and CPU seconds for the rates):")
    for name in ("london-borough", "london-wide", "london-pooled", "london-met"):
        try:
            load_scenario(name)
        except Exception as error:  # noqa: BLE001 - a scenario this checkout lacks is reported, not fatal
            line(name, f"skipped ({type(error).__name__})")
            continue
        if both:  # the pure-Python core is the baseline, timed in turn with the compiled one
            r, pure = timed_both(repeat, "scenario", f"{name}|365")
        else:
            r, pure = timed(repeat, "scenario", f"{name}|365"), None
        line(name, f"{r['seconds']:7.2f} s  cpu {r['cpu']:6.2f} s  {r['count']:>9,.0f} contacts  "
                   f"{r['count'] / r['cpu']:>8,.0f} contacts/s  {r['events'] / r['cpu']:>9,.0f} events/s  "
                   f"runs {r['all_seconds']}")
        if pure is not None:
            line("  the same, pure Python", f"{pure['seconds']:7.2f} s  cpu {pure['cpu']:6.2f} s  "
                 f"compiled is x{pure['cpu'] / r['cpu']:.2f} as fast (cpu)  runs {pure['all_seconds']}")
        if name == "london-borough" and load_scenario(name).children is not None:
            plain = timed(repeat, "no-children", f"{name}|365")
            line("  the same without children", f"{plain['seconds']:7.2f} s  cpu {plain['cpu']:6.2f} s  "
                 f"{plain['count']:>9,.0f} contacts  children cost x{r['cpu'] / plain['cpu']:.2f} (cpu)  "
                 f"runs {plain['all_seconds']}")
        if name == "london-borough" and _has_police():
            # timed in turn with the configuration before children and the pipeline: the bound's two sides
            police, before = in_turn(repeat, [{"case": "police", "arg": f"{name}|365"},
                                              {"case": "before-children", "arg": f"{name}|365"}])
            line("  with the police pipeline (london-met's)", f"{police['seconds']:7.2f} s  cpu {police['cpu']:6.2f} s  "
                 f"{police['count']:>9,.0f} contacts  x{police['cpu'] / r['cpu']:.2f} the borough's cpu  "
                 f"runs {police['all_seconds']}")
            line("  children and police against neither", f"x{police['cpu'] / before['cpu']:.2f} the cpu of the "
                 f"borough before children and the police pipeline ({before['cpu']:.2f} s, timed in turn; "
                 f"the bound: x1.5)")



def _has_police() -> bool:
    try:
        return load_scenario("london-met").police is not None
    except Exception:  # noqa: BLE001 - a checkout without the police pipeline
        return False


def idle(repeat: int) -> None:
    print("\nIdle hubs (no contacts) beside one busy borough, one simulated year:")
    alone = timed(repeat, "idle", "0|365")
    line("1 busy hub", f"{alone['seconds']:7.2f} s  cpu {alone['cpu']:6.2f} s  {alone['events']:>9,} events")
    crowd = timed(repeat, "idle", "31|365")
    line("1 busy hub + 31 idle hubs", f"{crowd['seconds']:7.2f} s  cpu {crowd['cpu']:6.2f} s  {crowd['events']:>9,} events  "
         f"({1000 * (crowd['cpu'] - alone['cpu']) / 31:+.1f} ms CPU per idle hub)")



def memory() -> None:
    print("\nPeak memory, one replication without records (fresh process each):")
    for name, days in (("london-borough", 365), ("london-wide", 91), ("london-wide", 365), ("london-met", 91),
                       ("london-met", 365)):
        try:
            load_scenario(name)
        except Exception:  # noqa: BLE001
            continue
        rss = in_subprocess("scenario", f"{name}|{days}", memory="rss")["rss_mib"]
        traced = in_subprocess("scenario", f"{name}|{days}", memory="traced")["traced_peak_mib"]
        line(f"{name}, {days} days", f"{rss:7.1f} MiB max RSS   {traced:7.1f} MiB traced peak (Python objects)")



def mmc(repeat: int, customers: int, both: bool) -> None:
    print(f"\nM/M/{MMC_C} at rho = {MMC_LAMBDA / MMC_C / MMC_MU:.2f}, ~{customers:,} customers (customers/s; ratio to Ciw):")
    rates = {}
    cases = [("ciw", "Ciw", False), ("simpy", "hand-written SimPy (process per customer)", False),
             ("mashsim", "mashsim configured as M/M/c", False)]
    if both:
        cases.insert(2, ("mashsim", "mashsim as M/M/c, pure Python", True))
    for case, label, pure in cases:
        r = timed(repeat, case, str(customers), pure=pure)
        rates[label] = r["count"] / r["cpu"]
        line(label, f"{r['seconds']:7.2f} s  cpu {r['cpu']:6.2f} s  {r['count']:>9,.0f} customers  "
                    f"{rates[label]:>8,.0f} /s (cpu)  x{rates[label] / rates['Ciw']:.2f}  runs {r['all_seconds']}")


def overload(repeat: int, quick: bool) -> None:
    print("\nOverloaded borough: seconds per contact should stay flat as the horizon doubles:")
    base = 7 if quick else 14
    for label, factor, sets in (("staff at 32x load", 32.0, ""), ("halved screeners", 1.0, "roles.screeners.staff=2.5")):
        days0 = base if factor > 1 else base * 8
        for k in (1, 2, 4):
            r = timed(repeat, "overload", f"{factor}|{sets}|{days0 * k}")
            line(f"{label}, {days0 * k} days", f"{r['seconds']:7.2f} s  {r['count']:>9,.0f} contacts  "
                 f"{1e6 * r['cpu'] / r['count']:7.1f} us/contact (cpu)  backlog at end {r['backlog']:,.0f}")


if __name__ == "__main__":
    main()
