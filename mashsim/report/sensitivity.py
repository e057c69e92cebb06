"""Global sensitivity indices of a Morris or Sobol sweep, by SALib (the optional extra ``sensitivity``).

The output analysed at each design point is the metric's mean over that point's replications;
design point ``p`` is row ``p`` of the SALib sample the sweep ran.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mashsim.report.sweep_data import SweepData

SAMPLE_PREFIX = "salib_sample."  # points.parquet columns holding SALib's unrounded sample
INSTALL_HINT = "install the optional extra: pip install 'mashsim[sensitivity]'"


class SensitivityUnavailable(Exception):
    """The indices cannot be computed for this sweep; the message says why and what to do."""


def _salib(module: str):
    try:
        import importlib

        return importlib.import_module(f"SALib.analyze.{module}")
    except ImportError:
        raise SensitivityUnavailable(f"Morris and Sobol analysis need SALib, which is not installed; "
                                     f"{INSTALL_HINT}") from None


def _inputs(data: SweepData, metric: str) -> tuple[dict, np.ndarray, np.ndarray]:
    problem = data.meta.get("salib_problem")
    if not problem:
        raise SensitivityUnavailable("experiment.json has no salib_problem: not a Morris or Sobol sweep")
    problem = {**problem, "num_vars": len(problem["names"])}
    means = data.rows.groupby("point")[metric].mean()
    expected = np.arange(len(data.points))
    missing = np.setdiff1d(expected, means.index.to_numpy())
    if missing.size:
        raise SensitivityUnavailable(f"{missing.size} of {expected.size} design points have no finished "
                                     f"replication (resume the sweep): the indices need every point")
    y = means.reindex(expected).to_numpy(dtype=float)
    if np.isnan(y).any():
        raise SensitivityUnavailable(f"{metric} is undefined (NaN) at {int(np.isnan(y).sum())} design point(s)")
    if np.ptp(y) == 0:
        raise SensitivityUnavailable(f"{metric} is the same at every design point: no variance to attribute")
    points = data.points.sort_values("point")
    # the raw sample SALib drew, where the sweep kept it (integer factors are rounded in the points)
    columns = [SAMPLE_PREFIX + name if SAMPLE_PREFIX + name in points else name for name in problem["names"]]
    return problem, points[columns].to_numpy(dtype=float), y


def morris_indices(data: SweepData, metric: str) -> pd.DataFrame:
    """Morris elementary-effect statistics of ``metric``: one row per factor with ``mu``,
    ``mu_star`` (mean absolute effect: importance), ``sigma`` (spread: interaction or
    non-linearity) and ``mu_star_conf`` (95% bootstrap half-width of ``mu_star``)."""
    morris = _salib("morris")
    problem, x, y = _inputs(data, metric)
    design = data.meta.get("design", {})
    levels = int(design.get("levels", design.get("num_levels", 4)))
    result = morris.analyze(problem, x, y, num_levels=levels, seed=_seed(data))
    return pd.DataFrame({"factor": problem["names"], "mu": result["mu"], "mu_star": result["mu_star"],
                         "sigma": result["sigma"], "mu_star_conf": result["mu_star_conf"]})


def sobol_indices(data: SweepData, metric: str) -> pd.DataFrame:
    """Sobol first-order (``S1``) and total (``ST``) indices of ``metric`` with their 95% bootstrap
    half-widths (``S1_conf``, ``ST_conf``): one row per factor."""
    sobol = _salib("sobol")
    problem, _, y = _inputs(data, metric)
    second = _second_order(data, problem["num_vars"], y.size)
    result = sobol.analyze(problem, y, calc_second_order=second, seed=_seed(data))
    return pd.DataFrame({"factor": problem["names"], "S1": result["S1"], "S1_conf": result["S1_conf"],
                         "ST": result["ST"], "ST_conf": result["ST_conf"]})


def _second_order(data: SweepData, d: int, n_points: int) -> bool:
    design = data.meta.get("design", {})
    stated = design.get("second_order", design.get("calc_second_order"))
    if stated is not None:
        return bool(stated)
    # Saltelli samples have N(2D+2) rows with second-order terms, N(D+2) without
    return n_points % (2 * d + 2) == 0


def _seed(data: SweepData) -> int | None:
    seed = data.seed
    return int(seed) if isinstance(seed, int) else None
