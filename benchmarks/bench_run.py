"""Benchmark: how fast the default scenario runs, serially and over a process pool.

    .venv/bin/python benchmarks/bench_run.py [--repeat 3]

Prints, in one run: seconds per simulated year of london-borough (one core),
contacts per second, peak memory of one replication, and replications per
second serially vs on every core, with the speed-up against the serial
baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc

from mashsim import __version__, load_scenario, run_replications, simulate


def _best_of(repeat: int, fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed repeats of each figure (median is printed)")
    parser.add_argument("--replications", type=int, default=8, help="replications for the serial/parallel figure")
    args = parser.parse_args()

    year = load_scenario("london-borough", ["run.horizon_days=365", "run.warmup_days=0"])
    seconds, result = _best_of(args.repeat, lambda: simulate(year, seed=1))
    contacts = result.metrics["contacts_arrived"]
    tracemalloc.start()
    simulate(year, seed=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    quarter = load_scenario("london-borough", ["run.horizon_days=91", "run.warmup_days=14"])
    cores = os.cpu_count() or 1
    serial, a = _best_of(args.repeat, lambda: run_replications(quarter, args.replications, 1, workers=1))
    pooled, b = _best_of(args.repeat, lambda: run_replications(quarter, args.replications, 1, workers=cores))
    assert a.to_dict() == b.to_dict(), "serial and pooled runs must agree bit for bit"

    print(f"mashsim {__version__} · {cores} cores · median of {args.repeat}")
    print(f"one year of london-borough (one core):   {seconds:6.2f} s  ({contacts:,.0f} contacts, "
          f"{contacts / seconds:,.0f} contacts/s)")
    print(f"peak Python memory of that replication:  {peak / 2**20:6.1f} MiB (tracemalloc)")
    print(f"{args.replications} replications of 91+14 days, serial:   {serial:6.2f} s  "
          f"({args.replications / serial:.2f} replications/s)  [baseline]")
    print(f"{args.replications} replications of 91+14 days, {cores} workers: {pooled:6.2f} s  "
          f"({args.replications / pooled:.2f} replications/s)  speed-up x{serial / pooled:.2f}")


if __name__ == "__main__":
    main()
