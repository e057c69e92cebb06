"""History matching: calibrating a scenario's estimates to published figures, wave by wave.

The pieces, one job each: :mod:`~mashsim.history_matching.targets` (the target table format),
:mod:`~mashsim.history_matching.expressions` (a target's model figure), :mod:`~.problem` (the
problem resolved against the scenario, and each wave's sweep plan), :mod:`~.emulator` (Gaussian
processes, scikit-learn), :mod:`~.region` (implausibility and the region kept), :mod:`~.waves`
(the loop, on the sweep engines), :mod:`~.outputs`, :mod:`~.summary` and :mod:`~.plots`.

Not to be confused with :mod:`mashsim.validation.calibration`, the table of the default
scenario against published figures that ``check-model`` prints (it reads the same target table,
the shipped ``calibration/targets.toml``, through :mod:`~mashsim.history_matching.targets`).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Callable

from mashsim.experiment.engines import Engine
from mashsim.experiment.runner import run_batch
from mashsim.experiment.store import EXPERIMENT_FILE
from mashsim.history_matching.problem import WAVE_FOLDER, Calibration, prepare
from mashsim.history_matching.waves import Outcome, WaveProgress, history_match

__all__ = ["Calibration", "Outcome", "calibrate", "prepare"]


def calibrate(calibration: Calibration, out: Path, engine: Engine, *, resume: bool = False, force: bool = False,
              progress: WaveProgress | None = None, plots: bool = True,
              task: Callable[..., list] = run_batch) -> tuple[Outcome, dict[str, Any] | None]:
    """Run the waves into ``out`` and write the ensemble, summary and plots (not when interrupted).

    Returns the outcome and the JSON summary (None when interrupted)."""
    from mashsim.history_matching.outputs import write_all

    started = time.perf_counter()
    outcome = history_match(calibration, Path(out), engine, resume=resume, force=force, progress=progress, task=task)
    outcome.seconds = time.perf_counter() - started
    if outcome.stop == "interrupted":
        return outcome, None
    _drop_stale_waves(Path(out), len(outcome.waves))
    info = write_all(Path(out), calibration, outcome)
    if plots:
        from mashsim.history_matching.plots import draw_waves

        draw_waves(Path(out), calibration, outcome)
    return outcome, info


def _drop_stale_waves(out: Path, last: int) -> None:
    """Waves beyond the last one run belong to an earlier calibration in this folder: their results go."""
    number = last + 1
    while (folder := out / WAVE_FOLDER.format(number)).is_dir() and (folder / EXPERIMENT_FILE).exists():
        shutil.rmtree(folder)
        number += 1
