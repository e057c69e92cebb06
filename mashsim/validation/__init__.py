"""Is the model right? Verification against queueing theory, an independent simulator (Ciw) and extreme
values; validation of the default scenario against published figures; warm-up and replications analysis.

Modules, each with one job:

* :mod:`~mashsim.validation.theory` -- closed forms (Erlang C, Jackson tandem, Pollaczek-Khinchine);
* :mod:`~mashsim.validation.configs` -- the real scenario format cut down to textbook queues;
* :mod:`~mashsim.validation.equivalence` -- equivalence tests with a stated tolerance, their power and
  pass chance, and run sizing;
* :mod:`~mashsim.validation.checks` -- a check and its verdict;
* :mod:`~mashsim.validation.queueing`, :mod:`~mashsim.validation.little`,
  :mod:`~mashsim.validation.ciw_compare`, :mod:`~mashsim.validation.extremes` -- the families of checks;
* :mod:`~mashsim.validation.calibration` -- the default scenario against published figures;
* :mod:`~mashsim.validation.analysis` -- warm-up (MSER-5, Welch) and replications needed (Hoad et al.);
* :mod:`~mashsim.validation.suite` -- what a full or fast run does; :mod:`~mashsim.validation.document`
  and :mod:`~mashsim.validation.table` -- its outputs.

``mashsim check-model`` runs it all.
"""

from mashsim.validation.checks import Check
from mashsim.validation.suite import Options, Report, run_all

__all__ = ["Check", "Options", "Report", "run_all"]
