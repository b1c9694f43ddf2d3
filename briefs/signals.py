"""Keep the search index in step with every save and delete of a brief's text.

Saving or deleting a brief, a section or a key point re-indexes the brief
(at once, or once at the end of a ``briefs.search.batch()``). Bulk writes
send no signals: the importer calls ``briefs.search.reindex_brief`` itself.
Deleting a brief needs nothing here: its entries go with it (CASCADE).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from briefs import search
from briefs.models import Brief, KeyPoint, Section


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
