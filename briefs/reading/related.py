"""What to read next, and how long this takes: a brief's topics, the
published briefs that share them, and its reading time."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from briefs.models import Brief, KeyPoint, Section, Tag

RELATED_BRIEFS = 4
# Related briefs are chosen among this many of the newest that share a tag,
# so the brief page costs the same however many briefs carry its tags.
# Ranking reads every candidate's tag rows, and its sections': the fewer,
# the cheaper; fifty is two weeks of a desk's briefs on a topic at four a day.
RELATED_CANDIDATES = 50
# Topics used at most this many times in all (their stored counts) are looked
# up from their own tag rows; commoner ones by reading the newest briefs,
# which soon come to fifty that carry one. Both find the same briefs.
RARE_TOPIC_USES = 1000

# Adult silent reading of non-fiction, words per minute.
WORDS_PER_MINUTE = 220
_WORD = re.compile(r"\w+(?:['’.-]\w+)*")


class Topic(NamedTuple):
    """A brief's topic as its page uses it, without loading its tag: named
    in the page's metadata, and counted to choose how related briefs are
    found (``briefs.reading.articles.topics``)."""

    pk: int
    name: str
    published_brief_count: int
    published_section_count: int


def by_name(topic: Tag | Topic) -> tuple[str, str]:
    """The order topics are shown and kept in."""
    return topic.name.casefold(), topic.name


def brief_topics(tags: Iterable[Tag]) -> list[Tag]:
    """``tags`` (a brief's own and its sections'), once each, by name."""
    unique = {tag.pk: tag for tag in tags}
    return sorted(unique.values(), key=by_name)


def reading_minutes(
    brief: Brief, key_points: list[KeyPoint], sections: list[Section]
) -> int:
    """Minutes to read the brief's key points and sections; never less than 1."""
    texts = [brief.title, *(point.text for point in key_points)]
    texts += [f"{section.heading} {section.body}" for section in sections]
    words = sum(len(_WORD.findall(text)) for text in texts)
    return max(1, round(words / WORDS_PER_MINUTE))


def related_briefs(brief: Brief, topics: Sequence[Tag | Topic]) -> list[Brief]:
    """Other published briefs that share the most of ``topics``, then the newest.

    Chosen among the RELATED_CANDIDATES newest briefs that share any of
    ``topics``: on a large archive an old brief sharing one more tag loses to
    a recent one, which is what readers of a news brief want anyway. A tag
    counts once per brief whether it is on the brief or on one of its
    sections. One query, whatever the number of briefs or tags.

    The candidates come from ``Brief.objects.published()``, like every
    public query; which of them share a topic, and how many, is SQL of our
    own. The ORM cannot count a UNION of a brief's and its sections' tag
    rows, and its way of saying the same (two EXISTS for every topic, and
    ``tagged()``) took twice the database time and as long again to build:
    a third of the brief page's time.
    """
    if not topics:
        return []
    ids = [tag.pk for tag in topics]
    in_topics = ", ".join(["%s"] * len(ids))
    # The topics among a brief's own tag rows, and among its sections'. A
    # brief's and a section's few tag rows are read and matched against the
    # topics ("+tag_id" keeps the topics out of the index lookup): looking
    # each topic up in each section took SQLite seven times as many index
    # searches, and the ranking of 100 candidates three times as long.
    on_brief = f"""
        SELECT tag_id FROM briefs_taggedbrief
        WHERE content_object_id = briefs_brief.id AND +tag_id IN ({in_topics})
    """
    on_sections = f"""
        SELECT tag_id FROM briefs_taggedsection
        WHERE content_object_id IN (
            SELECT id FROM briefs_section WHERE brief_id = briefs_brief.id
        ) AND +tag_id IN ({in_topics})
    """
    uses = sum(
        tag.published_brief_count + tag.published_section_count for tag in topics
    )
    if uses <= RARE_TOPIC_USES:
        # The few briefs that carry a topic, from its tag rows: reading the
        # archive newest first would pass every brief that carries none.
        carries_a_topic = f"""
            briefs_brief.id IN (
                SELECT content_object_id FROM briefs_taggedbrief
                WHERE tag_id IN ({in_topics})
                UNION ALL
                SELECT section.brief_id FROM briefs_taggedsection tagged
                JOIN briefs_section section ON section.id = tagged.content_object_id
                WHERE tagged.tag_id IN ({in_topics})
            )
        """
    else:
        # Each brief's own rows, stopping at the first topic. Not an EXISTS:
        # under OR, PostgreSQL makes one a hash of every tag row of the
        # topics (15 ms at 20,000 briefs, and growing) before the first brief.
        carries_a_topic = (
            f"({on_brief} LIMIT 1) IS NOT NULL OR ({on_sections} LIMIT 1) IS NOT NULL"
        )
    candidates, params = (
        Brief.objects.published()
        .exclude(pk=brief.pk)
        .filter(RawSQL(carries_a_topic, [*ids, *ids], output_field=BooleanField()))
        .newest_first()
        .values("pk")[:RELATED_CANDIDATES]
        .query.sql_with_params()
    )
    return list(
        Brief.objects.raw(
            f"""
            SELECT id, title, slug, dateline, published_at FROM briefs_brief
            WHERE id IN ({candidates})
            ORDER BY
                (
                    SELECT COUNT(DISTINCT tag_id)
                    FROM ({on_brief} UNION ALL {on_sections}) shared
                ) DESC,
                published_at DESC,
                id DESC
            LIMIT {RELATED_BRIEFS}
            """,
            [*params, *ids, *ids],
        )
    )
