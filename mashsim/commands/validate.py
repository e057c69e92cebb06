"""``mashsim validate``: exit 0 with a one-line summary, or 2 with every problem listed."""

from __future__ import annotations

import argparse
import sys

from mashsim.commands.common import EXIT_OK, add_scenario_arguments, load

NAME = "validate"
HELP = "check a scenario: exit 0, or 2 with the problems listed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from mashsim.model.network import build_network, check_network
    from mashsim.scenario import scenario_hash
    from mashsim.scenario.checks import inject_warnings

    scenario = load(args)
    for warning in [*check_network(build_network(scenario)), *inject_warnings(scenario)]:
        print(f"{args.scenario}: warning: {warning}", file=sys.stderr)
    print(f"{args.scenario}: ok ({scenario.name}, {len(scenario.arrivals.sources)} sources, "
          f"{len(scenario.agencies)} agencies, hash {scenario_hash(scenario)})")
    return EXIT_OK
