"""What to read next, and how long this takes: a brief's topics, the
published briefs that share them, and its reading time."""

from __future__ import annotations

import re

from django.db.models import Exists, Func, IntegerField, OuterRef, Subquery

from briefs.models import Brief, Section, Tag, TaggedBrief, TaggedSection

RELATED_BRIEFS = 4
# Related briefs are chosen among this many of the newest that share a tag,
# so the brief page costs the same however many briefs carry its tags.
RELATED_CANDIDATES = 100

# Adult silent reading of non-fiction, words per minute.
WORDS_PER_MINUTE = 220
_WORD = re.compile(r"\w+(?:['’.-]\w+)*")


def brief_topics(brief: Brief, sections: list[Section]) -> list[Tag]:
    """The brief's own tags and its sections' tags, once each, by name.

    Needs ``with_outline()``: it reads only prefetched tags.
    """
    tags = {tag.pk: tag for tag in brief.tags.all()}
    for section in sections:
        tags.update((tag.pk, tag) for tag in section.tags.all())
    return sorted(tags.values(), key=lambda tag: (tag.name.casefold(), tag.name))


def reading_minutes(brief: Brief, sections: list[Section]) -> int:
    """Minutes to read the brief's key points and sections; never less than 1."""
    texts = [brief.title, *(point.text for point in brief.key_points.all())]
    texts += [f"{section.heading} {section.body}" for section in sections]
    words = sum(len(_WORD.findall(text)) for text in texts)
    return max(1, round(words / WORDS_PER_MINUTE))


def related_briefs(brief: Brief, topics: list[Tag]) -> list[Brief]:
    """Other published briefs that share the most of ``topics``, then the newest.

    Chosen among the RELATED_CANDIDATES newest briefs that share any of
    ``topics``: on a large archive an old brief sharing one more tag loses to
    a recent one, which is what readers of a news brief want anyway. A tag
    counts once per brief whether it is on the brief or on one of its
    sections. One query, whatever the number of briefs or tags.
    """
    if not topics:
        return []
    ids = [tag.pk for tag in topics]
    on_brief = TaggedBrief.objects.filter(
        tag=OuterRef("pk"), content_object=OuterRef(OuterRef("pk"))
    )
    on_section = TaggedSection.objects.filter(
        tag=OuterRef("pk"), content_object__brief=OuterRef(OuterRef("pk"))
    )
    shared = (
        Tag.objects.filter(pk__in=ids)
        .filter(Exists(on_brief) | Exists(on_section))
        .order_by()
        # COUNT as a plain function: one row per outer brief, no GROUP BY.
        .annotate(n=Func("pk", function="COUNT"))
        .values("n")
    )
    candidates = (
        Brief.objects.published()
        .exclude(pk=brief.pk)
        .tagged(ids)
        .newest_first()
        .values("pk")[:RELATED_CANDIDATES]
    )
    return list(
        Brief.objects.published()
        .filter(pk__in=candidates)
        .annotate(shared=Subquery(shared, output_field=IntegerField()))
        .only("title", "slug", "dateline", "published_at")
        .order_by("-shared", "-published_at", "-pk")[:RELATED_BRIEFS]
    )
