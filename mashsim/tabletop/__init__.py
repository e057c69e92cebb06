"""Tabletop exercises: teams take the decisions at pauses, the model plays the week and scores them.

The core a classroom app puts a face on (it imports no user interface):
:class:`Session` (one team's play: steps, stops, queues, decisions, vignettes,
score, export and replay), the decisions (:mod:`.decisions`) and the scoring
(:mod:`.scoring`).  See docs/how-to.md, "Run a tabletop exercise".
"""

from mashsim.tabletop.decisions import Decision, LoggedDecision, parse_decision
from mashsim.tabletop.live import DecisionError
from mashsim.tabletop.session import Session, Stop, play

__all__ = ["Decision", "DecisionError", "LoggedDecision", "Session", "Stop", "parse_decision", "play"]
