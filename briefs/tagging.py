"""Tag text from a controlled vocabulary. Plain Python: text in, tag names out.

A vocabulary term has a name, a kind and the phrases that mean it. A phrase
that starts with a capital letter is a proper name and matches only with that
capitalisation ("Chad" the country, never "chad"); a lower-case phrase
matches in any case ("terrorism", "Terrorism"). Phrases match whole words only.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class Term:
    name: str
    kind: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class DocumentTags:
    brief: tuple[str, ...]
    sections: tuple[tuple[str, ...], ...]


class VocabularyError(ValueError):
    """The vocabulary file is malformed; the message names the problem."""


def load_vocabulary(path: Path) -> tuple[Term, ...]:
    """Read a TOML vocabulary: ``[[term]]`` tables with name, kind and match."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise VocabularyError(f"cannot read vocabulary {path}: {error}") from error
    terms = []
    for index, entry in enumerate(data.get("term", []), start=1):
        name = str(entry.get("name", "")).strip()
        if not name:
            raise VocabularyError(f"{path}: term {index} has no name")
        phrases = tuple(str(p) for p in entry.get("match", [])) or (name,)
        terms.append(
            Term(name=name, kind=str(entry.get("kind", "topic")), phrases=phrases)
        )
    return tuple(terms)


class Tagger:
    """Finds a vocabulary's terms in text."""

    def __init__(self, terms: Iterable[Term]):
        self.terms = tuple(terms)

    @cached_property
    def _patterns(self) -> tuple[tuple[Term, re.Pattern[str]], ...]:
        return tuple((term, _pattern(term.phrases)) for term in self.terms)

    @cached_property
    def kinds(self) -> dict[str, str]:
        return {term.name.casefold(): term.kind for term in self.terms}

    def tags_for(self, text: str) -> tuple[str, ...]:
        """Names of the terms found in ``text``, in vocabulary order."""
        return tuple(
            term.name for term, pattern in self._patterns if pattern.search(text)
        )

    def count(self, text: str) -> dict[str, int]:
        """How often each term occurs in ``text`` (terms that occur only)."""
        counts = {}
        for term, pattern in self._patterns:
            found = len(pattern.findall(text))
            if found:
                counts[term.name] = found
        return counts

    def tag_document(
        self, *, title: str, key_points: Iterable[str], sections: Iterable[str]
    ) -> DocumentTags:
        """Tags for each section from its own text, and for the brief from the whole.

        The brief carries what its headline and key points name, and what runs
        through it: a term found in two or more sections.
        """
        section_tags = tuple(self.tags_for(text) for text in sections)
        headline = self.tags_for("\n".join([title, *key_points]))
        seen: dict[str, int] = {}
        for tags in section_tags:
            for name in tags:
                seen[name] = seen.get(name, 0) + 1
        recurring = [name for name, sections_with in seen.items() if sections_with >= 2]
        brief = [
            term.name for term in self.terms if term.name in {*headline, *recurring}
        ]
        return DocumentTags(brief=tuple(brief), sections=section_tags)


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"\s+")
        # Curly and straight apostrophes are the same to a reader.
        escaped = escaped.replace("'", "['’]").replace("’", "['’]")
        if phrase[:1].isupper():
            parts.append(escaped)
        else:
            parts.append(f"(?i:{escaped})")
    return re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)")
