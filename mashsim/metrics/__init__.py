"""Metrics: streaming collectors of one replication, and their names."""

from mashsim.metrics.collector import CAUSES, Collector

__all__ = ["CAUSES", "Collector"]
