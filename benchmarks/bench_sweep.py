"""Benchmark: the sweep engines against the machine's ceiling, measured in the same run.

    .venv/bin/python benchmarks/bench_sweep.py [--points 2] [--replications 8] [--days 91] [--workers N]
    .venv/bin/python benchmarks/bench_sweep.py --size 13-week --workers 16   # 128 x 13 weeks
    .venv/bin/python benchmarks/bench_sweep.py --size year --workers 16      # 64 x a year

The same sweep of london-borough (police staff 3, 2, ... at each point; ``--days`` measured after
two weeks' warm-up) is run:

- **ceiling**: N plain processes (multiprocessing, no engine, no files), each running its share of
  the replications (every N-th) serially: what this machine does with N processes, whatever its
  cores, hyper-threads, memory bandwidth and clock under load;
- **serial** (unless ``--no-serial``), **local** (a process pool) and **dask** (a LocalCluster):
  the real sweep, rows stored as ``mashsim sweep`` stores them.

For each: the start-up (processes started and the model imported in every worker; the ceiling's
processes also build their scenarios) apart from the work's wall time, replications per second,
the % of the ceiling's rate, and CPU seconds per replication counted over the work alone (this
process and every process under it, read from the operating system), with this process's own
part apart (dispatching tasks and storing rows; a LocalCluster's scheduler runs here too).  Finally every engine's
stored rows are checked equal bit for bit, and equal to the ceiling's values.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from mashsim import __version__  # noqa: E402
from mashsim.experiment.engines import open_engine  # noqa: E402
from mashsim.experiment.plan import make_plan  # noqa: E402
from mashsim.experiment.runner import run_batch  # noqa: E402
from mashsim.experiment.sweep import run_sweep  # noqa: E402

EXPERIMENT = """\
name = "bench-sweep"
scenario = "london-borough"
seed = 1
set = {{ "run.horizon_days" = {days}, "run.warmup_days" = 14 }}

[[factors]]
path = "agencies.police.staff"
values = {values}

[replications]
n = {replications}
"""
SIZES = {"13-week": (2, 64, 91), "year": (2, 32, 365)}  # points, replications per point, measured days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), help="points, replications and days of a named size")
    parser.add_argument("--points", type=int, default=2, help="design points (police staff 3, 2, 1, ...)")
    parser.add_argument("--replications", type=int, default=8, help="replications per point")
    parser.add_argument("--days", type=int, default=91, help="measured days of each replication")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes of the ceiling and "
                                                                                  "workers of the engines")
    parser.add_argument("--no-serial", action="store_true", help="skip the serial sweep (the longest part)")
    parser.add_argument("--engines", default="local,dask", help="parallel engines to run (comma-separated)")
    args = parser.parse_args()
    if args.size:
        args.points, args.replications, args.days = SIZES[args.size]

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "bench.toml"
        values = list(range(3, 3 - args.points, -1)) if args.points <= 3 else list(range(1, args.points + 1))
        path.write_text(EXPERIMENT.format(values=values, replications=args.replications, days=args.days))
        plan = make_plan(path)
        total = len(plan.points) * args.replications
        print(f"mashsim {__version__} · Python {sys.version.split()[0]} · {os.cpu_count()} cores · "
              f"load average {_load()} · {len(plan.points)} points x {args.replications} replications of "
              f"{args.days}+14 days = {total} · {args.workers} workers")
        # CPU/rep: every process's CPU seconds in the work, per replication; of which "sweep's" is this
        # process's, the sweep's own (dispatching tasks, storing rows, and for a LocalCluster its scheduler)
        print(f"{'':24} {'start-up':>9} {'work':>9} {'reps/s':>8} {'of ceiling':>10} {'CPU/rep':>9} "
              f"{'sweep':>9}")
        ceiling_rate, ceiling_values = ceiling(path, args.workers, total)
        tables = {}
        kinds = ([] if args.no_serial else ["serial"]) + [k for k in args.engines.split(",") if k]
        for kind in kinds:
            with Meter() as meter:
                with open_engine(kind, args.workers) as engine:
                    assert engine.warm_up() == engine.slots, "not every worker started"
                    meter.ready()
                    summary = run_sweep(plan, root / kind, engine)
                    meter.done()
            assert not summary.failures, summary.failures
            tables[kind] = pd.read_parquet(root / kind / "rows").sort_values(["point", "replication"]) \
                .reset_index(drop=True)
            rate = total / meter.work
            _line(f"{kind}, {engine.slots} worker{'s' if engine.slots != 1 else ''}", meter.start_up, meter.work,
                  rate, f"{100 * rate / ceiling_rate:.0f}%", _per(meter.cpu, total), _per(meter.own_cpu, total))
        for kind in kinds:
            pd.testing.assert_frame_equal(tables[kinds[0]], tables[kind], check_exact=True)
            stored = tables[kind].set_index(["point", "replication"])
            for key, metrics in ceiling_values.items():
                assert all(_same(stored.at[key, name], metrics.get(name, float("nan")))
                           for name in plan.metrics), (kind, key)
        if kinds:
            print(f"rows identical bit for bit on every engine and in the ceiling's processes · "
                  f"load average now {_load()}")


# ----------------------------------------------------------------------------- the ceiling
def ceiling(path: Path, workers: int, total: int) -> tuple[float, dict]:
    """Run the replications in ``workers`` plain processes, every N-th each; print the line, return
    the rate and each replication's metrics."""
    plan = make_plan(path)
    jobs = [(p, r) for p in range(len(plan.points)) for r in range(plan.replications.n or 0)]
    context = multiprocessing.get_context()
    barrier, results = context.Barrier(workers + 1), context.Queue()
    started = time.perf_counter()
    processes = [context.Process(target=_share, args=(path, jobs[i::workers], barrier, results), daemon=True)
                 for i in range(workers)]
    for process in processes:
        process.start()
    barrier.wait()  # every process has started and built its scenarios
    ready = time.perf_counter()
    values, cpu = {}, 0.0
    for _ in processes:
        share_cpu, share = results.get()
        cpu += share_cpu
        values.update(share)
    work = time.perf_counter() - ready
    for process in processes:
        process.join()
    rate = total / work
    _line(f"ceiling, {workers} processes", ready - started, work, rate, "100%", cpu / total, 0.0)
    return rate, values


def _share(path: Path, jobs: list[tuple[int, int]], barrier, results) -> None:
    """One ceiling process: build the scenarios, wait for the others, run its replications serially."""
    plan = make_plan(path)
    scenarios = {p: plan.scenario_at(p) for p, _ in jobs}
    barrier.wait()
    cpu = time.process_time()
    share = {(p, r): run_batch(scenarios[p], plan.seed, [r])[0].metrics for p, r in jobs}
    results.put((time.process_time() - cpu, share))


# ----------------------------------------------------------------------------- measuring
class Meter:
    """Wall seconds of start-up and of the work, and CPU seconds of the work alone, over this
    process and every process under it (psutil; without it, no CPU figure)."""

    def __enter__(self) -> "Meter":
        self.started = time.perf_counter()
        return self

    def ready(self) -> None:
        self.at_ready = time.perf_counter()
        self._cpu_ready = _tree_cpu()

    def done(self) -> None:
        self.work = time.perf_counter() - self.at_ready
        self.start_up = self.at_ready - self.started
        after = _tree_cpu()
        if after is None or self._cpu_ready is None:
            self.cpu = self.own_cpu = None
            return
        # a process started during the work counts from nothing; one that ended, not at all
        self.cpu = sum(seconds - self._cpu_ready.get(pid, 0.0) for pid, seconds in after.items())
        self.own_cpu = after[os.getpid()] - self._cpu_ready[os.getpid()]

    def __exit__(self, *exc: object) -> None:
        pass


def _tree_cpu() -> dict[int, float] | None:
    try:
        import psutil
    except ImportError:
        return None
    me = psutil.Process()
    seconds = {}
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:  # it ended meanwhile
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def _line(name: str, start_up: float, work: float, rate: float, share: str, cpu: float | None,
          own: float | None) -> None:
    cpu_text = " ".join(f"{x:8.4f}s" if x is not None else "      n/a" for x in (cpu, own))
    print(f"{name:24.24} {start_up:8.2f}s {work:8.2f}s {rate:8.2f} {share:>10} {cpu_text}", flush=True)


def _per(seconds: float | None, total: int) -> float | None:
    return None if seconds is None else seconds / total


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)  # NaN is NaN


def _load() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    main()
