"""Merging and renaming tags without breaking links or the auto-tagger's memory.

A tag's address is /tags/<slug>/. When a slug goes away (a rename or a merge)
a TagRedirect keeps the old address working. A live tag always owns its own
slug: a redirect for a slug some tag now has is removed, so the two never
compete (the tag page looks for a live tag first anyway).

Brief.auto_tags and Section.auto_tags remember tag *names* the auto-tagger
proposed; a merge or rename rewrites them so re-tagging still tells the
tagger's choices from an editor's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Min, Q

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


@dataclass(frozen=True)
class MergeResult:
    target: Tag
    merged: tuple[str, ...]  # names of the tags merged away
    brief_items: int  # brief tag rows moved to the target
    section_items: int  # section tag rows moved to the target
    duplicates: int  # rows dropped because the item already had the target
    phrases: int  # match phrases moved to the target
    redirects: int  # redirects now leading to the target (old and new)
    auto_tag_lists: int  # auto_tags lists rewritten


def merge_tags(*, sources: Iterable[Tag], target: Tag) -> MergeResult:
    """Fold ``sources`` into ``target`` in one transaction, then delete them.

    Every brief and section tagged with a source ends up tagged with the
    target once; match phrases and redirects move over; each source slug
    redirects to the target; auto_tags lists name the target instead. The
    target itself among ``sources`` is ignored. Nothing changes when no other
    tag is given.
    """
    sources = [tag for tag in sources if tag.pk != target.pk]
    source_ids = [tag.pk for tag in sources]
    with transaction.atomic():
        touch_briefs_tagged(source_ids)
        duplicates = _drop_duplicate_items(TaggedBrief, source_ids, target)
        duplicates += _drop_duplicate_items(TaggedSection, source_ids, target)
        brief_items = TaggedBrief.objects.filter(tag_id__in=source_ids).update(
            tag=target
        )
        section_items = TaggedSection.objects.filter(tag_id__in=source_ids).update(
            tag=target
        )
        phrases = _move_phrases(source_ids, target)

        moved_redirects = TagRedirect.objects.filter(tag_id__in=source_ids).update(
            tag=target
        )
        TagRedirect.objects.bulk_create(
            [TagRedirect(old_slug=tag.slug, tag=target) for tag in sources]
        )
        auto_tag_lists = _rename_in_auto_tags(
            old_names=[tag.name for tag in sources], new_name=target.name
        )
        Tag.objects.filter(pk__in=source_ids).delete()
        caching.content_changed()
    return MergeResult(
        target=target,
        merged=tuple(tag.name for tag in sources),
        brief_items=brief_items,
        section_items=section_items,
        duplicates=duplicates,
        phrases=phrases,
        redirects=moved_redirects + len(sources),
        auto_tag_lists=auto_tag_lists,
    )


def record_rename(*, tag: Tag, old_name: str, old_slug: str) -> None:
    """After ``tag`` was saved with a new name and/or slug, keep old links working.

    A new slug leaves a redirect from the old one; a slug the tag takes over
    stops redirecting elsewhere. A new name replaces the old one in auto_tags.
    Call inside the transaction that saved the tag.
    """
    if tag.slug != old_slug:
        claim_slug(tag)
        TagRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})
    if tag.name != old_name:
        _rename_in_auto_tags(old_names=[old_name], new_name=tag.name)
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


def _drop_duplicate_items(
    through: type[models.Model], source_ids: list[int], target: Tag
) -> int:
    """Delete source rows that would tag an item twice once moved to ``target``."""
    rows = through.objects.filter(tag_id__in=source_ids)
    has_target = through.objects.filter(tag=target).values("content_object_id")
    dropped, _ = rows.filter(content_object_id__in=has_target).delete()
    # An item tagged with two sources keeps one of those rows.
    keep = (
        rows.order_by()
        .values("content_object_id")
        .annotate(keep=Min("pk"))
        .values("keep")
    )
    extra, _ = rows.exclude(pk__in=keep).delete()
    return dropped + extra


def _move_phrases(source_ids: list[int], target: Tag) -> int:
    phrases = TagPhrase.objects.filter(tag_id__in=source_ids)
    # Phrases compare exactly: a capitalised phrase means something else.
    phrases.filter(
        phrase__in=TagPhrase.objects.filter(tag=target).values("phrase")
    ).delete()
    keep = phrases.order_by().values("phrase").annotate(keep=Min("pk")).values("keep")
    phrases.exclude(pk__in=keep).delete()
    return phrases.update(tag=target)


def _rename_in_auto_tags(*, old_names: list[str], new_name: str) -> int:
    """Replace ``old_names`` (any case) with ``new_name`` in every auto_tags list.

    Returns how many lists changed. Tag names compare case-insensitively,
    as tags do.
    """
    old = {name.casefold() for name in old_names}
    if not old:
        return 0
    changed = 0
    for model in (Brief, Section):
        # auto_tags is JSON, which no lookup searches case-insensitively on
        # every database; scan the lists, which are short.
        updated = []
        for item in model.objects.exclude(auto_tags=[]).only("pk", "auto_tags"):
            names = _renamed(item.auto_tags, old, new_name)
            if names != item.auto_tags:
                item.auto_tags = names
                updated.append(item)
        model.objects.bulk_update(updated, ["auto_tags"], batch_size=500)
        changed += len(updated)
    return changed


def _renamed(names: list[str], old: set[str], new_name: str) -> list[str]:
    """``names`` with each of ``old`` (casefolded) replaced by ``new_name``, deduplicated."""
    if not any(isinstance(name, str) and name.casefold() in old for name in names):
        return names
    result: list[str] = []
    seen: set[str] = set()
    for name in names:
        if isinstance(name, str) and name.casefold() in old:
            name = new_name
        key = name.casefold() if isinstance(name, str) else name
        if key not in seen:
            seen.add(key)
            result.append(name)
    return result
