"""Write an example parameter ensemble: each parameter drawn uniformly between two bounds.

A stand-in for ``mashsim calibrate`` when trying ``--ensemble`` out: the members it writes are
plausible only in that they lie within the bounds given, not in that they fit any observation.

    python tools/example_ensemble.py example-ensemble.parquet --scenario london-borough \
        --param roles.screeners.task_minutes.mode=24..38 --rows 40 --seed 1
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from mashsim._version import __version__
from mashsim.experiment.ensemble import write_ensemble


def _param(text: str) -> tuple[str, float, float]:
    path, _, span = text.partition("=")
    low, _, high = span.partition("..")
    try:
        bounds = float(low), float(high)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected PATH=LO..HI, e.g. arrivals.scale=0.9..1.1 (got {text!r})") from None
    if not path or not bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError(f"expected PATH=LO..HI with LO <= HI (got {text!r})")
    return path.strip(), *bounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the Parquet file to write")
    parser.add_argument("--scenario", required=True, help="the scenario the ensemble is for (recorded in the file)")
    parser.add_argument("--param", type=_param, action="append", required=True, metavar="PATH=LO..HI",
                        help="a parameter and its bounds (repeatable)")
    parser.add_argument("--rows", type=int, default=40, help="members to write (default 40)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the draws (default 1)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    columns = {path: np.round(rng.uniform(low, high, args.rows), 4) for path, low, high in args.param}
    write_ensemble(args.out, columns, {"scenario": args.scenario, "scenario_hash": None, "version": __version__,
                                       "targets": None, "waves": 0, "seed": args.seed,
                                       "note": "uniform draws between bounds (tools/example_ensemble.py)"},
                   members=range(args.rows))
    print(f"wrote {args.rows} members of {len(columns)} parameters to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
