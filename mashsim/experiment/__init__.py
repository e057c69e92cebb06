"""Running replications and summarising them: CIs, warm-up detection, replications needed."""

from mashsim.experiment.precision import PrecisionResult, precision_after, replications_needed
from mashsim.experiment.runner import RunResult, run_replications
from mashsim.experiment.stats import Interval, t_interval, welch_interval
from mashsim.experiment.warmup import MserResult, mser, recommend_warmup, welch

__all__ = [
    "Interval",
    "MserResult",
    "PrecisionResult",
    "RunResult",
    "mser",
    "precision_after",
    "recommend_warmup",
    "replications_needed",
    "run_replications",
    "t_interval",
    "welch_interval",
    "welch",
]
