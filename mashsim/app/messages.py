"""Showing the library's messages in the page: problem reports and plain text where Streamlit reads markdown."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from mashsim.app.words import event_paths
from mashsim.scenario import ScenarioError

_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+!|$~])")


def plain(text: str) -> str:
    """Text shown as it is where Streamlit reads markdown (field names hold underscores)."""
    return _MARKDOWN.sub(r"\\\1", text)


def show_problems(error: ScenarioError, where: Any = st) -> None:
    """The library's problem report: the file, then each field with what is allowed (an event by its
    number in the page's list)."""
    problems = "\n".join(f"- {plain(event_paths(str(p)))}" for p in error.problems)
    where.error(f"**{plain(error.source)}**: {len(error.problems)} problem(s)\n\n{problems}")
