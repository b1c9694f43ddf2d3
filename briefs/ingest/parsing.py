"""Parse a source document into a brief's structure. Text in, dataclasses out.

This module knows nothing about Django or the database, so it can be tested
and fuzzed on its own. It reads plain text (kept exactly, escaped by the
importer) and Markdown (kept as written); the readers of web pages and Word
files hand it Markdown too. Every part is optional except body text:

1. Encoding: UTF-8 with or without a BOM, LF or CRLF line ends; bytes that are
   not UTF-8 are read as Windows-1252 with a warning; binary data is refused.
2. Fields: front matter (``briefs.ingest.frontmatter``) or what a reader
   found; else a header block of ``Field: value`` lines at the very top
   (Title, Source, Published, Byline, URL, Tags; any case), ended by a blank
   line. Fields win over what the text gives.
3. Blocks. Plain text: with blank lines each block is a paragraph whose
   hard-wrapped lines are joined; without them each line is one, unless the
   text is hard-wrapped (then lines are joined into paragraphs again);
   bullets (-, *, •, 1., 1)) make one list per run, blank lines between
   items or not. Markdown: CommonMark blocks; links only to http, https and
   mailto stay links; template tags (Hugo, Liquid, Kramdown) are dropped
   with a warning, the words of their captions and alt text set apart and
   their quotations kept as quotations.
4. Key points: a labelled list anywhere (Key points, Key takeaways,
   Highlights, At a glance, Summary points; any case, optional colon; a
   line, a heading or a bold line) when no list has given them yet.
5. The front of the story: before its first paragraph, captions, wire
   header lines, date lines, page chrome and a repeated title are set apart
   (``ParsedDocument.set_apart``), a "By" line is the byline, a deck or
   "Summary:" the summary, and a headline line the title. After the story,
   sign-offs, disclaimers, contact lines and a lone place name are set apart.
6. Headings: a line that looks like one in its document and is followed by
   body text (see ``_decide_headings``).
7. Dateline: at the start of the story's first paragraph, or a line of its
   own before it: ``NEW DELHI:``, ``BANGKOK (Reuters) -``,
   ``SANTO DOMINGO, Dominican Republic (AP) _``, ``**WASHINGTON** –``.
8. Title: fields, a headline line, the first key point at the top, else the
   lead's first sentence (which stays in the body; see ``_title_from``).

Written by hand rather than with a Markdown library: the structure rules need
the source's lines as written (bare-line headings, hard wrapping, captions)
and a parse that stays linear on hostile input; ``briefs.markdown`` renders.
"""

from __future__ import annotations

import codecs
import datetime as dt
import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from briefs.control_chars import CONTROL
from briefs.ingest.frontmatter import Fields, split_front_matter


def _words(text: str) -> frozenset[str]:
    """A set of words written as one string, for the word lists below."""
    return frozenset(text.split())


HEADER_FIELDS = ("title", "source", "published", "byline", "url", "tags")
MAX_HEADING_LENGTH = 80  # a heading without markup
MAX_HEADING_WORDS = 12
MAX_TITLE_LENGTH = 300
MAX_BODY_TITLE_LENGTH = 200  # a title made from the lead's first sentence
MIN_TITLE_WORDS = 8  # a shortened title keeps at least this many words
MAX_KEY_POINT_LENGTH = 500
MAX_DATELINE_PLACE_LENGTH = 40
MAX_MARKDOWN_HEADING_LENGTH = 255  # a section heading's length in the database
MAX_TEMPLATE_LINES = 20  # a template tag spans at most this many lines
MAX_FRONT_BLOCKS = 40  # a story starts within this many blocks, or at the top

# Every pattern here matches in time linear in its input: none can retry a run
# of characters, as "\s*:?\s*$" or ".*?(?:[ \t]+#+)?[ \t]*$" did (two
# quantifiers that can share a run of spaces, then something that may fail:
# every split of the run is tried, and a 2 MB line took hours). Where a rule
# needs such a split it is written with string methods instead, and
# tests/test_parsing.py checks each rewrite against the pattern it replaced.
_HEADER_LINE = re.compile(r"^(?P<name>[A-Za-z]+)[ \t]*:[ \t]*(?P<value>.*)$")
# Matched against a label line with its runs of white space made single spaces.
_KEY_POINTS_LABEL = re.compile(
    r"(?:key points|key takeaways|highlights|at a glance|summary points) ?:?",
    re.IGNORECASE,
)
_SUMMARY_LABEL = re.compile(r"summary ?:?", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)])\s+(?P<text>\S.*)$")
_MARKDOWN_ITEM = re.compile(
    r"(?P<indent>[ \t]*)(?P<marker>[-+*]|\d{1,9}[.)])(?:[ \t]+|$)"
)
_TERMINAL_PUNCTUATION = ".,;:!?…។៕៖。！？：；、؟।"
_SENTENCE_PUNCTUATION = ".!?…។៕。！？؟।:;"
_CLOSING_MARKS = "\"'”’)]»›"
_OPENING_MARKS = "\"'“‘«‹([{¿¡"
# A dateline's place: words of letters joined by spaces, dots, apostrophes,
# hyphens or slashes. Only the part after the place is hand-written (see
# _split_dateline).
_PLACE = re.compile(r"[^\W\d_]+(?:[ .'’/\-]+[^\W\d_]+)*")
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

# Inline Markdown and HTML. A tag's name is followed by a word boundary, so
# its characters cannot be traded with the attributes after it.
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*>")
_KEPT_EMPHASIS = {"i": "*", "em": "*", "b": "**", "strong": "**"}
_DROPPED_TAGS = _words(
    "a abbr b br cite code del div em font i ins mark p s small span strong sub sup u"
)
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]*)>", re.IGNORECASE)
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")

# Lines and paragraphs that are not story text.
_CAPTION_START = re.compile(
    r"\(?(?:(?:image|media|photo|video) (?:caption|copyright|source|credit)\b"
    r"|(?:file |media |image |photo |video )?(?:photo(?:graph)?|picture|image|"
    r"video|graphic|illustration|caption|credit|copyright|source)s?"
    r"(?: (?:caption|copyright|source|credit|by))?\s*[:,)\-–—]"
    r"|(?:figure|fig\.|table|chart|exhibit|graph|map)\s*\d+[a-z]?\s*[.:)\-–—]?(?:\s|$)"
    r"|file photo\b|file:)",
    re.IGNORECASE,
)
_CAPTION_COUNT = re.compile(r"\d{1,3} of \d{1,3}")
_PHOTO_CREDIT = re.compile(
    r"(?:REUTERS|Reuters|AFP|EPA|AP Photo|Getty Images|Xinhua|AAP Image)\s?/\s?\w"
    r"|\((?:AP|AFP|Reuters|REUTERS) Photo"
)
_WEEKDAY_START = re.compile(
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b\.?,?",
    re.IGNORECASE,
)
_MONTH_DAY_ENTRY = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.? \d{1,2}"
    r"(?:st|nd|rd|th)?\b ?[:–—-]",
    re.IGNORECASE,
)
_CLOCK_TIME = re.compile(
    r"\b\d{1,2}(?:[:.]\d{2})? ?(?:[ap]\.m\.|[ap]m\b)", re.IGNORECASE
)
_SPEAKER_LABEL = re.compile(r"[A-Z][A-Z.'’ -]{1,40}:")
_QUESTION_LABEL = re.compile(r"[QA][:.)] ")
# The particulars a release gives as "Label: value", not story text.
_METADATA_LABELS = (
    "contact contacts enquiries inquiries phone tel telephone mobile email e-mail fax"
    " date dated updated published posted source sources author authors author(s)"
    " byline credit credits location venue time when where ref reference file tags"
    " topics subject subjects category categories version"
)
_METADATA_LABEL = "|".join(map(re.escape, _METADATA_LABELS.split()))
_METADATA_LINE = re.compile(
    rf"(?:media |press |release |last |report |product )?(?:{_METADATA_LABEL}"
    r"|embargo(?:ed)? until|for release|no\.?|type)\s?:",
    re.IGNORECASE,
)
_FIELD_LINE = re.compile(r"[A-Z][\w.'’()/&-]*(?: [\w.'’()/&-]+){0,3} ?:[ \t\xa0]+\S")
_WIRE_ID = re.compile(r"[A-Z]{2,6}\d{6,}[-_.]?\d*")
_WIRE_SLUG = re.compile(r"(?:[a-z] ){0,3}(?:AM|PM|BC|AP)-[A-Za-z]")
_WORD_COUNT = re.compile(
    r"\(?\d{1,5} words?\)?\.?|\d{1,3} min(?:ute)?s? read", re.IGNORECASE
)
_BYLINE = re.compile(r"(?:by|story by|written by|words by) (?=\S)", re.IGNORECASE)
_BOILERPLATE_START = re.compile(
    r"(?:disclaimer\b|copyright\b|©|all rights reserved\b)", re.IGNORECASE
)
# Lines that web pages put around every story, copied along with it.
_CHROME_PHRASES = (
    "media playback is unsupported",
    "advertisement",
    "related topics",
    "related stories",
    "related articles",
    "related links",
    "related content",
    "more on this story",
    "more on this topic",
    "read more",
    "share this",
    "share on",
    "sign up for",
    "sign up to",
    "follow us",
    "skip to",
    "skip past",
    "our standards:",
)
_CHROME_LINE = re.compile(
    "|".join(map(re.escape, _CHROME_PHRASES)) + r"|end of \w+ post|allow \w+ content",
    re.IGNORECASE,
)
# A wire story's closing credits: part of the story, never a heading.
_CREDIT_LINE = re.compile(
    r"(?:additional )?(?:reporting|writing|editing)(?: and \w+)? by\b", re.IGNORECASE
)
_E_AND_OE = re.compile(r"e ?& ?oe\b", re.IGNORECASE)

_MONTHS = _words(
    "january february march april may june july august september october november"
    " december jan feb mar apr jun jul aug sep sept oct nov dec"
)
_DATE_WORDS = _MONTHS | _words(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu"
    " thur thurs fri sat sun updated published posted last modified date dated on at"
    " am pm a.m p.m et est edt gmt utc bst pst pdt cst cdt mst mdt aest aedt cet cest"
    " ist release for immediate ago an a hour hours minute minutes mins day days"
    " today yesterday week weeks"
)
# A line ending in one of these is the start of a sentence, not a heading.
_FUNCTION_WORDS = _words(
    "a an the and or but nor of to in on at for with by from into onto about as than"
    " that which who whom whose if because while when where so yet is are was were be"
    " been being has have had will would can could should may might must shall do does"
    " did not its their his her our your my this these those include includes including"
    " such like via per over under between after before during against among upon"
    " within without through across whether said says"
)
_ABBREVIATIONS = _words(
    "mr mrs ms dr gov sen rep st no nos gen lt col maj capt sgt adm cmdr prof rev hon mt"
    " ft jr sr inc corp co ltd bros dept est fig vol op approx vs jan feb mar apr jun jul"
    " aug sep sept oct nov dec pres gov't"
)
_CLAUSE_BREAKS = (", ", "; ", " – ", " — ", " - ", " and ", " but ", " while ")
_TEMPLATE_TAGS = (
    ("{{<", ">}}"),
    ("{{%", "%}}"),
    ("{%", "%}"),
    ("{{", "}}"),
    ("<!--", "-->"),
)
_QUOTED_ATTRIBUTES = frozenset({"text", "quote"})
# Capitals followed by a colon that label a paragraph instead of placing it.
_NOT_PLACES = _words(
    "NOTICE NOTE NOTES UPDATE UPDATED CORRECTION CLARIFICATION WARNING ALERT BREAKING"
    " ADVISORY EMBARGOED EMBARGO SUMMARY BACKGROUND STATEMENT TRANSCRIPT ANALYSIS"
    " OPINION EXCLUSIVE LIVE REVIEW INTERVIEW SUBJECTS SUBJECT TOPICS QUESTION ANSWER"
    " Q A WATCH LISTEN READ RELATED FILE PHOTO VIDEO AUDIO JOURNALIST REPORTER HOST"
    " MODERATOR PRESIDENT MINISTER SPEAKER SECRETARY CHAIRMAN CHAIR SENATOR GOVERNOR"
    " PREMIER PM IMPORTANT URGENT FLASH DISCLAIMER SOURCE SOURCES CONTACT DATE"
) | frozenset(
    (
        "EDITOR'S NOTE",
        "EDITORS NOTE",
        "EDITOR’S NOTE",
        "FACT SHEET",
        "MEDIA RELEASE",
        "PRESS RELEASE",
        "NEWS RELEASE",
        "READ MORE",
        "THE PRESIDENT",
        "PRIME MINISTER",
        "THE PRIME MINISTER",
        "VICE PRESIDENT",
        "THE VICE PRESIDENT",
        "MEDIA CONTACT",
    )
)
_STRAIGHT_QUOTES = str.maketrans("‘’“”\xa0", "''\"\" ")

# Block kinds.
PARAGRAPH, HEADING, LIST, QUOTE, TABLE, CODE = (
    "paragraph",
    "heading",
    "list",
    "quote",
    "table",
    "code",
)

# Five bytes are undefined in Windows-1252; read them as Latin-1 does, losing nothing.
_LATIN1_FALLBACK = "newsroom-latin1-fallback"
codecs.register_error(
    _LATIN1_FALLBACK,
    lambda error: (error.object[error.start : error.end].decode("latin-1"), error.end),
)


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


# Blocks -----------------------------------------------------------------------


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


def _text_blocks(body: list[str]) -> list[_Block]:
    """Blocks of a plain-text body: paragraphs, lists and ``#`` headings."""
    first = _skip_blank(body, 0)
    last = len(body)
    while last > first and not body[last - 1].strip():
        last -= 1
    content = body[first:last]
    if not content:
        return []
    # Whether the text has blank lines is judged after a key-points block at
    # its top: the blank line that ends that block says nothing of the rest.
    has_blank = any(
        not line.strip() for line in content[_leading_key_points(content) :]
    )
    width = _wrap_width(content)
    indented = sum(1 for line in content if line[:1].isspace() and line.strip())
    # Hard-wrapped text whose paragraphs start indented, as old wire copy.
    indent_starts = bool(width) and 0 < indented <= 0.6 * len(content)
    builder = _TextBuilder(has_blank, width, indent_starts)
    for line in content:
        builder.add(line)
    builder.flush()
    return builder.finish()


def _leading_key_points(lines: list[str]) -> int:
    """Where a key-points block (a label and its bullets) opening ``lines`` ends."""
    if not lines or not _is_key_points_label(lines[0]):
        return 0
    position = 1
    while position < len(lines):
        line = lines[position]
        if _BULLET.match(line) or (line.strip() and line[:1].isspace()):
            position += 1
        elif not line.strip():
            following = _skip_blank(lines, position)
            if following >= len(lines) or not _BULLET.match(lines[following]):
                return following
            position = following
        else:
            break
    return position


class _TextBuilder:
    """Gathers a plain text's lines into blocks, one pass."""

    def __init__(self, has_blank: bool, width: int, indent_starts: bool) -> None:
        self.has_blank, self.width, self.indent_starts = has_blank, width, indent_starts
        self.blocks: list[_Block] = []
        self.paragraph: list[tuple[str, str]] = []  # (line as written, stripped)
        self.items: list[list[str]] = []  # the open list's items, as lines
        self.markers: list[str] = []
        self.item_raw: list[list[str]] = []
        self.blank = False
        self.marker_use: dict[str, int] = {}

    def add(self, raw: str) -> None:
        line = raw.strip()
        if not line:
            if self.has_blank:
                self._end_paragraph()
            self.blank = True
            return
        bullet = _BULLET.match(raw)
        if bullet:
            self._end_paragraph()
            marker = raw.split(None, 1)[0]
            kind = "number" if marker[0].isdigit() else marker
            self.marker_use[kind] = self.marker_use.get(kind, 0) + 1
            self.items.append([bullet.group("text").strip()])
            self.item_raw.append([line])
            self.markers.append(marker)
        elif self.items and not self.blank and self._continues_item(raw, line):
            self.items[-1].append(line)
            self.item_raw[-1].append(line)
        else:
            self._end_list()
            self._add_text(raw, line)
        self.blank = False

    def _continues_item(self, raw: str, line: str) -> bool:
        if raw[:1].isspace():
            return True  # an indented line continues a wrapped bullet
        return bool(self.width) and self._continues(self.items[-1][-1], raw, line)

    def _continues(self, previous: str, raw: str, line: str) -> bool:
        """Whether ``line`` goes on with the sentence of ``previous`` in
        hard-wrapped text: it starts with a small letter, ``previous`` ends
        with a word that needs more, or its first word would not have fitted
        at the end of ``previous``. Where paragraphs start indented, only an
        unindented line goes on."""
        if self.indent_starts:
            return not raw[:1].isspace()
        if line[:1].islower():
            return True
        last = previous.rsplit(None, 1)[-1].lower()
        if last[-1:] in ",-–—" or last.strip("'’\"”") in _FUNCTION_WORDS:
            return True
        return len(previous) + 1 + len(line.split(None, 1)[0]) > self.width

    def _add_text(self, raw: str, line: str) -> None:
        if self.has_blank or self.width:
            self.paragraph.append((raw, line))
        else:
            self.blocks.append(_line_block(line))

    def _end_paragraph(self) -> None:
        """The gathered lines as blocks: one paragraph of hard-wrapped lines,
        split where a line stands on its own (a caption, date, byline, wire
        header line; in hard-wrapped text any line broken before the margin)."""
        lines, self.paragraph = self.paragraph, []
        if len(lines) == 1:
            self._add_run([lines[0][1]])
            return
        units = [_is_line_unit(line) for _, line in lines]
        run: list[str] = []
        for index, (raw, line) in enumerate(lines):
            if run and self._breaks(
                run[-1], raw, line, units[index - 1] or units[index]
            ):
                self._add_run(run)
                run = []
            run.append(line)
        if run:
            self._add_run(run)

    def _breaks(self, previous: str, raw: str, line: str, unit: bool) -> bool:
        if line[:1].islower() or previous[-1:] in ",-–—":
            return False  # the sentence goes on
        if unit:
            return True
        if self.width:
            return not self._continues(previous, raw, line)
        # Short lines, each a label ("RADIO INTERVIEW" over "ABC RN BREAKFAST").
        return _title_shape(previous) and line[:1].isupper() and len(previous) <= 60

    def _add_run(self, lines: list[str]) -> None:
        heading = _markdown_heading(lines[0])
        if len(lines) == 1:
            self.blocks.append(_line_block(lines[0]))
        elif heading is not None and len(heading) <= MAX_MARKDOWN_HEADING_LENGTH:
            self.blocks.append(_line_block(lines[0]))
            self.blocks.append(_paragraph(" ".join(lines[1:]), lines[1:]))
        else:
            self.blocks.append(_paragraph(" ".join(lines), lines))

    def _end_list(self) -> None:
        if not self.items:
            return
        items = [" ".join(parts) for parts in self.items]
        first = self.markers[0]
        ordered = first[0].isdigit()
        start = int(first[:-1]) if ordered else 1
        lines = tuple(line for raw in self.item_raw for line in raw)
        self.blocks.append(
            _Block(
                LIST,
                "\n".join(
                    f"{_list_marker(ordered, start, n)} {item}"
                    for n, item in enumerate(items)
                ),
                " ".join(items),
                lines=lines,
                items=tuple(items),
                plain_items=tuple(items),
                ordered=ordered,
                start=start,
                raw="\n".join(" ".join(raw) for raw in self.item_raw),
            )
        )
        self.items, self.markers, self.item_raw = [], [], []

    def flush(self) -> None:
        self._end_paragraph()
        self._end_list()

    def finish(self) -> list[_Block]:
        """The blocks, a lone bullet that is not a list made text again.

        One bullet is a list after a line ending in a colon or a key-points
        label, or where the document uses its marker for other items; else
        it is a line that happens to start with a dash ("- not a bullet").
        """
        blocks = self.blocks
        for index, block in enumerate(blocks):
            if block.kind != LIST or len(block.items) > 1:
                continue
            before = blocks[index - 1].plain if index else ""
            marker = block.raw.split(None, 1)[0]
            kind = "number" if marker[0].isdigit() else marker
            if (
                before.endswith(":")
                or _is_key_points_label(before)
                or self.marker_use.get(kind, 0) > 1
            ):
                continue
            blocks[index] = _paragraph(block.raw, block.lines)
        return blocks


def _is_line_unit(line: str) -> bool:
    """A line that stands on its own even inside a block of lines: a
    caption, date, byline, wire header, dateline, metadata or transcript
    line, a sign-off or a key-points label."""
    if len(line) > 200:
        return False
    return (
        _is_wire_header(line)
        or _CAPTION_COUNT.fullmatch(line) is not None
        or _is_caption(line)
        or _is_date_line(line)
        or _is_byline(line)
        or _is_metadata_line(line)
        or _is_transcript_marker(line)
        or _is_sign_off(line)
        or _is_key_points_label(line)
        or _is_dateline_line(line)
        or _CHROME_LINE.match(line) is not None
    )


def _line_block(line: str) -> _Block:
    """A line of plain text on its own: a ``#`` heading, or a paragraph."""
    heading = _markdown_heading(line)
    if heading is not None and len(heading) <= MAX_MARKDOWN_HEADING_LENGTH:
        marks = len(line) - len(line.lstrip("#"))
        return _Block(
            HEADING, heading, heading, level=marks, lines=(heading,), raw=line
        )
    return _paragraph(line, (line,))


def _wrap_width(lines: list[str]) -> int:
    """The column a hard-wrapped text was wrapped at, or 0 when it is not.

    Hard-wrapped: most lines are about as long as the longest, and lines that
    end mid-sentence are followed by ones that start with a small letter.
    """
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) < 3:
        return 0
    width = lengths[(len(lengths) - 1) * 95 // 100]
    if not 40 <= width <= 100:
        return 0
    pairs = evidence = 0
    for previous, line in zip(lines, lines[1:], strict=False):
        previous, line = previous.strip(), line.strip()
        if not previous or not line:
            continue
        pairs += 1
        if previous[-1] not in _SENTENCE_PUNCTUATION and line[0].islower():
            evidence += 1
    return width if evidence >= 2 and evidence * 5 >= pairs else 0


def _markdown_blocks(body: list[str], warnings: list[str]) -> list[_Block]:
    """Blocks of a Markdown body (CommonMark's, as far as briefs need)."""
    return _MarkdownBuilder(body, warnings).blocks()


class _NextLine:
    """The next line at or after a point that passes a test, for points that
    only move forward: each line is tested once, however many ask."""

    def __init__(self, lines: list[str], test: Callable[[str], bool]) -> None:
        self.lines, self.test = lines, test
        self.tested = 0  # lines before this one that are not ``found`` fail
        self.found: int | None = None

    def after(self, start: int, limit: int) -> int | None:
        """The first passing line in ``start`` … ``limit - 1``, or None."""
        if self.found is None or self.found < start:
            self.found = None
            index = max(start, self.tested)
            while index < min(limit, len(self.lines)):
                if self.test(self.lines[index]):
                    self.found = index
                    break
                index += 1
            self.tested = index
        return self.found if self.found is not None and self.found < limit else None


class _MarkdownBuilder:
    """One pass over a Markdown body's lines; looking ahead for the line
    that ends a template tag or a fence tests each line once."""

    def __init__(self, lines: list[str], warnings: list[str]) -> None:
        self.lines = lines
        self.warnings = warnings
        self.out: list[_Block] = []
        self.paragraph: list[str] = []
        self.dropped_tags = 0
        self.quote_next = False
        self.closers = {
            closer: _NextLine(lines, lambda line, c=closer: line.rstrip().endswith(c))
            for _, closer in _TEMPLATE_TAGS
        }
        self.fences = {
            fence: _NextLine(lines, lambda line, f=fence: line.lstrip().startswith(f))
            for fence in ("```", "~~~")
        }

    def blocks(self) -> list[_Block]:
        lines, index = self.lines, 0
        while index < len(lines):
            index = self._step(index)
        self._end_paragraph()
        if self.dropped_tags:
            self.warnings.append(
                f"{self.dropped_tags} template tag(s) left out (Hugo, Liquid or "
                "Kramdown markup, not article text); their captions are set apart"
            )
        return self.out

    def _step(self, index: int) -> int:
        raw = self.lines[index]
        line = raw.strip()
        indent = len(raw) - len(raw.lstrip(" \t"))
        if not line:
            self._end_paragraph()
            return index + 1
        if line[0].isalpha():
            # No block starts with a letter: this line is text.
            if self.paragraph and _BOILERPLATE_START.match(line):
                self._end_paragraph()
            self.paragraph.append(line)
            return index + 1
        if indent <= 3:
            for opener, closer in _TEMPLATE_TAGS:
                if line.startswith(opener):
                    end = self._template(index, line, opener, closer)
                    if end is not None:
                        return end
            if line.startswith("{:") and line.endswith("}"):
                # A Kramdown attribute line styles the next block.
                self._end_paragraph()
                self.dropped_tags += 1
                self.quote_next = "quote" in line
                return index + 1
            for fence in ("```", "~~~"):
                if line.startswith(fence):
                    close = self.fences[fence].after(index + 1, len(self.lines))
                    if close is not None:
                        self._end_paragraph()
                        code = "\n".join(self.lines[index : close + 1])
                        inner = [row.strip() for row in self.lines[index + 1 : close]]
                        self._add(
                            _Block(CODE, code, " ".join(inner), lines=tuple(inner))
                        )
                        return close + 1
            heading = _markdown_heading(line, max_marks=6)
            if heading is not None:
                self._end_paragraph()
                marks = len(line) - len(line.lstrip("#"))
                self._add_heading(heading, marks)
                return index + 1
            if self.paragraph and _is_setext_line(line):
                self._setext(line)
                return index + 1
            if _is_thematic_break(line):
                self._end_paragraph()
                return index + 1
            if line.startswith(">"):
                self._end_paragraph()
                return self._quote(index)
            if line.startswith("|"):
                self._end_paragraph()
                return self._table(index)
        item = _MARKDOWN_ITEM.match(raw)
        if item and self._starts_list(item, line):
            self._end_paragraph()
            return self._list(index)
        if self.paragraph and _BOILERPLATE_START.match(line):
            self._end_paragraph()
        self.paragraph.append(line)
        return index + 1

    def _add(self, block: _Block) -> None:
        if self.quote_next and block.kind == PARAGRAPH:
            block = _quote_block([block.text])
        self.quote_next = False
        self.out.append(block)

    def _starts_list(self, item: re.Match, line: str) -> bool:
        if len(item.group("indent").expandtabs(4)) > 3:
            return False
        marker = item.group("marker")
        if len(line) == len(marker):
            return False  # a list starts with an item that has text
        # Only a numbered list from 1 may interrupt a paragraph.
        return not self.paragraph or not marker[0].isdigit() or marker[:-1] == "1"

    def _end_paragraph(self) -> None:
        lines, self.paragraph = self.paragraph, []
        if lines:
            self._add(_markdown_paragraph(lines))

    def _add_heading(self, text: str, level: int) -> None:
        inline = _inline(text)
        plain = _plain(inline)
        if not plain:
            return
        self._add(_Block(HEADING, inline, plain, level=level, lines=(plain,)))

    def _setext(self, underline: str) -> None:
        lines, self.paragraph = self.paragraph, []
        text = " ".join(lines)
        if len(_plain(_inline(text))) <= MAX_MARKDOWN_HEADING_LENGTH:
            self._add_heading(text, 1 if underline[0] == "=" else 2)
        else:
            self._add(_markdown_paragraph(lines))

    def _template(self, index: int, line: str, opener: str, closer: str) -> int | None:
        """Drop the template tag starting at ``index``; None if it is not one."""
        end = self.closers[closer].after(index, index + MAX_TEMPLATE_LINES)
        if end is None:
            return None
        if opener == "{{" and end == index and not line.startswith("{{ "):
            return None
        self._end_paragraph()
        tag = "\n".join(row.strip() for row in self.lines[index : end + 1])
        self.dropped_tags += 1
        for name, value in _tag_attributes(tag):
            if name in _QUOTED_ATTRIBUTES:
                self._add(_quote_block([_escape_text(value)]))
            else:
                self.out.append(
                    _Block(PARAGRAPH, value, value, lines=(value,), apart=True)
                )
        return end + 1

    def _quote(self, index: int) -> int:
        lines, parts, current = self.lines, [], []
        while index < len(lines):
            line = lines[index].strip()
            if line.startswith(">"):
                content = line[1:].strip()
                if content:
                    current.append(content)
                elif current:
                    parts.append(current)
                    current = []
            elif line and current and not _starts_block(line):
                current.append(line)  # a lazy continuation line
            else:
                break
            index += 1
        if current:
            parts.append(current)
        if parts:
            self._add(_quote_block([" ".join(part) for part in parts]))
        return index

    def _table(self, index: int) -> int:
        lines, rows = self.lines, []
        while index < len(lines) and lines[index].strip():
            rows.append(_inline(lines[index].strip()))
            index += 1
        plain_rows = tuple(_plain(row) for row in rows)
        block = _Block(TABLE, "\n".join(rows), " ".join(plain_rows), lines=plain_rows)
        self._add(block)
        return index

    def _list(self, index: int) -> int:
        """One list from ``index``: items with or without blank lines between
        them, nested items and continuation lines, up to the first line that
        is none of these."""
        lines = self.lines
        first = _MARKDOWN_ITEM.match(lines[index])
        base = len(first.group("indent").expandtabs(4))
        content = first.end() - len(first.group("indent")) + base
        marker = first.group("marker")
        ordered = marker[0].isdigit()
        start = int(marker[:-1]) if ordered else 1
        out: list[str] = []  # the list's lines as stored
        items: list[list[str]] = []  # each top-level item's text lines
        blank = False
        while index < len(lines):
            raw = lines[index]
            line = raw.strip()
            if not line:
                blank = True
                index += 1
                continue
            indent = len(raw.expandtabs(4)) - len(raw.expandtabs(4).lstrip())
            item = _MARKDOWN_ITEM.match(raw)
            if (
                item
                and item.group("marker")[0].isdigit() == ordered
                and indent < content
            ):
                text = line[len(item.group("marker")) :].strip()
                out.append(f"{item.group('marker')} {_inline(text)}".rstrip())
                items.append([text])
                marker_width = len(item.group("marker")) + 1
                content = indent + marker_width
            elif item and indent >= content and items:
                nested = line[len(item.group("marker")) :].strip()
                out.append(
                    " " * (indent - base) + f"{item.group('marker')} {_inline(nested)}"
                )
                items[-1].append(nested)
            elif items and (
                indent >= content or (not blank and not _starts_block(line))
            ):
                if _BOILERPLATE_START.match(line):
                    break
                out[-1] = f"{out[-1]} {_inline(line)}"
                items[-1].append(line)
            else:
                break
            blank = False
            index += 1
        top = tuple(_repair_bold(_inline(" ".join(parts))) for parts in items)
        plain_items = tuple(_plain(item) for item in top)
        text = "\n".join(_repair_bold(row) for row in out)
        words = sum(len(item.split()) for item in plain_items)
        linked = sum(_link_words(item) for item in top)
        self._add(
            _Block(
                LIST,
                text,
                " ".join(plain_items),
                lines=plain_items,
                items=top,
                plain_items=plain_items,
                ordered=ordered,
                start=start,
                link_share=linked / words if words else 0.0,
            )
        )
        return index


def _markdown_paragraph(lines: list[str]) -> _Block:
    text = _repair_bold(_inline(" ".join(lines)))
    plain = _plain(text)
    emphasis = _whole_emphasis(text)
    words = len(plain.split())
    return _Block(
        PARAGRAPH,
        text,
        plain,
        lines=tuple(lines),
        emphasis=emphasis,
        link_share=_link_words(text) / words if words else 0.0,
    )


def _quote_block(paragraphs: list[str]) -> _Block:
    inline = [_repair_bold(_inline(p)) for p in paragraphs]
    plain = " ".join(_plain(p) for p in inline)
    return _Block(QUOTE, "\n>\n".join(f"> {p}" for p in inline), plain, lines=(plain,))


def _starts_block(line: str) -> bool:
    """Whether a line opens a block of its own rather than continuing text."""
    return (
        line.startswith(("#", ">", "|", "```", "~~~", "{%", "{{"))
        or _is_thematic_break(line)
        or bool(_MARKDOWN_ITEM.match(line))
    )


def _is_setext_line(line: str) -> bool:
    return bool(line) and (
        set(line) == {"="} or (set(line) == {"-"} and len(line) >= 2)
    )


def _is_thematic_break(line: str) -> bool:
    compact = line.replace(" ", "").replace("\t", "")
    return len(compact) >= 3 and len(set(compact)) == 1 and compact[0] in "-*_"


def _tag_attributes(tag: str) -> list[tuple[str, str]]:
    """(name, value) for each quoted value with words in a template tag.

    A value without a space (a path, a class, a flag) is not text. Written
    by hand: a pattern for ``name = "value"`` retried its name at every
    letter of a long word.
    """
    found = []
    position = 0
    while True:
        opening = tag.find('"', position)
        if opening < 0:
            return found
        closing = tag.find('"', opening + 1)
        if closing < 0:
            return found
        value = " ".join(tag[opening + 1 : closing].split())
        before = tag[max(0, opening - 40) : opening].rstrip()
        name = ""
        if before.endswith("="):
            words = before[:-1].rstrip().split()
            name = words[-1].lower() if words else ""
        if " " in value and any(c.isalpha() for c in value) and "://" not in value:
            found.append((name, value))
        position = closing + 1


def _escape_text(text: str) -> str:
    """Plain text made Markdown that renders as the text: every ASCII
    punctuation character backslash-escaped, as CommonMark allows."""
    return "".join(
        f"\\{c}" if c.isascii() and not c.isalnum() and not c.isspace() else c
        for c in text
    )


# Inline Markdown ----------------------------------------------------------------


def _inline(text: str) -> str:
    """Markdown inline text as a brief stores it: HTML tags gone (italic and
    bold made Markdown), images their alt text, and links to anything but
    http, https and mailto their text."""
    if "<" in text:
        text = _HTML_TAG.sub(_replace_tag, text)
    if "](" in text:
        text = _rewrite_links(text, depth=0)
    return text


def _replace_tag(match: re.Match) -> str:
    name = match.group(2).lower()
    if name in _KEPT_EMPHASIS:
        return _KEPT_EMPHASIS[name]
    if name == "br":
        return " "
    return "" if name in _DROPPED_TAGS else match.group(0)


def _link_spans(text: str) -> list[tuple[int, int, int]]:
    """(opening bracket, closing bracket, closing parenthesis) of each
    outermost ``[text](target)`` in ``text``; brackets and parentheses are
    paired in one pass each, with a stack, so nesting costs nothing extra."""
    pairs: dict[str, dict[int, int]] = {"[": {}, "(": {}}
    stacks: dict[str, list[int]] = {"[": [], "(": []}
    closers = {"]": "[", ")": "("}
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in stacks:
            stacks[char].append(index)
        elif char in closers and stacks[closers[char]]:
            pairs[closers[char]][stacks[closers[char]].pop()] = index
        index += 1
    spans, end = [], -1
    for opening in sorted(pairs["["]):
        closing = pairs["["][opening]
        target_end = pairs["("].get(closing + 1)
        if opening > end and target_end is not None:
            spans.append((opening, closing, target_end))
            end = target_end
    return spans


def _rewrite_links(text: str, depth: int) -> str:
    parts, position = [], 0
    for opening, closing, target_end in _link_spans(text):
        image = opening > 0 and text[opening - 1] == "!"
        label = text[opening + 1 : closing]
        if depth < 3 and "](" in label:
            label = _rewrite_links(label, depth + 1)
        target = text[closing + 2 : target_end].strip()
        destination = target[1:].split(">", 1)[0] if target.startswith("<") else target
        destination = destination.split(None, 1)[0] if destination else ""
        keep = (
            not image
            and _is_link_target(destination)
            and " " not in target.split('"')[0].strip()
        )
        parts.append(text[position : opening - 1 if image else opening])
        parts.append(f"[{label}]({target})" if keep else label)
        position = target_end + 1
    parts.append(text[position:])
    return "".join(parts)


def _is_link_target(destination: str) -> bool:
    scheme = destination.split(":", 1)[0].lower() if ":" in destination else ""
    if scheme not in _LINK_SCHEMES:
        return False
    return scheme == "mailto" or bool(urlsplit(destination).netloc)


def _link_words(text: str) -> int:
    """How many words of ``text`` are inside links."""
    if "](" not in text:
        return 0
    return sum(
        len(_plain(text[opening + 1 : closing]).split())
        for opening, closing, _ in _link_spans(text)
    )


def _plain(text: str) -> str:
    """Markdown inline text without its markup, on one line."""
    if "](" in text:
        text = _drop_link_targets(text)
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
        text = _HTML_TAG.sub("", text)
    if "*" in text:
        text = re.sub(r"\*+", _emphasis_run, text)
    if "_" in text:
        text = re.sub(r"_+", _emphasis_run, text)
    if "`" in text:
        text = text.replace("`", "")
    if "\\" in text:
        text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())


def _drop_link_targets(text: str) -> str:
    parts, position = [], 0
    for opening, closing, target_end in _link_spans(text):
        image = opening > 0 and text[opening - 1] == "!"
        parts.append(text[position : opening - 1 if image else opening])
        parts.append(_drop_link_targets(text[opening + 1 : closing]))
        position = target_end + 1
    parts.append(text[position:])
    return "".join(parts)


def _emphasis_run(match: re.Match) -> str:
    """A run of * or _ is emphasis, and goes, when it touches a word on one
    side only; "5 * 3" and snake_case keep theirs."""
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start else " "
    if before == "\\":
        return match.group(0)  # escaped: text, not markup
    after = text[end] if end < len(text) else " "
    if match.group(0)[0] == "_" and before.isalnum() and after.isalnum():
        return match.group(0)
    if before.isspace() and after.isspace():
        return match.group(0)
    return ""


def _whole_emphasis(text: str) -> str:
    """ "bold" or "italic" when all of ``text`` is one emphasis span."""
    for marks, kind in (
        ("**", "bold"),
        ("__", "bold"),
        ("*", "italic"),
        ("_", "italic"),
    ):
        inner = text[len(marks) : -len(marks)]
        if (
            len(text) > 2 * len(marks)
            and text.startswith(marks)
            and text.endswith(marks)
            and marks not in inner
            and inner[:1] not in (" ", marks[0])
            and inner[-1:] not in (" ", marks[0])
        ):
            return kind
    return ""


def _repair_bold(text: str) -> str:
    """Bold markup broken by a space inside it (``** Name**``, ``**Source: **``)
    or by back-to-back pairs (``**a****b**``) mended so that it renders as
    bold instead of showing its asterisks. Other runs of * are left alone."""
    if "**" not in text:
        return text
    pieces = re.split(r"(\*+)", text)
    runs = [i for i in range(1, len(pieces), 2) if len(pieces[i]) in (2, 4)]
    opened = None
    pairs = []
    for index in runs:
        if len(pieces[index]) == 4:
            if opened is not None:
                pieces[index] = ""  # close and reopen: one span
            continue
        if opened is None:
            opened = index
        else:
            pairs.append((opened, index))
            opened = None
    for opening, closing in pairs:
        after = pieces[opening + 1] if opening + 1 < len(pieces) else ""
        if after[:1].isspace():
            pieces[opening - 1] += after[: len(after) - len(after.lstrip())]
            pieces[opening + 1] = after.lstrip()
        before = pieces[closing - 1]
        if before[-1:].isspace() and before.strip():
            pieces[closing - 1] = before.rstrip()
            pieces[closing + 1] = before[len(before.rstrip()) :] + pieces[closing + 1]
    return "".join(pieces)


# Parsing ------------------------------------------------------------------------


def parse(
    text: str, *, markdown: bool = False, fields: Fields | None = None
) -> ParsedDocument:
    """Parse a document's text. Raises ParseError when it holds no body text.

    ``markdown`` says the text is Markdown (a ``.md`` file, or what the
    readers of web pages and Word files make); front matter saying
    ``format: markdown`` says so too. ``fields`` are what a reader found
    beside the text (a web page's title, say); without them, the text's own
    front matter, if any, gives them. Fields win over what the text gives.
    """
    if "\x00" in text:
        raise ParseError("binary file (it contains NUL bytes), not a text document")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if fields is None:
        fields, text = split_front_matter(text)
    fields = fields or Fields()
    markdown = markdown or fields.markdown
    # Stray control characters are invisible noise from copy and paste.
    text = CONTROL.sub(" ", text)
    lines = [line.rstrip() for line in text.split("\n")]
    if not any(line.strip() for line in lines):
        if fields.title or fields.summary:
            raise ParseError(
                "no body text: the front matter is not followed by any text"
            )
        raise ParseError("empty document: there is no text in it")

    warnings: list[str] = list(fields.warnings)
    position = _skip_blank(lines, 0)
    header, position = _parse_header(lines, position, warnings)
    body = lines[position:]
    blocks = _markdown_blocks(body, warnings) if markdown else _text_blocks(body)
    # A header's values that the fields override are kept apart, not lost.
    set_apart = [
        f"{name.title()}: {value}"
        for name, value in header.items()
        if name != "tags" and getattr(fields, name) and value
    ]
    set_apart += [block.text for block in blocks if block.apart]
    blocks = [block for block in blocks if not block.apart and block.plain]
    if not blocks:
        raise ParseError(
            "no body text: the document holds only a header, markup or template tags"
        )
    dateline = fields.dateline
    blocks = _fill_dateline_placeholder(blocks, dateline, markdown, warnings)
    key_points, blocks, on_top = _take_key_points(blocks)
    if not blocks:
        raise ParseError("the key points are not followed by any body text")

    story = _Story(
        blocks,
        title=fields.title or header.get("title", ""),
        byline=fields.byline or header.get("byline", ""),
        summary=fields.summary,
        markdown=markdown,
    )
    story.read_front()
    story.read_end()
    sections = story.sections()
    title = story.title
    found = story.split_dateline(sections)
    if found:
        if not dateline or found.casefold() == dateline.casefold():
            dateline = dateline or found
        else:
            story.restore_dateline(sections)
    dateline = dateline or story.dateline_line

    if not title:
        if key_points and on_top:
            title = key_points[0]
        else:
            title = _title_from(story.lead_text(sections))
    elif len(title) > MAX_TITLE_LENGTH:
        warnings.append(f"title cut to {MAX_TITLE_LENGTH} characters; it was {title!r}")
    for point in key_points:
        if len(point) > MAX_KEY_POINT_LENGTH:
            warnings.append(
                f"key point cut to {MAX_KEY_POINT_LENGTH} characters; it was {point!r}"
            )
    tags = tuple(dict.fromkeys([*fields.tags, *header.get("tags", ())]))
    return ParsedDocument(
        title=_truncate(title, MAX_TITLE_LENGTH),
        dateline=dateline,
        key_points=tuple(
            _truncate(point, MAX_KEY_POINT_LENGTH) for point in key_points
        ),
        sections=tuple(sections),
        source=fields.source or header.get("source", ""),
        byline=story.byline,
        url=fields.url or header.get("url", ""),
        published=fields.published or header.get("published"),
        tags=tags,
        summary=story.summary,
        markdown=markdown,
        set_apart=(*set_apart, *story.set_apart),
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
    """A key-points label, any case and spacing, optional colon."""
    if line.lstrip()[:1] not in ("k", "K", "h", "H", "a", "A", "s", "S"):
        return False
    return bool(_KEY_POINTS_LABEL.fullmatch(" ".join(line.split())))


def _fill_dateline_placeholder(
    blocks: list[_Block], dateline: str, markdown: bool, warnings: list[str]
) -> list[_Block]:
    """``$DATELINE$`` opening the body marks where the fields' dateline goes:
    the mark is not text, so it leaves the paragraph."""
    first = blocks[0]
    if first.kind != PARAGRAPH or not first.text.startswith("$DATELINE$"):
        return blocks
    if not dateline:
        warnings.append("$DATELINE$ left out: the front matter gives no dateline")
    rest = first.text.removeprefix("$DATELINE$").lstrip()
    if not rest:
        return blocks[1:]
    block = _markdown_paragraph([rest]) if markdown else _paragraph(rest, (rest,))
    return [block, *blocks[1:]]


def _take_key_points(
    blocks: list[_Block],
) -> tuple[tuple[str, ...], list[_Block], bool]:
    """The first labelled list's items, the blocks without it, and whether
    it opened the document. Later labelled lists stay lists."""
    for index, block in enumerate(blocks[:-1]):
        if (
            block.kind in (PARAGRAPH, HEADING)
            and blocks[index + 1].kind == LIST
            and _is_key_points_label(block.plain)
        ):
            points = blocks[index + 1].plain_items
            return points, blocks[:index] + blocks[index + 2 :], index == 0
    return (), blocks, False


class _Story:
    """The body's blocks read as a story: its front (title, byline, deck,
    dateline line, chrome set apart), its headings, its end."""

    def __init__(
        self,
        blocks: list[_Block],
        *,
        title: str,
        byline: str,
        summary: str,
        markdown: bool,
    ) -> None:
        self.blocks = blocks
        self.title, self.byline, self.summary = title, byline, summary
        self.markdown = markdown
        self.set_apart: list[str] = []
        self.first_prose: tuple[int, int] | None = None
        self.lead: _Block | None = None
        self.dateline_line = ""
        self.lead_with_dateline = ""  # the first paragraph before its dateline went

    def _apart(self, block: _Block) -> None:
        self.set_apart.append(block.text if self.markdown else block.stored(False))

    def read_front(self) -> None:
        """Walk the blocks before the story's first paragraph, taking what
        they give and setting apart what is not the story."""
        blocks = self.blocks
        given_title = self.title
        title, byline, summary, dateline = self.title, self.byline, self.summary, ""
        candidates: list[int] = []
        apart: list[int] = []
        start = None
        wants_summary = False
        seen_byline = False
        for index, block in enumerate(blocks[:MAX_FRONT_BLOCKS]):
            after = blocks[index + 1] if index + 1 < len(blocks) else None
            if (
                seen_byline
                and block.kind == PARAGRAPH
                and block.single_line
                and _title_shape(block.plain)
                and not _is_prose(block)
            ):
                apart.append(index)  # a headline comes before its byline
                continue
            if wants_summary and block.kind == PARAGRAPH:
                wants_summary = False
                if not summary:
                    summary = block.plain
                    continue
            if not title and block.kind == HEADING and block.level == 1:
                title = _heading_text(block, self.markdown)
                self.title = title
                continue
            kind = self._front_kind(block, after)
            if kind == "story":
                start = index
                break
            if kind == "candidate":
                candidates.append(index)
            elif kind == "dateline":
                dateline = _split_dateline(f"{block.plain} x").dateline.strip()
                apart.append(index)
            elif kind == "byline":
                seen_byline = True
                if byline:
                    apart.append(index)
                else:
                    byline = _byline_name(block.plain)
            elif kind == "summary" and not summary:
                summary = _summary_text(block.plain)
                wants_summary = not summary
                if wants_summary:
                    apart.append(index)
            elif kind == "deck" and not summary:
                summary = block.plain
            else:
                apart.append(index)
        if start is None:
            # No story paragraph: nothing is set apart, and a heading-like
            # first line is the title, as it always was.
            self.title = given_title
            first = blocks[0]
            headline = candidates[:1] == [0] or (
                first.kind == HEADING and first.level == 1
            )
            if not self.title and headline and len(blocks) > 1:
                self.title = _heading_text(first, self.markdown)
                self.blocks = blocks[1:]
            return
        if not title and candidates:
            chosen = self._choose_title(candidates)
            title = _heading_text(blocks[chosen], self.markdown)
            candidates.remove(chosen)
        for index in candidates:
            block = blocks[index]
            if index == start - 1 and _heading_text_ok(block, marked=bool(block.level)):
                start = index  # the story opens with this heading
            else:
                apart.append(index)
        self.title, self.byline, self.summary = title, byline, summary
        self.dateline_line = dateline
        for index in sorted(apart):
            if index < start:
                self._apart(blocks[index])
        self.blocks = blocks[start:]

    def _front_kind(self, block: _Block, after: _Block | None) -> str:
        plain = block.plain
        if block.kind == LIST:
            return "apart" if _is_link_list(block) else "story"
        if block.kind == TABLE:
            return "apart"
        if block.kind in (QUOTE, CODE):
            return "story"
        if self.title and _same_text(plain, self.title):
            return "apart"
        if block.kind == PARAGRAPH and _is_dateline_line(plain) and after is not None:
            return "dateline"
        if len(block.lines) > 1 and all(
            _FIELD_LINE.match(_plain(line) if self.markdown else line)
            for line in block.lines
        ):
            return "apart"
        if _is_byline(plain):
            return "byline"
        if block.kind == PARAGRAPH and _is_summary_label(plain):
            return "summary"
        if (
            _is_caption(plain)
            or _is_date_line(plain)
            or _is_wire_header(plain)
            or _is_sign_off(plain)
            or _is_transcript_marker(plain)
            or (block.single_line and _CHROME_LINE.match(plain))
        ):
            return "apart"
        if block.emphasis == "italic" and len(plain.split()) >= 3:
            return "deck"
        prose = _is_prose(block)
        if not prose and (
            block.link_share >= 0.6 or (self.title and _contains(plain, self.title))
        ):
            return "apart"
        if block.kind == HEADING:
            if (
                after is not None
                and _is_story_content(after)
                and _heading_text_ok(block, marked=True)
            ):
                return "candidate" if not self.title else "story"
            return (
                "candidate"
                if not self.title and _heading_text_ok(block, marked=True)
                else "apart"
            )
        if prose:
            return "story"
        if block.single_line and _title_shape(plain):
            if self.title:
                if (
                    after is not None
                    and _is_body_text(after)
                    and _heading_text_ok(block, marked=False)
                ):
                    return "story"
                return "apart" if after is None or _is_front_chrome(after) else "story"
            return "candidate"
        if block.single_line and _is_metadata_line(plain):
            return "apart"
        return "story"

    def _choose_title(self, candidates: list[int]) -> int:
        """A level-1 heading; else a marked heading; else the first line,
        unless a later one is half as long again (a headline under a
        section label such as "World News")."""
        blocks = self.blocks
        for wanted in (
            lambda b: b.level == 1,
            lambda b: b.level or b.emphasis == "bold",
        ):
            for index in candidates:
                if wanted(blocks[index]):
                    return index
        longest = max(candidates, key=lambda index: (len(blocks[index].plain), -index))
        first = candidates[0]
        if len(blocks[longest].plain) >= 1.5 * len(blocks[first].plain):
            return longest
        return first

    def read_end(self) -> None:
        """Set apart what closes a release after its story: sign-offs ("###",
        "-30-", "ENDS"), boilerplate (disclaimers, copyright notices),
        contact lines, a lone place name, a page's closing links ("Related
        Topics" and the short lines under it), and a page's lines anywhere
        ("Media playback is unsupported on your device")."""
        blocks = self.blocks
        end = len(blocks)
        while end > 1:
            block, before = blocks[end - 1], blocks[end - 2]
            if block.kind != PARAGRAPH:
                break
            text = block.plain
            closing = (
                _is_sign_off(text)
                or _BOILERPLATE_START.match(text)
                or (block.single_line and _is_metadata_line(text))
                or (
                    _is_place_line(block)
                    and (_is_prose(before) or _is_metadata_line(before.plain))
                )
            )
            if not closing:
                end = _closing_chrome(blocks, end)
                break
            end -= 1
        story = []
        for block in blocks[:end]:
            if (
                block.kind == PARAGRAPH
                and block.single_line
                and _CHROME_LINE.match(block.plain)
            ):
                self._apart(block)
            else:
                story.append(block)
        for block in blocks[end:]:
            self._apart(block)
        self.blocks = story or blocks[:end]

    def sections(self) -> list[ParsedSection]:
        blocks = self.blocks
        headings = _decide_headings(blocks, markdown=self.markdown)
        sections: list[ParsedSection] = []
        heading, paragraphs = "", []
        for index, block in enumerate(blocks):
            if index in headings:
                if paragraphs or heading or sections:
                    sections.append(ParsedSection(heading, tuple(paragraphs)))
                heading, paragraphs = _heading_text(block, self.markdown), []
                continue
            stored = block.stored(self.markdown)
            if not stored.strip():
                continue
            if (
                self.first_prose is None
                and block.kind == PARAGRAPH
                and _is_prose(block)
            ):
                self.first_prose = (len(sections), len(paragraphs))
            if self.lead is None:
                self.lead = block
            paragraphs.append(stored)
        sections.append(ParsedSection(heading, tuple(paragraphs)))
        return sections

    def lead_text(self, sections: list[ParsedSection]) -> str:
        """The plain text of the story's first paragraph of prose (after its
        dateline), else of its first block, else its first heading."""
        if self.first_prose is not None:
            section, paragraph = self.first_prose
            text = sections[section].paragraphs[paragraph]
            return _plain(text) if self.markdown else text
        if self.lead is not None:
            if self.lead.kind == LIST and self.lead.plain_items:
                return self.lead.plain_items[0]
            return self.lead.plain if self.markdown else self.lead.text
        return sections[0].heading

    def split_dateline(self, sections: list[ParsedSection]) -> str:
        """The dateline at the start of the story's first paragraph, taken
        off it; "" when there is none."""
        if self.first_prose is None or self.dateline_line:
            return ""
        section_index, paragraph_index = self.first_prose
        if section_index or paragraph_index:
            return ""
        section = sections[0]
        paragraph = section.paragraphs[0]
        plain = _plain(paragraph) if self.markdown else paragraph
        found = _split_dateline(plain)
        if not found or not _is_dateline(found, plain, self._speaker_labels()):
            return ""
        if self.markdown:
            rest = _markdown_rest(paragraph, plain, len(plain) - len(found.rest))
            if rest is None:
                return ""
        else:
            rest = found.rest.strip()
        self.lead_with_dateline = paragraph
        sections[0] = ParsedSection(section.heading, (rest, *section.paragraphs[1:]))
        return found.dateline.strip()

    def _speaker_labels(self) -> bool:
        """Whether paragraphs open with a speaker's label ("JOURNALIST: …"),
        as in a transcript, where "NAME:" is a speaker, not a dateline."""
        labelled = 0
        for block in self.blocks[1:]:
            if block.kind == PARAGRAPH and _SPEAKER_LABEL.match(block.plain):
                labelled += 1
                if labelled > 1:
                    return True
        return False

    def restore_dateline(self, sections: list[ParsedSection]) -> None:
        """Put back a dateline that the fields' dateline overrides."""
        if not self.lead_with_dateline:
            return
        section = sections[0]
        sections[0] = ParsedSection(
            section.heading, (self.lead_with_dateline, *section.paragraphs[1:])
        )


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
            and block.emphasis != "italic"
            and _is_body_text(after)
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


@lru_cache(maxsize=4096)  # documents repeat their labels and headings
def _is_not_heading_text(text: str) -> bool:
    return (
        _is_caption(text)
        or _is_date_line(text)
        or _is_calendar(text)
        or _is_transcript_marker(text)
        or _is_byline(text)
        or _is_wire_header(text)
        or _is_sign_off(text)
        or _is_summary_label(text)
        or _is_key_points_label(text)
        or _is_metadata_line(text)
        or _CHROME_LINE.match(text) is not None
        or _CREDIT_LINE.match(text) is not None
    )


@lru_cache(maxsize=4096)
def _title_shape(text: str) -> bool:
    """A line that reads as a headline or heading, not as part of a sentence."""
    first = text[:1]
    if not first or first.islower() or first in _OPENING_MARKS or first in "-*•+#":
        return False
    if len(text) > MAX_BODY_TITLE_LENGTH:
        return False
    last = text.rstrip(_CLOSING_MARKS)[-1:] or text[-1]
    words = text.split()
    if last in _TERMINAL_PUNCTUATION and not (last == "?" and len(words) > 1):
        return False
    if words[-1].lower().strip(",.;:'’\"”") in _FUNCTION_WORDS:
        return False
    if _BULLET.match(text) or _is_not_heading_text(text):
        return False
    return _first_sentence(text) == text


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


def _comparable(text: str) -> str:
    return " ".join(text.translate(_STRAIGHT_QUOTES).split()).casefold().rstrip(".")


def _same_text(text: str, other: str) -> bool:
    return _comparable(text) == _comparable(other)


def _contains(text: str, part: str) -> bool:
    part = _comparable(part)
    return len(part) >= 8 and part in _comparable(text)


def _is_front_chrome(block: _Block) -> bool:
    """What a page puts around a story's head: dates, captions, bylines,
    wire header lines, metadata, links, and label lines."""
    text = block.plain
    if block.kind == TABLE or (block.kind == PARAGRAPH and block.link_share >= 0.6):
        return True
    if block.kind != PARAGRAPH:
        return False
    return (
        _is_date_line(text)
        or _is_caption(text)
        or _is_byline(text)
        or _is_wire_header(text)
        or _is_metadata_line(text)
        or (block.single_line and _title_shape(text))
    )


def _is_link_list(block: _Block) -> bool:
    """A list of links: navigation, downloads, versions."""
    if block.link_share >= 0.6:
        return True
    return all(
        "](" in item and len(plain.split()) <= 6
        for item, plain in zip(block.items, block.plain_items, strict=True)
    )


def _closing_chrome(blocks: list[_Block], end: int) -> int:
    """Where a page's closing chrome starts: a line such as "Related Topics"
    or "More on this story" followed only by short lines (its links), among
    the last blocks; ``end`` when there is none."""
    start = end
    while start > 1 and end - start < 12:
        block = blocks[start - 1]
        if block.kind != PARAGRAPH or not block.single_line or _is_prose(block):
            return end
        if _CHROME_LINE.match(block.plain):
            return start - 1
        if block.plain.count(" ") > 5:
            return end
        start -= 1
    return end


def _is_place_line(block: _Block) -> bool:
    """A line that is only a name in capitals, as a place signing off a release."""
    words = block.plain.split()
    return (
        block.kind == PARAGRAPH
        and block.single_line
        and 0 < len(words) <= 4
        and all(word[:1].isupper() and word.isalpha() for word in words)
    )


def _is_metadata_line(text: str) -> bool:
    """ "Contact: …", "Date: …", "Phone: …": a release's particulars."""
    return bool(_METADATA_LINE.match(text)) and len(text) <= 200


def _is_caption(text: str) -> bool:
    return bool(
        _CAPTION_START.match(text)
        or _CAPTION_COUNT.fullmatch(text)
        or (len(text) <= 600 and _PHOTO_CREDIT.search(text))
    )


def _is_date_line(text: str) -> bool:
    """A line that is only a date (and time), perhaps "Updated" or "Posted"."""
    if len(text) > 80 or not _DIGIT.search(text):
        return False
    tokens = [token for token in re.split(r"[\s,/|()\-–—:]+", text.lower()) if token]
    if not tokens:
        return False
    has_digit = False
    has_date = False
    for token in tokens:
        word = token.rstrip(".")
        if word.isdigit() or re.fullmatch(
            r"\d{1,4}(?:st|nd|rd|th|\.\d{1,2}){0,2}", word
        ):
            has_digit = True
            has_date = (
                has_date or len(word) == 4 or word.endswith(("st", "nd", "rd", "th"))
            )
        elif word in _MONTHS:
            has_date = True
        elif word not in _DATE_WORDS:
            return False
    return has_digit and (has_date or len(tokens) >= 3)


def _is_calendar(text: str) -> bool:
    """A calendar entry: "Monday, July 4: …", "July 4 – …", "10:00 a.m. …"."""
    if _MONTH_DAY_ENTRY.match(text) or (len(text) <= 300 and _CLOCK_TIME.search(text)):
        return True
    weekday = _WEEKDAY_START.match(text)
    return bool(weekday) and (
        weekday.group(0).lower().rstrip(".,").endswith("day")
        or text[weekday.end() : weekday.end() + 1] in ",:"
    )


def _is_transcript_marker(text: str) -> bool:
    """[inaudible], (Laughter.), E&OE, or a speaker's label such as "JOURNALIST:"."""
    if text[:1] in "[(" and text[-1:] in "])" and len(text) <= 80:
        return True
    return bool(_E_AND_OE.match(text) or _SPEAKER_LABEL.fullmatch(text))


def _is_sign_off(text: str) -> bool:
    """###, -30-, END, ENDS, XXX: the marks that close a release."""
    if len(text) > 20:
        return False
    core = "".join(char for char in text if char.isalnum()).lower()
    return core in ("", "end", "ends", "30", "xxx", "endit")


def _is_byline(text: str) -> bool:
    match = _BYLINE.match(text)
    if not match or len(text) > 100:
        return False
    name = text[match.end() :]
    return name[:1].isupper() and len(name.split()) <= 8 and name[-1:] not in ".!?:"


def _byline_name(text: str) -> str:
    match = _BYLINE.match(text)
    return text[match.end() :].strip() if match else ""


def _is_summary_label(text: str) -> bool:
    if text[:7].lower() != "summary":
        return False
    return bool(_SUMMARY_LABEL.fullmatch(" ".join(text.split()))) or (
        text.lower().startswith("summary:") and len(text) > 9
    )


def _summary_text(text: str) -> str:
    return text.split(":", 1)[1].strip() if ":" in text else ""


def _is_wire_header(text: str) -> bool:
    """A wire service's header line: an id (AP880911-0016), a slug
    (AM-Haiti, BC-Iran-Talks), a word count ("450 words") or a reading time."""
    if len(text) > 60:
        return False
    return bool(
        _WIRE_ID.fullmatch(text)
        or _WORD_COUNT.fullmatch(text)
        or (_WIRE_SLUG.match(text) and len(text.split()) <= 6)
    )


def _is_dateline_line(text: str) -> bool:
    """A dateline on a line of its own: "SANTO DOMINGO, Dominican Republic (AP) _"."""
    if (
        len(text) > MAX_DATELINE_PLACE_LENGTH + _MAX_DATELINE_MORE
        or not text[:1].isupper()
    ):
        return False
    if text[-1:] not in ":-–—_":
        return False
    found = _split_dateline(f"{text} x")
    return bool(found) and found.rest == "x" and _is_dateline(found, f"{text} x", False)


def _is_dateline(found: _Dateline, text: str, speakers: bool) -> bool:
    """Whether a dateline's shape in ``text`` holds a place: capitals, not a
    label such as "NOTICE:" or "UPDATE:", and not a speaker's name in a
    transcript ("JOURNALIST: …")."""
    if not _is_place(found.place) or found.place.upper() in _NOT_PLACES:
        return False
    separator = text[len(found.dateline) : len(text) - len(found.rest)].strip()
    return not (speakers and separator == ":")


def _markdown_rest(markdown: str, plain: str, rest_start: int) -> str | None:
    """The Markdown paragraph after the dateline that ends at ``rest_start``
    of its plain text: the plain characters are found in the Markdown in
    order, skipping its markup; None when they cannot be."""
    position = 0
    limit = rest_start + 200
    for char in plain[:rest_start]:
        while position < len(markdown) and markdown[position] != char:
            position += 1
            if position > limit:
                return None
        position += 1
    if position > len(markdown):
        return None
    target = plain[rest_start : rest_start + 1]
    while position < len(markdown) and target and markdown[position] != target:
        if position > limit:
            return None
        position += 1
    rest = markdown[position:]
    if markdown[:position].count("**") % 2:
        rest = f"**{rest}"
    return rest.strip()


# Titles and sentences -----------------------------------------------------------


def _title_from(paragraph: str) -> str:
    """A title from the lead: its first sentence without its closing stop.

    The lead stays whole in the body. A sentence longer than 200 characters
    is cut at the last clause break (", ", "; ", a dash, " and ", " but ")
    before that length that leaves at least eight words, else at a word
    boundary with "…".
    """
    text = paragraph.strip()
    sentence = _without_attribution(_first_sentence(text).rstrip(" .:;"))
    if len(sentence) <= MAX_BODY_TITLE_LENGTH:
        return sentence or text
    best = -1
    for mark in _CLAUSE_BREAKS:
        cut = sentence.rfind(mark, 0, MAX_BODY_TITLE_LENGTH)
        if cut > best and len(sentence[:cut].split()) >= MIN_TITLE_WORDS:
            best = cut
    if best > 0:
        return sentence[:best].rstrip(" ,;–—-")
    return _truncate(sentence, MAX_BODY_TITLE_LENGTH)


def _without_attribution(sentence: str) -> str:
    """A lead without its closing attribution: ", a police spokesman said",
    ", officials said on Tuesday"."""
    comma = sentence.rfind(", ")
    if comma < 0:
        return sentence
    tail = sentence[comma + 2 :].split()
    saying = {"said", "says", "told", "announced", "reported", "according"}
    if len(tail) <= 8 and saying & {word.lower() for word in tail}:
        head = sentence[:comma]
        if len(head.split()) >= MIN_TITLE_WORDS:
            return head
    return sentence


def _first_sentence(text: str) -> str:
    """``text`` up to the end of its first sentence.

    A full stop ends a sentence when a space and a capital, a digit or a
    quotation mark follow it, and it does not close an abbreviation (Gov.,
    Mr., U.S., Jan.) or an initial. Scanned once: each stop looks back at
    most a short word.
    """
    length = len(text)
    index = 0
    while index < length:
        char = text[index]
        if char not in ".!?…":
            index += 1
            continue
        run_end = index
        while run_end < length and text[run_end] in ".!?…":
            run_end += 1
        close = run_end
        while close < length and text[close] in _CLOSING_MARKS:
            close += 1
        if close >= length:
            return text
        if text[close].isspace():
            following = close
            while following < length and text[following].isspace():
                following += 1
            nxt = text[following : following + 1]
            starts = nxt.isupper() or nxt.isdigit() or (nxt and nxt in _OPENING_MARKS)
            stop_only = text[index:run_end] == "."
            if starts and not (stop_only and _is_abbreviation(text, index)):
                return text[:close]
        index = run_end
    return text


def _is_abbreviation(text: str, stop: int) -> bool:
    """Whether the full stop at ``stop`` closes an abbreviation or initial."""
    start = stop
    while start > 0 and stop - start < 12 and not text[start - 1].isspace():
        start -= 1
    word = text[start:stop].lstrip(_OPENING_MARKS)
    if not word or stop - start >= 12:
        return False
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "Jerome H. Powell"
    if "." in word:
        return True  # "U.S.", "e.g."
    return word.lower() in _ABBREVIATIONS


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return f"{cut or text[: limit - 1]}…"


# Markdown headings and datelines ------------------------------------------------


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


class _Dateline(NamedTuple):
    dateline: str  # the place and anything after it up to the separator
    place: str
    rest: str  # the paragraph after the separator


def _split_dateline(paragraph: str) -> _Dateline | None:
    """The dateline shape at the start of ``paragraph``, or None.

    A place (see _PLACE), optionally followed by ", more" or "(Agency)", then
    ": ", " - ", " -- ", " _ " (old wire copy's dash) or a long dash, then
    the rest. Where more than one end of the place fits, the longest place
    wins, as it would for a greedy regular expression; the caller then
    checks that it is a place in capitals.

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
    """Where the rest starts after ": ", " - ", " -- ", " _ " or a long dash at ``start``."""
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
    if char == "_" and mark > start:
        rest = _BLANKS.match(text, mark + 1).end()
        if rest > mark + 1 and _starts_text(text, rest):
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
