"""``--help`` as plain text: the commands' descriptions are their module docstrings, written in
reST for the API documentation (``literals``, :mod:`roles`); a terminal shows them without markup."""

from __future__ import annotations

import argparse
import re
import textwrap

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`([^`]*)`")  # :class:`Name`, :py:mod:`pkg.mod`
_LITERAL = re.compile(r"``(.+?)``", re.S)
_INTERPRETED = re.compile(r"(?<![\w`])`([^`\n]+?)`(?:_{1,2})?(?![\w`])")
_STRONG = re.compile(r"\*\*(.+?)\*\*", re.S)


def plain(text: str) -> str:
    """``text`` without reST inline markup: literals, roles, interpreted text, strong emphasis."""
    text = _ROLE.sub(_role, text)
    text = _LITERAL.sub(r"\1", text)
    text = _INTERPRETED.sub(r"\1", text)
    text = _STRONG.sub(r"\1", text)
    return re.sub(r"::(\s*\n)", r":\1", text)  # a literal block's marker


def _role(match: re.Match) -> str:
    text = match.group(1)
    titled = re.fullmatch(r"(.*?)\s*<[^>]*>", text, re.S)  # :role:`shown text <target>`
    if titled:
        return titled.group(1)
    # ~ asks for the last part of the dotted name only, as Sphinx shows it
    return text[1:].rsplit(".", 1)[-1] if text.startswith("~") else text


class PlainHelpFormatter(argparse.HelpFormatter):
    """argparse's formatter reading descriptions and help as plain text, paragraphs kept apart and
    never broken at a hyphen (``london-borough``, ``--set`` stay whole, as they must be typed)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = re.split(r"\n\s*\n", plain(text).strip())
        return "\n\n".join(textwrap.fill(" ".join(p.split()), width, initial_indent=indent,
                                         subsequent_indent=indent, **_WRAP) for p in paragraphs)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(plain(text).split()), width, **_WRAP)


_WRAP = {"break_on_hyphens": False, "break_long_words": False}
