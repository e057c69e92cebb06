"""Counts that add up: each is registered where it is made, so adding two sets sums every one.

A collector's counts are plain attributes (the hot path reads and writes them directly); the
registry is what lets :meth:`mashsim.metrics.collector.Collector.add` sum a network's hubs without a
list of names that a new counter could be left out of (and read 0 at network level).
"""

from __future__ import annotations

from typing import Any, Mapping


class RegisteredCounts:
    """A base for a set of counts: ``_count`` and ``_counts`` make and register them, ``_add_counts``
    adds another set's to them."""

    def __init__(self) -> None:
        self._scalars: list[str] = []
        self._lists: list[tuple[list[Any], str | None]] = []  # (counts, the scenario's axis they are indexed by)

    def _count(self, name: str) -> int:
        """A count kept in the attribute ``name``, registered to be summed by :meth:`_add_counts`."""
        self._scalars.append(name)
        return 0

    def _counts(self, n: int, axis: str | None = None) -> list[int]:
        """``n`` counts, registered to be summed by :meth:`_add_counts`; ``axis``: one per value of that
        axis of the hub's own (``"agency"``, ``"source"``), matched by name when added."""
        counts = [0] * n
        self._lists.append((counts, axis))
        return counts

    def _add_counts(self, other: RegisteredCounts, where: Mapping[str, list[int]]) -> None:
        """Adds every registered count of ``other`` (made in the same order) to these; ``where[axis]``
        gives the index here of each of its values of ``axis`` (its agencies, its sources). A list of
        counts may hold lists (added element-wise)."""
        for name in self._scalars:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for (mine, axis), (theirs, _) in zip(self._lists, other._lists):
            for k, value in enumerate(theirs):
                j = where[axis][k] if axis else k
                if isinstance(value, list):
                    mine[j] = [a + b for a, b in zip(mine[j], value)]
                else:
                    mine[j] += value
