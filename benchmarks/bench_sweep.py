"""Benchmark: a sweep of the default scenario, serially vs the local engine vs a Dask LocalCluster.

    .venv/bin/python benchmarks/bench_sweep.py [--points 2] [--replications 8] [--workers N]

Prints, in one run: replications per second of the same small sweep (london-borough, 13 weeks
after 2 weeks' warm-up) on each engine, with the speed-up against the serial baseline measured
in the same run, and checks that all three stored the same rows bit for bit.  The engines'
start-up (worker processes, a Dask cluster) is timed apart from the sweep.  CPU seconds per
replication (this process and its workers) show whether a parallel engine adds work: on a machine
shared with other jobs the wall-clock speed-up says more about the other jobs than the engine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from mashsim import __version__
from mashsim.experiment.engines import open_engine
from mashsim.experiment.plan import make_plan
from mashsim.experiment.sweep import run_sweep

EXPERIMENT = """\
name = "bench-sweep"
scenario = "london-borough"
seed = 1
set = {{ "run.horizon_days" = 91, "run.warmup_days" = 14 }}

[[factors]]
path = "agencies.police.staff"
values = {values}

[replications]
n = {replications}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2, help="design points (police staff 3, 2, 1, ...)")
    parser.add_argument("--replications", type=int, default=8, help="replications per point")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="workers of the parallel engines")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "bench.toml"
        values = list(range(3, 3 - args.points, -1)) if args.points <= 3 else list(range(1, args.points + 1))
        path.write_text(EXPERIMENT.format(values=values, replications=args.replications))
        plan = make_plan(path)
        total = len(plan.points) * args.replications
        print(f"mashsim {__version__} · {os.cpu_count()} cores · load average {_load()} · "
              f"{len(plan.points)} points x {args.replications} replications of 91+14 days")
        timings: dict[str, float] = {}
        tables = {}
        for kind in ("serial", "local", "dask"):
            cpu_before = _cpu()
            started = time.perf_counter()
            with open_engine(kind, args.workers) as engine:
                ready = time.perf_counter()
                summary = run_sweep(plan, root / kind, engine)
                finished = time.perf_counter()
            cpu = _cpu() - cpu_before  # this process and its ended children (Dask's include start-up)
            assert not summary.failures, summary.failures
            timings[kind] = finished - ready
            tables[kind] = pd.read_parquet(root / kind / "rows").sort_values(["point", "replication"]) \
                .reset_index(drop=True)
            speed = "[baseline]" if kind == "serial" else f"speed-up x{timings['serial'] / timings[kind]:.2f}"
            print(f"{engine.describe():42} {timings[kind]:7.2f} s  {total / timings[kind]:6.2f} replications/s  "
                  f"{speed}   (start-up {ready - started:.1f} s; CPU {cpu / total:.2f} s a replication)")
        for kind in ("local", "dask"):
            pd.testing.assert_frame_equal(tables["serial"], tables[kind], check_exact=True)
        print(f"rows identical bit for bit on every engine · load average now {_load()}")


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    main()
