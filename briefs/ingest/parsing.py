"""Parse a source document into a brief's structure. Text in, dataclasses out.

This module knows nothing about Django or the database, so it can be tested
and fuzzed on its own. The format family it reads, every part optional except
body text:

1. Encoding: UTF-8 with or without a BOM, LF or CRLF line ends; bytes that are
   not UTF-8 are read as Windows-1252 with a warning; binary data is refused.
2. A header block at the very top: ``Field: value`` lines (Title, Source,
   Published, Byline, URL, Tags; any case), ended by a blank line.
3. A key-points block: a label line (Key points, Key takeaways, Highlights;
   optional colon) followed by bullet lines (-, *, •, 1. or 1)).
4. Body paragraphs: without blank lines each line is a paragraph; with blank
   lines each block is a paragraph whose hard-wrapped lines are joined.
5. Headings: a short line of its own without terminal punctuation, or a
   Markdown heading (#, ##, ###).
6. A dateline at the start of the first paragraph: ``NEW DELHI:``,
   ``GENEVA, March 14 (Example Wire) —``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from briefs.control_chars import CONTROL

HEADER_FIELDS = ("title", "source", "published", "byline", "url", "tags")
MAX_HEADING_LENGTH = 80
MAX_TITLE_LENGTH = 300
MAX_KEY_POINT_LENGTH = 500
MAX_DATELINE_PLACE_LENGTH = 40
MAX_MARKDOWN_HEADING_LENGTH = 255  # a section heading's length in the database

# Every pattern here matches in time linear in its input: none can retry a run
# of characters, as "\s*:?\s*$" or ".*?(?:[ \t]+#+)?[ \t]*$" did (two
# quantifiers that can share a run of spaces, then something that may fail:
# every split of the run is tried, and a 2 MB line took hours). Where a rule
# needs such a split it is written with string methods instead, and
# tests/test_parsing.py checks each rewrite against the pattern it replaced.
_HEADER_LINE = re.compile(r"^(?P<name>[A-Za-z]+)[ \t]*:[ \t]*(?P<value>.*)$")
# Matched against a label line with its runs of white space made single spaces.
_KEY_POINTS_LABEL = re.compile(
    r"(?:key points|key takeaways|highlights) ?:?", re.IGNORECASE
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)])\s+(?P<text>\S.*)$")
_TERMINAL_PUNCTUATION = ".,;:!?"
_CLOSING_MARKS = "\"'”’)]»›"
# A dateline's place: words of letters joined by spaces, dots, apostrophes or
# hyphens. Only the part after the place is hand-written (see _split_dateline).
_PLACE = re.compile(r"[^\W\d_]+(?:[ .'’\-]+[^\W\d_]+)*")
# Inside a place only " - " can end it (":", ",", "(" and long dashes do not
# occur there): the last letter of a word followed by one.
_WORD_BEFORE_DASH = re.compile(r"[^\W\d_](?=\.?[ \t]+-{1,2}[ \t]+\S)")
_BLANKS = re.compile(r"[ \t]*")
_DASHES = "—–-"
_LONG_DASHES = "—–"
_TWO_BLANKS = frozenset({"  ", " \t", "\t ", "\t\t"})
_MAX_DATELINE_MORE = 80  # ", March 14 (Example Wire)"
_MAX_DATELINE_AGENCY = 60  # "(Example Wire)"
# Text files hold almost none of these; binary files are full of them.
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


# Five bytes are undefined in Windows-1252; read them as Latin-1 does, losing nothing.
_LATIN1_FALLBACK = "newsroom-latin1-fallback"
codecs.register_error(
    _LATIN1_FALLBACK,
    lambda error: (error.object[error.start : error.end].decode("latin-1"), error.end),
)


class ParseError(ValueError):
    """The document cannot become a brief; the message says why, for an editor."""


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
    url: str = ""
    published: dt.datetime | dt.date | None = None
    tags: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(p for section in self.sections for p in section.paragraphs)


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes to text: UTF-8 (BOM optional), else Windows-1252 with a warning.

    Raises ParseError for binary data (NUL bytes or many control characters).
    """
    if b"\x00" in data:
        raise ParseError("binary file (it contains NUL bytes), not a text document")
    warnings = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        warnings.append(
            f"not valid UTF-8 (at byte {error.start}); read as Windows-1252"
        )
        text = data.decode("cp1252", errors=_LATIN1_FALLBACK)
    if _looks_binary(text):
        raise ParseError(
            "binary file (it is mostly control characters), not a text document"
        )
    return text, warnings


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:8192]
    controls = len(_BINARY_CONTROL.findall(sample))
    return controls > max(3, len(sample) // 50)


def parse(text: str) -> ParsedDocument:
    """Parse a document's text. Raises ParseError when it holds no body text."""
    if "\x00" in text:
        raise ParseError("binary file (it contains NUL bytes), not a text document")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    # Stray control characters are invisible noise from copy and paste.
    text = CONTROL.sub(" ", text)
    lines = [line.rstrip() for line in text.split("\n")]
    if not any(line.strip() for line in lines):
        raise ParseError("empty document: there is no text in it")

    warnings: list[str] = []
    position = _skip_blank(lines, 0)
    header, position = _parse_header(lines, position, warnings)
    position = _skip_blank(lines, position)
    key_points, position = _parse_key_points(lines, position)
    body = lines[position:]
    if not any(line.strip() for line in body):
        if key_points:
            raise ParseError("the key points are not followed by any body text")
        raise ParseError("no body text: the document holds only a header")

    blocks = _body_blocks(body)
    title = header.get("title", "")
    if not title and blocks and blocks[0][0] == "heading" and len(blocks) > 1:
        # A headline line on top of pasted text is the brief's title.
        title = blocks.pop(0)[1]
    sections = _sections(blocks)
    dateline = ""
    first = sections[0].paragraphs[0] if sections[0].paragraphs else ""
    found = _split_dateline(first) if first else None
    if found and _is_place(found.place):
        dateline = found.dateline.strip()
        paragraphs = (found.rest.strip(), *sections[0].paragraphs[1:])
        sections[0] = ParsedSection(heading=sections[0].heading, paragraphs=paragraphs)

    if not title:
        title = (
            key_points[0] if key_points else _headline_from(_first_paragraph(sections))
        )
    elif len(title) > MAX_TITLE_LENGTH:
        warnings.append(f"title cut to {MAX_TITLE_LENGTH} characters; it was {title!r}")
    for point in key_points:
        if len(point) > MAX_KEY_POINT_LENGTH:
            warnings.append(
                f"key point cut to {MAX_KEY_POINT_LENGTH} characters; it was {point!r}"
            )
    return ParsedDocument(
        title=_truncate(title, MAX_TITLE_LENGTH),
        dateline=dateline,
        key_points=tuple(
            _truncate(point, MAX_KEY_POINT_LENGTH) for point in key_points
        ),
        sections=tuple(sections),
        source=header.get("source", ""),
        byline=header.get("byline", ""),
        url=header.get("url", ""),
        published=header.get("published"),
        tags=header.get("tags", ()),
        warnings=tuple(warnings),
    )


def _skip_blank(lines: list[str], position: int) -> int:
    while position < len(lines) and not lines[position].strip():
        position += 1
    return position


def _parse_header(
    lines: list[str], start: int, warnings: list[str]
) -> tuple[dict, int]:
    """Read ``Field: value`` lines at the top; only a complete block counts."""
    fields: list[tuple[str, str]] = []
    position = start
    while position < len(lines) and lines[position].strip():
        match = _HEADER_LINE.match(lines[position].strip())
        if not match or match.group("name").lower() not in HEADER_FIELDS:
            break
        fields.append((match.group("name").lower(), match.group("value").strip()))
        position += 1
    ends_block = position >= len(lines) or not lines[position].strip()
    if not fields or not (ends_block or _is_key_points_label(lines[position])):
        return {}, start

    header: dict = {}
    tags: list[str] = []
    for name, value in fields:
        if name != "tags" and name in header and value:
            warnings.append(f"{name.title()} given twice; {value!r} ignored")
        elif name == "tags":
            tags.extend(tag.strip() for tag in value.split(",") if tag.strip())
        elif name == "published":
            if value:
                header["published"] = _parse_published(value)
        elif name == "url":
            if value and _is_web_url(value):
                header["url"] = value
            elif value:
                warnings.append(
                    f"URL {value!r} ignored: only http and https addresses are kept"
                )
        elif value:
            header[name] = value
    if tags:
        header["tags"] = tuple(dict.fromkeys(tags))
    return header, position


def _parse_published(value: str) -> dt.datetime | dt.date:
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ParseError(
            f"Published: {value!r} is not an ISO 8601 date or date-time (for example 2025-03-14)"
        ) from None


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return (
        parts.scheme.lower() in {"http", "https"}
        and bool(parts.netloc)
        and " " not in value
    )


def _is_key_points_label(line: str) -> bool:
    """Key points, Key takeaways or Highlights, any case and spacing, optional colon."""
    return bool(_KEY_POINTS_LABEL.fullmatch(" ".join(line.split())))


def _parse_key_points(lines: list[str], start: int) -> tuple[tuple[str, ...], int]:
    if start >= len(lines) or not _is_key_points_label(lines[start]):
        return (), start
    points: list[str] = []
    # A wrapped point's lines, joined at the end: joining as it goes copies
    # the point once per line, which is quadratic in a long wrapped bullet.
    wrapped: dict[int, list[str]] = {}
    position = start + 1
    while position < len(lines):
        line = lines[position]
        bullet = _BULLET.match(line)
        if bullet:
            points.append(bullet.group("text").strip())
        elif line.strip() and points and line[:1].isspace():
            # An indented line continues a wrapped bullet.
            wrapped.setdefault(len(points) - 1, [points[-1]]).append(line.strip())
        elif not line.strip():
            # Blank lines between bullets: skipped all at once, not looked
            # past again from each one.
            following = _skip_blank(lines, position)
            if following >= len(lines) or not _BULLET.match(lines[following]):
                break
            position = following
            continue
        else:
            break
        position += 1
    if not points:
        return (), start
    for index, parts in wrapped.items():
        points[index] = " ".join(parts)
    return tuple(points), position


def _body_blocks(body: list[str]) -> list[tuple[str, str]]:
    """The body as ("heading" | "paragraph", text) pairs, in order."""
    stripped = [line.strip() for line in body]
    first = _skip_blank(stripped, 0)
    last = len(stripped)
    while last > first and not stripped[last - 1]:
        last -= 1
    content = stripped[first:last]

    if "" not in content:
        # No blank lines: every line is a paragraph or a heading (the seed's form).
        return [_classify(line) for line in content]

    blocks: list[tuple[str, str]] = []
    current: list[str] = []
    for line in [*content, ""]:
        if line:
            current.append(line)
            continue
        if not current:
            continue
        heading = _markdown_heading(current[0])
        if len(current) == 1:
            blocks.append(_classify(current[0]))
        elif heading and len(heading) <= MAX_MARKDOWN_HEADING_LENGTH:
            blocks.append(("heading", heading))
            blocks.append(("paragraph", " ".join(current[1:])))
        else:
            blocks.append(("paragraph", " ".join(current)))
        current = []
    return blocks


def _classify(line: str) -> tuple[str, str]:
    heading = _markdown_heading(line)
    if heading and len(heading) <= MAX_MARKDOWN_HEADING_LENGTH:
        return ("heading", heading)
    if _looks_like_heading(line):
        return ("heading", line)
    return ("paragraph", line)


def _markdown_heading(line: str) -> str | None:
    """The text of a Markdown heading line, or None if ``line`` is not one.

    One to three ``#`` and a space or tab, then the text; a closing run of
    ``#`` after a space or tab is not part of it (``## Aid ##`` is "Aid").
    """
    if not line.startswith("#"):
        return None
    marks = len(line) - len(line.lstrip("#"))
    if marks > 3 or line[marks : marks + 1] not in (" ", "\t"):
        return None
    text = line[marks:].strip(" \t")
    unclosed = text.rstrip("#")
    if unclosed != text and unclosed[-1:] in (" ", "\t"):
        text = unclosed.rstrip(" \t")
    return text


def _looks_like_heading(line: str) -> bool:
    if len(line) > MAX_HEADING_LENGTH or _BULLET.match(line):
        return False
    if not any(char.isalpha() for char in line):
        return False
    last = line.rstrip(_CLOSING_MARKS)[-1:] or line[-1]
    return last not in _TERMINAL_PUNCTUATION


def _sections(blocks: list[tuple[str, str]]) -> list[ParsedSection]:
    """Group blocks into sections. A heading with nothing under it is kept as text."""
    sections: list[ParsedSection] = []
    heading, paragraphs = "", []
    for index, (kind, text) in enumerate(blocks):
        next_kind = blocks[index + 1][0] if index + 1 < len(blocks) else None
        if kind == "heading" and next_kind == "paragraph":
            if paragraphs or heading:
                sections.append(
                    ParsedSection(heading=heading, paragraphs=tuple(paragraphs))
                )
            heading, paragraphs = text, []
        else:
            paragraphs.append(text)
    sections.append(ParsedSection(heading=heading, paragraphs=tuple(paragraphs)))
    return sections


class _Dateline(NamedTuple):
    dateline: str  # the place and anything after it up to the separator
    place: str
    rest: str  # the paragraph after the separator


def _split_dateline(paragraph: str) -> _Dateline | None:
    """The dateline shape at the start of ``paragraph``, or None.

    A place (see _PLACE), optionally followed by ", more" or "(Agency)", then
    ": ", " - " or a long dash, then the rest. Where more than one end of the
    place fits, the longest place wins, as it would for a greedy regular
    expression; the caller then checks that it is a place in capitals.

    Hand-written rather than one regular expression: the runs of spaces and
    tabs around the separator, retried for every possible end of the place
    and of ", more", made that expression scan a long run once per position.
    Here each run is scanned a bounded number of times.
    """
    chain = _PLACE.match(paragraph)
    if not chain:
        return None
    # The ends of the place worth trying: its last word, and any word that
    # " - " follows. Trying every word of a long place took a second a line.
    ends = [w.end() for w in _WORD_BEFORE_DASH.finditer(paragraph, 0, chain.end())]
    for end in reversed([*ends, chain.end()]):
        for place_end in (end + 1, end) if paragraph[end : end + 1] == "." else (end,):
            found = _after_place(paragraph, place_end)
            if found:
                dateline_end, rest_start = found
                return _Dateline(
                    paragraph[:dateline_end],
                    paragraph[:place_end],
                    paragraph[rest_start:],
                )
    return None


def _after_place(text: str, start: int) -> tuple[int, int] | None:
    """(end of the dateline, start of the rest) for a place ending at ``start``."""
    if text[start : start + 1] == ",":
        # ", March 14 (Example Wire)": the shortest that a separator follows.
        last = min(start + 1 + _MAX_DATELINE_MORE, len(text))
        for end in range(start + 2, last + 1):
            if text[end - 1] in ":—–\n":
                break
            if end > start + 2 and text[end - 1 : end + 1] in _TWO_BLANKS:
                # Inside a run of blanks the separator ahead is the one seen
                # from the blank before, tried already: each run once.
                continue
            rest = _separator(text, end)
            if rest is not None:
                return end, rest
    opening = _BLANKS.match(text, start).end()
    if text[opening : opening + 1] == "(":
        closing = opening + 1
        last = min(opening + 1 + _MAX_DATELINE_AGENCY, len(text))
        while closing < last and text[closing] not in "()\n":
            closing += 1
        if closing > opening + 1 and text[closing : closing + 1] == ")":
            rest = _separator(text, closing + 1)
            if rest is not None:
                return closing + 1, rest
    rest = _separator(text, start)
    return None if rest is None else (start, rest)


def _separator(text: str, start: int) -> int | None:
    """Where the rest starts after ": ", " - ", " -- " or a long dash at ``start``."""
    mark = _BLANKS.match(text, start).end()
    char = text[mark : mark + 1]
    if char == ":":
        rest = _BLANKS.match(text, mark + 1).end()
        if rest > mark + 1 and _starts_text(text, rest):
            return rest
    if char and char in _DASHES and mark > start:
        after = mark + (2 if text[mark + 1 : mark + 2] in tuple(_DASHES) else 1)
        rest = _BLANKS.match(text, after).end()
        if rest > after and _starts_text(text, rest):
            return rest
    if char and char in _LONG_DASHES:
        rest = _BLANKS.match(text, mark + 1).end()
        if _starts_text(text, rest):
            return rest
    return None


def _starts_text(text: str, position: int) -> bool:
    return position < len(text) and not text[position].isspace()


def _is_place(place: str) -> bool:
    letters = [char for char in place if char.isalpha()]
    return (
        len(letters) >= 2
        and len(place) <= MAX_DATELINE_PLACE_LENGTH
        and all(unicodedata.category(char) == "Lu" for char in letters)
    )


def _first_paragraph(sections: list[ParsedSection]) -> str:
    for section in sections:
        if section.paragraphs:
            return section.paragraphs[0]
    return sections[0].heading


def _headline_from(paragraph: str) -> str:
    """A headline from a paragraph: its first sentence, cut at a word if long."""
    sentence = re.split(r"(?<=[.!?])\s+", paragraph, maxsplit=1)[0].rstrip(".")
    return _truncate(sentence, 120)


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return f"{cut or text[: limit - 1]}…"
