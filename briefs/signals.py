"""Keep a section's HTML, the search index and the page cache in step with
every save and delete.

Saving a section renders its body into ``body_html``, raw saves (a restore)
included. Saving or deleting a brief, a section or a key point re-indexes the
brief (at once, or once at the end of a ``briefs.search.batch()``). Deleting
a brief needs nothing here: its entries go with it (CASCADE).

Any save or delete of what readers see (briefs, key points, sections, tags
and tag rows) also drops the cached public pages (``briefs.caching``).

Bulk writes send no signals of their own: they end with
``Brief.objects.filter(...).touch()``, whose ``briefs_touched`` does both.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from briefs import caching, search
from briefs.models import (
    Brief,
    Correction,
    KeyPoint,
    PublicVersion,
    Section,
    Tag,
    TaggedBrief,
    TaggedSection,
    briefs_touched,
)


@receiver(pre_save, sender=Section, dispatch_uid="briefs.section_rendered")
def section_rendered(sender, instance: Section, **kwargs) -> None:
    instance.render()


@receiver(briefs_touched, dispatch_uid="briefs.briefs_touched")
def briefs_touched_elsewhere(sender, brief_ids: list[int], **kwargs) -> None:
    for brief_id in brief_ids:
        search.brief_changed(brief_id)
    caching.content_changed()


@receiver(post_save, sender=Brief, dispatch_uid="briefs.search.brief_saved")
def brief_saved(sender, instance: Brief, **kwargs) -> None:
    search.brief_changed(instance.pk)


@receiver(post_save, sender=Section, dispatch_uid="briefs.search.section_saved")
@receiver(post_save, sender=KeyPoint, dispatch_uid="briefs.search.key_point_saved")
def part_saved(sender, instance: Section | KeyPoint, **kwargs) -> None:
    search.brief_changed(instance.brief_id)


@receiver(post_delete, sender=Section, dispatch_uid="briefs.search.section_deleted")
@receiver(post_delete, sender=KeyPoint, dispatch_uid="briefs.search.key_point_deleted")
def part_deleted(sender, instance: Section | KeyPoint, origin=None, **kwargs) -> None:
    # When the brief itself is being deleted, its entries are deleted with it;
    # re-indexing now would write entries for a brief about to go.
    if isinstance(origin, Brief) or (
        isinstance(origin, QuerySet) and issubclass(origin.model, Brief)
    ):
        return
    search.brief_changed(instance.brief_id)


# The page cache: any save or delete readers could see drops every cached page.
# Taggit adds tag rows one by one (post_save) and removes them with m2m_changed;
# rows deleted along with their brief or section need no signal of their own.
PUBLIC_MODELS = (
    Brief,
    Section,
    KeyPoint,
    Tag,
    TaggedBrief,
    TaggedSection,
    Correction,
    PublicVersion,
)


def content_saved_or_deleted(sender, **kwargs) -> None:
    caching.content_changed()


def tags_changed(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        caching.content_changed()


for model in PUBLIC_MODELS:
    post_save.connect(
        content_saved_or_deleted,
        sender=model,
        dispatch_uid=f"briefs.caching.{model.__name__}_saved",
    )
for model in (Brief, Section, KeyPoint, Tag):
    post_delete.connect(
        content_saved_or_deleted,
        sender=model,
        dispatch_uid=f"briefs.caching.{model.__name__}_deleted",
    )
for model in (TaggedBrief, TaggedSection):
    m2m_changed.connect(
        tags_changed, sender=model, dispatch_uid=f"briefs.caching.{model.__name__}"
    )
