"""mashsim: a discrete-event simulator of a UK Multi-Agency Safeguarding Hub (MASH).

The Python API, also used by the command line::

    import mashsim
    scenario = mashsim.load_scenario("london-borough", ["roles.screeners.staff=4"])
    result = mashsim.run_replications(scenario, replications=10, seed=42)
    result.summary()["all_signals_missed_rate"]      # Interval(mean, ci_low, ci_high, n)
    result.frame()                              # per-replication metrics, a pandas DataFrame

``mashsim.CORE`` says whether the model core runs as pure Python or compiled (``make fast``).
"""

from mashsim import compiled

# before anything imports the model: a compiled core older than its sources must not be used
CORE = compiled.activate()

from mashsim._version import __version__  # noqa: E402
from mashsim.experiment import Interval, RunResult, run_replications  # noqa: E402
from mashsim.replication import ReplicationResult, simulate  # noqa: E402
from mashsim.scenario import Scenario, ScenarioError, load_scenario  # noqa: E402

__all__ = [
    "CORE",
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
