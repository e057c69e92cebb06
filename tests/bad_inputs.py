"""Bad scenario files, each made from a small good one by one edit, and what must be reported.

``SMALL_TOML`` is the small test scenario of ``support.py`` written as a file, with a few
provenance tags (test_scenario_validation.py checks the two agree).  The bad files are edits of
it rather than of the shipped scenarios, which change as the model is calibrated.  Shared by
test_scenario_validation.py (``load_scenario``) and test_cli.py (the command line).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SMALL_TOML = """\
name = "small"
description = "a small hub for fast tests"
hub_hours = "office"

[run]
horizon_days = 10
warmup_days = 2
replications = 3
seed = 7

[arrivals.sources.police]
annual_contacts = { value = 3000, tag = "E", note = "a test figure" }

[arrivals.sources.schools]
annual_contacts = 1500
day_profile = [1, 1, 1, 1, 1, 0, 0]

[roles.contact_officers]
staff = 2
out_of_hours_staff = 1
task_minutes = { min = 5, mode = 10, max = 20 }

[roles.screeners]
staff = { value = 2, tag = "S", source = "a test source" }
out_of_hours_staff = 1
task_minutes = { min = 10, mode = 20, max = 40 }

[roles.managers]
staff = 1.5
out_of_hours_staff = 1
task_minutes = { min = 5, mode = 10, max = 20 }

[agencies.police]
staff = 1
out_of_hours_staff = 1
research_minutes = { min = 30, mode = 60, max = 120 }
holds_information = { low = 0.3, medium = 0.5, high = 0.7, critical = 0.9 }
match_failure = 0.05

[agencies.health]
staff = 1
research_minutes = { min = 15, mode = 30, max = 60 }
holds_information = { low = 0.6, medium = 0.7, high = 0.8, critical = 0.9 }
match_failure = 0.05

[agencies.education]
staff = 1
location = "remote"
research_minutes = { min = 10, mode = 20, max = 45 }
holds_information = { low = 0.5, medium = 0.6, high = 0.7, critical = 0.8 }

[channels.co_located]
latency_hours = 0.0
loss = 0.0

[channels.remote]
latency_hours = 2.0
loss = 0.03

[policy.ask]
red = ["police", "health", "education"]
amber = ["police", "health", "education"]
green = ["health"]
"""


@dataclass(frozen=True)
class BadInput:
    id: str
    old: str  # text of SMALL_TOML to replace (occurs exactly once)
    new: str
    path: str  # the field path the report must name ("" for the file as a whole)
    message: str  # a fragment the report's message must contain

    def text(self) -> str:
        assert SMALL_TOML.count(self.old) == 1, f"{self.id}: {self.old!r} must occur exactly once"
        return SMALL_TOML.replace(self.old, self.new)

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.id}.toml"
        path.write_text(self.text())
        return path


BAD_INPUTS = [
    BadInput("toml-syntax", "\n[run]\n", "\n[run\n", "", "TOML syntax error"),
    BadInput("unknown-field", "[roles.screeners]", "[roles.screenrs]", "roles.screenrs",
             "did you mean 'screeners'"),
    BadInput("unknown-nested-field", "match_failure = 0.05\n\n[agencies.health]",
             "match_falure = 0.05\n\n[agencies.health]", "agencies.police.match_falure",
             "did you mean 'match_failure'"),
    BadInput("wrong-type", "horizon_days = 10", 'horizon_days = "ten days"', "run.horizon_days", "valid number"),
    BadInput("probability-above-one", "loss = 0.03", "loss = 1.5", "channels.remote.loss",
             "less than or equal to 1"),
    BadInput("negative-probability", "critical = 0.9 }\nmatch_failure = 0.05\n\n[agencies.health]",
             "critical = -0.9 }\nmatch_failure = 0.05\n\n[agencies.health]",
             "agencies.police.holds_information.critical", "greater than or equal to 0"),
    BadInput("negative-staff", 'staff = { value = 2, tag = "S", source = "a test source" }',
             'staff = { value = -2, tag = "S", source = "a test source" }', "roles.screeners.staff",
             "greater than or equal to 0"),
    BadInput("zero-red-deadline", "[policy.ask]", "[rag.red]\ndeadline_hours = 0\n\n[policy.ask]",
             "rag.red.deadline_hours", "greater than 0"),
    BadInput("day-profile-length", "day_profile = [1, 1, 1, 1, 1, 0, 0]", "day_profile = [1, 1, 1, 1, 1, 0]",
             "arrivals.sources.schools.day_profile", "7 values"),
    BadInput("ask-unknown-agency", 'red = ["police", "health", "education"]',
             'red = ["police", "health", "education", "fire_service"]', "policy.ask.red", "no such agency"),
    BadInput("unknown-hours-pattern", "[agencies.health]\n", '[agencies.health]\nhours = "nights"\n',
             "agencies.health.hours", "no such hours pattern"),
    BadInput("zero-staff-no-cover", "staff = 1.5\nout_of_hours_staff = 1", "staff = 0\nout_of_hours_staff = 0",
             "roles.managers.staff", "staff > 0"),
    BadInput("bad-provenance-tag", 'tag = "S", source = "a test source"', 'tag = "X", source = "a test source"',
             "roles.screeners.staff", "'S', 'D' or 'E'"),
    # what validation once let through to a traceback, a hang or a meaningless run
    BadInput("infinite-horizon", "horizon_days = 10", "horizon_days = inf", "run.horizon_days", "finite number"),
    BadInput("millennia-horizon", "horizon_days = 10", "horizon_days = 1e9", "run.horizon_days",
             "at most 3,650 days"),
    BadInput("staff-true", "staff = 2\nout_of_hours_staff = 1\ntask_minutes = { min = 5",
             "staff = true\nout_of_hours_staff = 1\ntask_minutes = { min = 5", "roles.contact_officers.staff",
             "valid number"),
    BadInput("seed-beyond-64-bits", "seed = 7", "seed = 18446744073709551616", "run.seed", "64-bit"),
    BadInput("start-date-past-9999", "\n[run]\n", "\n[calendar]\nstart_date = 9999-12-01\n\n[run]\n",
             "calendar.start_date", "9999-12-31"),
    BadInput("lognormal-infinite-sd", "research_minutes = { min = 10, mode = 20, max = 45 }",
             'research_minutes = { dist = "lognormal", mean = 20, sd = inf }',
             "agencies.education.research_minutes.sd", "finite number"),
    BadInput("surge-of-a-trillion", "[policy.ask]",
             '[[injects]]\nkind = "surge"\nstart_day = 3\nhours = 10\nfactor = 1e12\n\n[policy.ask]',
             "injects[0].factor", "at most 100 times"),
]
