"""The header block of ``Field: value`` lines at the very top of a text (Title,
Source, Published, Byline, URL, Tags), read when no front matter gives fields."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from briefs.ingest.parsing.line_kinds import _is_key_points_label
from briefs.ingest.parsing.parsed import ParseError

# Patterns here match in linear time: see the note in line_kinds.py.
HEADER_FIELDS = ("title", "source", "published", "byline", "url", "tags")
_HEADER_LINE = re.compile(r"^(?P<name>[A-Za-z]+)[ \t]*:[ \t]*(?P<value>.*)$")


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
