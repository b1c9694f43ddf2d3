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

Vetoes: a term's ``vetoes`` are longer phrases around one of its phrases that
mean something else ("Embassy Suites", "war on drugs", "grade inflation",
"Air France"): a match inside one of them does not count for that term (other
terms may still match there). They follow the same case rules as phrases.
A place's name next to a brand word ("Air France", "Japan Airlines",
"Australian Open"; the tagger's ``brand_before`` and ``brand_after``) is a
company's or an event's name, not the place, and one followed by a comma and
a region ("Paris, Texas."; the tagger's ``regions``) is a town there.

Ambiguous names: a term's ``ambiguous`` phrases (Chad, Jordan, Georgia) tag
only when the same document also has one of its other phrases or one of its
``cues`` (N'Djamena, Amman, Tbilisi), and never when the name is part of a
longer capitalised name ("Chad Smith", "Michael Jordan"). Cues never tag on
their own. Stop phrases ("Niger Delta") are matched and ignored.

Passing mentions: a name that appears as a short item of a list ("on
Xinjiang, Hong Kong, and the South China Sea") is a passing mention. A term
weighs one for each sentence that names it, half for a sentence that names
it only in passing, and needs a weight of one to tag a text. Words inside a
web address or a Markdown link's target, and words after "non-", are not
mentions.

A brief's own tags are the few it is about, not every tag its sections earn:
see ``Tagger.tag_document``. Every proposal carries its evidence (the words
matched and where), so an editor can see why a tag was proposed.
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
    # Longer phrases around a phrase that mean something else: a match inside one does not count.
    vetoes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """Where one of a tag's phrases matched: the words as written, and how often."""

    phrase: str  # the matched words, white space made single spaces
    place: str  # "title", "key point 2", "section 3" (numbered from one)
    count: int


@dataclass(frozen=True)
class Proposal:
    """A tag the tagger proposes, its weight, and the matches behind it."""

    name: str
    weight: float
    matches: tuple[Match, ...]

    def reason(self) -> str:
        """Why, for an editor: 'title: “Iran”; section 2: “Iranian” ×2, “Tehran”'."""
        places: dict[str, list[str]] = {}
        for match in self.matches:
            times = f" ×{match.count}" if match.count > 1 else ""
            places.setdefault(match.place, []).append(f"“{match.phrase}”{times}")
        return "; ".join(
            f"{place}: {', '.join(found)}" for place, found in places.items()
        )


@dataclass(frozen=True)
class DocumentTags:
    brief: tuple[str, ...]  # the brief's own tags, the heaviest first
    sections: tuple[tuple[str, ...], ...]  # each section's tags, in vocabulary order
    # Each brief tag's proposal, in the order of ``brief``.
    brief_reasons: tuple[Proposal, ...] = ()
    # Each section's proposals, in the order of its tags.
    section_reasons: tuple[tuple[Proposal, ...], ...] = ()
    # Every term found anywhere in the document, the heaviest first, including
    # those that did not make the brief: what an editor may add by hand.
    candidates: tuple[Proposal, ...] = ()

    def why(self, name: str, *, section: int | None = None) -> str:
        """The reason for tag ``name`` on the brief, or on section ``section``
        (numbered from zero, as ``sections``); '' if it was not proposed there."""
        proposals = (
            self.brief_reasons if section is None else self.section_reasons[section]
        )
        for proposal in proposals:
            if proposal.name.casefold() == name.casefold():
                return proposal.reason()
        return ""


class VocabularyError(ValueError):
    """The vocabulary file is malformed; the message names the problem."""


def read_vocabulary(path: Path) -> tuple[Term, ...]:
    """Read a TOML vocabulary: ``[[term]]`` tables with name, kind, match and veto.

    ``match`` lists the phrases that mean the term (the name alone when
    absent); ``veto`` the longer phrases around them that do not. Raises
    VocabularyError for a file that cannot be read or is malformed.
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
        lists = {}
        for key in ("match", "veto"):
            value = entry.get(key, [])
            if not isinstance(value, list):
                raise VocabularyError(
                    f"{path}: term {index} ({name}): {key} must be a list"
                )
            lists[key] = tuple(str(p).strip() for p in value if str(p).strip())
        terms.append(
            Term(
                name=name,
                kind=str(entry.get("kind", "topic")),
                phrases=lists["match"] or (name,),
                vetoes=lists["veto"],
            )
        )
    return tuple(terms)


def merge_terms(*groups: Iterable[Term]) -> tuple[Term, ...]:
    """One term per name (compared case-insensitively), phrases and vetoes pooled.

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
                vetoes=_unique((*old.vetoes, *term.vetoes)),
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
    matched: str = ""  # the words matched, white space made single spaces


# Weight a term needs in a text to tag it; a sentence naming it only in passing weighs half.
TAG_WEIGHT = 1.0
PASSING_WEIGHT = 0.5

# A brief's own tags. A term weighs, across the brief: TITLE_WEIGHT if the
# title names it, KEY_POINT_WEIGHT for each key point that does, and its
# weight in each section (one a sentence, half a passing one). It needs
# BRIEF_WEIGHT, less in a short brief: one for every SENTENCES_PER_WEIGHT
# sentences of its sections, and at least one (in a three-sentence brief
# every mention counts; in a long one a single mention is incidental).
# Of those, at most MAX_BRIEF_TAGS, the heaviest first (ties: the first
# mentioned); a term the title names comes before any that it does not,
# and needs no share (below).
TITLE_WEIGHT = 3.0
KEY_POINT_WEIGHT = 2.0
BRIEF_WEIGHT = 3.0
SENTENCES_PER_WEIGHT = 4
MAX_BRIEF_TAGS = 5
# A term far lighter than the brief's heaviest of its kind (less than this
# share of its weight) is not what the brief is about, however often it is
# named: "energy prices" beside a statement's twelve sentences on inflation.
# Places are weighed against places and topics against topics, so a story
# that says "election" in every sentence still carries its country.
MIN_SHARE_OF_TOP = 0.2


class Tagger:
    """Finds a vocabulary's terms in text with one combined regular expression.

    ``stop_phrases`` are matched and ignored; a place name right after a word
    in ``brand_before`` or right before one in ``brand_after`` (capitalised as
    given) is part of a company's or an event's name and does not count.
    Nor does one followed by a comma and one of ``regions``, then a
    punctuation mark: "Paris, Texas," and "Lebanon, Pa." are towns there.
    """

    def __init__(
        self,
        terms: Iterable[Term],
        *,
        stop_phrases: Iterable[str] = (),
        brand_before: Iterable[str] = (),
        brand_after: Iterable[str] = (),
        regions: Iterable[str] = (),
    ):
        self.terms = tuple(terms)
        self.stop_phrases = tuple(stop_phrases)
        self.brand_before = frozenset(brand_before)
        self.brand_after = frozenset(brand_after)
        self.regions = tuple(regions)

    @cached_property
    def _regions(self) -> str:
        """``regions`` as alternatives of a pattern, the longest first."""
        return "|".join(
            re.escape(name) for name in sorted(self.regions, key=len, reverse=True)
        )

    @cached_property
    def _town(self) -> re.Pattern[str] | None:
        """A comma, one of ``regions``, then an end of clause: "Paris, Texas,"."""
        if not self.regions:
            return None
        return re.compile(
            rf"[ \t]*,[ \t]+(?:{self._regions})(?!\w)(?:[ \t]*[,.;:)(—–-]|\s*$)"
        )

    @cached_property
    def _state_after_comma(self) -> re.Pattern[str] | None:
        """What every match of ``_town`` holds, to search for in a whole text.

        Without ``_town``'s leading blanks: searched for, those would be
        read again from every position in a run of them.
        """
        if not self.regions:
            return None
        return re.compile(rf",[ \t]+(?:{self._regions})(?!\w)")

    @cached_property
    def kinds(self) -> dict[str, str]:
        return {term.name.casefold(): term.kind for term in self.terms}

    @cached_property
    def _numbers(self) -> dict[str, list[int]]:
        """The number of each term, by name."""
        numbers: dict[str, list[int]] = defaultdict(list)
        for number, term in enumerate(self.terms):
            numbers[term.name].append(number)
        return numbers

    def _in_order(self, names: Iterable[str]) -> list[int]:
        """The numbers of the terms called ``names``, in vocabulary order:
        the few found in a text, rather than every term looked for in them."""
        return sorted(number for name in names for number in self._numbers[name])

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

    @cached_property
    def _vetoes(self) -> dict[int, _PhraseIndex]:
        """Each term's vetoes as an index of their own, for the terms that have any."""
        indexes = {}
        for number, term in enumerate(self.terms):
            if term.vetoes:
                index = indexes[number] = _PhraseIndex()
                for phrase in term.vetoes:
                    index.add(phrase, (number, Role.STOP))
        return indexes

    def towns(self, texts: Iterable[str], *, dateline: str = "") -> frozenset[str]:
        """The names ``texts`` or ``dateline`` give a US town or county, case-folded.

        A place name (with the capitalised words after it) followed by a
        comma and a state: "Lebanon, Pa.", "Mexico Beach, Fla.". In a
        dateline, whatever comes before such a comma: "MEXICO BEACH, Fla. (AP)".
        """
        if self._town is None:
            return frozenset()
        found = set()
        head = dateline.partition(",")[0]
        if head.strip() and self._town.match(dateline, len(head)):
            found.add(_normalise(head).casefold())
        for text in texts:
            text = unicodedata.normalize("NFC", text)
            # Most texts name no state after a comma: one quick scan for
            # that spares them the scan for place names.
            if not self._state_after_comma.search(text):
                continue
            for match in self._index.pattern.finditer(text):
                if not any(
                    number >= 0 and self.terms[number].kind == "place"
                    for number, _ in self._index.lookup(match.group())
                ):
                    continue
                stop = _NAME_GOES_ON.match(text, match.end()).end()
                if self._town.match(text, stop):
                    found.add(_normalise(text[match.start() : stop]).casefold())
        return frozenset(found)

    def mentions(
        self, text: str, *, towns: frozenset[str] | None = None
    ) -> list[Mention]:
        """Every mention of a term in ``text`` (after the case, stop, veto and name rules).

        A place name that starts one of ``towns`` (see ``towns``; by
        default, those ``text`` names) is the town, not the place.
        """
        text = unicodedata.normalize("NFC", text)
        if towns is None:
            towns = self.towns([text])
        sentence_ends = [m.start() for m in _SENTENCE_END.finditer(text)]
        # Most texts have no address: a scan for one would try each word.
        addresses = (
            [m.span() for m in _ADDRESS.finditer(text)]
            if any(sign in text for sign in _ADDRESS_SIGNS)
            else []
        )
        vetoed = _VetoSpans(text, self._vetoes)
        found = []
        for match in self._index.pattern.finditer(text):
            start, end = match.span()
            if _within(addresses, start, end):
                continue
            for number, role in self._index.lookup(match.group()):
                if role is Role.STOP:
                    continue
                if role is Role.AMBIGUOUS and _inside_longer_name(text, start, end):
                    continue
                if _shouted(text, start, end, match.group()) or _currency(text, end):
                    continue
                if vetoed.covers(number, start, end) or _negated(text, start):
                    continue
                if self.terms[number].kind == "place" and (
                    self._brand(text, start, end)
                    or _COUNTY.match(text, end)
                    or _names_town(text, start, end, towns)
                ):
                    continue
                passing = role is not Role.CUE and _in_list(text, start, end)
                sentence = bisect.bisect(sentence_ends, start)
                found.append(
                    Mention(
                        number,
                        role,
                        start,
                        end,
                        passing,
                        sentence,
                        _SPACE.sub(" ", match.group()),
                    )
                )
        return found

    def weights(
        self, text: str, *, confirmed: set[int] | None = None
    ) -> dict[str, float]:
        """Each term's weight in ``text``: one for each sentence naming it, half
        for one naming it only in passing (see ``_weigh``).

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
        self,
        *,
        title: str,
        key_points: Iterable[str],
        sections: Iterable[str],
        dateline: str = "",
    ) -> DocumentTags:
        """Tags for each section from its own text, and the brief's own few.

        A section carries the terms that weigh at least one in its own text.
        The brief carries the terms it is about: those that weigh enough
        across its title, key points and sections (see BRIEF_WEIGHT and the
        constants beside it), at most MAX_BRIEF_TAGS. A cue anywhere in the
        document confirms an ambiguous name everywhere in it. A place the
        document names as a US town, in its ``dateline`` ("LEBANON, Pa.
        (AP)") or its text ("Moscow, Idaho"), is that town everywhere in it
        (see ``towns``). Each proposal keeps its evidence: the words
        matched, and where.
        """
        key_points = list(key_points)
        sections = list(sections)
        places = [
            ("title", title),
            *((f"key point {n}", text) for n, text in enumerate(key_points, 1)),
            *((f"section {n}", text) for n, text in enumerate(sections, 1)),
        ]
        towns = self.towns([text for _, text in places], dateline=dateline)
        found = [self.mentions(text, towns=towns) for _, text in places]
        confirmed = _confirmed(m for mentions in found for m in mentions)
        weighed = [self._weigh(mentions, confirmed) for mentions in found]
        evidence = [
            self._evidence(place, mentions, weights, confirmed)
            for (place, _), mentions, weights in zip(
                places, found, weighed, strict=True
            )
        ]
        headline_count = 1 + len(key_points)
        section_reasons = tuple(
            tuple(
                evidence[i][self.terms[number].name]
                for number in self._in_order(
                    name for name, weight in weighed[i].items() if weight >= TAG_WEIGHT
                )
            )
            for i in range(headline_count, len(places))
        )
        candidates = self._rank(evidence, weighed, key_points=len(key_points))
        need = min(
            BRIEF_WEIGHT,
            max(TAG_WEIGHT, _sentences(sections) / SENTENCES_PER_WEIGHT),
        )
        top: dict[str, float] = {}
        for proposal in candidates:
            kind = self.kinds[proposal.name.casefold()]
            top[kind] = max(top.get(kind, 0.0), proposal.weight)
        in_title = set(evidence[0])
        brief = tuple(
            proposal
            for proposal in candidates
            if proposal.weight >= need
            and (
                proposal.name in in_title
                or proposal.weight
                >= MIN_SHARE_OF_TOP * top[self.kinds[proposal.name.casefold()]]
            )
        )[:MAX_BRIEF_TAGS]
        return DocumentTags(
            brief=tuple(proposal.name for proposal in brief),
            sections=tuple(
                tuple(proposal.name for proposal in proposals)
                for proposals in section_reasons
            ),
            brief_reasons=brief,
            section_reasons=section_reasons,
            candidates=candidates,
        )

    def _rank(
        self,
        evidence: list[dict[str, Proposal]],
        weighed: list[dict[str, float]],
        *,
        key_points: int,
    ) -> tuple[Proposal, ...]:
        """Every term found, with its brief weight, the title's first, then the heaviest."""
        total: dict[str, float] = defaultdict(float)
        matches: dict[str, list[Match]] = defaultdict(list)
        first: dict[str, int] = {}
        for index, (found, weights) in enumerate(zip(evidence, weighed, strict=True)):
            if index == 0:
                scale = TITLE_WEIGHT
            elif index <= key_points:
                scale = KEY_POINT_WEIGHT
            else:
                scale = None  # a section's weight counts as it is
            for name, proposal in found.items():
                weight = weights.get(name, 0.0)
                if scale is not None:
                    # Named in passing, a headline counts half, like a section.
                    weight = scale * min(weight, TAG_WEIGHT)
                total[name] += weight
                matches[name] += proposal.matches
                first.setdefault(name, index)
        in_title = set(evidence[0])
        ranked = sorted(
            total,
            key=lambda name: (name not in in_title, -total[name], first[name]),
        )
        return tuple(
            Proposal(name=name, weight=total[name], matches=tuple(matches[name]))
            for name in ranked
        )

    def _evidence(
        self,
        place: str,
        mentions: list[Mention],
        weights: dict[str, float],
        confirmed: set[int],
    ) -> dict[str, Proposal]:
        """The matches of each term that weighs something in one place, by name."""
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for mention in mentions:
            if _counts(mention, confirmed):
                counts[self.terms[mention.term].name][mention.matched] += 1
        return {
            name: Proposal(
                name=name,
                weight=weights[name],
                matches=tuple(
                    Match(phrase=phrase, place=place, count=count)
                    for phrase, count in found.items()
                ),
            )
            for name, found in counts.items()
            if weights.get(name)
        }

    def _brand(self, text: str, start: int, end: int) -> bool:
        """Is the place name at text[start:end] part of a brand ("Air France")
        or a town's name ("Paris, Texas")?"""
        if self._town is not None and self._town.match(text, end):
            return True
        if self.brand_before:
            before = _WORD_BEFORE.search(text, max(0, start - 40), start)
            if before and before.group(1) in self.brand_before:
                return True
        if self.brand_after:
            after = _WORD_AFTER.match(text[end : end + 40])
            if after and after.group(1) in self.brand_after:
                return True
        return False

    def _weigh(self, mentions: list[Mention], confirmed: set[int]) -> dict[str, float]:
        """Each term's weight: one for each sentence that names it, half for a
        sentence that names it only in passing. A sentence that says "U.S."
        three times, or lists "information technology, science and
        technology", says it once."""
        best: dict[tuple[int, int], float] = {}
        for mention in mentions:
            if not _counts(mention, confirmed):
                continue
            key = (mention.term, mention.sentence)
            weight = PASSING_WEIGHT if mention.passing else 1.0
            best[key] = max(best.get(key, 0.0), weight)
        weights: dict[str, float] = defaultdict(float)
        for (term, _), weight in best.items():
            weights[self.terms[term].name] += weight
        return dict(weights)


def _confirmed(mentions: Iterable[Mention]) -> set[int]:
    """Terms with an unambiguous phrase or a cue among ``mentions``."""
    return {m.term for m in mentions if m.role in (Role.PHRASE, Role.CUE)}


def _counts(mention: Mention, confirmed: set[int]) -> bool:
    if mention.role is Role.PHRASE:
        return True
    return mention.role is Role.AMBIGUOUS and mention.term in confirmed


_WORDS = re.compile(r"[^\W\d_]")


# A Markdown list item or table row: a line of a list or table, not a sentence.
_LIST_OR_TABLE_LINE = re.compile(r"[ \t]*(?:(?:[-*+•]|\d{1,9}[.)])[ \t]|\|)")


def _sentences(texts: Iterable[str]) -> int:
    """How many sentences (or lines) with a letter in them ``texts`` hold.

    A list's items and a table's rows are not sentences: two table rows
    would otherwise raise a short brief's bar (see BRIEF_WEIGHT) past the
    mentions of what it is about.
    """
    count = 0
    for text in texts:
        for line in text.split("\n"):
            if _LIST_OR_TABLE_LINE.match(line):
                continue
            start = 0
            for end in (*(m.start() for m in _SENTENCE_END.finditer(line)), len(line)):
                if _WORDS.search(line, start, end):
                    count += 1
                start = end + 1
    return count


# Web addresses and Markdown link targets are not text: the words in
# "…/us-iran-ceasefire-talks" or "dfat.gov.au/trade/" name nothing.
_ADDRESS = re.compile(
    r"\]\([^)\s]*\)?|(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"\]\)]*"
)
# What every match of ``_ADDRESS`` holds.
_ADDRESS_SIGNS = ("](", "://", "www.")


def _within(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Is text[start:end] inside one of ``spans`` (sorted, not overlapping)?"""
    index = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= start and end <= spans[index][1]


class _VetoSpans:
    """Whether a term's match lies inside one of its vetoes, in one text.

    Each check reads only a window around the match, as wide as the term's
    longest veto, so a long text costs no more than its matches.
    """

    def __init__(self, text: str, indexes: dict[int, _PhraseIndex]):
        self.text = text
        self.indexes = indexes

    def covers(self, term: int, start: int, end: int) -> bool:
        """Is text[start:end] inside a match of one of ``term``'s vetoes?"""
        index = self.indexes.get(term)
        if index is None:
            return False
        reach = index.longest
        spans = index.spans(self.text, max(0, start - reach), end + reach)
        return any(s <= start and end <= e for s, e in spans)


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


# How many matched strings a phrase index remembers the entries of.
_LOOKUPS_KEPT = 10_000


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
        self._looked_up: dict[str, list[tuple[int, Role]]] = {}

    def add(self, phrase: str, entry: tuple[int, Role]) -> None:
        self._looked_up.clear()
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
        # Remembered: the same few names are matched again and again.
        entries = self._looked_up.get(matched)
        if entries is None:
            key = _normalise(matched)
            entries = self._exact.get(key) or self._folded.get(key.lower(), [])
            if len(self._looked_up) < _LOOKUPS_KEPT:
                self._looked_up[matched] = entries
        return entries

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        body = _trie_regex(self._trie) if self._trie else "(?!)"
        return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)

    @cached_property
    def _overlapping(self) -> re.Pattern[str]:
        # A lookahead matches nothing, so every start is tried, overlaps too.
        body = _trie_regex(self._trie) if self._trie else "(?!)"
        return re.compile(rf"(?<!\w)(?=((?:{body}))(?!\w))", re.IGNORECASE)

    def spans(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Where the phrases match within text[start:end] (case rules applied),
        overlapping or not. A match must end a word in the whole text."""
        found = []
        for match in self._overlapping.finditer(text, start, min(end, len(text))):
            stop = match.start() + len(match.group(1))
            if _WORD_GOES_ON.match(text, stop) or not self.lookup(match.group(1)):
                continue
            found.append((match.start(), stop))
        return found

    @cached_property
    def longest(self) -> int:
        """How far, in characters, a match can reach (white space runs count double)."""
        return 2 * max((len(key) for key in (*self._exact, *self._folded)), default=0)


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


_WORD_GOES_ON = re.compile(r"\w")
# Capitalised words that go on from a place name to make a town's: "Mexico
# Beach". At most MAX_TOWN_WORDS, so a run of names costs no more than its length.
MAX_TOWN_WORDS = 3
_NAME_GOES_ON = re.compile(rf"(?:[ \t]+[A-Z][\w'’-]*){{0,{MAX_TOWN_WORDS}}}")
_NEXT_WORD = re.compile(r"[ \t]+[^\W\d_][\w'’-]*")
# "Lebanon County", "Lebanon and Lancaster counties": a US county, never a country.
_OTHER_NAMES = r"(?:,[ \t]+[A-Z][\w'’-]*){0,6},?[ \t]+(?:and|or)[ \t]+[A-Z][\w'’-]*"
_COUNTY = re.compile(
    rf"[ \t]+(?:County|Counties|counties)(?!\w)|{_OTHER_NAMES}[ \t]+[Cc]ounties(?!\w)"
)


def _names_town(text: str, start: int, end: int, towns: frozenset[str]) -> bool:
    """Does one of ``towns`` (case-folded) start with the name at text[start:end]?"""
    if not towns:
        return False
    stop = end
    for _ in range(MAX_TOWN_WORDS + 1):
        if _normalise(text[start:stop]).casefold() in towns:
            return True
        more = _NEXT_WORD.match(text, stop)
        if more is None:
            return False
        stop = more.end()
    return False


_NON = re.compile(rf"(?<!\w)non[{_HYPHENS}]$", re.IGNORECASE)


def _negated(text: str, start: int) -> bool:
    """ "non-energy imports", "non-military aid": what the words are not."""
    return bool(_NON.search(text, max(0, start - 4), start))


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
