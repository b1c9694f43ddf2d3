"""Small factories for briefs, with named variants: draft, scheduled, published."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from briefs import search
from briefs.editorial import versions
from briefs.models import Author, Brief, BriefAuthor, KeyPoint, Section

_counter = itertools.count(1)


def make_brief(
    *,
    title: str | None = None,
    status: str = Brief.Status.PUBLISHED,
    published_at: dt.datetime | None = None,
    key_points: tuple[str, ...] = ("First point", "Second point"),
    sections: tuple[tuple[str, str, tuple[str, ...]], ...] | None = None,
    tags: tuple[str, ...] = (),
    authors: tuple[str, ...] = (),
    **fields,
) -> Brief:
    """A brief with key points, sections ((heading, body, tags), ...) and
    authors, by name (each made on first use)."""
    n = next(_counter)
    if published_at is None and status == Brief.Status.PUBLISHED:
        published_at = timezone.now().replace(microsecond=0) - dt.timedelta(hours=n)
    # One search re-index for the brief and all its parts, as the admin and
    # the importer do.
    with search.batch():
        brief = Brief.objects.create(
            title=title or f"Brief number {n}",
            status=status,
            published_at=published_at,
            dateline=fields.pop("dateline", "GENEVA"),
            **fields,
        )
        for position, text in enumerate(key_points):
            KeyPoint.objects.create(brief=brief, text=text, position=position)
        if sections is None:
            sections = (
                ("", f"Opening paragraph of brief {n}.\n\nSecond paragraph.", ()),
                ("Trade and investment", "Talks covered trade.", ("Trade",)),
            )
        for position, (heading, body, section_tags) in enumerate(sections):
            section = Section.objects.create(
                brief=brief, heading=heading, body=body, position=position
            )
            if section_tags:
                section.tags.set(list(section_tags))
        if tags:
            brief.tags.set(list(tags))
        for position, name in enumerate(authors):
            author = Author.objects.filter(name=name).first() or make_author(name)
            BriefAuthor.objects.create(brief=brief, author=author, position=position)
        # As every write path does: a published brief has its first public version.
        versions.after_save(brief, was_status=None, was_live=False)
    return brief


def published_brief(**kwargs) -> Brief:
    return make_brief(status=Brief.Status.PUBLISHED, **kwargs)


def one_section(title: str, body: str = "Talks on cobalt.", **kwargs) -> Brief:
    """A published brief with one section, so one search entry."""
    return published_brief(title=title, sections=(("", body, ()),), **kwargs)


def draft_brief(**kwargs) -> Brief:
    return make_brief(status=Brief.Status.DRAFT, **kwargs)


def scheduled_brief(*, published_at: dt.datetime | None = None, **kwargs) -> Brief:
    """Published, but for a moment still in the future (``published_at``, a
    day from now unless given): invisible to readers until then."""
    return make_brief(
        status=Brief.Status.PUBLISHED,
        published_at=published_at or timezone.now() + dt.timedelta(days=1),
        **kwargs,
    )


def make_author(name: str, **fields) -> Author:
    return Author.objects.create(name=name, **fields)
