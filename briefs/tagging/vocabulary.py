"""The tagging vocabulary in the database, and the tagger built from it.

Editors own the vocabulary: a tag with match phrases (``TagPhrase`` rows) is
a term the auto-tagger looks for, and its vetoes (rows marked ``veto``) are
the longer phrases around them that mean something else. The starter file
(``seeds/vocabulary.toml``) only seeds it: loading adds what is missing and
never changes or deletes an editor's tags, phrases or vetoes. Countries and territories come from ISO 3166
(``briefs.tagging.countries``) and merge with the tag of the same name, so a phrase
an editor adds to "China" counts as China. ``TagRows`` finds and creates the
tags an import or a re-tag applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from briefs.models import Tag, TagPhrase, TagRedirect
from briefs.tag_counts import lock_counts
from briefs.tagging.countries import country_terms, place_tagger
from briefs.tagging.tagger import (
    Tagger,
    Term,
    VocabularyError,
    merge_terms,
    read_vocabulary,
)


@dataclass(frozen=True)
class VocabularyLoad:
    path: str
    terms: tuple[Term, ...]
    tags_created: int
    phrases_added: int
    dry_run: bool = False
    vetoes_added: int = 0


def load_vocabulary(*, path: Path, dry_run: bool = False) -> VocabularyLoad:
    """Add the file's tags, phrases and vetoes that the database lacks; change nothing else.

    A term's tag is the tag of that name (in any case), or the tag a renamed
    or merged name now redirects to; only tags created here take the file's
    kind. A phrase the tag already has, as a match phrase or a veto, stays
    as it is: an editor may have turned one into the other. Raises VocabularyError for a file that cannot be read or is malformed.
    """
    terms = read_vocabulary(path)
    for term in terms:
        if term.kind not in Tag.Kind.values:
            raise VocabularyError(
                f"{path}: term {term.name!r} has kind {term.kind!r}; "
                f"use one of {', '.join(Tag.Kind.values)}"
            )
    tags_created = phrases_added = vetoes_added = 0
    with transaction.atomic():
        lock_counts()
        tags = _tags_by_name()
        existing = set(TagPhrase.objects.values_list("tag_id", "phrase"))
        new_phrases: list[TagPhrase] = []
        planned: set[tuple[str, str]] = set()
        for term in terms:
            tag = tags.find(term.name)
            if tag is None:
                tags_created += 1
                tag = Tag(name=term.name, kind=term.kind)
                if not dry_run:
                    tag.save()
                tags.add(tag)
            rows = [(p, False) for p in term.phrases] + [(p, True) for p in term.vetoes]
            for phrase, veto in rows:
                key = (tag.name.casefold(), phrase)
                if (tag.pk, phrase) in existing or key in planned:
                    continue
                planned.add(key)
                if veto:
                    vetoes_added += 1
                else:
                    phrases_added += 1
                new_phrases.append(TagPhrase(tag=tag, phrase=phrase, veto=veto))
        if not dry_run:
            TagPhrase.objects.bulk_create(new_phrases)
    return VocabularyLoad(
        path=str(path),
        terms=terms,
        tags_created=tags_created,
        phrases_added=phrases_added,
        dry_run=dry_run,
        vetoes_added=vetoes_added,
    )


def load_starter_vocabulary(*, dry_run: bool = False) -> VocabularyLoad | None:
    """Load the starter vocabulary if no tag has a match phrase yet; else None.

    On a dry run nothing is written; pass the result to ``build_tagger`` so
    the run still tags with it.
    """
    if TagPhrase.objects.filter(veto=False).exists():
        return None
    return load_vocabulary(
        path=Path(settings.NEWSROOM_VOCABULARY_FILE), dry_run=dry_run
    )


def database_terms() -> tuple[Term, ...]:
    """The editable vocabulary: one term per tag that has match phrases or vetoes.

    A tag with vetoes only (a country's, say) gives a term without phrases,
    whose vetoes count once ``merge_terms`` pools it with the term of the
    same name.
    """
    found: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    rows = TagPhrase.objects.values_list(
        "tag__name", "tag__kind", "phrase", "veto"
    ).order_by("tag__name", "phrase")
    for name, kind, phrase, veto in rows:
        phrases, vetoes = found.setdefault((name, kind), ([], []))
        (vetoes if veto else phrases).append(phrase)
    return tuple(
        Term(name=name, kind=kind, phrases=tuple(phrases), vetoes=tuple(vetoes))
        for (name, kind), (phrases, vetoes) in found.items()
    )


def build_tagger(*, unsaved: VocabularyLoad | None = None) -> Tagger:
    """A tagger for the countries and the vocabulary in the database.

    ``unsaved`` is a dry-run load whose terms are not in the database but
    should count. A country whose name an editor renamed or merged away (a
    TagRedirect from its old slug) tags as the tag it now redirects to,
    with its vetoes. A term left with nothing to match (a tag with vetoes
    only, and no country of its name) is dropped.
    """
    extra = unsaved.terms if unsaved is not None and unsaved.dry_run else ()
    terms = merge_terms(country_terms(), database_terms(), extra)
    tags = _tags_by_name()
    renamed = merge_terms(_renamed(term, tags) for term in terms)
    return _tagger(tuple(term for term in renamed if term.phrases or term.ambiguous))


def _renamed(term: Term, tags: _TagNames) -> Term:
    """``term`` under the name its tag has now, if an editor renamed or merged it."""
    tag = tags.find(term.name)
    if tag is not None and tag.name != term.name:
        return replace(term, name=tag.name)
    return term


def vocabulary_tagger(*, dry_run: bool = False) -> Tagger:
    """The tagger imports and re-tagging use, loading the starter vocabulary if needed."""
    return build_tagger(unsaved=load_starter_vocabulary(dry_run=dry_run))


class TagRows:
    """Tag rows by name, case-insensitively, for one run: an import or a re-tag.

    Reads every tag once; ``get_or_create`` creates a missing one, with the
    kind ``kinds`` gives its name (casefolded), else as a topic.
    """

    def __init__(self, kinds: dict[str, str] | None = None):
        self.kinds = kinds or {}
        self._tags = {tag.name.casefold(): tag for tag in Tag.objects.all()}

    def name(self, name: str) -> str:
        """The name a tag has in the database, or will have once created."""
        tag = self._tags.get(name.casefold())
        return tag.name if tag else name

    def get_or_create(self, name: str) -> Tag:
        """The tag called ``name`` in any case, created if there is none."""
        key = name.casefold()
        if key not in self._tags:
            tag = Tag.objects.filter(name__iexact=name).first()
            if tag is None:
                tag = Tag.objects.create(
                    name=name, kind=self.kinds.get(key, Tag.Kind.TOPIC)
                )
            self._tags[key] = tag
        return self._tags[key]


@lru_cache(maxsize=4)
def _tagger(terms: tuple[Term, ...]) -> Tagger:
    # Compiling the combined pattern takes a few milliseconds; an unchanged
    # vocabulary reuses it across imports.
    return place_tagger(terms)


class _TagNames:
    """Tags by name (case-insensitively) and by the old slugs that redirect to them."""

    def __init__(self, tags: Iterable[Tag], redirects: Iterable[TagRedirect]):
        self._by_name: dict[str, Tag] = {}
        for tag in tags:
            self.add(tag)
        self._by_old_slug = {r.old_slug: r.tag for r in redirects}

    def add(self, tag: Tag) -> Tag:
        self._by_name[tag.name.casefold()] = tag
        return tag

    def find(self, name: str) -> Tag | None:
        tag = self._by_name.get(name.casefold())
        if tag is None:
            tag = self._by_old_slug.get(slugify(name, allow_unicode=True))
        return tag


def _tags_by_name() -> _TagNames:
    return _TagNames(Tag.objects.all(), TagRedirect.objects.select_related("tag"))
