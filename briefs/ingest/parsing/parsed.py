"""What parsing gives: the parsed document, its sections and lists, or the error
that says why a text cannot become a brief."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


class ParseError(ValueError):
    """The document cannot become a brief; the message says why, for an editor."""


class ParsedList(str):
    """A list: one paragraph of a section that is a list, not a run of text.

    The string is the list as Markdown lines ("- item", or "1. item" when the
    source numbered it), so whatever reads paragraphs as text sees every
    word. From a Markdown source the string is the list as written (nested
    items indented) and is stored as it is. From a plain source ``items`` are
    the items' plain texts: ``to_markdown(escape)`` escapes each item's text
    but not its marker.
    """

    items: tuple[str, ...]
    ordered: bool
    start: int

    def __new__(
        cls,
        items: Iterable[str],
        *,
        ordered: bool = False,
        start: int = 1,
        text: str | None = None,
    ) -> ParsedList:
        items = tuple(items)
        if text is None:
            text = "\n".join(
                f"{_list_marker(ordered, start, n)} {item}"
                for n, item in enumerate(items)
            )
        made = super().__new__(cls, text)
        made.items, made.ordered, made.start = items, ordered, start
        return made

    def __reduce__(self):
        return (_rebuild_list, (self.items, self.ordered, self.start, str(self)))

    def to_markdown(self, escape: Callable[[str], str]) -> str:
        """The list as CommonMark, each plain item's text passed through ``escape``."""
        return "\n".join(
            f"{_list_marker(self.ordered, self.start, n)} {escape(item)}"
            for n, item in enumerate(self.items)
        )


def _rebuild_list(items, ordered, start, text) -> ParsedList:
    return ParsedList(items, ordered=ordered, start=start, text=text)


def _list_marker(ordered: bool, start: int, index: int) -> str:
    return f"{start + index}." if ordered else "-"


@dataclass(frozen=True)
class ParsedSection:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    dateline: str
    key_points: tuple[str, ...]
    sections: tuple[ParsedSection, ...]
    source: str = ""
    byline: str = ""
    # The authors a source lists one by one (front matter's ``authors``), in
    # order; empty when only the byline's text names them.
    authors: tuple[str, ...] = ()
    url: str = ""
    published: dt.datetime | dt.date | None = None
    tags: tuple[str, ...] = ()
    summary: str = ""
    # True when the paragraphs are Markdown to keep as written (a Markdown
    # source); False when they are plain text, escaped on the way in.
    markdown: bool = False
    # Text that is the source's but not the story's, in order: captions and
    # wire header lines before the story, page chrome, date lines, a repeated
    # title, sign-offs and boilerplate after it, the words of template tags.
    # Kept so that no word of the source is lost; not part of the brief.
    set_apart: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(p for section in self.sections for p in section.paragraphs)
