"""``mashsim schema``: the JSON Schema of the scenario format."""

from __future__ import annotations

import argparse
import json

from mashsim.commands.common import EXIT_OK

NAME = "schema"
HELP = "print the JSON Schema of the scenario format"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from mashsim.scenario import Scenario

    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return EXIT_OK
