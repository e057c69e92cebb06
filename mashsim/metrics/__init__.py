"""Metrics: streaming collectors of one replication, and their names."""

from mashsim.metrics.collector import Collector
from mashsim.model.contact import CAUSES

__all__ = ["CAUSES", "Collector"]
