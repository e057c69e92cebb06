"""What one dashboard server takes on: the size of an upload, the size of a run, how many runs at
once and for how long.

A dashboard served to a training room (``mashsim serve --host 0.0.0.0``) runs whatever any
participant sets up or uploads, in one server process that every participant shares. Without
limits, one upload of a thousand-year run would hold the server, and its memory, for everyone.
The limits are declared here once, with their reasons; ``mashsim serve`` picks the preset for its
address (:data:`SERVED` or the looser :data:`LOCAL`), lets the facilitator change each on its
command line, and hands them to the page in environment variables (:meth:`Limits.to_env`), which
the page reads on every rerun (:meth:`Limits.from_env`). A page started without them (under
``streamlit run`` or a test) takes the served limits: the safe side.

What each refusal says is a plain sentence for the page, with the count and the limit.
"""

from __future__ import annotations

import ipaddress
import math
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from typing import Callable, Iterator, Mapping

from mashsim.model.workload import expected_contacts, run_hours
from mashsim.scenario import Problem, Scenario, ScenarioError, scenario_hash
from mashsim.scenario.injects import SurgeInject

ENV_PREFIX = "MASHSIM_LIMIT_"
KB = 1024


@dataclass(frozen=True)
class Limits:
    """The limits of one server; ``run_seconds = 0`` sets no time limit."""

    upload_kb: int  # an uploaded file's size (a shipped scenario or an exported exercise is under 15 KB)
    contacts: int  # contacts one run simulates, all replications (work and result memory grow with them)
    replication_days: int  # simulated days, all replications (the hourly series grows with them); also
    # the days the calendar's periods and the surges cover, which every replication walks day by day
    runs: int  # runs in progress at once, across every participant
    run_seconds: float  # a run is stopped after the replication that passes this

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, default: "Limits | None" = None) -> "Limits":
        """The limits ``mashsim serve`` set (``MASHSIM_LIMIT_CONTACTS=50000``...), the rest from ``default``."""
        environ = os.environ if environ is None else environ
        values = asdict(default or SERVED)
        for field in fields(cls):
            text = environ.get(ENV_PREFIX + field.name.upper())
            if text is None:
                continue
            try:
                value = type(values[field.name])(text)
            except ValueError:
                continue
            # set by hand, wrongly: keep the safe value rather than fail the page (serve checks its options)
            if math.isfinite(value) and value >= (0 if field.name == "run_seconds" else 1):
                values[field.name] = value
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        return {ENV_PREFIX + name.upper(): str(value) for name, value in asdict(self).items()}

    def upload_mb(self) -> int:
        """Streamlit's own cap on an upload (``server.maxUploadSize``), in whole MB: at least 1."""
        return max(1, math.ceil(self.upload_kb / KB))

    def describe(self) -> str:
        """The limits in a sentence, for the page and the terminal."""
        seconds = f", {self.run_seconds:g} s each" if self.run_seconds > 0 else ""
        return (f"runs of up to {self.contacts:,} contacts and {self.replication_days:,} simulated days "
                f"(all replications together), {self.runs} at a time{seconds}; uploads up to {self.upload_kb:,} KB")


# A 2-core laptop serving a class of about 20. The page runs in one Python process, so runs in
# progress share one core whatever their number: two at a time keeps each answer quick, and a
# third participant is told to try again rather than queued. 50,000 contacts is london-borough
# over 16 weeks after its 4 weeks of warm-up at 10 replications: 1.5 s on the development machine
# and 65 MB of results, which a session keeps for its latest run and its A (20 participants: at
# most some 2.6 GB); the shipped scenarios open on 10,000. 5,000 days is 10 replications of a year
# with its warm-up; a day without contacts costs little (0.1 ms, 4 KB of hourly queue lengths).
# 60 s is some forty times what a run within these limits takes alone.
SERVED = Limits(upload_kb=256, contacts=50_000, replication_days=5_000, runs=2, run_seconds=60.0)
# One trainer on their own machine: room for a year at 70 replications, no time limit; the caps
# only catch a typed extra zero before it holds the machine for hours.
LOCAL = Limits(upload_kb=1024, contacts=1_000_000, replication_days=100_000, runs=4, run_seconds=0.0)


def preset(host: str) -> Limits:
    """The limits for a server listening on ``host``: local for this machine only (a loopback
    address), else served."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    return LOCAL if loopback else SERVED


# --------------------------------------------------------------------------- uploads


def check_upload(filename: str, data: bytes, limits: Limits) -> None:
    """Refuse an uploaded file over the size limit before it is decoded or parsed."""
    if len(data) > limits.upload_kb * KB:
        raise ScenarioError([Problem("", f"the file is {math.ceil(len(data) / KB):,} KB; this server takes "
                                         f"uploads up to {limits.upload_kb:,} KB (a scenario file is a few KB)")],
                            filename)


# --------------------------------------------------------------------------- the size of a run


class LimitReached(Exception):
    """A run this server will not do, or stopped: the message says why, with the numbers."""


@dataclass(frozen=True)
class RunSize:
    replication_days: float
    contacts: float  # expected, all replications

    def describe(self) -> str:
        return f"about {self.contacts:,.0f} contacts over {self.replication_days:,.0f} simulated days"


def run_size(scenario: Scenario, limits: Limits) -> RunSize:
    """The run's size, or :class:`LimitReached` if it is over a limit.

    The days are checked first, then the days of the calendar's periods and surges: counting the
    contacts costs a little for each of them (as a run does, in every replication). A comparison
    that is not true refuses, so that a number that is not one (NaN) is never let through.
    """
    replications = scenario.run.replications
    days = replications * run_hours(scenario) / 24.0
    cut = "Run fewer replications or fewer days, or ask the facilitator to raise the limit."
    if not days <= limits.replication_days:
        raise LimitReached(f"This run simulates {days:,.0f} days ({replications:,} replications of "
                           f"{days / replications:,.0f} days, warm-up included); this server runs up to "
                           f"{limits.replication_days:,}. {cut}")
    marked = marked_days(scenario)
    if not marked <= limits.replication_days:
        raise LimitReached(f"This scenario's calendar periods and surges cover {marked:,.0f} days in all; this "
                           f"server takes up to {limits.replication_days:,}. Give them only the dates the run needs.")
    contacts = replications * _expected_contacts(scenario)
    if not contacts <= limits.contacts:
        raise LimitReached(f"This run simulates about {contacts:,.0f} contacts ({replications:,} replications "
                           f"of about {contacts / replications:,.0f}); this server runs up to "
                           f"{limits.contacts:,}. {cut}")
    return RunSize(days, contacts)


_COUNTED: dict[str, float] = {}  # by scenario hash, for every session: the page asks on every rerun
_COUNTED_MOST = 1000


def _expected_contacts(scenario: Scenario) -> float:
    """:func:`expected_contacts`, counted once per scenario (up to 75 ms for a run of 5,000 days)."""
    key = scenario_hash(scenario)
    if key not in _COUNTED:
        if len(_COUNTED) >= _COUNTED_MOST:
            _COUNTED.clear()
        _COUNTED[key] = expected_contacts(scenario)
    return _COUNTED[key]


def marked_days(scenario: Scenario) -> float:
    """The days the calendar's periods and the surge injects cover, each counted once per period,
    date range and surge: every replication walks them day by day, whatever the run's length (a
    holiday dated from year 1 to 9999 is 3.6 million days, and a thousand surges are no bigger a file)."""
    periods = sum((last - first).days + 1 for period in scenario.calendar.periods.values()
                  for first, last in period.dates)
    return periods + sum(i.hours / 24.0 for i in scenario.injects if isinstance(i, SurgeInject))


# --------------------------------------------------------------------------- runs in progress


class RunSlots:
    """Runs in progress across every session of the server process (each session is a thread of it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0

    @contextmanager
    def slot(self, limits: Limits) -> Iterator[None]:
        """Hold one of the server's ``limits.runs`` places for a run, or :class:`LimitReached` at once."""
        with self._lock:
            if self.running >= limits.runs:
                raise LimitReached(f"The server is busy: {self.running} runs in progress (it runs "
                                   f"{limits.runs} at a time). Try again in a moment.")
            self.running += 1
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1


SLOTS = RunSlots()  # one per process: imported modules outlive the page script's reruns


def stop_after(limits: Limits, progress: Callable[[int, int], None] | None = None) -> Callable[[int, int], None]:
    """A progress callback that stops the run (:class:`LimitReached`) after the replication that
    passes ``limits.run_seconds``; the run's size bounds how long any one replication takes."""
    started = time.monotonic()

    def step(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
        elapsed = time.monotonic() - started
        if 0 < limits.run_seconds < elapsed and done < total:
            raise LimitReached(f"The run was stopped after {elapsed:,.0f} s, with {done} of {total} replications "
                               f"done: this server gives a run up to {limits.run_seconds:g} s. Run fewer "
                               "replications or fewer days.")

    return step


# --------------------------------------------------------------------------- parameter ensembles

#: "1" lets the page run over an uploaded parameter ensemble (mashsim serve sets it: on for this
#: machine only, else with --ensembles). Off when unset: a page started another way is served.
ENSEMBLES_ENV = "MASHSIM_ENSEMBLES"


def ensembles_allowed(environ: Mapping[str, str] | None = None) -> bool:
    return (os.environ if environ is None else environ).get(ENSEMBLES_ENV) == "1"
