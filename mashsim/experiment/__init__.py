"""Running replications and summarising them."""

from mashsim.experiment.runner import RunResult, run_replications
from mashsim.experiment.stats import Interval, t_interval

__all__ = ["Interval", "RunResult", "run_replications", "t_interval"]
