"""The Welch plot of a warm-up study, as a PNG (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mashsim.validation.analysis import WarmupStudy


def welch_plot(study: WarmupStudy, path: Path) -> None:
    """Welch's moving average of time to decision by arrival day, and MSER-5's statistic, into ``path``."""
    from matplotlib.figure import Figure  # a bare Figure: no pyplot state, no display backend

    figure = Figure(figsize=(8.0, 5.5), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    days = study.arrival_days
    raw = study.delays.mean(axis=0)
    top.plot(days, raw, color="0.8", linewidth=0.5, label=f"mean of {study.replications} replications")
    top.plot(days[: study.smoothed.size], study.smoothed, color="C0", linewidth=1.5,
             label=f"Welch moving average (window ±{study.window} contacts)")
    top.set_ylim(0, float(np.quantile(raw, 0.995)) * 1.05)
    top.set_ylabel("hours from contact to decision")
    batches = np.arange(study.result.statistic.size) * study.result.batch_size
    bottom.plot(days[np.minimum(batches, days.size - 1)], study.result.statistic, color="C2")
    bottom.set_ylabel("MSER-5 statistic")
    bottom.set_xlabel("arrival day (the run starts empty on day 0)")
    for axes in (top, bottom):
        axes.axvline(study.recommended_days, color="C3", linestyle="--",
                     label=f"MSER-5 truncation: {study.recommended_days:g} days")
        axes.axvline(study.current_days, color="0.3", linestyle=":",
                     label=f"scenario's warm-up: {study.current_days:g} days")
    top.legend(loc="upper right", fontsize="small")
    top.set_title(f"{study.scenario}: warm-up from an empty start ({study.replications} replications, "
                  f"seed {study.seed})")
    figure.savefig(path, format="png", dpi=100, metadata={"Software": None})
