"""Titles and sentences: what reads as a headline, the first sentence of a text,
and a title made from the lead."""

from __future__ import annotations

from functools import lru_cache

from briefs.ingest.parsing.line_kinds import (
    _BULLET,
    _DATE_WORDS,
    _is_not_heading_text,
)
from briefs.ingest.parsing.text import _words

MAX_TITLE_LENGTH = 300
MAX_BODY_TITLE_LENGTH = 200  # a title made from the lead's first sentence
MIN_TITLE_WORDS = 8  # a shortened title keeps at least this many words
_TERMINAL_PUNCTUATION = ".,;:!?…។៕៖。！？：；、؟।"
_SENTENCE_PUNCTUATION = ".!?…។៕。！？؟।:;"
_CLOSING_MARKS = "\"'”’)]»›"
_OPENING_MARKS = "\"'“‘«‹([{¿¡"

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
# Words that make a short clause an attribution ("officials said Monday").
_SAYING = _words("said says told announced reported according")
# Verbs that attribute only when they end the clause, but for a time or a
# source ("shipping data showed on Wednesday", "commissioners decided
# Monday"), since "…, and police found two bodies" is news, not attribution.
_FINDING = _words(
    "showed show shows found find finds decided decide decides estimated estimate"
    " estimates added adds warned warns confirmed confirms stated states noted"
    " notes wrote writes"
)
_NOT_ATTRIBUTION_START = _words("and but or which who that so while")
# What may follow a finding word in an attribution: when, or in what.
_WHEN_OR_WHERE = _DATE_WORDS | _words(
    "in this the its their late early earlier tonight morning afternoon evening"
    " night month year statement report filing study survey"
)
_SUBORDINATE_START = _words(
    "after although amid as because before despite following if in once since"
    " though unless until when whenever where whereas while with without"
)
_CLAUSE_BREAKS = (", ", "; ", " – ", " — ", " - ", " and ", " but ", " while ")


@lru_cache(maxsize=4096)
def _title_shape(text: str) -> bool:
    """A line that reads as a headline or heading, not as part of a sentence.
    A line wholly in quotation marks ("'Another blow'", a BBC subhead) is
    judged by what is inside them."""
    inner = _unquoted(text)
    if inner != text:
        return bool(inner) and _title_shape(inner)
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


_QUOTE_PAIRS = {"'": "'", '"': '"', "‘": "’", "“": "”"}


def _unquoted(text: str) -> str:
    """``text`` without the quotation marks round it, when it is wholly one
    quotation (no mark of the same kind inside); else ``text``."""
    closing = _QUOTE_PAIRS.get(text[:1])
    if closing is None or len(text) < 3 or text[-1] != closing:
        return text
    inner = text[1:-1]
    if text[0] in inner or closing in inner:
        return text
    return inner.strip()


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
    """A lead without its attribution clause and what follows it: ", a police
    spokesman said", ", officials said on Tuesday" at the end, or ", the
    state treasurer said Monday, as …" in the middle. Only where what is
    left is a clause of at least eight words that does not end in a word
    that needs more ("of", "that", …) and, when the sentence goes on after
    the attribution, does not open as a subordinate phrase ("Despite …")."""
    comma = sentence.find(", ")
    if comma < 0:
        return sentence
    # Counted as the scan goes, so a long sentence is read once.
    head_words = sentence[:comma].split()
    count, last = len(head_words), (head_words[-1:] or [""])[0]
    # Before a mid-sentence attribution, "Despite …" is not yet a clause.
    first = head_words[0].lower() if head_words else ""
    while comma >= 0:
        following = sentence.find(", ", comma + 2)
        end = len(sentence) if following < 0 else following
        clause = sentence[comma + 2 : end].split()
        if (
            len(clause) <= 8
            and _is_attribution(clause)
            and count >= MIN_TITLE_WORDS
            and last.lower() not in _FUNCTION_WORDS
            and (following < 0 or first not in _SUBORDINATE_START)
        ):
            return sentence[:comma]
        count += len(clause)
        last = clause[-1] if clause else last
        comma = following
    return sentence


def _is_attribution(clause: list[str]) -> bool:
    """Whether a clause's words attribute the sentence: a saying word
    anywhere ("the bank said in a statement"), or a finding word followed
    only by up to three words of when or where ("data showed on
    Wednesday", "commissioners decided Monday", not "police found two
    bodies")."""
    lowered = [word.lower().strip(".,;:'’\"”") for word in clause]
    if _SAYING.intersection(lowered):
        return True
    if not lowered or lowered[0] in _NOT_ATTRIBUTION_START:
        return False
    for position, word in enumerate(lowered):
        if word in _FINDING:
            after = lowered[position + 1 :]
            return len(after) <= 3 and all(word in _WHEN_OR_WHERE for word in after)
    return False


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
