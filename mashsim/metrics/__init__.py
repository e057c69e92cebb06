"""Metrics: the catalogue that declares and names them, and the streaming collectors of one replication."""

from mashsim.metrics.collector import Collector
from mashsim.model.contact import CAUSES

__all__ = ["CAUSES", "Collector"]
