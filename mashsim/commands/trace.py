"""``mashsim trace``: follow one child's contact through one replication, step by step.

Prints the case's timeline as markdown (clock times and weekdays from the scenario calendar),
or its events as JSON; ``--markdown FILE`` writes the markdown for a debrief handout.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mashsim.commands.common import (EXIT_OK, add_scenario_arguments, load, non_negative_int, replication_option,
                                     seed_option)
from mashsim.scenario import Problem, ScenarioError

NAME = "trace"
HELP = "the timeline of one case (a contact) in one replication"
PICK_CHOICES = ("red-missed", "breach", "random")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument("--seed", type=seed_option, help="base seed (default: scenario's run.seed)")
    parser.add_argument("--replication", type=replication_option, default=0, metavar="R",
                        help="which replication of that seed (default 0), as numbered by `mashsim run`")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", type=non_negative_int, metavar="ID", help="the case (contact) id")
    which.add_argument("--pick", choices=PICK_CHOICES,
                       help="pick a case: a Red case with a missed signal, a RAG deadline breach, or any case "
                            "(the same one each time for the same seed and replication)")
    parser.add_argument("--json", action="store_true", help="print the case and its events as one JSON object")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="write the markdown timeline to FILE")


def run(args: argparse.Namespace) -> int:
    import sys

    import numpy as np

    from mashsim.atomic import atomic_write, check_output_file, writing
    from mashsim.report.trace_text import to_markdown
    from mashsim.trace import CaseNotFound, trace_run

    scenario = load(args)
    if args.markdown is not None:
        check_output_file(args.markdown, "--markdown")  # before the run, not after it
    seed = scenario.run.seed if args.seed is None else args.seed
    traced = trace_run(scenario, seed, args.replication)
    try:
        if args.case is not None:
            case_id = args.case
            traced.case(case_id)
        else:
            case_id = traced.pick(args.pick, np.random.default_rng([seed, args.replication]))
    except CaseNotFound as error:
        option = "--case" if args.case is not None else "--pick"
        raise ScenarioError([Problem(option, str(error))], f"mashsim trace {args.scenario}") from None
    text = to_markdown(traced, case_id)
    if args.markdown is not None:
        with writing(args.markdown, "--markdown"):
            atomic_write(args.markdown, lambda p: p.write_text(text, encoding="utf-8"))
        if not args.json:
            print(f"wrote {args.markdown} (case {case_id})", file=sys.stderr)
    if args.json:
        print(json.dumps(traced.to_dict(case_id)))
    elif args.markdown is None:
        print(text, end="")
    return EXIT_OK
