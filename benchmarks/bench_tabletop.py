"""Benchmark: a classroom of tabletop teams stepping at once, as a served app would hold them.

    .venv/bin/python benchmarks/bench_tabletop.py [--teams 10] [--exercise exercise-london-pooled-research]

Each team is a :class:`mashsim.tabletop.Session` in one server process (a served
app holds every participant's session in one process and answers each in its
own thread). All teams press "step" together, hour after hour through the
week, each taking a decision at every stop; a step's time is measured from the
moment all teams press to the moment that team's step returns (so it includes
waiting for the others: the interpreter runs one thread at a time). Then every
team asks for its score and its per-decision account at once. Prints the
median, 95th percentile and worst step, and the score times.

With ``--replays N`` the teams' replays are played as a served room plays them
(:mod:`mashsim.tabletop.replays`): each started in one of N worker processes as
soon as its decision is taken, so the score and account at the end wait only
for the replays still running. The steps here follow one another with no pause,
so most are still running at the end; in a class, with minutes between
releases, they are done long before the debrief: the last line gives the
account's time then.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

from mashsim import __version__, load_scenario
from mashsim.tabletop import Session
from mashsim.tabletop.replays import Replays


def _decide(session: Session, k: int) -> None:
    """A team's decision at a stop: a different one per team, so every session differs."""
    choices = [
        {"kind": "policy", "queue_discipline": "deadline", "hours": 24},
        {"kind": "policy", "decide_at_deadline": False, "hours": 12},
        {"kind": "policy", "ask": {"amber": ["police", "health"]}},
    ]
    hub = session.available()["hubs"]
    decision = dict(choices[k % len(choices)])
    if hub:
        decision["hub"] = hub[k % len(hub)]
    session.apply(decision)
    for vignette in session.vignettes(2):
        session.apply({"kind": "screen", "contact_id": vignette.contact_id, "rag": "amber", "hub": vignette.hub})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--exercise", default="exercise-london-pooled-research")
    parser.add_argument("--replays", type=int, default=0, metavar="N",
                        help="play the replays in N worker processes as decisions are taken (0: in this process, "
                             "when the score is asked for)")
    args = parser.parse_args()
    replays = Replays(args.replays) if args.replays else None
    scenario = load_scenario(args.exercise)
    start = time.perf_counter()
    sessions = [Session(scenario, team=f"team {k}") for k in range(args.teams)]
    opened = time.perf_counter() - start
    if replays is not None:
        replays.submit(sessions[0], 0)  # the baseline, as a room's first team starts it
    steps: list[float] = []
    lock = threading.Lock()

    def press(k: int, pressed: float) -> None:
        session = sessions[k]
        stop = session.step()
        if stop is not None and not session.finished:
            before = len(session.log)
            _decide(session, k)
            if replays is not None:
                for logged in range(before + 1, len(session.log) + 1):
                    replays.submit(session, logged)
        took = time.perf_counter() - pressed
        with lock:
            steps.append(took)

    while not all(s.finished for s in sessions):
        pressed = time.perf_counter()
        threads = [threading.Thread(target=press, args=(k, pressed)) for k in range(args.teams)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    scores: list[float] = []

    def score(k: int) -> None:
        began = time.perf_counter()
        if replays is not None:
            replays.fill(sessions[k])
        sessions[k].score()
        sessions[k].account()
        with lock:
            scores.append(time.perf_counter() - began)

    began = time.perf_counter()
    threads = [threading.Thread(target=score, args=(k,)) for k in range(args.teams)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    all_scored = time.perf_counter() - began
    steps.sort()
    decisions = sum(len(s.log) for s in sessions)
    print(f"mashsim {__version__}, {args.exercise}, {args.teams} teams in one process, {os.cpu_count()} cores")
    print(f"opening {args.teams} sessions (warm-up played): {opened:.2f} s")
    print(f"steps of {sessions[0].settings.step_hours:g} h: {len(steps)}; per step median {statistics.median(steps) * 1000:.1f} ms, "
          f"95th percentile {steps[int(0.95 * len(steps))] * 1000:.1f} ms, worst {steps[-1] * 1000:.1f} ms")
    where = f"replays in {args.replays} worker processes, started as decisions were taken" if replays else \
        "replays in this process"
    print(f"score and account, all teams at once ({decisions} decisions in all, {where}): {all_scored:.2f} s "
          f"(one team's worst {max(scores):.2f} s)")
    if replays is not None:
        began = time.perf_counter()
        for session in sessions:
            session.score()
            session.account()
        print(f"score and account once every replay has finished (a class's debrief): "
              f"{time.perf_counter() - began:.2f} s")
        replays.close()


if __name__ == "__main__":
    main()
