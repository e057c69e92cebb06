"""mashsim: a discrete-event simulator of a UK Multi-Agency Safeguarding Hub (MASH).

The Python API, also used by the command line::

    import mashsim
    scenario = mashsim.load_scenario("london-borough", ["roles.screeners.staff=4"])
    result = mashsim.run_replications(scenario, replications=10, seed=42)
    result.summary()["missed_signal_rate"]      # Interval(mean, ci_low, ci_high, n)
    result.frame()                              # per-replication metrics, a pandas DataFrame
"""

from mashsim._version import __version__
from mashsim.experiment import Interval, RunResult, run_replications
from mashsim.replication import ReplicationResult, simulate
from mashsim.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "Interval",
    "ReplicationResult",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run_replications",
    "simulate",
]
