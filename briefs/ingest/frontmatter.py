"""Front matter at the top of a text or Markdown file: YAML (``---``) or TOML (``+++``).

``split_front_matter`` takes it off the text and reads the fields an import
uses into ``Fields``; the readers of web pages and Word files fill the same
``Fields`` from what they find, so the parser sees one shape from every kind
of source.

The block is YAML when the very first line is ``---`` and a later line is
``---`` or ``...``; TOML when the first line is ``+++`` and a later line is
``+++``. Keys are read in any case; where several keys give one field, the
first in each list below wins (tags are gathered from all of theirs):

- title: ``title``
- published: ``published``, ``publishdate``, ``date`` (a date, a date-time,
  or ISO 8601 text such as ``2024-09-13 00:00:00 -0500``)
- source: ``source``
- url: ``url``, ``canonical_url``, ``source_url`` (http and https only)
- byline: ``byline``, ``author``, ``authors``, ``creators`` (text, or a list
  of names or of mappings with a ``name``); authors: the first of these
  that is a list, name by name (a byline given as text is split into names
  by the importer, ``briefs.ingest.bylines``)
- tags: ``tags``, ``topics``, ``keywords`` (a list, or comma-separated text);
  not ``categories``, which sites use for their own sections ("feature")
- summary: ``summary``, ``description``, ``excerpt``, ``deck``
- dateline: ``dateline`` (the VOA files pair it with ``$DATELINE$`` at the
  start of the body; the parser puts it there)
- ``format: markdown`` says the text after the block is Markdown.

Other keys are ignored. Anything unreadable (a syntax error, a block that is
not a mapping, a date that is not one, a list where text belongs) raises
ParseError naming the problem, and the line where the library gives one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import yaml


@dataclass(frozen=True)
class Fields:
    """What a source says about itself, beside its text. Empty means not given."""

    title: str = ""
    published: dt.datetime | dt.date | None = None
    source: str = ""
    url: str = ""
    byline: str = ""
    # The names a source lists one by one (an ``authors`` list), in order;
    # empty when it gives the byline as text, which the importer splits.
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str = ""
    dateline: str = ""
    markdown: bool = False  # the text after the fields is Markdown
    warnings: tuple[str, ...] = ()


_PUBLISHED_KEYS = ("published", "publishdate", "date")
_URL_KEYS = ("url", "canonical_url", "source_url")
_BYLINE_KEYS = ("byline", "author", "authors", "creators")
_TAG_KEYS = ("tags", "topics", "keywords")
_SUMMARY_KEYS = ("summary", "description", "excerpt", "deck")
_MARKDOWN_FORMATS = frozenset({"markdown", "md", "commonmark"})
_PLAIN_FORMATS = frozenset({"text", "plain", "txt", "plain text"})

# A line that a YAML mapping could start with: "key:" then a space or the end.
_KEY_LINE = re.compile(r"^[^\s#:][^:]*:(?:[ \t]|$)", re.MULTILINE)
# Runs of white space, made one space in one-line fields: ASCII white space
# only, as HTML has it, so a no-break space stays what it is.
_LINE_SPACE = re.compile(r"[ \t\n\r\f\v]+")
# "2024-09-13 00:00:00 -0500": a space before the offset, which ISO 8601 lacks.
_SPACED_OFFSET = re.compile(r"(?<=\d)[ \t]+(?=(?:Z|[+-]\d\d:?\d\d)$)")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def split_front_matter(text: str) -> tuple[Fields | None, str]:
    """(the fields, the text after them), or (None, text) when there is none.

    The text after the closing line is returned exactly as it stands. A
    ``---`` opening line with no closing line, or whose block holds no
    ``key:`` line and is not a mapping, is a Markdown thematic break, not
    front matter. Raises ParseError for front matter that cannot be read.
    """
    from briefs.ingest.parsing import ParseError

    opening, newline, after = text.removeprefix("\ufeff").partition("\n")
    fence = opening.rstrip(" \t\r")
    if fence not in ("---", "+++") or not newline:
        return None, text
    closings = ("---", "...") if fence == "---" else ("+++",)
    block, rest = _until_closing(after, closings)
    if block is None:
        return None, text
    if fence == "+++":
        data = _load_toml(block)
    else:
        data = _load_yaml(block)
        if not isinstance(data, dict | None) and not _KEY_LINE.search(block):
            return None, text
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParseError(
            f"front matter is not a list of fields (it reads as a {_kind(data)})"
        )
    return _fields(data), rest


def _until_closing(text: str, closings: tuple[str, ...]) -> tuple[str | None, str]:
    """(the block before the first closing line, the text after that line)."""
    position = 0
    while position < len(text):
        end = text.find("\n", position)
        line_end = len(text) if end < 0 else end
        if text[position:line_end].rstrip(" \t\r") in closings:
            return text[:position], text[line_end + 1 :]
        position = line_end + 1
    return None, text


def _load_yaml(block: str) -> Any:
    from briefs.ingest.parsing import ParseError

    try:
        return yaml.safe_load(block)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = error.problem or error.context or "unreadable"
        raise ParseError(f"front matter (YAML){where}: {problem}") from None
    except yaml.YAMLError as error:
        raise ParseError(f"front matter (YAML): {error}") from None
    except RecursionError:
        raise ParseError("front matter (YAML): nested too deeply") from None
    except (ValueError, OverflowError) as error:
        # PyYAML builds a date it recognised and lets datetime's errors through
        # (year 0, an offset of 24 hours or more).
        raise ParseError(
            f"front matter (YAML): {_unbuildable_date(block)} is not a date "
            f"({one_line(str(error))})"
        ) from None


def _unbuildable_date(block: str) -> str:
    """The first date in a YAML block that datetime refuses, with its line; '' if none."""
    constructor = yaml.SafeLoader("")
    nodes = [yaml.compose(block, Loader=yaml.SafeLoader)]
    while nodes:
        node = nodes.pop()
        if isinstance(node, yaml.ScalarNode):
            if node.tag != "tag:yaml.org,2002:timestamp":
                continue
            try:
                constructor.construct_yaml_timestamp(node)
            except (ValueError, OverflowError):
                return f"{node.value!r} at line {node.start_mark.line + 2}"
        elif isinstance(node, yaml.SequenceNode):
            nodes.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            nodes.extend(value for pair in reversed(node.value) for value in pair)
    return "a date"


def _load_toml(block: str) -> dict[str, Any]:
    from briefs.ingest.parsing import ParseError

    try:
        return tomllib.loads(block)
    except tomllib.TOMLDecodeError as error:
        # The position counts from the block; the file has the fence above it.
        message = _TOML_POSITION.sub(
            lambda m: f"(at line {int(m.group(1)) + 1}, column {m.group(2)})",
            str(error),
        )
        raise ParseError(f"front matter (TOML): {message}") from None
    except RecursionError:
        raise ParseError("front matter (TOML): nested too deeply") from None


def _fields(data: dict[Any, Any]) -> Fields:
    values = {key.lower(): value for key, value in data.items() if isinstance(key, str)}
    warnings: list[str] = []
    return Fields(
        title=one_line(_text("title", values.get("title"))),
        published=_first_date(values),
        source=one_line(_text("source", values.get("source"))),
        url=_first_url(values, warnings),
        byline=_byline(values),
        authors=_listed_authors(values),
        tags=_tags(values),
        summary=_first_text(values, _SUMMARY_KEYS, one_line=False),
        dateline=one_line(_text("dateline", values.get("dateline"))),
        markdown=_is_markdown(values.get("format"), warnings),
        warnings=tuple(warnings),
    )


def _text(name: str, value: Any) -> str:
    """A scalar as text: numbers and booleans as written by str(), None as ''."""
    from briefs.ingest.parsing import ParseError

    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return str(value)
    raise ParseError(f"front matter: {name} must be text, not a {_kind(value)}")


def one_line(text: str) -> str:
    """``text`` with its runs of white space made single spaces, trimmed."""
    return _LINE_SPACE.sub(" ", text).strip()


def _first_text(values: dict[str, Any], keys: Iterable[str], *, one_line: bool) -> str:
    for key in keys:
        text = _text(key, values.get(key))
        if text:
            return one_line(text) if one_line else text
    return ""


def _first_date(values: dict[str, Any]) -> dt.datetime | dt.date | None:
    for key in _PUBLISHED_KEYS:
        value = values.get(key)
        if value is not None and value != "":
            return _date(key, value)
    return None


def _date(name: str, value: Any) -> dt.datetime | dt.date:
    """A date or date-time; one without an offset stays naive, which the importer reads as UTC."""
    from briefs.ingest.parsing import ParseError

    if isinstance(value, str):
        text = _SPACED_OFFSET.sub("", value.strip())
        with contextlib.suppress(ValueError):  # not ISO 8601: refused below
            value = (
                dt.date.fromisoformat(text)
                if len(text) == 10
                else dt.datetime.fromisoformat(text)
            )
    if isinstance(value, dt.datetime):
        try:
            value.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            # 9999-12-31T23:59:59-12:00 is after the last moment UTC can hold.
            raise ParseError(
                f"front matter: {name} {value.isoformat()} is outside the dates "
                "that can be stored (years 1 to 9999 in UTC)"
            ) from None
        return value
    if isinstance(value, dt.date):
        return value
    raise ParseError(
        f"front matter: {name} {value!r} is not an ISO 8601 date or date-time "
        "(for example 2025-03-14)"
    )


def _first_url(values: dict[str, Any], warnings: list[str]) -> str:
    for key in _URL_KEYS:
        url = one_line(_text(key, values.get(key)))
        if not url:
            continue
        if is_web_url(url):
            return url
        warnings.append(f"URL {url!r} ignored: only http and https addresses are kept")
    return ""


def is_web_url(value: str) -> bool:
    """True for an absolute http or https address with a host and no spaces."""
    parts = urlsplit(value)
    return (
        parts.scheme.lower() in {"http", "https"}
        and bool(parts.netloc)
        and not any(char.isspace() for char in value)
    )


def _byline(values: dict[str, Any]) -> str:
    for key in _BYLINE_KEYS:
        names = _names(key, values.get(key))
        if names:
            return join_names(names)
    return ""


def _listed_authors(values: dict[str, Any]) -> tuple[str, ...]:
    """The names of the first byline key whose value is a list, in order."""
    for key in _BYLINE_KEYS:
        value = values.get(key)
        if isinstance(value, list | tuple):
            return tuple(_names(key, value))
    return ()


def _names(name: str, value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        names = []
        for item in value:
            if isinstance(item, dict):
                item = {str(k).lower(): v for k, v in item.items()}.get("name")
            names.append(one_line(_text(name, item)))
        return [n for n in names if n]
    text = one_line(_text(name, value))
    return [text] if text else []


def join_names(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) <= 2:
        return " and ".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _tags(values: dict[str, Any]) -> tuple[str, ...]:
    tags: dict[str, str] = {}
    for key in _TAG_KEYS:
        value = values.get(key)
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            for tag in one_line(_text(key, item)).split(","):
                tag = tag.strip()
                if tag:
                    tags.setdefault(tag.casefold(), tag)
    return tuple(tags.values())


def _is_markdown(value: Any, warnings: list[str]) -> bool:
    name = one_line(_text("format", value)).lower()
    if name in _MARKDOWN_FORMATS:
        return True
    if name and name not in _PLAIN_FORMATS:
        warnings.append(f"format {name!r} not known; the text is read as plain text")
    return False


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list | tuple):
        return "list"
    return "single value"
