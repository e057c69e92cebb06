#!/usr/bin/env bash
# The sweep engines on a many-core machine, once, in under 6 minutes: bench_sweep.py at 16 workers
# on both sizes (128 replications of 13 weeks, 64 of a year), and the ceiling alone at 8 processes
# (does the machine have 16 cores' worth of work in it, or 8 and their hyper-threads?).
#
#     OUT=/some/folder benchmarks/device_sweep.sh      # writes $OUT/bench_sweep.txt
#
# Needs no virtual environment of the repository: if a folder .whl/ at the repository's root holds
# wheels, the dependencies are installed from them alone (no network) into a fresh virtual
# environment; otherwise the packages (mashsim's dependencies, dask, distributed, psutil) must be
# importable by python3. mashsim itself runs from this checkout, uninstalled.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/device-out}
mkdir -p "$OUT"
REPORT="$OUT/bench_sweep.txt"
PYTHON=${PYTHON:-python3}
WORKERS=${WORKERS:-16}
PER_SIZE_SECONDS=${PER_SIZE_SECONDS:-140}  # the serial run is most of it (about 20 s at 0.15 s a replication)

exec > >(tee "$REPORT") 2>&1
echo "== $(date -u '+%Y-%m-%d %H:%M UTC') · $(git rev-parse --short HEAD 2>/dev/null || echo 'no git') · $(nproc) CPUs"
lscpu 2>/dev/null | grep -E '^(Model name|CPU\(s\)|Thread\(s\) per core|Core\(s\) per socket|Socket\(s\)|CPU max MHz)' || true

if compgen -G ".whl/*.whl" >/dev/null; then
  VENV=$(mktemp -d)/venv
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --no-index --find-links .whl \
    simpy networkx numpy pydantic scipy pandas pyarrow rich matplotlib dask distributed psutil
  PYTHON="$VENV/bin/python"
  echo "installed from .whl/ into a fresh virtual environment"
fi
"$PYTHON" -c 'import mashsim, distributed, psutil, pandas, pyarrow; print("python", __import__("sys").version.split()[0], "· dask", distributed.__version__)'

for size in 13-week year; do
  echo
  echo "== $size, $WORKERS workers (the ceiling, then serial, local and dask)"
  timeout "$PER_SIZE_SECONDS" "$PYTHON" benchmarks/bench_sweep.py --size "$size" --workers "$WORKERS" \
    || echo "bench_sweep.py --size $size ended with status $? (124: over ${PER_SIZE_SECONDS} s)"
done

echo
echo "== the ceiling alone, 13-week size, at half the workers"
timeout 60 "$PYTHON" benchmarks/bench_sweep.py --size 13-week --workers $((WORKERS / 2)) --no-serial --engines "" \
  || echo "the half-size ceiling ended with status $?"
echo "== done $(date -u '+%H:%M:%S UTC')"
