"""Trace events as the model writes them: one writer shared by the hub and the police pipeline.

A run traces only when it is given a hook (``mashsim.trace`` replays a replication with one); the
hub and the pipeline check for it before building an event's detail, so an untraced run pays nothing.
"""

from __future__ import annotations

from typing import Any, Callable

import simpy

from mashsim.model.contact import Contact
from mashsim.model.roles import Role

TraceHook = Callable[[float, str, Contact, dict], None]


class Notes:
    """Writes a component's events to ``trace`` at the simulation's time (``trace`` None: nothing)."""

    def __init__(self, env: simpy.Environment, trace: TraceHook | None) -> None:
        self.env = env
        self.trace = trace

    def __call__(self, kind: str, c: Contact, **detail: Any) -> None:
        if self.trace is not None:
            self.trace(self.env.now, kind, c, detail)

    def closed(self, c: Contact, role: Role, name: str, desk: bool, urgent: bool, at: float) -> None:
        """A "closed" event when ``role`` is off duty for ``c``'s work reaching it at ``at``."""
        until = role.duty_hours.off_duty_until(at, urgent)
        if until is not None:
            self("closed", c, role=name, desk=desk, until_hours=until)
