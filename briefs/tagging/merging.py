"""Merging and renaming tags without breaking links or the auto-tagger's memory.

A tag's address is /tags/<slug>/. When a slug goes away (a rename or a merge)
a TagRedirect keeps the old address working. A live tag always owns its own
slug: a redirect for a slug some tag now has is removed, so the two never
compete (the tag page looks for a live tag first anyway).

Brief.proposed_tags and Section.proposed_tags (what the auto-tagger proposed
last time) point at tags as tag rows do: a rename leaves them be, and a merge
moves them to the kept tag with the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Min, Q, QuerySet

from briefs import caching
from briefs.models import (
    Brief,
    Section,
    Tag,
    TaggedBrief,
    TaggedSection,
    TagPhrase,
    TagRedirect,
)
from briefs.tag_counts import lock_counts


@dataclass(frozen=True)
class MergeResult:
    target: Tag
    merged: tuple[str, ...]  # names of the tags merged away
    brief_items: int  # brief tag rows moved to the target
    section_items: int  # section tag rows moved to the target
    duplicates: int  # rows dropped because the item already had the target
    phrases: int  # match phrases moved to the target
    redirects: int  # redirects now leading to the target (old and new)
    proposals: int  # the auto-tagger's remembered proposals moved to the target


# Tables whose rows point at a tag for an item, and the item's field: the
# tag rows of briefs and sections, and the auto-tagger's memory of both.
TAGGED = (
    (TaggedBrief, "content_object"),
    (TaggedSection, "content_object"),
    (Brief.proposed_tags.through, "brief"),
    (Section.proposed_tags.through, "section"),
)


def merge_tags(*, sources: Iterable[Tag], target: Tag) -> MergeResult:
    """Fold ``sources`` into ``target`` in one transaction, then delete them.

    Every brief and section tagged with a source ends up tagged with the
    target once, and so does the auto-tagger's memory of them; match phrases
    and redirects move over; each source slug redirects to the target. The
    target itself among ``sources`` is ignored. Nothing changes when no other
    tag is given.
    """
    sources = [tag for tag in sources if tag.pk != target.pk]
    source_ids = [tag.pk for tag in sources]
    with transaction.atomic():
        lock_counts()
        touch_briefs_tagged(source_ids)
        moved = {
            through: _move_rows(
                through.objects.filter(tag_id__in=source_ids), item=item, target=target
            )
            for through, item in TAGGED
        }
        phrases = _move_phrases(source_ids, target)

        moved_redirects = TagRedirect.objects.filter(tag_id__in=source_ids).update(
            tag=target
        )
        TagRedirect.objects.bulk_create(
            [TagRedirect(old_slug=tag.slug, tag=target) for tag in sources]
        )
        # The rows left on the sources would repeat a tag on their item: they
        # go with the sources.
        _, deleted = Tag.objects.filter(pk__in=source_ids).delete()
        # Every page, but not every stored article: the articles that showed
        # the sources are their briefs', made stale by name when touched.
        caching.content_changed(articles_shown=False)
    return MergeResult(
        target=target,
        merged=tuple(tag.name for tag in sources),
        brief_items=moved[TaggedBrief],
        section_items=moved[TaggedSection],
        duplicates=deleted.get(TaggedBrief._meta.label, 0)
        + deleted.get(TaggedSection._meta.label, 0),
        phrases=phrases,
        redirects=moved_redirects + len(sources),
        proposals=moved[Brief.proposed_tags.through]
        + moved[Section.proposed_tags.through],
    )


def record_rename(*, tag: Tag, old_name: str, old_slug: str) -> None:
    """After ``tag`` was saved with a new name and/or slug, keep old links working.

    A new slug leaves a redirect from the old one; a slug the tag takes over
    stops redirecting elsewhere; a new name shows on every brief that has
    the tag. Call inside the transaction that saved the tag.
    """
    if tag.slug != old_slug:
        claim_slug(tag)
        TagRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})
    if tag.name != old_name:
        touch_briefs_tagged([tag.pk])


def touch_briefs_tagged(tag_ids: list[int]) -> int:
    """Mark every brief that carries one of the tags, or has a section that does, as changed.

    Their pages, feeds and API entries now show other tag names: ``updated_at``
    tells API clients and caches so, and a new version keeps an editor's form
    opened before the change from putting the old names back.
    """
    briefs = Brief.objects.filter(
        Q(tagged_items__tag_id__in=tag_ids)
        | Q(sections__tagged_items__tag_id__in=tag_ids)
    ).values("pk")
    return Brief.objects.filter(pk__in=briefs).touch()


def claim_slug(tag: Tag) -> None:
    """Remove any redirect from ``tag``'s own slug: a live tag owns its address."""
    TagRedirect.objects.filter(old_slug=tag.slug).delete()


def _move_rows(rows: QuerySet, *, item: str, target: Tag) -> int:
    """Point ``rows`` (of a table in TAGGED, for the source tags) at ``target``,
    one row per item: the first, where the item lacks the target. Returns how
    many moved; the rest stay on the sources."""
    first = rows.order_by().values(item).annotate(first=Min("pk")).values("first")
    has_target = rows.model.objects.filter(tag=target).values(item)
    return (
        rows.filter(pk__in=first)
        .exclude(**{f"{item}__in": has_target})
        .update(tag=target)
    )


def _move_phrases(source_ids: list[int], target: Tag) -> int:
    phrases = TagPhrase.objects.filter(tag_id__in=source_ids)
    # Phrases compare exactly: a capitalised phrase means something else.
    phrases.filter(
        phrase__in=TagPhrase.objects.filter(tag=target).values("phrase")
    ).delete()
    keep = phrases.order_by().values("phrase").annotate(keep=Min("pk")).values("keep")
    phrases.exclude(pk__in=keep).delete()
    return phrases.update(tag=target)
