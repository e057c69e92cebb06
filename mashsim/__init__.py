"""mashsim: a discrete-event simulator of a UK Multi-Agency Safeguarding Hub (MASH).

The Python API, also used by the command line::

    import mashsim
    scenario = mashsim.load_scenario("london-borough", ["roles.screeners.staff=4"])
    result = mashsim.run_replications(scenario, replications=10, seed=42)
    result.summary()["missed_signal_rate"]      # Interval(mean, ci_low, ci_high, n)
    result.frame()                              # per-replication metrics, a pandas DataFrame
"""

__version__ = "0.1.0"

from mashsim.experiment import Interval, RunResult, run_replications  # noqa: E402
from mashsim.replication import ReplicationResult, simulate  # noqa: E402
from mashsim.scenario import Scenario, ScenarioError, load_scenario  # noqa: E402

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
