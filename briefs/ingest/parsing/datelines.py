"""Datelines: ``NEW DELHI:``, ``BANGKOK (Reuters) -``, ``SANTO DOMINGO, Dominican
Republic (AP) _``, at the start of a paragraph or on a line of their own."""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from briefs.ingest.parsing.text import _words

# Patterns here match in linear time: see the note in line_kinds.py.
MAX_DATELINE_PLACE_LENGTH = 40

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
