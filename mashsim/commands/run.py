"""``mashsim run``: replications of one scenario, printed with 95% CIs (or as JSON / files)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mashsim.commands.common import (EXIT_OK, Progress, add_scenario_arguments, load, positive_int,
                                     replications_option, seed_option, stop_on_sigterm)
from mashsim.commands.ensemble_options import add_ensemble_arguments, wanted

NAME = "run"
HELP = "run replications and print the metrics with 95%% CIs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument("-r", "--replications", type=replications_option,
                        help="number of replications (default: scenario's run.replications; with --ensemble, "
                             "per member)")
    parser.add_argument("--seed", type=seed_option, help="base seed (default: scenario's run.seed)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="processes to use (default: every core); results do not depend on it")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout and nothing else")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write summary.json, scenario.json, replications.parquet and per-contact records.parquet")
    parser.add_argument("--page", type=Path, metavar="FILE",
                        help="also write the run as one HTML page for a debrief: set-up in words (the --set "
                             "changes, the injected events), headline figures with CIs, charts; as the dashboard's "
                             "Download page")
    add_ensemble_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from mashsim.experiment import run_replications
    from mashsim.report.files import check_results_folder, write_results
    from mashsim.report.terminal import console as Console  # markup off: user text shown as it is
    from mashsim.report.table import print_summary

    scenario = load(args)
    if args.out is not None:
        check_results_folder(args.out)  # before the run; nothing is made until the results are whole
    if args.page is not None:
        _check_page(args)
    err = Console(stderr=True)
    ensemble = _ensemble(args, scenario, err) if wanted(args) else None
    n = ensemble.total if ensemble else args.replications or scenario.run.replications
    progress_bar = Progress(err, n) if not args.json and err.is_terminal else None
    with stop_on_sigterm():  # a job manager's stop ends the run as Ctrl-C does: nothing half-written
        try:
            progress = progress_bar.update if progress_bar else None
            if ensemble:
                result = ensemble.run(workers=args.workers, record=args.out is not None, progress=progress)
            else:
                result = run_replications(scenario, args.replications, args.seed, workers=args.workers,
                                          record=args.out is not None or args.page is not None,
                                          series=args.page is not None, progress=progress)
        finally:
            if progress_bar:
                progress_bar.stop()
        if args.out is not None:
            written = write_results(result, args.out)
        if args.page is not None:
            _write_page(args, result)
    if args.out is not None and not args.json:
        err.print(f"wrote {', '.join(str(p) for p in written)}")
    if args.page is not None and not args.json:
        err.print(f"wrote {args.page}")
    if args.json:
        print(json.dumps(result.to_dict()))
    elif ensemble:
        from mashsim.report.ensemble_table import ensemble_table

        Console().print(ensemble_table(result))
    else:
        print_summary(result, Console())  # the summary, then the table by concern
    return EXIT_OK


def _ensemble(args: argparse.Namespace, scenario, err):
    """The ensemble run asked for, checked before anything runs (its warnings shown unless --json)."""
    from mashsim.commands.ensemble_options import EnsembleRun
    from mashsim.scenario import load_scenario

    seed = scenario.run.seed if args.seed is None else args.seed
    run = EnsembleRun.prepare(args, scenario, seed,
                              lambda pairs: load_scenario(args.scenario, [*args.overrides, *pairs]))
    if not args.json:
        for warning in run.choice.warnings:
            err.print(f"warning: {warning}", highlight=False)
    return run


def _check_page(args: argparse.Namespace) -> None:
    """Refuse ``--page`` before the run: with an ensemble (the page is of a plain run), or a file that
    could not be written."""
    from mashsim.atomic import check_output_file
    from mashsim.scenario import Problem, ScenarioError

    if wanted(args):
        raise ScenarioError([Problem("--page", "writes the page of a plain run: leave out the ensemble options, "
                                               "or leave out --page", str(args.page))], "--page")
    check_output_file(args.page, "--page", "give a file name, e.g. run.html")


def _write_page(args: argparse.Namespace, result) -> None:
    """The run's page (as the dashboard's Download page), its set-up changes being the --set overrides."""
    from mashsim.app.kpis import scenario_changes
    from mashsim.atomic import atomic_write, writing
    from mashsim.scenario import load_scenario
    from mashsim.report.run_page import run_page

    changes = scenario_changes(load_scenario(args.scenario), result.scenario) if args.overrides else []
    page = run_page(result, changes=changes)
    with writing(args.page, "--page"):
        atomic_write(args.page, lambda path: path.write_text(page, encoding="utf-8"))
