"""Keep a section's HTML, the search index and the page cache in step with
every save and delete.

Saving a section renders its body into ``body_html``, raw saves (a restore)
included. Saving or deleting a brief, a section or a key point re-indexes the
brief (at once, or once at the end of a ``briefs.search.batch()``). Deleting
a brief needs nothing here: its entries go with it (CASCADE).

Any save or delete of what readers see (briefs, key points, sections, tags,
tag rows, authors, credits, corrections and public versions) also drops the cached public
pages that show it, by name (``briefs.caching.dependencies``).

Bulk writes send no signals of their own: they end with
``Brief.objects.filter(...).touch()``, whose ``briefs_touched`` does both.
"""

from __future__ import annotations

from django.db.models import QuerySet, Value
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_init,
    post_save,
    pre_save,
)
from django.dispatch import receiver

from briefs import caching, search
from briefs.caching import dependencies
from briefs.models import (
    Author,
    Brief,
    BriefAuthor,
    Correction,
    KeyPoint,
    PublicVersion,
    Section,
    Tag,
    TaggedBrief,
    TaggedSection,
    briefs_touched,
)
from briefs.reading import articles


@receiver(pre_save, sender=Section, dispatch_uid="briefs.section_rendered")
def section_rendered(sender, instance: Section, **kwargs) -> None:
    instance.render()


# Past this many briefs a bulk write drops every page rather than name them.
TOUCHED_BY_NAME = 1000


@receiver(briefs_touched, dispatch_uid="briefs.briefs_touched")
def briefs_touched_elsewhere(sender, brief_ids: list[int], **kwargs) -> None:
    for brief_id in brief_ids:
        search.brief_changed(brief_id)
    if len(brief_ids) > TOUCHED_BY_NAME:
        caching.content_changed()
        return
    # touch() says which briefs, not what changed: their status, dates or
    # tags may have, so their listings and tags are named with them (their
    # tags after the write; tag rows deleted before it named theirs).
    caching.content_changed(
        {dependencies.brief(pk) for pk in brief_ids} | publication_of(brief_ids)
    )


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


# The page cache: each save or delete names what readers see that it changed
# (briefs.caching.dependencies), and the pages that show it are dropped.
# Taggit adds tag rows one by one (post_save) and removes them with
# m2m_changed; rows deleted in bulk or with their brief or section send
# post_delete each (connecting it makes Django send it).


def _publication(brief: Brief) -> tuple | None:
    """The brief's status and publication date as held, or None when either
    was not loaded (``only()``): then it must be taken to have changed."""
    held = brief.__dict__
    if "status" in held and "published_at" in held:
        return held["status"], held["published_at"]
    return None


@receiver(post_init, sender=Brief, dispatch_uid="briefs.caching.brief_loaded")
def brief_loaded(sender, instance: Brief, **kwargs) -> None:
    instance._loaded_publication = _publication(instance)
    if instance.pk is not None:
        dependencies.record(dependencies.brief(instance.pk))


@receiver(post_init, sender=Tag, dispatch_uid="briefs.caching.tag_loaded")
def tag_loaded(sender, instance: Tag, **kwargs) -> None:
    if instance.pk is not None:
        dependencies.record(dependencies.tag(instance.pk))


@receiver(post_init, sender=Author, dispatch_uid="briefs.caching.author_loaded")
def author_loaded(sender, instance: Author, **kwargs) -> None:
    if instance.pk is not None:
        dependencies.record(dependencies.author(instance.pk))


def publication_of(brief_ids: list[int]) -> set[str]:
    """What changes when these briefs are published, unpublished, re-dated or
    re-tagged: the newest briefs, the tag and author indexes, each of their
    tags (whose pages list them, and whose briefs' related lists may) and
    each of their authors' lists of briefs. One query."""
    on_briefs = TaggedBrief.objects.filter(content_object_id__in=brief_ids)
    on_sections = TaggedSection.objects.filter(content_object__brief_id__in=brief_ids)
    credits = BriefAuthor.objects.filter(brief_id__in=brief_ids).order_by()
    named = {"tag": dependencies.tag, "author": dependencies.author_briefs}
    rows = (
        on_briefs.annotate(kind=Value("tag"))
        .values_list("kind", "tag_id")
        .union(
            on_sections.annotate(kind=Value("tag")).values_list("kind", "tag_id"),
            credits.annotate(kind=Value("author")).values_list("kind", "author_id"),
        )
    )
    return {
        dependencies.PUBLISHED_SET,
        dependencies.TAG_INDEX,
        dependencies.AUTHOR_INDEX,
        *(named[kind](pk) for kind, pk in rows),
    }


@receiver(post_save, sender=Brief, dispatch_uid="briefs.caching.brief_saved")
def brief_saved_for_readers(
    sender, instance: Brief, created: bool, raw: bool = False, **kwargs
) -> None:
    names = {dependencies.brief(instance.pk)}
    publication = _publication(instance)
    # A raw save (a revision restored) is built from what it writes: what it
    # replaces is unknown.
    if (
        created
        or raw
        or publication is None
        or (publication != getattr(instance, "_loaded_publication", None))
    ):
        names |= publication_of([instance.pk])
    instance._loaded_publication = publication
    caching.content_changed(names)


@receiver(post_delete, sender=Brief, dispatch_uid="briefs.caching.brief_deleted")
def brief_deleted_for_readers(sender, instance: Brief, **kwargs) -> None:
    articles.deleted(instance.pk)
    # Its tag rows went first, each naming its tag (post_delete below).
    caching.content_changed(
        {
            dependencies.brief(instance.pk),
            dependencies.PUBLISHED_SET,
            dependencies.TAG_INDEX,
        }
    )


def part_changed(sender, instance, **kwargs) -> None:
    caching.content_changed({dependencies.brief(instance.brief_id)})


def author_changed(sender, instance: Author, **kwargs) -> None:
    caching.content_changed(
        {dependencies.author(instance.pk), dependencies.AUTHOR_INDEX}
    )


def credit_changed(sender, instance: BriefAuthor, **kwargs) -> None:
    # The author stays as the brief's article is rendered with them.
    articles.hold_authors([instance.author_id])
    caching.content_changed(
        {
            dependencies.brief(instance.brief_id),
            dependencies.author_briefs(instance.author_id),
            dependencies.AUTHOR_INDEX,
        }
    )


def tag_changed(sender, instance: Tag, **kwargs) -> None:
    # Its name or address, which its briefs' stored articles show (a
    # deleted tag's rows went first, each naming its brief).
    articles.tag_stale(instance.pk)
    caching.content_changed({dependencies.tag(instance.pk), dependencies.TAG_INDEX})


def tag_row_changed(sender, instance: TaggedBrief | TaggedSection, **kwargs) -> None:
    names = {dependencies.tag(instance.tag_id), dependencies.TAG_INDEX}
    if sender is TaggedBrief:
        names.add(dependencies.brief(instance.content_object_id))
    else:
        # Gone with its section, which names its brief itself.
        brief_id = (
            Section.objects.filter(pk=instance.content_object_id)
            .values_list("brief_id", flat=True)
            .first()
        )
        if brief_id is not None:
            names.add(dependencies.brief(brief_id))
    caching.content_changed(names)


def tags_changed(
    sender, instance, action: str, reverse: bool, pk_set, **kwargs
) -> None:
    if not action.startswith("post_"):
        return
    if pk_set is None:  # post_clear: which tags went is not said
        caching.content_changed()
        return
    names = {dependencies.TAG_INDEX}
    if reverse:  # instance is a Tag; pk_set, briefs or sections
        names.add(dependencies.tag(instance.pk))
        brief_ids = (
            pk_set
            if sender is TaggedBrief
            else Section.objects.filter(pk__in=pk_set).values_list(
                "brief_id", flat=True
            )
        )
    else:  # instance is a Brief or a Section; pk_set, tags
        names.update(dependencies.tag(pk) for pk in pk_set)
        brief_ids = [instance.pk if sender is TaggedBrief else instance.brief_id]
    names.update(dependencies.brief(pk) for pk in brief_ids)
    caching.content_changed(names)


for model in (Section, KeyPoint, Correction, PublicVersion):
    for signal, verb in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            part_changed,
            sender=model,
            dispatch_uid=f"briefs.caching.{model.__name__}_{verb}",
        )
for model in (TaggedBrief, TaggedSection):
    for signal, verb in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            tag_row_changed,
            sender=model,
            dispatch_uid=f"briefs.caching.{model.__name__}_{verb}",
        )
    m2m_changed.connect(
        tags_changed, sender=model, dispatch_uid=f"briefs.caching.{model.__name__}"
    )
for model, changed in ((Author, author_changed), (BriefAuthor, credit_changed)):
    for signal, verb in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            changed,
            sender=model,
            dispatch_uid=f"briefs.caching.{model.__name__}_{verb}",
        )
post_save.connect(tag_changed, sender=Tag, dispatch_uid="briefs.caching.Tag_saved")
post_delete.connect(tag_changed, sender=Tag, dispatch_uid="briefs.caching.Tag_deleted")
