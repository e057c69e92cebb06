"""Gaussian-process emulators of the targets' model figures over the parameter space (scikit-learn).

One GP per target, fitted to the mean figure of each design point run so far, parameters scaled
to the unit cube.  Each point's nugget is the variance of its mean over replications (the
simulator's own noise, estimated from the replications), so the emulator smooths the noise
instead of interpolating it, and its predictive variance is that of the expected figure.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

NUGGET_FLOOR = 1e-8  # relative to the figure's variance: keeps the kernel matrix invertible
RESTARTS = 2  # optimiser restarts of the kernel's hyperparameters (from seeded starting points)


def _regressor(dimensions: int, nuggets: np.ndarray, seed: int):
    try:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel
    except ImportError:
        raise ImportError("mashsim calibrate needs scikit-learn: pip install 'mashsim[calibrate]'") from None
    # one length scale per parameter: a parameter the figure hardly depends on gets a long one
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF([0.3] * dimensions, (1e-2, 1e2))
    return GaussianProcessRegressor(kernel, alpha=nuggets, normalize_y=True, n_restarts_optimizer=RESTARTS,
                                    random_state=seed)


@dataclass
class Emulator:
    """Emulators of every target's figure; ``predict`` gives the expected figure and its variance."""

    models: list  # one fitted regressor per target (None where the target has no defined runs)
    sim_variance: np.ndarray  # per target: the typical variance of one point's mean (for points not run)

    @classmethod
    def fit(cls, unit_points: np.ndarray, means: np.ndarray, variances: np.ndarray, seed: int) -> "Emulator":
        """Fit to ``means`` (points x targets) at ``unit_points`` (points x parameters, in [0, 1])."""
        models = []
        sim_variance = np.full(means.shape[1], np.nan)
        for t in range(means.shape[1]):
            ok = np.isfinite(means[:, t]) & np.isfinite(variances[:, t])
            if ok.sum() < 2:
                models.append(None)
                continue
            y, var = means[ok, t], variances[ok, t]
            scale = float(np.var(y)) or 1.0  # normalize_y divides y by its sd, so the nugget by its variance
            regressor = _regressor(unit_points.shape[1], var / scale + NUGGET_FLOOR, seed)
            with warnings.catch_warnings():  # a length scale at its bound is reported, not an error
                warnings.simplefilter("ignore")
                regressor.fit(unit_points[ok], y)
            models.append(regressor)
            sim_variance[t] = float(np.median(var))
        return cls(models, sim_variance)

    def predict(self, unit_points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected figure and emulator variance (points x targets); NaN for a target not emulated."""
        n = unit_points.shape[0]
        mean = np.full((n, len(self.models)), np.nan)
        variance = np.full((n, len(self.models)), np.nan)
        for t, model in enumerate(self.models):
            if model is None:
                continue
            m, sd = model.predict(unit_points, return_std=True)
            mean[:, t], variance[:, t] = m, np.square(sd)
        return mean, variance
