"""Tag text from a controlled vocabulary. Plain Python: text in, tag names out.

A vocabulary term has a name, a kind and the phrases that mean it.

Case: a phrase with no capital letter matches in any case ("terrorism",
"Terrorism"); a phrase with a capital letter is a proper name and matches only
with that capitalisation ("China" the country, never "china" the porcelain),
except that a lower-case first letter may be capitalised at the start of a
sentence. Phrases match whole words; runs of white space, straight and curly
apostrophes and the usual hyphens and dashes count as the same, and a phrase
with accents also matches without them ("Türkiye", "Turkiye").

Overlaps: all phrases of all terms are one regular expression, and where
phrases overlap the leftmost, then the longest wins: "South China Sea" is one
mention of the South China Sea, not of China.

Ambiguous names: a term's ``ambiguous`` phrases (Chad, Jordan, Georgia) tag
only when the same document also has one of its other phrases or one of its
``cues`` (N'Djamena, Amman, Tbilisi), and never when the name is part of a
longer capitalised name ("Chad Smith", "Michael Jordan"). Cues never tag on
their own. Stop phrases ("Niger Delta") are matched and ignored.

Passing mentions: a name that appears once, as a short item of a list ("on
Xinjiang, Hong Kong, and the South China Sea"), is a passing mention and
counts half; a term needs a weight of one to tag a text.
"""

from __future__ import annotations

import bisect
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class Term:
    name: str
    kind: str
    phrases: tuple[str, ...]
    # Phrases that tag only with a cue or another phrase of the term in the same document.
    ambiguous: tuple[str, ...] = ()
    # Phrases that confirm an ambiguous phrase; they never tag on their own.
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentTags:
    brief: tuple[str, ...]
    sections: tuple[tuple[str, ...], ...]


class VocabularyError(ValueError):
    """The vocabulary file is malformed; the message names the problem."""


def read_vocabulary(path: Path) -> tuple[Term, ...]:
    """Read a TOML vocabulary: ``[[term]]`` tables with name, kind and match.

    Raises VocabularyError for a file that cannot be read or is malformed.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise VocabularyError(f"cannot read vocabulary {path}: {error}") from error
    terms = []
    entries = data.get("term", [])
    if not isinstance(entries, list):
        raise VocabularyError(f"{path}: 'term' must be an array of tables")
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise VocabularyError(f"{path}: term {index} is not a table")
        name = str(entry.get("name", "")).strip()
        if not name:
            raise VocabularyError(f"{path}: term {index} has no name")
        match = entry.get("match", [])
        if not isinstance(match, list):
            raise VocabularyError(
                f"{path}: term {index} ({name}): match must be a list"
            )
        phrases = tuple(str(p).strip() for p in match if str(p).strip()) or (name,)
        terms.append(
            Term(name=name, kind=str(entry.get("kind", "topic")), phrases=phrases)
        )
    return tuple(terms)


def merge_terms(*groups: Iterable[Term]) -> tuple[Term, ...]:
    """One term per name (compared case-insensitively), phrases pooled.

    The first group's name and kind win. A phrase that one group marks as
    ambiguous stays ambiguous even if another group lists it plainly, so an
    editor adding "Georgia" to the Georgia tag does not undo its safeguard.
    """
    merged: dict[str, Term] = {}
    for group in groups:
        for term in group:
            key = term.name.casefold()
            if key not in merged:
                merged[key] = term
                continue
            old = merged[key]
            ambiguous = _unique((*old.ambiguous, *term.ambiguous))
            merged[key] = Term(
                name=old.name,
                kind=old.kind,
                phrases=tuple(
                    p
                    for p in _unique((*old.phrases, *term.phrases))
                    if p not in ambiguous
                ),
                ambiguous=ambiguous,
                cues=_unique((*old.cues, *term.cues)),
            )
    return tuple(merged.values())


def section_text(heading: str, body: str) -> str:
    """The text a section is tagged from: its heading and its Markdown body, unescaped.

    Import and re-tagging both go through here, so they see the same text.
    """
    return heading + "\n" + _MARKDOWN_ESCAPE.sub(r"\1", body)


class Role(Enum):
    PHRASE = "phrase"
    AMBIGUOUS = "ambiguous"
    CUE = "cue"
    STOP = "stop"


@dataclass(frozen=True)
class Mention:
    term: int  # index into Tagger.terms
    role: Role
    start: int
    end: int
    passing: bool
    sentence: int = 0


# Weight a term needs in a text to tag it; a passing mention weighs half.
TAG_WEIGHT = 1.0
PASSING_WEIGHT = 0.5
# A term that weighs this much across a brief's sections tags the brief.
BRIEF_WEIGHT = 3.0


class Tagger:
    """Finds a vocabulary's terms in text with one combined regular expression."""

    def __init__(self, terms: Iterable[Term], *, stop_phrases: Iterable[str] = ()):
        self.terms = tuple(terms)
        self.stop_phrases = tuple(stop_phrases)

    @cached_property
    def kinds(self) -> dict[str, str]:
        return {term.name.casefold(): term.kind for term in self.terms}

    @cached_property
    def _index(self) -> _PhraseIndex:
        index = _PhraseIndex()
        for number, term in enumerate(self.terms):
            for role, phrases in (
                (Role.PHRASE, term.phrases),
                (Role.AMBIGUOUS, term.ambiguous),
                (Role.CUE, term.cues),
            ):
                for phrase in phrases:
                    index.add(phrase, (number, role))
        for phrase in self.stop_phrases:
            index.add(phrase, (-1, Role.STOP))
        return index

    def mentions(self, text: str) -> list[Mention]:
        """Every mention of a term in ``text`` (after the case, stop and name rules)."""
        text = unicodedata.normalize("NFC", text)
        sentence_ends = [m.start() for m in _SENTENCE_END.finditer(text)]
        found = []
        for match in self._index.pattern.finditer(text):
            start, end = match.span()
            for number, role in self._index.lookup(match.group()):
                if role is Role.STOP:
                    continue
                if role is Role.AMBIGUOUS and _inside_longer_name(text, start, end):
                    continue
                if _shouted(text, start, end, match.group()) or _currency(text, end):
                    continue
                passing = role is not Role.CUE and _in_list(text, start, end)
                sentence = bisect.bisect(sentence_ends, start)
                found.append(Mention(number, role, start, end, passing, sentence))
        return found

    def weights(
        self, text: str, *, confirmed: set[int] | None = None
    ) -> dict[str, float]:
        """Each term's weight in ``text``: 1 a mention, half a passing mention.

        ``confirmed`` holds the terms whose ambiguous names count (because
        their document has a cue); by default, those confirmed in ``text``.
        """
        mentions = self.mentions(text)
        if confirmed is None:
            confirmed = _confirmed(mentions)
        return self._weigh(mentions, confirmed)

    def tags_for(self, text: str) -> tuple[str, ...]:
        """Names of the terms that tag ``text`` on its own, in vocabulary order."""
        weights = self.weights(text)
        return tuple(t.name for t in self.terms if weights.get(t.name, 0) >= TAG_WEIGHT)

    def tag_document(
        self, *, title: str, key_points: Iterable[str], sections: Iterable[str]
    ) -> DocumentTags:
        """Tags for each section from its own text, and for the brief from its sections.

        A section carries the terms that weigh at least one in its text. The
        brief carries what its title and key points name, the terms that tag
        two or more of its sections, those that weigh three or more across
        all its sections, and, when it has one section only, that section's.
        A cue anywhere in the document confirms an ambiguous name everywhere
        in it.
        """
        section_mentions = [self.mentions(text) for text in sections]
        headline_mentions = self.mentions("\n".join([title, *key_points]))
        confirmed = _confirmed(
            [m for mentions in (*section_mentions, headline_mentions) for m in mentions]
        )
        section_weights = [self._weigh(m, confirmed) for m in section_mentions]
        section_tags = tuple(
            tuple(t.name for t in self.terms if w.get(t.name, 0) >= TAG_WEIGHT)
            for w in section_weights
        )
        headline = {
            self.terms[m.term].name for m in headline_mentions if _counts(m, confirmed)
        }
        tagged_sections: dict[str, int] = defaultdict(int)
        total: dict[str, float] = defaultdict(float)
        for tags, weights in zip(section_tags, section_weights, strict=True):
            for name in tags:
                tagged_sections[name] += 1
            for name, weight in weights.items():
                total[name] += weight
        only_section = set(section_tags[0]) if len(section_tags) == 1 else set()
        brief = tuple(
            term.name
            for term in self.terms
            if term.name in headline
            or term.name in only_section
            or tagged_sections[term.name] >= 2
            or total[term.name] >= BRIEF_WEIGHT
        )
        return DocumentTags(brief=brief, sections=section_tags)

    def _weigh(self, mentions: list[Mention], confirmed: set[int]) -> dict[str, float]:
        weights: dict[str, float] = defaultdict(float)
        # Two items of one list ("information technology, science and
        # technology") are still one passing mention.
        lists_seen: set[tuple[int, int]] = set()
        for mention in mentions:
            if not _counts(mention, confirmed):
                continue
            if mention.passing:
                if (mention.term, mention.sentence) in lists_seen:
                    continue
                lists_seen.add((mention.term, mention.sentence))
            weight = PASSING_WEIGHT if mention.passing else 1.0
            weights[self.terms[mention.term].name] += weight
        return dict(weights)


def _confirmed(mentions: Iterable[Mention]) -> set[int]:
    """Terms with an unambiguous phrase or a cue among ``mentions``."""
    return {m.term for m in mentions if m.role in (Role.PHRASE, Role.CUE)}


def _counts(mention: Mention, confirmed: set[int]) -> bool:
    if mention.role is Role.PHRASE:
        return True
    return mention.role is Role.AMBIGUOUS and mention.term in confirmed


# The phrase index: one regular expression over every phrase ----------------

_SPACE = re.compile(r"\s+")
_APOSTROPHES = "'’ʼ"
_HYPHENS = "-‐‑–—"
_FOLD = str.maketrans(
    {**dict.fromkeys(_APOSTROPHES, "'"), **dict.fromkeys(_HYPHENS, "-")}
)
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).translate(_FOLD)).strip()


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class _PhraseIndex:
    """Phrases to (term, role) entries, and one trie-shaped regex that finds them.

    The regex is a trie of the phrases' lower-cased characters, matched
    without regard to case: matching costs about the same whatever the number
    of phrases, branches never overlap, and a longer phrase is always tried
    before a shorter one. Case is checked afterwards, on lookup.
    """

    def __init__(self):
        self._exact: dict[str, list[tuple[int, Role]]] = defaultdict(list)
        self._folded: dict[str, list[tuple[int, Role]]] = defaultdict(list)
        self._trie: dict = {}

    def add(self, phrase: str, entry: tuple[int, Role]) -> None:
        phrase = _normalise(phrase)
        if not phrase:
            return
        for variant in _unique((phrase, _strip_accents(phrase))):
            if variant == variant.lower():
                keys, table = [variant], self._folded
            else:
                # A lower-case first letter may be capitalised at a sentence start.
                keys = _unique([variant, variant[0].upper() + variant[1:]])
                table = self._exact
            for key in keys:
                if entry not in table[key]:
                    table[key].append(entry)
            node = self._trie
            for char in variant.lower():
                node = node.setdefault(_token(char), {})
            node[""] = {}

    def lookup(self, matched: str) -> list[tuple[int, Role]]:
        """The entries whose phrase ``matched`` is, case rules applied."""
        key = _normalise(matched)
        return self._exact.get(key) or self._folded.get(key.lower(), [])

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        body = _trie_regex(self._trie) if self._trie else "(?!)"
        return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _token(char: str) -> str:
    if char == " ":
        return r"\s+"
    if char == "'":
        return f"[{_APOSTROPHES}]"
    if char == "-":
        return f"[{_HYPHENS}]"
    return re.escape(char)


def _trie_regex(node: dict) -> str:
    # Continuations first and the end of a phrase last, so the longest match wins.
    branches = [token + _trie_regex(node[token]) for token in sorted(node) if token]
    if "" in node:
        branches.append("")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


# Context rules ---------------------------------------------------------------

# Capitalised words that may stand next to a place name without making it
# part of a longer name: sentence starters, prepositions, compass points.
_FREE_WORDS = frozenset(
    """A About Across After Against Along Also Amid An And As At Before
    Between Beyond Both But By Central Despite During Each East Eastern
    Either For From If In Including Inside Into Like Meanwhile Near
    Neither North Northern Now Of On Only Or Outside Over Since So South
    Southern The Then This Through To Today Toward Towards Under Unlike
    Until Via West Western When Where Whereas While With Within Without
    Yesterday""".split()  # noqa: SIM905
)
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’.-]*)[ \t]+$")
_WORD_AFTER = re.compile(r"^[ \t]+([^\W\d_][\w'’-]*)")
_CAPS_WORD_BEFORE = re.compile(r"(?<!\w)([A-Z]{2,})[ \t]+$")
_CAPS_WORD_AFTER = re.compile(r"^[ \t]+([A-Z]{2,})(?!\w)")


def _inside_longer_name(text: str, start: int, end: int) -> bool:
    """Is the name at text[start:end] part of a longer capitalised name?

    "Chad Smith", "Michael Jordan", "Jordan Peterson": a capitalised word
    right next to it (separated by spaces only) that is not a sentence
    starter or a compass point. A possessive ("Jordan's King Abdullah")
    ends the name.
    """
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if before and before.group(1)[0].isupper() and before.group(1) not in _FREE_WORDS:
        return True
    after = _WORD_AFTER.match(text[end : end + 40])
    return bool(
        after and after.group(1)[0].isupper() and after.group(1) not in _FREE_WORDS
    )


def _shouted(text: str, start: int, end: int, matched: str) -> bool:
    """An acronym inside capitals ("TELL US MORE") is an ordinary word."""
    if not (matched.isupper() and len(matched) <= 5):
        return False
    return bool(
        _CAPS_WORD_BEFORE.search(text, max(0, start - 20), start)
        or _CAPS_WORD_AFTER.match(text[end : end + 20])
    )


def _currency(text: str, end: int) -> bool:
    """ "US$", "HK$": a currency, not the place."""
    return text[end : end + 1] == "$"


# A list item is one to four words; a list goes on to "and" or "or".
_ITEM = r"(?:the\s+)?[^\s,.;:!?()]+(?:[ \t]+[^\s,.;:!?()]+){0,3}"
# After a first item: ", B, C and", ", B and".
_FIRST_ITEM_AFTER = re.compile(
    rf"^(?:['’]s)?\s*,(?:\s*{_ITEM}\s*,)*\s*{_ITEM}\s*,?\s+(?:and|or)\s"
)
# After a middle item: ", and", ", C, and", ", C and", " and".
_MIDDLE_ITEM_AFTER = re.compile(
    rf"^(?:['’]s)?(?:\s*,(?:\s*{_ITEM}\s*,)*(?:\s*{_ITEM})?)?\s+(?:and|or)\s"
)
# Before a middle or last item: a comma, maybe "and", maybe a verb or two
# ("combat terrorism", "the Middle East").
_ITEM_BEFORE = re.compile(r",\s*(?P<last>(?:and|or)\s+)?(?:[a-z]+\s+){0,2}$")
_LAST_ITEM_BEFORE = re.compile(rf",\s*{_ITEM}\s+(?:and|or)\s+(?:[a-z]+\s+){{0,2}}$")
# A middle item ends with the name.
_ITEM_ENDS = re.compile(r"^(?:['’]s)?(?:\s*[,.;:!?)]|\s+(?:and|or)\s|\s*$)")
# A last item ends at most two words after the name ("and Iran met").
_LAST_ITEM_ENDS = re.compile(
    r"^(?:['’]s)?(?:[ \t]+[^\s,.;:!?()]+){0,2}\s*(?:[,.;:!?)]|$)"
)
# A list that opens its sentence with a name is what the sentence is about:
# "China, Russia and Iran held drills". Not "Cooperation in trade, investment …".
_START = r"(?:\A|[.!?;:\n])\s*"
_NAME_ITEM = r"(?:[Tt]he\s+)?[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){0,3}"
_SENTENCE_STARTS_BEFORE = re.compile(rf"{_START}(?:[Tt]he\s+)?$")
_SUBJECT_LIST_BEFORE = re.compile(
    rf"{_START}{_NAME_ITEM}(?:\s*,\s*{_ITEM})*\s*,?\s*(?:(?:and|or)\s+)?"
    rf"(?:the\s+)?(?:[a-z]+\s+){{0,2}}$"
)
_SENTENCE_END = re.compile(r"[.!?;](?=\s)|\n")


def _in_list(text: str, start: int, end: int) -> bool:
    """Is the mention at text[start:end] a short item of a list, in passing?

    "on Xinjiang, Xizang, Hong Kong, and the South China Sea"; "industry,
    agriculture and mining"; "its national conditions, combat terrorism, and
    play a greater role". The item ends with the name, and the list is a
    list: items separated by commas, the last one by "and" or "or". A list
    of names that opens its sentence is its subject, not a passing mention.
    """
    window = max(0, start - 160)
    # "(" marks text cut off before the window: not the start of a sentence.
    before = ("(" if window else "") + text[window:start]
    after = text[end : end + 200]
    if _FIRST_ITEM_AFTER.match(after):
        return not _SENTENCE_STARTS_BEFORE.search(before)
    item = _ITEM_BEFORE.search(before)
    if (item and item.group("last")) or _LAST_ITEM_BEFORE.search(before):
        # ", and the Middle East", ", Afghanistan and Iran": a last item, if
        # short ("and prevent terrorist groups from operating" is a clause).
        listed = bool(_LAST_ITEM_ENDS.match(after))
    elif item:
        listed = bool(_ITEM_ENDS.match(after) and _MIDDLE_ITEM_AFTER.match(after))
    else:
        listed = False
    return listed and not _SUBJECT_LIST_BEFORE.search(before)
