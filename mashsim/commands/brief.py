"""``mashsim brief``: a committee-ready report on a scenario, written as one HTML page (and a PDF).

Example: mashsim brief london-borough --budget 1,200,000 --out brief

Five sections: how the front door performs now (with 95% CIs); the least-cost number of screeners
and managers that meets the timescales with 95% confidence, against the budget; what one more FTE
at each desk buys in children and signals, per £100,000 a year; what the conclusions rest on
(sourced, derived, estimated and calibrated inputs); and what to measure next. Every figure is
listed in ``figures.json`` with the ``mashsim`` command that reproduces it. ``--quick`` (a short
window, few replications, a small search) is for a first look and says so on the first page.
"""

from __future__ import annotations

import argparse
import math
import re
import time
from pathlib import Path

from mashsim.commands.common import (EXIT_OK, Progress, add_scenario_arguments, engine_for, horizon_days_option, load,
                                     positive_int, replications_option, seed_option)
from mashsim.commands.ensemble_options import add_ensemble_arguments
from mashsim.scenario import Problem, ScenarioError

NAME = "brief"
HELP = "a committee-ready report (HTML, and PDF where chromium is installed) with every figure's command"

#: Days measured unless --horizon-days: a quarter (a quick brief: four weeks after one week's warm-up).
HORIZON, QUICK_HORIZON, QUICK_WARMUP = 91.0, 28.0, 7.0
REPLICATIONS, QUICK_REPLICATIONS = 10, 3
_MONEY = re.compile(r"^\s*£?\s*([0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)\s*([kKmM]?)\s*$")


def budget_option(text: str) -> float:
    """A yearly budget in pounds: ``1200000``, ``£1,200,000``, ``1.2m`` or ``900k``; 0 or more."""
    if text.strip().startswith("-"):
        raise argparse.ArgumentTypeError(f"must be 0 or more (got {text})")
    match = _MONEY.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected pounds a year, e.g. 1200000, £1,200,000, 1.2m or 900k "
                                         f"(got {text!r})")
    value = float(match.group(1).replace(",", "")) * {"": 1, "k": 1e3, "m": 1e6}[match.group(2).lower()]
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number of pounds (got {text})")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument("--budget", type=budget_option, metavar="£X",
                        help="the front door's yearly staff budget in pounds (e.g. 1.2m): section 2 says whether "
                             "the least-cost staffing fits it")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write brief.html, brief.pdf, figures.json and the charts here (default: brief-SCENARIO)")
    parser.add_argument("-r", "--replications", type=replications_option,
                        help=f"replications for section 1 (default {REPLICATIONS}, quick {QUICK_REPLICATIONS}); the "
                             "staffing search and each desk in section 3 get half as many, at least 2")
    parser.add_argument("--seed", type=seed_option, help="base seed (default: the scenario's run.seed)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="processes to use (default: every core); results do not depend on it")
    parser.add_argument("--horizon-days", type=horizon_days_option, metavar="D",
                        help=f"days measured (default {HORIZON:g}; quick {QUICK_HORIZON:g} after {QUICK_WARMUP:g} "
                             "days' warm-up)")
    parser.add_argument("--quick", action="store_true",
                        help="a first look: a short window, few replications and a small staffing search, "
                             "stated on the first page as not for decisions")
    parser.add_argument("--target", action="append", default=[], metavar="METRIC<=X",
                        help="a timescale the staffing must meet (repeatable; default: working_day_breach_rate<=0.1, "
                             "rag_breach_rate.amber<=0.05, rag_breach_rate.green<=0.05)")
    parser.add_argument("--desk", action="append", default=[], metavar="NAME",
                        help="section 3 only for this desk, e.g. police or screeners (repeatable; default: every "
                             "desk; in a scenario with hubs, the desks of the hub the brief looks at)")
    parser.add_argument("--measure", action="append", default=[], metavar="PATH",
                        help="section 5 ranks only this estimate, e.g. roles.screeners.task_minutes (repeatable; "
                             "default: every estimate; a scenario with hubs needs it, as every estimate there "
                             "is too many runs)")
    parser.add_argument("--no-pdf", action="store_true", help="do not print brief.pdf")
    add_ensemble_arguments(parser)


def settings_from(args: argparse.Namespace, seed: int):
    """The brief's settings; every problem with the options in one input error (exit 2)."""
    from mashsim.report.brief_figures import DEFAULT_TARGETS, Settings

    problems = []
    n = args.replications or (QUICK_REPLICATIONS if args.quick else REPLICATIONS)
    if args.ensemble is not None and n < 2:
        problems.append(Problem("--replications", "with --ensemble, counts replications per member: at least 2",
                                n))
    if args.members is not None and args.ensemble is None:
        problems.append(Problem("--members", "counts ensemble members: give --ensemble FILE as well", args.members))
    if problems:
        raise ScenarioError(problems, "mashsim brief")
    half = max(2, math.ceil(n / 2))
    horizon = args.horizon_days or (QUICK_HORIZON if args.quick else HORIZON)
    overrides = [f"run.horizon_days={horizon:g}"] + ([f"run.warmup_days={QUICK_WARMUP:g}"] if args.quick else [])
    return Settings(args.scenario, seed, n, half, half, 2 * half, tuple([*overrides, *args.overrides]), horizon,
                    QUICK_WARMUP if args.quick else None, args.quick, args.budget,
                    None if args.ensemble is None else str(args.ensemble), args.members,
                    tuple(args.target) or DEFAULT_TARGETS, tuple(args.desk), tuple(args.measure))


def _check(settings, base) -> None:
    """``--target`` and ``--desk`` against the scenario; every problem in one input error (exit 2)."""
    from mashsim.experiment.marginal import desks
    from mashsim.experiment.targets import parse_target
    from mashsim.metrics.names import metric_names
    from mashsim.report.brief_fte import desk_name

    known, problems = metric_names(base), []
    for text in settings.targets:
        try:
            parse_target(text, known)
        except ScenarioError as error:
            problems += error.problems
    names = list(dict.fromkeys(desk_name(d) for d in desks(base) if not d.path.startswith("pools.")))
    problems += [Problem("--desk", f"not a staffed desk of the scenario; allowed: {', '.join(names)}", name)
                 for name in settings.desks if name not in names]
    if problems:
        raise ScenarioError(problems, "mashsim brief")


def run(args: argparse.Namespace) -> int:
    from mashsim.atomic import check_output_folder
    from mashsim.report.brief import PAGE, is_brief_file, make_brief, write_brief
    from mashsim.report.terminal import console as Console
    from mashsim.scenario import load_scenario

    scenario = load(args)  # an unknown scenario or a bad --set: exit 2 before anything runs
    seed = scenario.run.seed if args.seed is None else args.seed
    settings = settings_from(args, seed)
    out = args.out if args.out is not None else Path(f"brief-{scenario.name}")
    check_output_folder(out, is_brief_file)  # before the work; nothing is made until the brief is whole
    base = load_scenario(args.scenario, list(settings.overrides))
    _check(settings, base)
    err = Console(stderr=True)
    bar = Progress(err, 1, "the front door now") if err.is_terminal else None
    started = time.monotonic()
    with engine_for("local", args.workers, bar) as engine:
        brief = make_brief(settings, base, executor=None if engine.name == "serial" else engine.executor,
                           slots=engine.slots, tick=(lambda what, done, total: bar.update(done, total, what))
                           if bar else None)
        written, note = write_brief(brief, out, pdf=not args.no_pdf)
    err.print(f"wrote {out / PAGE} and {len(written) - 1} more file(s) in {out} "
              f"({time.monotonic() - started:,.0f} s)")
    if note:
        err.print(f"note: {note}")
    return EXIT_OK
