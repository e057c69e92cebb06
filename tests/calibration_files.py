"""A calibration problem with a known answer, written as files: an M/M/3 desk (the queueing-theory
configuration of the real model) whose service mean is tagged E, and a targets file matching
Erlang C's mean wait at the true service mean (see tests/test_history_matching.py)."""

from __future__ import annotations

from pathlib import Path

from mashsim.scenario.toml_write import to_toml
from mashsim.validation.configs import single_desk_raw
from mashsim.validation.theory import erlang_c

LAMBDA, SERVERS, TRUE_MINUTES = 2.0, 3, 60.0
PATH = "agencies.desk.research_minutes.mean"


def desk_files(folder: Path, *, wq: float | None = None, extra: str = "", parameters: str = "") -> tuple[Path, Path]:
    raw = single_desk_raw(LAMBDA, {"dist": "exponential", "mean": TRUE_MINUTES}, SERVERS, 20.0, 2.0)
    raw["agencies"]["desk"]["research_minutes"] = {"value": raw["agencies"]["desk"]["research_minutes"],
                                                   "tag": "E"}
    raw["run"].update({"seed": 7, "replications": 3})
    scenario = folder / "desk.toml"
    scenario.write_text(to_toml(raw))
    wq = erlang_c(LAMBDA, 60.0 / TRUE_MINUTES, SERVERS).wq if wq is None else wq
    targets = folder / "targets.toml"
    targets.write_text(f'''
scenario = "desk.toml"
[calibrate]
waves = 3
points = 8
replications = 3
candidates = 2000
[parameters]
"{PATH}" = [30, 80]
{parameters}
[[targets]]
name = "wq"
metric = "wait_hours.by_role.desk"
value = {wq}
sd = {0.05 * wq}
unit = "hours"
source = "Erlang C at the true service rate"
date = "1917"
use = "calibrate"
{extra}
''')
    return scenario, targets


