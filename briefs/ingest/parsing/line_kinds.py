"""What a line is when it is not story text: captions, date lines and calendar
entries, bylines, wire header lines, metadata, transcript markers, sign-offs,
page chrome, bullets, and the labels of key points and summaries."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from briefs.ingest.parsing.text import _words

# Every pattern in this package matches in time linear in its input: none can
# retry a run of characters, as "\s*:?\s*$" or ".*?(?:[ \t]+#+)?[ \t]*$" did (two
# quantifiers that can share a run of spaces, then something that may fail:
# every split of the run is tried, and a 2 MB line took hours). Where a rule
# needs such a split it is written with string methods instead, and
# tests/test_parsing.py checks each rewrite against the pattern it replaced.

# Matched against a label line with its runs of white space made single spaces.
_KEY_POINTS_LABEL = re.compile(
    r"(?:key points|key takeaways|(?:key )?highlights|at a glance|summary points) ?:?",
    re.IGNORECASE,
)
_SUMMARY_LABEL = re.compile(r"summary ?:?", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)])\s+(?P<text>\S.*)$")
_DIGIT = re.compile(r"\d")

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
_MONTH_NAME = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        (
            "jan",
            "feb",
            "mar",
            "apr",
            "may",
            "jun",
            "jul",
            "aug",
            "sep",
            "oct",
            "nov",
            "dec",
        ),
        1,
    )
}
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)? {_MONTH_NAME},? (\d{{4}})\b", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b{_MONTH_NAME} (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})\b", re.IGNORECASE
)
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
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
# An old wire's slug line: perhaps a message number, priority and category
# letters, the slug, the date (month-day) and a word count: "r a PM-Drugs
# 09-11 0412", "a0411 u i Iran-Talks 1stLd-Writethru 04-12 0650".
_WIRE_SLUG_LINE = re.compile(
    r"(?:[a-z]\d{3,4} )?(?:[a-z] ){1,3}[A-Za-z][\w'&/-]*(?: [\w'&/-]+){0,3} \d{1,2}-\d{1,2} \d{2,5}"
)
_WORD_COUNT = re.compile(
    r"\(?\d{1,5} words?\)?\.?|\d{1,3} min(?:ute)?s? read", re.IGNORECASE
)
_BYLINE = re.compile(r"(?:by|story by|written by|words by) (?=\S)", re.IGNORECASE)
# A proclamation's formula over its text ("BY THE PRESIDENT OF THE UNITED
# STATES OF AMERICA"): who proclaims, not who wrote it.
_PROCLAMATION_FORMULA = re.compile(r"by the (?:president|governor)\b", re.IGNORECASE)
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
# A government site's section labels, printed over each of its pages
# (where the page sits on the site), and a proclamation's label over its
# text: not headings of the text.
_SITE_SECTION = re.compile(
    r"(?:statements and releases|briefing room|speeches and remarks"
    r"|press briefings|presidential actions|press releases|fact sheets"
    r"|a proclamation)",
    re.IGNORECASE,
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
# A speech's note on its text: how it stands to what was said.
_DELIVERY_NOTE = re.compile(
    r"\(?(?:as prepared(?: for delivery)?|as delivered|check against (?:delivery"
    r"|the spoken word)|please check against delivery)\)?[.!]?",
    re.IGNORECASE,
)
# What a transcript records, on its own line at the top ("DOORSTOP
# INTERVIEW", "Radio interview with …"); "TRANSCRIPT" alone labels one.
_TRANSCRIPT_EVENT = re.compile(
    r"(?:joint )?(?:doorstop(?: interview)?|press conference|media conference"
    r"|news conference|(?:radio|television|tv|podcast) interview|interview)"
    r"(?: with [^\W\d_].*)?",
    re.IGNORECASE,
)
_TRANSCRIPT_LABEL = re.compile(r"(?:transcript|e ?& ?oe)", re.IGNORECASE)
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


def _is_key_points_label(line: str) -> bool:
    """A key-points label, any case and spacing, optional colon."""
    if line.lstrip()[:1] not in ("k", "K", "h", "H", "a", "A", "s", "S"):
        return False
    return bool(_KEY_POINTS_LABEL.fullmatch(" ".join(line.split())))


@lru_cache(maxsize=4096)  # documents repeat their labels and headings
def _is_not_heading_text(text: str) -> bool:
    return (
        _is_caption(text)
        or _is_date_line(text)
        or _is_calendar(text)
        or _is_transcript_marker(text)
        or _DELIVERY_NOTE.fullmatch(text) is not None
        or _is_byline(text)
        or _is_wire_header(text)
        or _is_sign_off(text)
        or _is_summary_label(text)
        or _is_key_points_label(text)
        or _is_metadata_line(text)
        or _CHROME_LINE.match(text) is not None
        or _CREDIT_LINE.match(text) is not None
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


def _date_of_line(text: str) -> dt.date | None:
    """The day a date line gives ("12 March 2023", "Monday, March 12th,
    2023", "2023-03-12"), or None when it names no whole day."""
    found = _DAY_MONTH_YEAR.search(text)
    if found:
        day, month, year = found.group(1, 2, 3)
    else:
        found = _MONTH_DAY_YEAR.search(text)
        if found:
            month, day, year = found.group(1, 2, 3)
        else:
            found = _ISO_DAY.search(text)
            if not found:
                return None
            year, month, day = found.group(1, 2, 3)
    number = int(month) if month.isdigit() else _MONTH_NUMBERS[month.lower()[:3]]
    try:
        return dt.date(int(year), number, int(day))
    except ValueError:
        return None


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


def _transcript_event(text: str) -> str:
    """What a transcript's header line says it records, written as a title
    ("DOORSTOP INTERVIEW" is "Doorstop interview", "RADIO INTERVIEW WITH
    JANE DOE" is "Radio interview with Jane Doe"); "" for any other line."""
    text = " ".join(text.split())
    if len(text) > 120 or not _TRANSCRIPT_EVENT.fullmatch(text):
        return ""
    if not text.isupper():
        return text
    event, with_, guest = text.partition(" WITH ")
    return event.capitalize() + (f" with {guest.title()}" if with_ else "")


def _is_sign_off(text: str) -> bool:
    """###, -30-, END, ENDS, XXX: the marks that close a release."""
    if len(text) > 20:
        return False
    core = "".join(char for char in text if char.isalnum()).lower()
    return core in ("", "end", "ends", "30", "xxx", "endit")


def _is_byline(text: str) -> bool:
    match = _BYLINE.match(text)
    if not match or len(text) > 100 or _PROCLAMATION_FORMULA.match(text):
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
    (AM-Haiti, BC-Iran-Talks), a slug line ("r a PM-Drugs 09-11 0412"), a
    word count ("450 words") or a reading time."""
    if len(text) > 60:
        return False
    return bool(
        _WIRE_ID.fullmatch(text)
        or _WORD_COUNT.fullmatch(text)
        or (_WIRE_SLUG.match(text) and len(text.split()) <= 6)
        or _WIRE_SLUG_LINE.fullmatch(text)
    )
