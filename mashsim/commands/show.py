"""``mashsim show``: the resolved scenario with its evidence tags and network."""

from __future__ import annotations

import argparse
import json

from mashsim.commands.common import EXIT_OK, add_scenario_arguments, load

NAME = "show"
HELP = "the resolved scenario (defaults filled), its sources of evidence and network"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the resolved scenario as JSON")


def run(args: argparse.Namespace) -> int:
    from mashsim.report.show import print_scenario

    scenario = load(args)
    if args.json:
        print(json.dumps(scenario.model_dump(mode="json"), indent=2))
    else:
        print_scenario(scenario)
    return EXIT_OK
