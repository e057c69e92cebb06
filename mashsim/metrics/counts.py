"""Counts that add up: each is registered where it is made, so adding two sets sums every one.

A collector's counts are plain attributes (the hot path reads and writes them directly); the
registry is what lets :meth:`mashsim.metrics.collector.Collector.add` sum a network's hubs without a
list of names that a new counter could be left out of (and read 0 at network level).
"""

from __future__ import annotations

from typing import Any


class RegisteredCounts:
    """A base for a set of counts: ``_count`` and ``_counts`` make and register them, ``_add_counts``
    adds another set's to them."""

    def __init__(self) -> None:
        self._scalars: list[str] = []
        self._lists: list[tuple[list[Any], bool]] = []  # (counts, indexed by agency)

    def _count(self, name: str) -> int:
        """A count kept in the attribute ``name``, registered to be summed by :meth:`_add_counts`."""
        self._scalars.append(name)
        return 0

    def _counts(self, n: int, by_agency: bool = False) -> list[int]:
        """``n`` counts (one per agency when ``by_agency``), registered to be summed by :meth:`_add_counts`."""
        counts = [0] * n
        self._lists.append((counts, by_agency))
        return counts

    def _add_counts(self, other: RegisteredCounts, where: list[int]) -> None:
        """Adds every registered count of ``other`` (made in the same order) to these; ``where`` gives
        the index here of each of its agencies. A list of counts may hold lists (added element-wise)."""
        for name in self._scalars:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for (mine, by_agency), (theirs, _) in zip(self._lists, other._lists):
            for k, value in enumerate(theirs):
                j = where[k] if by_agency else k
                if isinstance(value, list):
                    mine[j] = [a + b for a, b in zip(mine[j], value)]
                else:
                    mine[j] += value
