"""Each wave's picture: its points over every pair of parameters, coloured by implausibility,
with the candidates still non-implausible behind them (matplotlib, drawn off-screen)."""

from __future__ import annotations

import itertools
from pathlib import Path

from mashsim.atomic import atomic_write
from mashsim.history_matching.problem import Calibration
from mashsim.history_matching.waves import Outcome

PLOTS_FOLDER = "plots"
FLOOR = 1e-5  # the log scale's bottom


def _scaled(parameter, unit):
    return parameter.low + unit * (parameter.high - parameter.low)


def draw_waves(out: Path, calibration: Calibration, outcome: Outcome) -> list[Path]:
    """``plots/wave-<k>.png`` for each wave and ``plots/region.png`` (share of space kept); the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = out / PLOTS_FOLDER
    parameters = calibration.parameters
    pairs = list(itertools.combinations(range(len(parameters)), 2)) or [(0, 0)]
    written = []
    region = outcome.region
    for wave in outcome.waves:
        figure, axes = plt.subplots(1, len(pairs), figsize=(4.5 * len(pairs), 4), squeeze=False)
        for ax, (a, b) in zip(axes[0], pairs):
            if region is not None and len(region.masks) >= wave.number and a != b:
                kept = region.candidates[region.masks[wave.number - 1]]  # the region this wave left
                ax.scatter(_scaled(parameters[a], kept[:, a]), _scaled(parameters[b], kept[:, b]), s=2, c="0.85",
                           rasterized=True)
                ax.set_ylim(parameters[b].low, parameters[b].high)
            ax.set_xlim(parameters[a].low, parameters[a].high)
            y = wave.values[:, b] if a != b else wave.judged
            dots = ax.scatter(wave.values[:, a], y, c=wave.judged.clip(max=2 * calibration.settings.cutoff),
                              cmap="viridis_r", s=25, edgecolors="k", linewidths=0.3)
            ax.set_xlabel(parameters[a].path)
            ax.set_ylabel(parameters[b].path if a != b else "implausibility")
            figure.colorbar(dots, ax=ax, label="implausibility (runs)")
        figure.suptitle(f"wave {wave.number}: {int(wave.non_implausible.sum())} of {len(wave.values)} points "
                        f"non-implausible by their runs; grey: the region left, {wave.share_after:.1%} of the space")
        figure.tight_layout()
        path = folder / f"wave-{wave.number}.png"
        atomic_write(path, lambda p, f=figure: f.savefig(p, format="png", dpi=90))
        plt.close(figure)
        written.append(path)
    figure, ax = plt.subplots(figsize=(5, 3.5))
    shares = [max(w.share_after, FLOOR) for w in outcome.waves]  # an empty region drawn at the floor
    ax.plot([0] + [w.number for w in outcome.waves], [1.0] + shares, marker="o")
    ax.set_xlabel("wave")
    ax.set_ylabel("share of the parameter space non-implausible")
    ax.set_yscale("log")
    figure.tight_layout()
    path = folder / "region.png"
    atomic_write(path, lambda p: figure.savefig(p, format="png", dpi=90))
    plt.close(figure)
    return written + [path]
