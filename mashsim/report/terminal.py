"""Terminal output in which text from a user's files is shown as it is, never read as markup.

A scenario's name, description or provenance source, a factor's value or an experiment's name may
hold ``[/x]`` (which rich reads as a closing tag, and fails on) or ``:smile:`` (an emoji code).
Two pieces keep all of it literal, whatever prints it:

- :func:`console` makes every console mashsim prints through, with markup and emoji codes off, so
  any ``str`` printed is printed as it is;
- :class:`PlainTable` turns every ``str`` given as a title, caption, header or cell into a
  :class:`~rich.text.Text`, so a table shows its text as it is on any console (a library user's
  own ``Console()`` too).

Styling that mashsim means (a bold heading, a dim interval) is therefore built as ``Text`` with a
style (:func:`styled`, ``Text.assemble``), never written as markup in a string.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

__all__ = ["PlainTable", "console", "literal", "printer", "styled"]


def console(stderr: bool = False, **options: Any) -> Console:
    """A console that prints ``str`` as it is: no markup, no emoji codes."""
    return Console(stderr=stderr, markup=False, emoji=False, **options)


def printer(console: Console) -> Callable[..., None]:
    """``console.print`` with markup and emoji codes off, whatever console the caller gave."""
    return partial(console.print, markup=False, emoji=False)


def literal(value: RenderableType | None, style: str = "") -> Any:
    """``value`` as text shown as it is when it is a ``str``; other renderables (``Text``, tables) as given."""
    return Text(value, style=style) if isinstance(value, str) else value


def styled(text: str, style: str) -> Text:
    """Text in a style of mashsim's choosing (``"bold"``, ``"dim"``, ``"yellow"``)."""
    return Text(text, style=style)


class PlainTable(Table):
    """A rich table whose ``str`` title, caption, headers and cells are shown as they are."""

    def __init__(self, *headers: Any, title: Any = None, caption: Any = None, **options: Any) -> None:
        # rich styles a str title or caption itself but shows a Text as it is: give the Text that style
        super().__init__(*map(literal, headers),
                         title=literal(title, options.get("title_style") or "table.title"),
                         caption=literal(caption, options.get("caption_style") or "table.caption"), **options)

    def add_column(self, header: Any = "", *args: Any, **options: Any) -> None:
        super().add_column(literal(header), *args, **options)

    def add_row(self, *cells: Any, **options: Any) -> None:
        super().add_row(*(literal(cell) for cell in cells), **options)
