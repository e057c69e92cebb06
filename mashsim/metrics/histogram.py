"""A fixed-memory histogram of delays, for percentiles without keeping every value."""

from __future__ import annotations

import math

import numpy as np

from mashsim.metrics.catalogue import DELAY_STATS

_LOW, _HIGH = -3.0, 5.0  # 0.001 h to 100,000 h
_PER_DECADE = 200  # bins 1.16% wide: percentiles to about half a percent
_BINS = int((_HIGH - _LOW) * _PER_DECADE) + 2
_BUFFER = 512  # values held before they are binned together


class DelayHistogram:
    """Counts delays (hours) in log-spaced bins; exact count, mean and max.

    ``add`` only appends to a short buffer; the buffer is binned with numpy
    when it fills and before anything is read.  Binning one value at a time
    (a log, an index, a numpy scalar update) was a tenth of a run's time.
    """

    __slots__ = ("counts", "_n", "_total", "_minimum", "_maximum", "_zeros", "_pending")

    def __init__(self) -> None:
        # the bins, made when the first delay above 0.001 h is binned: a network has hundreds of
        # histograms (by hub, concern and RAG) and many never get one (12.8 KB each saved)
        self.counts: np.ndarray | None = None
        self._n = 0
        self._total = 0.0
        self._minimum = float("nan")
        self._maximum = float("nan")
        self._zeros = 0
        self._pending: list[float] = []

    def add(self, value: float) -> None:
        pending = self._pending
        pending.append(value)
        if len(pending) >= _BUFFER:
            self._flush()

    def settle(self) -> None:
        """Bin the buffered values now: for a histogram no more values will reach (its buffer, up to
        ``_BUFFER`` Python floats, is let go). The same batch a later read would bin: same results."""
        self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        values = np.array(self._pending, dtype=float)
        self._pending = []
        self._n += values.size
        self._total += math.fsum(values)
        self._take_extremes(float(values.min()), float(values.max()))
        positive = values[values > 10.0 ** _LOW]
        self._zeros += values.size - positive.size
        index = ((np.log10(positive) - _LOW) * _PER_DECADE).astype(np.int64) + 1
        binned = np.bincount(np.minimum(index, _BINS - 1), minlength=_BINS).astype(np.int64, copy=False)
        if self.counts is None:
            self.counts = binned
        else:
            self.counts += binned

    def _take_extremes(self, low: float, high: float) -> None:
        if not high <= self._maximum:
            self._maximum = high
        if not low >= self._minimum:
            self._minimum = low

    @property
    def n(self) -> int:
        self._flush()
        return self._n

    @property
    def total(self) -> float:
        self._flush()
        return self._total

    @property
    def minimum(self) -> float:
        self._flush()
        return self._minimum

    @property
    def maximum(self) -> float:
        self._flush()
        return self._maximum

    @property
    def zeros(self) -> int:
        self._flush()
        return self._zeros

    def merge(self, other: "DelayHistogram") -> None:
        """Add ``other``'s delays to this histogram (as if each had been added here)."""
        if not other.n:
            return
        self._flush()
        if other.counts is not None:
            if self.counts is None:
                self.counts = other.counts.copy()
            else:
                self.counts += other.counts
        self._n += other._n
        self._total += other._total
        self._zeros += other._zeros
        self._take_extremes(other._minimum, other._maximum)

    def mean(self) -> float:
        return self.total / self.n if self.n else float("nan")

    def quantile(self, q: float) -> float:
        """The ``q`` quantile, interpolated inside its bin (log scale)."""
        if not self.n:
            return float("nan")
        if q <= 0.0:
            return self._minimum
        rank = q * self._n
        if rank <= self._zeros:
            return 0.0
        counts = self.counts if self.counts is not None else np.zeros(_BINS, dtype=np.int64)
        cumulative = np.cumsum(counts) + self._zeros
        index = int(np.searchsorted(cumulative, rank))
        before = cumulative[index - 1] if index > 0 else self._zeros
        inside = (rank - before) / max(counts[index], 1)
        log_value = _LOW + (index - 1 + inside) / _PER_DECADE
        return min(max(10.0 ** log_value, self._minimum), self._maximum)


def delay_stats(h: DelayHistogram) -> list[float]:
    """The delay statistics in the order of the catalogue's ``DELAY_STATS``."""
    stats = {"mean": h.mean(), "median": h.quantile(0.5), "p90": h.quantile(0.9),
             "p95": h.quantile(0.95), "max": h.maximum}
    return [stats[name] for name in DELAY_STATS]
