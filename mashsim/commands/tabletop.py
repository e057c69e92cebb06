"""``mashsim tabletop``: replay a team's decisions on a tabletop exercise and score them.

The decisions file is a session's export (JSON, as a tabletop app saves it) or a
bare decision log: a list of ``{"at": HOURS, "decision": {"kind": ...}}``. The
score is against the hidden true risks and the baseline (the same week with no
decisions), with what each decision changed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mashsim.commands.common import EXIT_OK, add_scenario_arguments, load, seed_option
from mashsim.scenario import Problem, ScenarioError

NAME = "tabletop"
HELP = "replay a team's decisions on a tabletop exercise and score them"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument("--decisions", type=Path, metavar="FILE",
                        help="the team's decisions (a session export or a decision log, JSON); "
                             "default none: the baseline")
    parser.add_argument("--seed", type=seed_option, help="base seed (default: the export's, else run.seed)")
    parser.add_argument("--json", action="store_true", help="print the score and the account as one JSON object")


def run(args: argparse.Namespace) -> int:
    from mashsim.tabletop import DecisionError, Session
    from mashsim.tabletop.session import parse_log

    scenario = load(args)
    where = str(args.decisions or args.scenario)
    data: object = []
    if args.decisions is not None:
        try:
            data = json.loads(args.decisions.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ScenarioError([Problem("", f"not JSON: {error}")], where) from None
    seed = args.seed
    try:
        if isinstance(data, dict) and "format" in data:
            if seed is not None:
                data = {**data, "seed": seed}
            session = Session.from_export(data, scenario)
        else:
            log = parse_log(data.get("decisions", []) if isinstance(data, dict) else data)
            session = Session.replay(scenario, scenario.run.seed if seed is None else seed, log)
    except DecisionError as error:
        path, _, message = str(error).partition(": ")
        if not message or " " in path:
            path, message = "", str(error)
        raise ScenarioError([Problem(path, message)], where) from None
    score, effects = session.score(), session.account()
    if args.json:
        print(json.dumps({"score": score.to_dict(), "account": [
            {"at_hours": e.at, "when": e.when, "decision": e.decision, "change": e.change, "in_time": e.in_time,
             "signals": e.signals, "sentence": e.sentence()} for e in effects]}))
        return EXIT_OK
    print(f"{score.scenario} (hash {score.scenario_hash}), seed {score.seed}, mashsim {score.version}: "
          f"{score.decisions} decisions, {score.children} children, {score.high_risk} at high or critical risk")
    print(f"{'measure':<22}{'team':>10}{'baseline':>10}{'better by':>11}")
    for name, better in score.against_baseline.items():
        print(f"{name:<22}{score.team_measures[name]:>10,.0f}{score.baseline[name]:>10,.0f}{better:>11,.0f}")
    if any(score.screening.values()):
        print("the team's own screening: " + ", ".join(f"{n} {k}" for k, n in score.screening.items()))
    for effect in effects:
        print(f"- {effect.sentence()}")
    return EXIT_OK
