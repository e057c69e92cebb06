"""The frames of the animated hub: one a sampled hour of the run, built from what a run records.

Each frame holds, for that hour, the queue at every stage of the front door (logging, screening,
each agency desk or shared team, the decision: the hub's stages in their declared order,
:data:`~mashsim.model.stages.STAGES`), the contacts open, the contacts that arrived, were screened
and were decided in the hour (the moving dots), and the injected events active then. Queues are
the hourly series (``RunResult.series_frame()``), flows the per-contact records
(``records_frame()``), both as means over the replications: no model change, no new run.
Records cover the measured window only, so the warm-up's frames have queues but no flows.

Pure data (no Streamlit): :mod:`~mashsim.app.hub_animation` draws it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mashsim.model.stages import STAGES
from mashsim.scenario import Scenario

#: the flows (moving dots) and the record column that times each: arrived, screened, decided
FLOWS = {"arrived": "arrived_h", "screened": "screened_h", "decided": "decided_h"}
CLOCK_FORMAT = "%a %d %b %H:%M"  # "Tue 02 Sep 09:00"


@dataclass(frozen=True)
class Box:
    """One stage of the front door as drawn: its series, its label and its column in the flow."""

    key: str  # the series name (queue_length.by_role.screeners)
    label: str  # for people (screeners)
    column: str  # the stage's name (log, screen, decide) or "desks" for agency desks and shared teams


@dataclass(frozen=True)
class Event:
    """An injected event: its number in the page's list, label, kind, and span in frames [start, end)."""

    number: int
    label: str
    kind: str
    start: int
    end: int


@dataclass
class HubFrames:
    """Every frame of a run's front door (see the module's docstring); ``frames`` = hours sampled."""

    scenario: str
    seed: int
    version: str
    replications: int
    hours: list[float]
    clock: list[str]  # each frame's date and time, as shown
    warmup_frames: int  # the frames before the measured window
    boxes: list[Box]
    queues: dict[str, list[float]]  # box key → the mean queue in each frame
    open_contacts: list[float]
    flows: dict[str, list[float]]  # FLOWS name → mean contacts in each frame's hour
    events: list[Event] = field(default_factory=list)

    @property
    def frames(self) -> int:
        return len(self.hours)

    def active(self, frame: int) -> list[str]:
        """The labels of the events under way in ``frame``."""
        return [e.label for e in self.events if e.start <= frame < e.end]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def boxes_of(names: list[str]) -> list[Box]:
    """The front door's stages in flow order, for the series ``names`` a run has: each hub stage (its
    role's queue), and after the stage whose next is research, each agency desk and shared team."""
    boxes = []
    for stage in STAGES:
        key = f"queue_length.by_role.{stage.role}"
        if key in names:
            boxes.append(Box(key, stage.label, stage.name))
        if stage.next == "research":
            for prefix in ("queue_length.by_agency.", "queue_length.by_pool."):
                boxes += [Box(n, n.removeprefix(prefix).replace("_", " "), "desks") for n in names
                          if n.startswith(prefix) and ".by_hub." not in n]
    return boxes


def _frame_of(hours: list[float], at: float) -> int:
    """The first frame at or after ``at`` hours (the frames' count when none is)."""
    return next((i for i, h in enumerate(hours) if h >= at - 1e-9), len(hours))


def hub_frames(series: pd.DataFrame, records: pd.DataFrame, scenario: Scenario, seed: int,
               version: str) -> HubFrames:
    """The frames of a run from its hourly series and its records (see the module's docstring)."""
    if series.empty:
        raise ValueError("no hourly series in this run: run it with series=True")
    replications = int(series["replication"].nunique())
    wide = series.groupby(["name", "time_hours"], sort=True)["value"].mean().unstack("name")
    hours = [float(h) for h in wide.index]
    names = list(dict.fromkeys(series["name"]))  # the run's own order: the scenario's agencies'
    boxes = boxes_of(names)
    origin = dt.datetime.combine(scenario.calendar.start_date, dt.time())
    step = hours[1] - hours[0] if len(hours) > 1 else 1.0
    flows = {}
    for flow, column in FLOWS.items():
        times = records[column].dropna().to_numpy(dtype=float) if column in records else np.empty(0)
        frame = np.floor((times - hours[0]) / step).astype(np.int64)
        counts = np.bincount(frame[(frame >= 0) & (frame < len(hours))], minlength=len(hours))
        flows[flow] = [round(float(c) / replications, 3) for c in counts]

    def values(name: str) -> list[float]:
        return [round(float(v), 3) for v in wide[name]] if name in wide else [0.0] * len(hours)

    events = [Event(number, inject.describe(), inject.kind, _frame_of(hours, inject.start_hours),
                    _frame_of(hours, inject.end_hours)) for number, inject in enumerate(scenario.injects, start=1)]
    return HubFrames(
        scenario=scenario.name, seed=seed, version=version, replications=replications, hours=hours,
        clock=[f"{origin + dt.timedelta(hours=h):{CLOCK_FORMAT}}" for h in hours],
        warmup_frames=_frame_of(hours, scenario.run.warmup_days * 24), boxes=boxes,
        queues={box.key: values(box.key) for box in boxes}, open_contacts=values("open_contacts"),
        flows=flows, events=events)
