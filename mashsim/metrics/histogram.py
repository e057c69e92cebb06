"""A fixed-memory histogram of delays, for percentiles without keeping every value."""

from __future__ import annotations

import math

import numpy as np

_LOW, _HIGH = -3.0, 5.0  # 0.001 h to 100,000 h
_PER_DECADE = 200  # bins 1.16% wide: percentiles to about half a percent


class DelayHistogram:
    """Counts delays (hours) in log-spaced bins; exact count, mean and max."""

    __slots__ = ("counts", "n", "total", "minimum", "maximum", "zeros")

    def __init__(self) -> None:
        self.counts = np.zeros(int((_HIGH - _LOW) * _PER_DECADE) + 2, dtype=np.int64)
        self.n = 0
        self.total = 0.0
        self.minimum = float("nan")
        self.maximum = float("nan")
        self.zeros = 0

    def add(self, value: float) -> None:
        self.n += 1
        self.total += value
        if not value <= self.maximum:
            self.maximum = value
        if not value >= self.minimum:
            self.minimum = value
        if value <= 10.0 ** _LOW:
            self.zeros += 1
            return
        index = int((math.log10(value) - _LOW) * _PER_DECADE) + 1
        self.counts[min(index, self.counts.size - 1)] += 1

    def merge(self, other: "DelayHistogram") -> None:
        """Add ``other``'s delays to this histogram (as if each had been added here)."""
        if not other.n:
            return
        self.counts += other.counts
        self.n += other.n
        self.total += other.total
        self.zeros += other.zeros
        for value in (other.minimum, other.maximum):
            if not value <= self.maximum:
                self.maximum = value
            if not value >= self.minimum:
                self.minimum = value

    def mean(self) -> float:
        return self.total / self.n if self.n else float("nan")

    def quantile(self, q: float) -> float:
        """The ``q`` quantile, interpolated inside its bin (log scale)."""
        if not self.n:
            return float("nan")
        if q <= 0.0:
            return self.minimum
        rank = q * self.n
        if rank <= self.zeros:
            return 0.0
        cumulative = np.cumsum(self.counts) + self.zeros
        index = int(np.searchsorted(cumulative, rank))
        before = cumulative[index - 1] if index > 0 else self.zeros
        inside = (rank - before) / max(self.counts[index], 1)
        log_value = _LOW + (index - 1 + inside) / _PER_DECADE
        return min(max(10.0 ** log_value, self.minimum), self.maximum)
