"""Text from a user's files shown as written where markdown is read (a case trace, the dashboard).

A name such as ``police_*east*`` or ``<b>`` would otherwise be drawn as emphasis or HTML, and a line
break could start a heading, a list or a table row of its own.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|$~])")  # markdown's, and Streamlit's $ (LaTeX) and ~


def plain(text: object) -> str:
    """``text`` with every markdown character escaped and its line breaks made spaces."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).splitlines()))
