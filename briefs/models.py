"""Briefs: a title, a dateline, key points and ordered, tagged sections."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Lower
from django.db.models.lookups import GreaterThan
from django.db.models.signals import post_delete
from django.dispatch import Signal
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import ItemBase, TagBase

from briefs.images import lead as lead_images
from briefs.images.storage import originals as lead_image_originals
from briefs.markdown import first_paragraph_text, render_markdown

# Ids the brief page uses for its own parts; section anchors never take them.
RESERVED_ANCHORS = frozenset(
    {"main", "content", "key-points", "contents", "tags", "top", "corrections"}
)


def now_to_the_second() -> dt.datetime:
    """Now, without microseconds: publication times readers see and history keeps exactly."""
    return timezone.now().replace(microsecond=0)


# Sent by ``BriefQuerySet.touch()`` with ``brief_ids``, after the update:
# ``briefs.signals`` re-indexes those briefs and drops the cached pages.
briefs_touched = Signal()


# A slug no real one can be (slugs never have a space), in a route reversed
# once per route, URL prefix and URLconf (``reverse_slug``).
_SLUG_MARK = "slug mark"
_slug_routes: dict[tuple, tuple[str, str]] = {}


def reverse_slug(name: str, slug: str) -> str:
    """``reverse(name, kwargs={"slug": slug})`` for a route whose one
    argument is a slug, without resolving the route again for every slug:
    a page links to dozens of tags and briefs. The slug is quoted as
    ``reverse`` quotes it."""
    key = (name, get_script_prefix(), get_urlconf())
    route = _slug_routes.get(key)
    if route is None:
        marked = reverse(name, kwargs={"slug": _SLUG_MARK})
        route = _slug_routes[key] = tuple(marked.split(quote(_SLUG_MARK), 1))
    return quote(slug, safe=RFC3986_SUBDELIMS + "/~:@").join(route)


def of_published(brief: str) -> Exists:
    """A filter: the brief that field ``brief`` points to is published.

    A correlated look-up by primary key for each row, so filtering a few
    rows costs the same however many briefs there are; ``brief__in=
    Brief.objects.published()`` makes SQLite list every published brief first.
    """
    return Exists(Brief.objects.published().filter(pk=OuterRef(brief)))


class TagQuerySet(models.QuerySet):
    def public(self) -> TagQuerySet:
        """Tags used by a published brief or a section of one, with their counts
        (``brief_count``, ``section_count``), by name.

        A tag used only on drafts or scheduled briefs is not in this queryset,
        so readers cannot learn that it exists.

        The counts are the stored ones (``Tag.published_brief_count`` and
        ``published_section_count``, which include scheduled briefs) less the
        uses on briefs still scheduled, found from the few briefs whose time
        has not come: so a brief counts the moment it goes live, with no
        write, and no page counts a tag's uses over the whole archive.
        """
        scheduled = Brief.objects.filter(
            status=Brief.Status.PUBLISHED, published_at__gt=timezone.now()
        ).values("pk")
        on_briefs = TaggedBrief.objects.filter(content_object__in=scheduled)
        on_sections = TaggedSection.objects.filter(content_object__brief__in=scheduled)
        return (
            self.filter(
                Q(published_brief_count__gt=0) | Q(published_section_count__gt=0)
            )
            .annotate(
                brief_count=F("published_brief_count") - uses_per_tag(on_briefs),
                section_count=F("published_section_count") - uses_per_tag(on_sections),
            )
            .filter(Q(brief_count__gt=0) | Q(section_count__gt=0))
            .order_by("name")
        )

    def with_last_change(self) -> TagQuerySet:
        """Each tag with ``last_change``: the latest ``Brief.modified_at``
        (publication, or the latest update or correction) among the
        published briefs that carry it, on the brief or a section; None
        when none does.

        Found the way that reads fewest rows, chosen for each tag by its
        stored counts, as ``BriefQuerySet.carrying`` chooses. A tag used at
        most COMMON_TAG_USES times: from its own rows. A commoner one: its
        newest publication by reading the newest briefs (at most
        NEWEST_BRIEFS_READ) until one carries it, then any update or
        correction made public since, by reading the briefs revised after
        it; from its own rows when none of the newest briefs carries it.
        Reading every row of every common tag took the tags' sitemap 0.9 s
        at 100,000 briefs.

        The second way takes, as ``briefs.sitemaps.latest_change`` does, an
        update or correction to be made public after its brief's
        publication. A brief corrected, withdrawn and published again later
        is dated there by its new publication, where ``modified_at`` gives
        the correction: a later date, never an earlier one.
        """

        def newest(rows: models.QuerySet, brief: str) -> Subquery:
            # A maximum over the tag's rows, not the first of them sorted by
            # change: sorted, PostgreSQL reads every brief in that order (it
            # has no index) until one carries the tag, 30 ms for a rare tag
            # at 100,000 briefs.
            changed = Coalesce(f"{brief}__revised_at", f"{brief}__published_at")
            return Subquery(
                rows.filter(tag=OuterRef("pk"))
                .filter(of_published(brief))
                .order_by()
                .values("tag")
                .annotate(changed=Max(changed))
                .values("changed")[:1]
            )

        on_briefs = newest(TaggedBrief.objects.all(), "content_object")
        on_sections = newest(TaggedSection.objects.all(), "content_object__brief")
        carries = _carries({"tag": OuterRef(OuterRef("pk"))}, common=True)
        # The newest publication among the latest NEWEST_BRIEFS_READ; None
        # for a tag that none of them carries. They are the briefs published
        # since the oldest of them (one look-up for all tags, and read in
        # order until one carries the tag), not a list of their ids, which
        # SQLite builds again for each tag and reads whole.
        oldest_read = Subquery(
            Brief.objects.published()
            .newest_first()
            .values("published_at")[NEWEST_BRIEFS_READ - 1 : NEWEST_BRIEFS_READ]
        )
        publication = Subquery(
            Brief.objects.published()
            .filter(carries, published_at__gte=oldest_read)
            .order_by("-published_at")
            .values("published_at")[:1]
        )
        # Only an update or correction made public after that publication
        # can be a later change.
        revision = Subquery(
            Brief.objects.published()
            .filter(carries, revised_at__gt=OuterRef("newest_publication"))
            .order_by("-revised_at")
            .values("revised_at")[:1]
        )
        # Greatest is NULL on SQLite when either is: each stands in for the other.
        from_rows = Greatest(
            Coalesce(on_briefs, on_sections),
            Coalesce(on_sections, on_briefs),
            output_field=models.DateTimeField(),
        )
        common = GreaterThan(
            F("published_brief_count") + F("published_section_count"),
            COMMON_TAG_USES,
        )
        # COALESCE stops at its first value: a common tag's rows are read
        # only when none of the newest briefs carries it. An alias, not an
        # annotation: each use of it is its subquery written out again.
        return self.alias(newest_publication=publication).annotate(
            last_change=Case(
                When(
                    common,
                    then=Coalesce(
                        revision,
                        F("newest_publication"),
                        from_rows,
                        output_field=models.DateTimeField(),
                    ),
                ),
                default=from_rows,
            )
        )

    def with_counts(self) -> TagQuerySet:
        """Each tag with how many briefs and sections carry it (``brief_count``,
        ``section_count``), drafts included: the editors' view."""
        return self.annotate(
            brief_count=uses_per_tag(TaggedBrief.objects.all()),
            section_count=uses_per_tag(TaggedSection.objects.all()),
        )

    def suggestions(self, term: str) -> TagQuerySet:
        """Tags whose name contains ``term`` in any case: names that start with
        it first, then the most used, then by name."""
        return (
            self.filter(name__icontains=term)
            .with_counts()
            .annotate(
                prefix=Case(
                    When(name__istartswith=term, then=Value(0)),
                    default=Value(1),
                    output_field=models.IntegerField(),
                )
            )
            .order_by("prefix", (F("brief_count") + F("section_count")).desc(), "name")
        )

    def at_slug(self, slug: str) -> tuple[Tag | None, bool]:
        """The tag at ``slug`` among these, else the one an old slug (from a
        rename or merge) now leads to; and whether it moved. ``(None, False)``
        when neither is here."""
        tag = self.filter(slug=slug).first()
        if tag is not None:
            return tag, False
        moved = self.filter(redirects__old_slug=slug).first()
        return moved, moved is not None


# Tag fields only the database's triggers write (briefs.tag_counts).
STORED_COUNTS = ("published_brief_count", "published_section_count")


class Tag(TagBase):
    """A tag shared by briefs and sections, so one topic links both."""

    class Kind(models.TextChoices):
        TOPIC = "topic", "Topic"
        PLACE = "place", "Place"
        ORGANISATION = "organisation", "Organisation"
        PERSON = "person", "Person"

    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.TOPIC, db_index=True
    )

    # How many tag rows of published briefs, and of their sections, name this
    # tag: scheduled briefs included (``TagQuerySet.public()`` takes those
    # off). Kept by database triggers in the same statement as every write
    # (``briefs.tag_counts``); Django never writes them (see ``save``).
    published_brief_count = models.IntegerField(default=0, editable=False)
    published_section_count = models.IntegerField(default=0, editable=False)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "tag"
        verbose_name_plural = "tags"
        constraints = [
            # Never "China" and "china" side by side.
            models.UniqueConstraint(
                Lower("name"), name="unique_tag_name_case_insensitive"
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse_slug("briefs:tag", self.slug)

    def save(self, *args, **kwargs) -> None:
        # Saving an existing tag (a rename, a new kind) writes every field but
        # the stored counts: this object's copy of them may be older than the
        # triggers' latest, and writing it back would undo theirs.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in STORED_COUNTS
            ]
        super().save(*args, **kwargs)

    def slugify(self, tag: str, i: int | None = None) -> str:
        # A name made only of punctuation slugifies to nothing; it still needs a URL.
        slug = slugify(tag, allow_unicode=True) or "tag"
        if i is not None:
            slug += f"-{i}"
        return slug


def uses_per_tag(items: models.QuerySet) -> Coalesce:
    """How many of ``items`` (tagged-item rows) the outer tag has; 0 when none.

    For annotating tags: ``Tag.objects.annotate(n=uses_per_tag(TaggedBrief.objects…))``.
    """
    counts = (
        items.filter(tag=OuterRef("pk"))
        .order_by()
        .values("tag")
        .annotate(n=Count("pk"))
    )
    return Coalesce(Subquery(counts.values("n"), output_field=models.IntegerField()), 0)


class TagPhrase(models.Model):
    """A phrase in text that means a tag (an alias or match phrase for
    auto-tagging), or, with ``veto``, a longer phrase around one that means
    something else ("Embassy Suites" for Diplomacy): a match inside it does
    not count for the tag.

    A phrase that starts with a capital letter matches only with that
    capitalisation (a proper name); a lower-case phrase matches in any case.
    A phrase is one or the other for its tag, never both.
    """

    tag = models.ForeignKey(Tag, related_name="phrases", on_delete=models.CASCADE)
    phrase = models.CharField(max_length=200)
    veto = models.BooleanField(
        "veto",
        default=False,
        help_text=(
            "A longer phrase that means something else; a match inside it "
            "does not count."
        ),
    )

    class Meta:
        # Match phrases first, then vetoes.
        ordering = ["tag", "veto", "phrase"]
        verbose_name = "match phrase"
        constraints = [
            models.UniqueConstraint(fields=["tag", "phrase"], name="unique_tag_phrase")
        ]

    def __str__(self) -> str:
        return self.phrase


class TagRedirect(models.Model):
    """An old tag address (after a rename or merge) that now leads to ``tag``."""

    old_slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    tag = models.ForeignKey(Tag, related_name="redirects", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.tag.slug}"


class TaggedItem(ItemBase):
    """A tag on one object (a brief or a section), at most once per object.

    The base of the through models of ``Brief.tags`` and ``Section.tags``;
    each names its own tag and object links (see ``items_of_tag`` and
    ``tagged_object``), since the related names differ.
    """

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="unique_%(class)s"
            )
        ]


def items_of_tag(related_name: str) -> models.ForeignKey:
    """A tagged item's tag; ``tag.<related_name>`` are the items carrying it."""
    return models.ForeignKey(Tag, related_name=related_name, on_delete=models.CASCADE)


def tagged_object(model: str) -> models.ForeignKey:
    """A tagged item's object; ``<object>.tagged_items`` are its tag rows."""
    return models.ForeignKey(
        model, related_name="tagged_items", on_delete=models.CASCADE
    )


class TaggedBrief(TaggedItem):
    tag = items_of_tag("brief_items")
    content_object = tagged_object("Brief")


class TaggedSection(TaggedItem):
    tag = items_of_tag("section_items")
    content_object = tagged_object("Section")


class NewsroomTaggableManager(TaggableManager):
    """Taggit's manager, reading a form's initial tags from a prefetch when there is one.

    Taggit's ``value_from_object`` queries each object's tags even when
    ``prefetch_related("tags")`` has fetched them already, so an admin page
    with fifty sections (and its save, which compares every form with its
    initial values) would make fifty more queries.
    """

    def value_from_object(self, obj) -> list[TagBase]:
        prefetched = getattr(obj, "_prefetched_objects_cache", {})
        if self.name in prefetched:
            return list(prefetched[self.name])
        return super().value_from_object(obj)

    def deconstruct(self):
        # Migrations see taggit's own field: this class changes no schema.
        name, _path, args, kwargs = super().deconstruct()
        return name, "taggit.managers.TaggableManager", args, kwargs


def _carries(
    lookup: dict, *, common: bool, own: bool = True, sections: bool = True
) -> Q:
    """A filter on briefs: a tag row matching ``lookup`` is on the brief
    (``own``) or on one of its sections (``sections``).

    For a ``common`` tag, a test on each brief: how many of the rows are
    on it, more than none. A count, not ``EXISTS``: PostgreSQL turns an
    ``EXISTS`` into a hash of every row the tag has (25,000 for a tag on one
    brief in ten of 100,000) built before it reads the first brief, where a
    count is looked up for each brief it reads, and it stops at a page.
    Otherwise ``pk IN`` one list of the briefs the rows are on (a UNION of
    both kinds of row: PostgreSQL turns one IN into a join on the briefs'
    primary key, but two IN joined by OR into a scan of every brief).
    """
    brief_rows = TaggedBrief.objects.filter(**lookup)
    section_rows = TaggedSection.objects.filter(**lookup)
    if common:
        found = Q()
        if own:
            found |= GreaterThan(
                _per_tag(brief_rows.filter(content_object=OuterRef("pk"))), 0
            )
        if sections:
            found |= GreaterThan(
                _per_tag(section_rows.filter(content_object__brief=OuterRef("pk"))), 0
            )
        return found
    ids = []
    if own:
        ids.append(brief_rows.values("content_object"))
    if sections:
        ids.append(section_rows.values("content_object__brief"))
    return Q(pk__in=ids[0].union(*ids[1:]))


def _per_tag(rows: models.QuerySet) -> Subquery:
    """How many ``rows`` (tag rows) there are, per tag: a correlated count
    for a filter. None (no row at all) where there are none."""
    return Subquery(
        rows.order_by().values("tag").annotate(n=Count("pk")).values("n")[:1]
    )


# A tag on more published rows than this is found by reading the newest
# briefs until a page is full; a rarer one from its own rows
# (``BriefQuerySet.carrying``). Either costs about as much near this figure.
COMMON_TAG_USES = 1_000
# How many of the newest briefs are read for a common tag's last change
# (``TagQuerySet.with_last_change``) before its own rows are.
NEWEST_BRIEFS_READ = 1_000

# What a brief's revision follows (see the reversion.register calls below).
REVISION_LOOKUPS = (
    "key_points",
    "credits",
    "tagged_items__tag",
    "sections__tagged_items__tag",
)


class BriefQuerySet(models.QuerySet):
    def published(self) -> BriefQuerySet:
        """Briefs readers may see: published, and not scheduled for later.

        Every public view, feed, sitemap, search and API goes through this
        method; it is the one boundary between drafts and readers.
        """
        return self.filter(
            status=Brief.Status.PUBLISHED, published_at__lte=timezone.now()
        )

    def with_outline(self) -> BriefQuerySet:
        """Prefetch what a brief page shows: key points, sections and all tags."""
        return self.prefetch_related(
            "key_points",
            Prefetch("sections", queryset=Section.objects.prefetch_related("tags")),
            "tags",
            Prefetch(
                "corrections", queryset=Correction.objects.order_by("created_at", "pk")
            ),
            CREDITS,
        )

    def with_authors(self) -> BriefQuerySet:
        """Prefetch the authors in their order (``Brief.author_list``)."""
        return self.prefetch_related(CREDITS)

    def for_revision(self) -> BriefQuerySet:
        """Prefetch everything a revision follows, so recording one needs no more queries."""
        return self.prefetch_related(*REVISION_LOOKUPS)

    def newest_first(self) -> BriefQuerySet:
        return self.order_by("-published_at", "-pk")

    def tagged(self, tags: Tag | models.QuerySet | list[int]) -> BriefQuerySet:
        """Briefs that carry ``tags`` (a tag, or any of several tags or their
        ids) themselves or in any of their sections.

        Found from the tags' own rows, as a list of brief ids. To list the
        briefs of one tag newest first, ``carrying`` is quicker.
        """
        lookup = {"tag": tags} if isinstance(tags, Tag) else {"tag__in": tags}
        return self.filter(_carries(lookup, common=False))

    def carrying(
        self, tag: Tag, *, own: bool = True, sections: bool = True
    ) -> BriefQuerySet:
        """Briefs that carry ``tag`` themselves (``own``) or in a section
        (``sections``), in the shape that lists them newest first fastest.

        Which shape depends on how many published rows carry the tag (its
        stored counts). A common tag is a test on each brief, so the
        database reads the newest briefs in order and stops when a page is
        full; a rare one is the list of its briefs' ids, read from the tag's
        own rows and sorted (``tagged``), since reading the newest briefs
        until a page is full would read the whole archive to find a handful.
        """
        uses = (tag.published_brief_count if own else 0) + (
            tag.published_section_count if sections else 0
        )
        return self.filter(
            _carries(
                {"tag": tag},
                common=uses > COMMON_TAG_USES,
                own=own,
                sections=sections,
            )
        )

    def touch(self, **changes) -> int:
        """Record that these briefs changed in a write that sent no signals.

        The one way a bulk writer (status changes, re-tagging, tag merges,
        the importer) says so: sets ``changes``, moves ``updated_at`` to now
        and ``version`` on by one (so an editor's open form knows it is out
        of date), then sends ``briefs_touched`` with their ids, on which the
        search index re-indexes these briefs and the page cache drops the
        pages that show them, their tags or the newest briefs.
        Returns how many briefs were touched.
        """
        ids = list(self.values_list("pk", flat=True))
        if not ids:
            return 0
        touched = Brief.objects.filter(pk__in=ids).update(
            updated_at=timezone.now(), version=F("version") + 1, **changes
        )
        briefs_touched.send(sender=Brief, brief_ids=ids)
        return touched


def person(**options) -> models.ForeignKey:
    """A link to a user account that outlives the account: emptied, not
    deleted, when the account goes, so the work and its record stay."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        **options,
    )


class Status(models.TextChoices):
    """Where a brief stands in the workflow (``Brief.Status``); each change
    of it is a ``StatusChange``."""

    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Brief(models.Model):
    Status = Status

    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=320,
        unique=True,
        allow_unicode=True,
        help_text="The brief's address. Changing it breaks links readers have saved.",
    )
    dateline = models.CharField(
        max_length=200, blank=True, help_text="For example ISLAMABAD."
    )
    summary = models.TextField(
        blank=True,
        help_text="Optional. Listings and search engines use the opening paragraph when empty.",
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="Set when the brief is first published; a future time schedules it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Attribution from the source document's header, shown on the brief page.
    source_name = models.CharField("source", max_length=200, blank=True)
    byline = models.CharField(max_length=200, blank=True)
    source_url = models.URLField("source URL", max_length=500, blank=True)

    # Where an imported brief came from: its identity for re-imports.
    source_path = models.CharField(max_length=500, blank=True, editable=False)
    source_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    # Fingerprint of the content the last import wrote; a different fingerprint
    # now means an editor has changed the brief since.
    import_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # Every save adds one. An editor's form carries the version it was opened
    # at; a save from an older version is refused rather than overwriting.
    version = models.PositiveIntegerField(default=1, editable=False)
    # The version the last import wrote; a higher version means someone has
    # saved the brief since.
    import_version = models.PositiveIntegerField(null=True, blank=True, editable=False)

    # Ownership: writers edit only the drafts they created or are assigned to.
    created_by = person(editable=False, related_name="+")
    assigned_to = person(
        related_name="assigned_briefs",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text="The writer who may edit this brief while it is a draft or in "
        "review, besides the person who created it.",
    )

    # The readers' record of change: the number of the current public version
    # (0 until first published) and when the latest update or correction was
    # made public. Minor edits change neither; see briefs.editorial.versions.
    public_version = models.PositiveIntegerField(default=0, editable=False)
    revised_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The people credited, in order; ``byline`` keeps the source's own words.
    authors = models.ManyToManyField(
        "Author", through="BriefAuthor", related_name="briefs", blank=True
    )
    tags = NewsroomTaggableManager(through=TaggedBrief, blank=True)
    # The tags the auto-tagger proposed last time. Compared with the tags the
    # brief has now, they tell an editor's removals and additions apart from
    # the tagger's, so re-tagging keeps both. Rows, not names: a renamed tag
    # is still the same proposal, and a merge moves them as it moves tag rows.
    proposed_tags = models.ManyToManyField(
        Tag, related_name="+", blank=True, editable=False
    )

    # The lead image: the upload, kept where nothing serves it, and its
    # renditions (briefs.images.lead), the only files readers get.
    lead_image = models.ImageField(
        "image",
        upload_to=lead_images.original_name,
        storage=lead_image_originals,
        max_length=200,
        blank=True,
    )
    lead_image_alt = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. "
        "Required with an image.",
    )
    lead_image_caption = models.CharField(
        "caption", max_length=300, blank=True, help_text="Optional."
    )
    lead_image_credit = models.CharField(
        "credit",
        max_length=200,
        blank=True,
        help_text="Optional. For example Photo: Jane Doe / Agency.",
    )
    # Made on save from lead_image; not in revisions (a restore makes them again).
    lead_image_renditions = models.JSONField(default=dict, blank=True, editable=False)

    objects = BriefQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("publish_brief", "Can publish, unpublish and archive briefs"),
        ]
        indexes = [
            # What readers see, newest first: every listing reads the newest
            # published briefs in this order and stops at a page, and counts
            # them from the index alone.
            models.Index(
                fields=["status", "published_at", "id"], name="brief_status_published"
            ),
            # The latest update or correction (the sitemap's lastmod).
            models.Index(fields=["revised_at"], name="brief_revised"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_path"],
                condition=~Q(source_path=""),
                name="unique_brief_source_path",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_brief_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(self.title, exclude_pk=self.pk)
        if self.pk is not None and not kwargs.get("force_insert"):
            self.version += 1
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = now_to_the_second()
        update_fields = kwargs.get("update_fields")
        images = update_fields is None or "lead_image" in update_fields
        new = self.pk is None
        changed = images and not new and lead_images.update_renditions(self)
        if images and new and self.lead_image:
            # Renditions are filed under the brief's id, which it has only
            # now. One transaction: the brief's stored article, made stale
            # by the save, is rendered again only once they are written too.
            with transaction.atomic():
                super().save(*args, **kwargs)
                changed = lead_images.update_renditions(self)
                Brief.objects.filter(pk=self.pk).update(
                    lead_image_renditions=self.lead_image_renditions
                )
        else:
            super().save(*args, **kwargs)
        if changed:
            lead_images.sweep_after_commit(self)

    def get_absolute_url(self) -> str:
        return reverse_slug("briefs:detail", self.slug)

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def state_label(self) -> str:
        """The status as people say it: "scheduled" is published, but not yet."""
        if self.is_scheduled:
            return "scheduled"
        return self.get_status_display().lower()

    @property
    def modified_at(self) -> dt.datetime | None:
        """When readers last saw a change: the latest update or correction, else publication."""
        return self.revised_at or self.published_at

    @property
    def lead_picture(self) -> lead_images.Picture | None:
        """The lead image as pages show it (``briefs.images.lead.picture``)."""
        return lead_images.picture(self)

    @property
    def author_list(self) -> list[Author]:
        """The credited authors in order; prefetch with ``with_authors()``."""
        return [credit.author for credit in self.credits.all()]

    @property
    def description(self) -> str:
        """The summary, or the opening paragraph when there is none (plain text)."""
        if self.summary.strip():
            return self.summary.strip()
        for section in self.sections.all():
            text = first_paragraph_text(section.body)
            if text:
                return text
        return ""


class ArchiveCount(models.Model):
    """How many briefs are published, scheduled ones included: one row, kept
    by database triggers in the same statement as every write of a brief
    (``briefs.tag_counts``), so that listings never count the archive.
    ``tag_counts.published_brief_count()`` takes off the briefs still
    scheduled, as ``TagQuerySet.public()`` does for tags."""

    published_briefs = models.IntegerField(default=0, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="archive_count_one_row")
        ]

    def __str__(self) -> str:
        return f"{self.published_briefs} published briefs"


def record_of(related_name: str) -> models.ForeignKey:
    """A record's link to its brief, kept when the brief is deleted.

    No database constraint and no cascade: a deleted brief's records stay,
    and a brief recovered from its history (with its old primary key, which
    is never given to another brief) finds them again.
    """
    return models.ForeignKey(
        "Brief",
        related_name=related_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )


class StatusChange(models.Model):
    """One change of a brief's status: who, when, from what, to what, and how."""

    class Via(models.TextChoices):
        FORM = "form", "Edit form"
        ACTION = "action", "Bulk action"
        RESTORE = "restore", "Restore of a revision"
        RECOVER = "recover", "Recovery after deletion"
        IMPORT = "import", "Import"

    brief = record_of("status_changes")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    user = person()
    via = models.CharField("how", max_length=20, choices=Via.choices, blank=True)
    note = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        get_latest_by = "changed_at"

    def __str__(self) -> str:
        before = self.get_from_status_display() or "new"
        return f"{before} → {self.get_to_status_display()}"


class Correction(models.Model):
    """A public note on a change to a live brief: an update or a correction."""

    class Kind(models.TextChoices):
        UPDATE = "update", "Update"
        CORRECTION = "correction", "Correction"

    brief = record_of("corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(max_length=1000)
    created_at = models.DateTimeField(default=now_to_the_second, db_index=True)
    created_by = person(related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.note}"


class PublicVersionQuerySet(models.QuerySet):
    def public(self) -> PublicVersionQuerySet:
        """Versions readers may see: of a published brief, and whose moment has come.

        The brief's side is ``Brief.objects.published()``, the one boundary
        between drafts and readers; a version still scheduled stays out.
        """
        return self.filter(
            Exists(Brief.objects.published().filter(pk=OuterRef("brief_id"))),
            published_at__lte=timezone.now(),
        )


class PublicVersion(models.Model):
    """The brief as readers saw it at one public version, in the export format.

    A brief gets the next number each time it is published and each time it
    changes publicly (an update or a correction). Only these moments are
    kept: drafts saved between two public versions are never shown.
    """

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Published"
        UPDATE = "update", "Update"
        CORRECTION = "correction", "Correction"

    brief = record_of("public_versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    correction = models.OneToOneField(
        Correction,
        null=True,
        blank=True,
        related_name="version",
        on_delete=models.SET_NULL,
    )
    # When this version reached (or reaches, if scheduled) readers.
    published_at = models.DateTimeField(db_index=True)
    snapshot = models.JSONField()

    objects = PublicVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["brief", "number"], name="unique_public_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.PUBLISHED:
            return "First published" if self.number == 1 else "Published again"
        return self.get_kind_display()


def unique_slug(
    title: str,
    *,
    exclude_pk: int | None = None,
    among: models.QuerySet | None = None,
    length: int = 300,
    fallback: str = "brief",
) -> str:
    """A slug for ``title`` that no other row of ``among`` (briefs unless
    given) has: base, base-2, base-3, …"""
    base = slugify(title, allow_unicode=True)[:length].strip("-") or fallback
    rows = Brief.objects.all() if among is None else among
    taken = set(
        rows.filter(Q(slug=base) | Q(slug__startswith=f"{base}-"))
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def validate_orcid(value: str) -> None:
    """An ORCID iD as people write it, ``0000-0002-1825-0097``, whose last
    character is the ISO 7064 MOD 11-2 check digit of the others."""
    if not ORCID.fullmatch(value):
        raise ValidationError(
            "Enter an ORCID iD as 0000-0000-0000-0000 (the last character may be X).",
            code="invalid",
        )
    total = 0
    for digit in value.replace("-", "")[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    if value[-1] != ("X" if check == 10 else str(check)):
        raise ValidationError(
            "This ORCID iD's check digit is wrong: check it for a typing error.",
            code="checksum",
        )


ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")


class AuthorQuerySet(models.QuerySet):
    def public(self) -> AuthorQuerySet:
        """Authors readers may see: those credited on a published brief.

        An author of drafts only stays unknown to readers, as their briefs do.
        """
        return self.filter(
            Exists(
                BriefAuthor.objects.filter(author=OuterRef("pk")).filter(
                    of_published("brief")
                )
            )
        )

    def with_brief_counts(self) -> AuthorQuerySet:
        """Each author with ``brief_count``, their published briefs: the
        stored count (``Author.published_brief_count``, scheduled briefs
        included) less their credits on briefs still scheduled, so that no
        page counts an author's briefs over the archive."""
        # From the few briefs still scheduled to their credits (the index on
        # brief and author), not from each author's credits to their briefs.
        scheduled = Brief.objects.filter(
            status=Brief.Status.PUBLISHED, published_at__gt=timezone.now()
        ).values("pk")
        credits = (
            BriefAuthor.objects.filter(brief__in=scheduled, author=OuterRef("pk"))
            .order_by()
            .values("author")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            brief_count=F("published_brief_count")
            - Coalesce(Subquery(credits, output_field=models.IntegerField()), 0)
        )


class Author(models.Model):
    """A person credited on briefs, in their order (``BriefAuthor``)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        allow_unicode=True,
        help_text="The author page's address. Made from the name when empty.",
    )
    role = models.CharField(
        "role or affiliation",
        max_length=200,
        blank=True,
        help_text="For example Senior Fellow, Asia Programme.",
    )
    bio = models.TextField(
        "short biography",
        max_length=1000,
        blank=True,
        help_text="Plain text, a few sentences, shown on the author page.",
    )
    url = models.URLField(
        "web page",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Optional. http or https.",
    )
    orcid = models.CharField(
        "ORCID iD",
        max_length=19,
        blank=True,
        validators=[validate_orcid],
        help_text="Optional, as 0000-0002-1825-0097.",
    )

    # How many published briefs credit this author, scheduled ones included
    # (``AuthorQuerySet.with_brief_counts()`` takes those off). Kept by
    # database triggers (``briefs.tag_counts``); Django never writes it.
    published_brief_count = models.IntegerField(default=0, editable=False)

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(
                self.name, among=Author.objects.all(), length=190, fallback="author"
            )
        # As a tag's: an existing author's save leaves the stored count to
        # the triggers (this copy of it may be older than theirs).
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "published_brief_count"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse_slug("briefs:author", self.slug)

    @property
    def orcid_url(self) -> str:
        return f"https://orcid.org/{self.orcid}" if self.orcid else ""


class BriefAuthor(models.Model):
    """An author's credit on a brief, in the byline's order."""

    brief = models.ForeignKey(Brief, related_name="credits", on_delete=models.CASCADE)
    # An author credited on a brief cannot be deleted: the brief's byline,
    # its citations and its history name them.
    author = models.ForeignKey(Author, related_name="credits", on_delete=models.PROTECT)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "author"
        constraints = [
            models.UniqueConstraint(
                fields=["brief", "author"], name="unique_author_per_brief"
            )
        ]

    def __str__(self) -> str:
        return str(self.author)


# A brief's credits with their authors, in order: one query for any number of briefs.
CREDITS = Prefetch(
    "credits",
    queryset=BriefAuthor.objects.select_related("author").order_by("position", "pk"),
)


class KeyPoint(models.Model):
    brief = models.ForeignKey(
        Brief, related_name="key_points", on_delete=models.CASCADE
    )
    text = models.CharField(max_length=500)
    position = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "key point"

    def __str__(self) -> str:
        return self.text


class Section(models.Model):
    brief = models.ForeignKey(Brief, related_name="sections", on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0, db_index=True)
    heading = models.CharField(
        max_length=255, blank=True, help_text="Leave empty for the opening section."
    )
    anchor = models.SlugField(
        max_length=100,
        blank=True,
        allow_unicode=True,
        help_text="The section's address within the brief (#anchor). Made from the heading "
        "when empty; it stays the same when the text changes, so links keep working.",
    )
    body = models.TextField(
        help_text="Markdown. Separate paragraphs with a blank line."
    )
    # ``body`` rendered, on every save (``briefs.signals``, which sees raw
    # saves too, as a restore makes); ``manage.py render_sections`` renders
    # them all again when the renderer changes.
    body_html = models.TextField(blank=True, editable=False)

    tags = NewsroomTaggableManager(through=TaggedSection, blank=True)
    # As Brief.proposed_tags: what the auto-tagger proposed for this section last time.
    proposed_tags = models.ManyToManyField(
        Tag, related_name="+", blank=True, editable=False
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["brief", "anchor"], name="unique_section_anchor"
            )
        ]

    def __str__(self) -> str:
        return self.heading or "Opening"

    def save(self, *args, **kwargs) -> None:
        if not self.anchor:
            taken = set(
                Section.objects.filter(brief_id=self.brief_id)
                .exclude(pk=self.pk)
                .values_list("anchor", flat=True)
            )
            self.anchor = unique_anchor(self.heading, taken)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{self.brief.get_absolute_url()}#{self.anchor}"

    def render(self) -> None:
        """Render ``body`` into ``body_html`` (saving does this)."""
        self.body_html = render_markdown(self.body)


# The rows of the tagger's memory (Brief.proposed_tags, Section.proposed_tags).
BriefProposal = Brief.proposed_tags.through
SectionProposal = Section.proposed_tags.through
TAGGER_MEMORY = (BriefProposal, SectionProposal)


def unique_anchor(
    heading: str, taken: set[str], numbers: dict[str, int] | None = None
) -> str:
    """An anchor for ``heading`` that is not in ``taken`` nor reserved by the page.

    A caller making many anchors adds each one it gets to ``taken`` and
    passes the same ``numbers`` every time: it keeps the next number to try
    for each base, so 10,000 identical headings cost 10,000 look-ups rather
    than one per anchor taken before (50 million).
    """
    base = slugify(heading, allow_unicode=True)[:90].strip("-") or "overview"
    if numbers is not None and base in numbers:
        # Every anchor up to the last one handed out for this base is taken.
        anchor, n = f"{base}-{numbers[base]}", numbers[base] + 1
    else:
        anchor, n = base, 2
    while anchor in taken or anchor in RESERVED_ANCHORS:
        anchor, n = f"{base}-{n}", n + 1
    if numbers is not None:
        numbers[base] = n
    return anchor


class SearchEntry(models.Model):
    """The text full-text search reads: one row per section of a brief.

    A brief without sections has one row with no section, so its title and
    key points are still found. Each row repeats the brief's title and key
    points, so a query whose words are split between the title and a section
    still finds that section. Rows are written only by ``briefs.search``;
    the full-text index over them is the database's own (an FTS5 table kept
    in step by triggers on SQLite, a generated tsvector column with a GIN
    index on PostgreSQL; see migration 0005). Tags and status are not here:
    searches join the live tag rows and ``Brief.objects.published()``.
    """

    brief = models.ForeignKey(Brief, related_name="+", on_delete=models.CASCADE)
    section = models.OneToOneField(
        Section, null=True, related_name="+", on_delete=models.CASCADE
    )
    position = models.PositiveIntegerField(default=0)
    title = models.TextField()
    key_points = models.TextField(blank=True)
    heading = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        verbose_name = "search entry"
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return f"{self.title} / {self.heading or 'opening'}"


class StoredArticle(models.Model):
    """A brief's article as its page shows it, rendered once and stored
    (``briefs.reading.articles``): the page reads it, and its topics, in
    place of five queries and most of its template.

    ``html`` is None until it is rendered, and again from the moment a write
    changes what it shows (in that write's transaction); ``generation``
    counts those writes, so that a rendering that read the brief before one
    of them is never stored after it. ``format`` names the templates and
    settings it was rendered with: a page ignores an article of another.
    """

    brief = models.OneToOneField(
        Brief, primary_key=True, related_name="stored_article", on_delete=models.CASCADE
    )
    generation = models.PositiveBigIntegerField(default=0)
    format = models.CharField(max_length=64, blank=True)
    html = models.TextField(null=True)
    # JSON, as text: kept as written, keys in their order (jsonb sorts them,
    # and the page's structured data would change with the database).
    facts = models.TextField(null=True)

    def __str__(self) -> str:
        return f"article of brief {self.brief_id}"


# History: a brief's revision holds its key points, sections and the tag rows
# of both, so restoring a revision restores the tags too. The tagger's memory
# (proposed_tags) is not content and stays out: a revision would name tags
# that a merge may since have deleted.
reversion.register(TaggedBrief)
reversion.register(TaggedSection)
reversion.register(KeyPoint)
reversion.register(BriefAuthor)
reversion.register(Section, follow=["tagged_items"], exclude=["proposed_tags"])
reversion.register(
    Brief,
    follow=["key_points", "credits", "sections", "tagged_items"],
    exclude=["proposed_tags", "lead_image_renditions"],
)

# A deleted brief's renditions go with it (its original stays for a recovery).
post_delete.connect(
    lambda instance, **kwargs: lead_images.sweep_after_commit(instance, deleted=True),
    sender=Brief,
    weak=False,
    dispatch_uid="briefs.lead_image_renditions",
)


def outcome_count(label: str) -> models.PositiveIntegerField:
    """How many files of an import run had one outcome."""
    return models.PositiveIntegerField(label, default=0)


class ImportRecord(models.Model):
    """One import run that wrote to the database: when, by whom, how, and
    how many files had each outcome; its failures and conflicts are its
    ``problems``.

    The counts are named after the outcomes' values in
    ``briefs.ingest.importing.Outcome``, which ``briefs.ingest.records``
    writes them from. A dry run writes nothing, so it leaves no record.
    """

    class Via(models.TextChoices):
        COMMAND = "command", "Command line"
        ADMIN = "admin", "Import page"

    ran_at = models.DateTimeField("when", default=timezone.now, db_index=True)
    user = person(related_name="import_records", verbose_name="run by")
    via = models.CharField("how", max_length=20, choices=Via.choices)
    created = outcome_count("created")
    updated = outcome_count("updated")
    unchanged = outcome_count("unchanged")
    conflict = outcome_count("conflicts")
    failed = outcome_count("failed")

    class Meta:
        ordering = ["-ran_at", "-pk"]
        get_latest_by = "ran_at"
        verbose_name = "import record"

    def __str__(self) -> str:
        return f"Import of {self.files} file{'s' if self.files != 1 else ''}"

    @property
    def files(self) -> int:
        return (
            self.created + self.updated + self.unchanged + self.conflict + self.failed
        )

    @property
    def problem_count(self) -> int:
        return self.conflict + self.failed

    @property
    def summary(self) -> str:
        """The files and the outcomes they had, for example "3 files: 1
        created, 2 failed"; outcomes no file had are left out."""
        counts = [
            f"{count} {label}"
            for count, label in (
                (self.created, "created"),
                (self.updated, "updated"),
                (self.unchanged, "unchanged"),
                (self.conflict, "conflicts" if self.conflict > 1 else "conflict"),
                (self.failed, "failed"),
            )
            if count
        ]
        files = f"{self.files} file{'s' if self.files != 1 else ''}"
        return f"{files}: {', '.join(counts)}" if counts else files


class ImportProblem(models.Model):
    """A file of an import run that failed or met an editor's change (a
    conflict), in the order the run met it.

    Rows of their own rather than a list on the record: each keeps the
    length and choice of its fields, the admin shows them as a table of the
    record, and the desk fetches the first few of each record in one query.
    """

    class Outcome(models.TextChoices):
        CONFLICT = "conflict", "Conflict"
        FAILED = "failed", "Failed"

    record = models.ForeignKey(
        ImportRecord, related_name="problems", on_delete=models.CASCADE
    )
    path = models.TextField("file")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.TextField("what happened", blank=True)
    # The brief the file is the source of, when there is one; by slug, so a
    # deleted brief leaves the record as it was.
    slug = models.CharField("brief", max_length=320, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "failure or conflict"
        verbose_name_plural = "failures and conflicts"

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.path}"
