"""Section headings: a Markdown ``#`` line, and which blocks of a document are
its headings."""

from __future__ import annotations

import re

from briefs.ingest.parsing.blocks import _Block, _is_prose
from briefs.ingest.parsing.kinds import CODE, HEADING, LIST, PARAGRAPH, QUOTE, TABLE
from briefs.ingest.parsing.line_kinds import (
    _QUESTION_LABEL,
    _SPEAKER_LABEL,
    _is_caption,
    _is_not_heading_text,
)
from briefs.ingest.parsing.titles import _title_shape

# Patterns here match in linear time: see the note in line_kinds.py.
MAX_HEADING_LENGTH = 80  # a heading without markup
MAX_HEADING_WORDS = 12
MAX_MARKDOWN_HEADING_LENGTH = 255  # a section heading's length in the database
_LETTER = re.compile(r"[^\W\d_]")


def _decide_headings(blocks: list[_Block], *, markdown: bool) -> set[int]:
    """Which blocks are section headings.

    A marked heading (``#`` … ``######``, an underlined line) is one when its
    text is not a caption, date, calendar entry, transcript marker or
    sign-off and body text follows it (a paragraph that is not only links, a
    list, a quotation, a table) or a deeper heading that is one. A line
    without markup, or one wholly bold, must also look like a heading (see
    ``_heading_text_ok``) and be followed by body text (prose, or a sentence
    that runs on into a list or a quotation). In
    Markdown that has marked headings, unmarked lines are never headings;
    and unmarked headings unlike the document's others are not (see
    ``_odd_headings``). Decided from the end, so each heading knows whether
    the next one is.
    """
    accepted: set[int] = set()
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        if after is None:
            continue
        if block.kind == HEADING:
            follows = _is_story_content(after) or (
                after.kind == HEADING
                and after.level > block.level
                and index + 1 in accepted
            )
            if follows and _heading_text_ok(block, marked=True):
                accepted.add(index)
        elif (
            block.kind == PARAGRAPH
            and block.single_line
            and not block.html
            and block.emphasis != "italic"
            and (_is_body_text(after) or after.kind == LIST)
            and _heading_text_ok(block, marked=False)
        ):
            accepted.add(index)
    if markdown and any(blocks[index].kind == HEADING for index in accepted):
        accepted = {index for index in accepted if blocks[index].kind == HEADING}
    return accepted - _odd_headings(blocks, accepted)


def _odd_headings(blocks: list[_Block], accepted: set[int]) -> set[int]:
    """Unmarked headings unlike the document's others: in capitals where at
    least twice as many are not (or the other way round), or more than
    twice as many words as the longest of the others."""
    bare = [index for index in accepted if blocks[index].kind != HEADING]
    if len(bare) < 3:
        return set()
    texts = {index: blocks[index].plain for index in bare}
    styled = {index: text.isupper() for index, text in texts.items() if " " in text}
    capitals = sum(styled.values())
    odd = set()
    if capitals and len(styled) - capitals >= 2 * capitals:
        odd = {index for index, upper in styled.items() if upper}
    elif capitals < len(styled) and capitals >= 2 * (len(styled) - capitals):
        odd = {index for index, upper in styled.items() if not upper}
    counts = {index: len(text.split()) for index, text in texts.items()}
    longest, second = sorted(counts.values(), reverse=True)[:2]
    for index, count in counts.items():
        longest_other = second if count == longest else longest
        if count > max(6, 2 * longest_other):
            odd.add(index)
    return odd


def _heading_text(block: _Block, markdown: bool) -> str:
    """A heading's text as the section shows it: plain, and in a plain source
    exactly as written."""
    if markdown or block.kind == LIST:
        return block.plain
    return block.text.strip()


def _heading_text_ok(block: _Block, *, marked: bool) -> bool:
    """Whether a block's text can be a heading.

    Any heading: has letters, is not a caption, date, calendar entry,
    transcript marker, byline, wire header line or sign-off. A heading
    without markup also: at most 80 characters and 12 words, one sentence,
    starts with a capital or a digit (not a small letter, a quotation mark
    or a bracket), does not end with sentence punctuation (. , ; : ! ? …)
    nor with a word that continues a sentence (of, and, the, include, …),
    and is not a bullet nor a speaker's turn ("HOST: …", "Q: …").
    """
    text = block.plain
    if len(text) > (MAX_MARKDOWN_HEADING_LENGTH if marked else MAX_HEADING_LENGTH):
        return False
    if not _LETTER.search(text):
        return False
    if marked:
        return not _is_not_heading_text(text)
    if _SPEAKER_LABEL.match(text) or _QUESTION_LABEL.match(text) or "; " in text:
        return False
    return text.count(" ") < MAX_HEADING_WORDS and _title_shape(text)


def _is_body_text(block: _Block) -> bool:
    """What must follow a heading without markup: prose, or a sentence that
    runs on into what follows it (a lead-in to a list or a quotation)."""
    if _is_prose(block):
        return True
    if block.kind != PARAGRAPH or block.plain.count(" ") < 4 or block.link_share >= 0.6:
        return False
    if _is_caption(block.plain):
        return False
    words = block.plain.split()
    return len(words) >= 5 and (
        len(words) > MAX_HEADING_WORDS or not _title_shape(block.plain)
    )


def _is_story_content(block: _Block) -> bool:
    """What may follow a marked heading: text that is not only links or a caption."""
    if block.kind in (LIST, QUOTE, TABLE, CODE):
        return True
    if block.kind != PARAGRAPH:
        return False
    return not (block.link_share >= 0.6 and not _is_prose(block)) and not _is_caption(
        block.plain
    )


def _markdown_heading(line: str, max_marks: int = 3) -> str | None:
    """The text of a Markdown heading line, or None if ``line`` is not one.

    One to ``max_marks`` ``#`` and a space or tab, then the text; a closing
    run of ``#`` after a space or tab is not part of it (``## Aid ##`` is
    "Aid"). Plain text knows three levels; Markdown six.
    """
    if not line.startswith("#"):
        return None
    marks = len(line) - len(line.lstrip("#"))
    if marks > max_marks or line[marks : marks + 1] not in (" ", "\t"):
        return None
    text = line[marks:].strip(" \t")
    unclosed = text.rstrip("#")
    if unclosed != text and unclosed[-1:] in (" ", "\t"):
        text = unclosed.rstrip(" \t")
    return text
