"""Paired differences between design points, using common random numbers.

Replication ``r`` of every design point ran on the same seed, so it saw the same contacts. The
difference between two points is therefore taken replication by replication, and its interval is
the t-interval of those per-replication differences: much narrower than comparing two separate
intervals, because the arrival noise they share cancels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import pandas as pd

from mashsim.experiment.stats import Interval, t_interval
from mashsim.report.sweep_data import SweepData


@dataclass(frozen=True)
class PairedDifference:
    """``metric`` at point ``b`` minus at point ``a``, over the replications both have."""

    metric: str
    point_a: int
    point_b: int
    interval: Interval
    replications: tuple[int, ...]


def paired_difference(rows: pd.DataFrame, metric: str, a: int, b: int, level: float = 0.95) -> PairedDifference:
    """The ``level`` t-interval of ``metric[b, r] - metric[a, r]`` over replications ``r`` run at both
    points on the same seed (a replication missing at either point is left out); over an ensemble's
    members (rows with ``member``), the two-level interval over the members' mean differences."""
    left = rows.loc[rows["point"] == a].set_index("replication")
    right = rows.loc[rows["point"] == b].set_index("replication")
    common = left.index.intersection(right.index)
    if "seed" in rows:
        common = common[(left.loc[common, "seed"] == right.loc[common, "seed"]).to_numpy()]
    common = common.sort_values()
    diff = right.loc[common, metric].to_numpy(dtype=float) - left.loc[common, metric].to_numpy(dtype=float)
    if "member" in rows:  # over an ensemble: the interval over members' mean differences (both uncertainties)
        from mashsim.experiment.two_level import two_level_by

        f = two_level_by(diff, left.loc[common, "member"].to_numpy(), level)
        interval = Interval(f.mean, f.ci_low, f.ci_high, f.members)
    else:
        interval = t_interval(diff, level)
    return PairedDifference(metric, a, b, interval, tuple(int(r) for r in common))


def short_path(path: str) -> str:
    """The last two parts of a dotted path, for labels: ``agencies.police.staff`` → ``police.staff``."""
    return ".".join(str(path).split(".")[-2:])


def comparison_label(row: pd.Series) -> str:
    """A row of the comparisons in a few words, saying what is subtracted from what:
    ``scenario: london-pooled − london-wide`` (a factor's two values) or ``point 3 − point 0``."""
    if row["factor"] == "points":
        return f"{row['to']} − {row['from']}"
    return f"{short_path(row['factor'])}: {row['to']} − {row['from']}"


def two_level_factors(data: SweepData) -> list[str]:
    """Factors that take exactly two values over the design (a policy switch, say)."""
    return [f for f in data.factors if len(data.factor_values(f)) == 2]


def factor_comparisons(data: SweepData, metrics: Iterable[str], factors: Iterable[str] | None = None,
                       level: float = 0.95) -> pd.DataFrame:
    """For each two-valued factor, the paired difference of its second value minus its first, in
    the order the experiment file lists them (``values = [baseline, alternative]`` gives
    alternative minus baseline), at every combination of the other factors where the design has both.

    One row per comparison × metric: ``factor``, ``from``, ``to``, ``difference`` (which is
    subtracted from which, as text: ``scenario=london-pooled minus scenario=london-wide``),
    ``at`` (the other factors' values, as text), ``point_a``, ``point_b``, ``metric``, ``n``,
    ``mean``, ``ci_low``, ``ci_high``.
    """
    metrics = list(metrics)
    factors = two_level_factors(data) if factors is None else list(factors)
    records = []
    for factor in factors:
        first, second = data.factor_values(factor)
        records += _factor_records(data, factor, first, second, metrics, level)
    return pd.DataFrame.from_records(records, columns=COMPARISON_COLUMNS)


def value_comparisons(data: SweepData, choices: Iterable[tuple[str, Any, Any]], metrics: Iterable[str],
                      level: float = 0.95) -> pd.DataFrame:
    """For each ``(factor, a, b)``, the paired difference of ``factor`` at ``b`` minus at ``a``, at
    every combination of the other factors where the design has both: ``--compare scenario=london-wide
    scenario=london-pooled``.  The same columns as :func:`factor_comparisons`."""
    metrics = list(metrics)
    records = [r for factor, a, b in choices for r in _factor_records(data, factor, a, b, metrics, level)]
    return pd.DataFrame.from_records(records, columns=COMPARISON_COLUMNS)


def _factor_records(data: SweepData, factor: str, first: Any, second: Any, metrics: list[str],
                    level: float) -> list[dict]:
    others = [f for f in data.factors if f != factor]
    groups = data.points.groupby(others, sort=True, dropna=False) if others else [((), data.points)]
    records = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        a = group.loc[group[factor] == first, "point"]
        b = group.loc[group[factor] == second, "point"]
        if len(a) != 1 or len(b) != 1:
            continue
        at = ", ".join(f"{name}={value}" for name, value in zip(others, key))
        for metric in metrics:
            d = paired_difference(data.rows, metric, int(a.iloc[0]), int(b.iloc[0]), level)
            records.append(_record(d, factor, first, second, f"{factor}={second} minus {factor}={first}", at))
    return records


def point_comparisons(data: SweepData, pairs: Iterable[tuple[int, int]], metrics: Iterable[str],
                      level: float = 0.95) -> pd.DataFrame:
    """Paired differences ``b - a`` for each chosen pair of design points, in the same columns."""
    metrics = list(metrics)
    records = []
    for a, b in pairs:
        for metric in metrics:
            records.append(_record(paired_difference(data.rows, metric, a, b, level), "points",
                                   f"point {a}", f"point {b}", f"point {b} minus point {a}", ""))
    return pd.DataFrame.from_records(records, columns=COMPARISON_COLUMNS)


COMPARISON_COLUMNS = ["factor", "from", "to", "difference", "at", "point_a", "point_b", "metric", "n", "mean",
                      "ci_low", "ci_high"]


def _record(d: PairedDifference, factor: str, first: Any, second: Any, difference: str, at: str) -> dict:
    i = d.interval
    return {"factor": factor, "from": first, "to": second, "difference": difference, "at": at,
            "point_a": d.point_a, "point_b": d.point_b, "metric": d.metric, "n": i.n, "mean": i.mean,
            "ci_low": i.ci_low, "ci_high": i.ci_high}
