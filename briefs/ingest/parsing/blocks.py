"""The body's blocks, as both builders make them and every rule judges them: what
each holds and stores, and whether one is running prose."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from briefs.ingest.parsing.kinds import HEADING, LIST, PARAGRAPH, QUOTE
from briefs.ingest.parsing.line_kinds import _is_caption
from briefs.ingest.parsing.parsed import ParsedList
from briefs.ingest.parsing.titles import _CLOSING_MARKS, _SENTENCE_PUNCTUATION


@dataclass(slots=True)
class _Block:
    """One block of the body: what the importer stores, and what rules judge."""

    kind: str
    text: str  # as stored: Markdown from a Markdown source, else plain text
    plain: str  # without inline markup, on one line
    level: int = 0  # a marked heading's level (#, ##, underlined); 0 otherwise
    lines: tuple[str, ...] = ()  # its source lines, without inline markup
    items: tuple[str, ...] = ()  # a list's items as stored
    plain_items: tuple[str, ...] = ()
    ordered: bool = False
    start: int = 1
    emphasis: str = ""  # "bold" or "italic" when the whole block is
    link_share: float = 0.0  # the share of its words that are link text
    raw: str = ""  # a heading in a plain source: the line as written
    apart: bool = False  # words of a template tag: never story text
    html: bool = False  # a Markdown paragraph that opens with an HTML tag
    is_prose: bool | None = None  # worked out once, when first asked

    @property
    def single_line(self) -> bool:
        return len(self.lines) == 1

    def stored(self, markdown: bool) -> str:
        if self.kind == LIST:
            return ParsedList(
                self.items if markdown else self.plain_items,
                ordered=self.ordered,
                start=self.start,
                text=self.text if markdown else None,
            )
        if self.kind == HEADING:
            return self.text if markdown else (self.raw or self.text)
        return self.text


def _paragraph(text: str, lines: Iterable[str]) -> _Block:
    """A paragraph of plain text, judged as written."""
    return _Block(PARAGRAPH, text, text, lines=tuple(lines))


def _is_prose(block: _Block) -> bool:
    """A paragraph of running text: sentences, not a label, caption or links."""
    if block.is_prose is None:
        block.is_prose = _prose(block)
    return block.is_prose


def _prose(block: _Block) -> bool:
    if block.kind == QUOTE:
        return True
    if block.kind != PARAGRAPH or block.link_share >= 0.6:
        return False
    text = block.plain
    last = text.rstrip(_CLOSING_MARKS)[-1:]
    if last not in _SENTENCE_PUNCTUATION and text.count(" ") < 14:
        return False
    return not _is_caption(text)
