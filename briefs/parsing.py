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
from urllib.parse import urlsplit

HEADER_FIELDS = ("title", "source", "published", "byline", "url", "tags")
MAX_HEADING_LENGTH = 80
MAX_TITLE_LENGTH = 300
MAX_KEY_POINT_LENGTH = 500
MAX_DATELINE_PLACE_LENGTH = 40

_HEADER_LINE = re.compile(r"^(?P<name>[A-Za-z]+)[ \t]*:[ \t]*(?P<value>.*)$")
_KEY_POINTS_LABEL = re.compile(
    r"^\s*(?:key\s+points|key\s+takeaways|highlights)\s*:?\s*$", re.IGNORECASE
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)])\s+(?P<text>\S.*)$")
_MARKDOWN_HEADING = re.compile(
    r"^(?P<marks>#{1,3})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$"
)
_TERMINAL_PUNCTUATION = ".,;:!?"
_CLOSING_MARKS = "\"'”’)]»›"
# A place in capitals, then optionally ", more" or "(Agency)", then ":" or a dash.
_DATELINE = re.compile(
    r"^(?P<dateline>(?P<place>[^\W\d_][^\W\d_ .'’\-]*(?:[ .'’\-]+[^\W\d_]+)*\.?)"
    r"(?:,[^:—–\n]{1,80}?|[ \t]*\([^()\n]{1,60}\))?)"
    r"(?:[ \t]*:[ \t]+|[ \t]+[—–-]{1,2}[ \t]+|[ \t]*[—–][ \t]*)"
    r"(?P<rest>\S.*)$",
    re.DOTALL,
)
# C0 and C1 control characters other than tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
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
    text = _CONTROL.sub(" ", text)
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
    match = _DATELINE.match(first) if first else None
    if match and _is_place(match.group("place")):
        dateline = match.group("dateline").strip()
        paragraphs = (match.group("rest").strip(), *sections[0].paragraphs[1:])
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
    if not fields or not (ends_block or _KEY_POINTS_LABEL.match(lines[position])):
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


def _parse_key_points(lines: list[str], start: int) -> tuple[tuple[str, ...], int]:
    if start >= len(lines) or not _KEY_POINTS_LABEL.match(lines[start]):
        return (), start
    points: list[str] = []
    position = start + 1
    while position < len(lines):
        line = lines[position]
        bullet = _BULLET.match(line)
        if bullet:
            points.append(bullet.group("text").strip())
        elif line.strip() and points and line[:1].isspace():
            # An indented line continues a wrapped bullet.
            points[-1] = f"{points[-1]} {line.strip()}"
        elif not line.strip() and _next_is_bullet(lines, position):
            pass
        else:
            break
        position += 1
    if not points:
        return (), start
    return tuple(points), position


def _next_is_bullet(lines: list[str], position: int) -> bool:
    following = _skip_blank(lines, position)
    return following < len(lines) and bool(_BULLET.match(lines[following]))


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
        heading = _MARKDOWN_HEADING.match(current[0])
        if len(current) == 1:
            blocks.append(_classify(current[0]))
        elif heading and heading.group("text"):
            blocks.append(("heading", heading.group("text")))
            blocks.append(("paragraph", " ".join(current[1:])))
        else:
            blocks.append(("paragraph", " ".join(current)))
        current = []
    return blocks


def _classify(line: str) -> tuple[str, str]:
    heading = _MARKDOWN_HEADING.match(line)
    if heading and heading.group("text") and len(heading.group("text")) <= 255:
        return ("heading", heading.group("text"))
    if _looks_like_heading(line):
        return ("heading", line)
    return ("paragraph", line)


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
