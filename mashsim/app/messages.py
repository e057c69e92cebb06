"""Showing the library's messages in the page: problem reports and plain text where Streamlit reads markdown."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mashsim.app.words import event_paths
from mashsim.report.markdown import plain
from mashsim.scenario import ScenarioError


def show_problems(error: ScenarioError, where: Any = st) -> None:
    """The library's problem report: the file, then each field with what is allowed (an event by its
    number in the page's list)."""
    problems = "\n".join(f"- {plain(event_paths(str(p)))}" for p in error.problems)
    where.error(f"**{plain(error.source)}**: {len(error.problems)} problem(s)\n\n{problems}")
