"""The brief list's own filters.

Each reads one query-string parameter, and a value it does not know (an old
link, a hand-edited or hostile query string) never fails: a fixed-choice
filter leaves the list as it is, the tag filter says no tag has that name.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from briefs.editorial.desk import live, mine, scheduled
from briefs.models import Brief, Tag, TaggedBrief

Status = Brief.Status


class FixedChoicesListFilter(admin.SimpleListFilter):
    """A list filter offering fixed ``options``, each narrowing the list by ``narrow``.

    A value that is not one of the choices (an old or hand-edited query
    string) leaves the list as it is, rather than emptying it or failing.
    """

    options: list[tuple[str, str]] = []

    def lookups(self, request, model_admin):
        return self.options

    def queryset(self, request, queryset):
        value = self.value()
        if value not in dict(self.options):
            return queryset
        return self.narrow(request, queryset, value)

    def narrow(self, request: HttpRequest, queryset: QuerySet, value: str) -> QuerySet:
        """The rows of ``queryset`` that the choice ``value`` keeps."""
        raise NotImplementedError


def where_state(state: str) -> Q:
    """Briefs in ``state``, as the list's badges name them: a published brief
    is "scheduled" until its time comes, then "live"."""
    now = timezone.now()
    if state == "scheduled":
        return scheduled(now)
    if state == "live":
        return live(now)
    return Q(status=state)


class StatusListFilter(FixedChoicesListFilter):
    """Briefs by where they stand: the list's badges, scheduled apart from live."""

    title = "status"
    parameter_name = "status"
    options = [
        (Status.DRAFT, "Draft"),
        (Status.REVIEW, "In review"),
        ("scheduled", "Scheduled"),
        ("live", "Live"),
        (Status.ARCHIVED, "Archived"),
    ]

    def narrow(self, request, queryset, value):
        return queryset.filter(where_state(value))


class MineListFilter(FixedChoicesListFilter):
    """Briefs the signed-in person created or is assigned to."""

    title = "writer"
    parameter_name = "mine"
    options = [("yes", "Mine")]

    def narrow(self, request, queryset, value):
        return queryset.filter(mine(request.user))


class TagKindListFilter(FixedChoicesListFilter):
    """Briefs with a tag of one kind (the brief's own tags, not its sections')."""

    title = "tag kind"
    parameter_name = "tag_kind"
    options = Tag.Kind.choices

    def narrow(self, request, queryset, value):
        # Exists, not a join: a brief with two such tags is listed once.
        return queryset.filter(
            Exists(
                TaggedBrief.objects.filter(
                    content_object=OuterRef("pk"), tag__kind=value
                )
            )
        )


class ImportedListFilter(FixedChoicesListFilter):
    title = "origin"
    parameter_name = "imported"
    options = [("yes", "Imported"), ("no", "Written here")]

    def narrow(self, request, queryset, value):
        written_here = Q(source_path="")
        if value == "yes":
            return queryset.exclude(written_here)
        return queryset.filter(written_here)


# No tag's name or slug is longer.
LONGEST_TAG = Tag._meta.get_field("name").max_length


def find_tag(typed: str) -> Tag | None:
    """The tag ``typed`` names: its slug, an old slug it had, or its name in any case.

    None for text no tag has, without asking the database about text no
    tag can have (a NUL, which PostgreSQL refuses, or past a name's length).
    """
    if len(typed) > LONGEST_TAG or "\x00" in typed:
        return None
    tag, _moved = Tag.objects.at_slug(typed)
    return tag or Tag.objects.filter(name__iexact=typed).first()


class TagListFilter(admin.SimpleListFilter):
    """Briefs about one tag, on the brief or on any of its sections (as the
    readers' tag page lists them), chosen by typing its name or slug.

    Not a list of every tag: a text box (``includes/tag_filter.html``) that
    the tag autocomplete helps fill in, and that works without it. An empty
    box shows every brief; text no tag has shows none, and says so.
    """

    title = "tag"
    parameter_name = "tag"
    template = "admin/briefs/brief/includes/tag_filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.typed = (self.value() or "").strip()
        self.tag = find_tag(self.typed) if self.typed else None

    def lookups(self, request, model_admin):
        # No list of choices: the box is the filter (see choices()).
        return []

    def has_output(self) -> bool:
        return True

    def queryset(self, request, queryset):
        if not self.typed:
            return queryset
        if self.tag is None:
            return queryset.none()
        return queryset.carrying(self.tag)

    def choices(self, changelist):
        """One choice: the box, with the list's other parameters to keep."""
        yield {
            "selected": bool(self.typed),
            "typed": self.tag.name if self.tag else self.typed,
            "unknown": bool(self.typed) and self.tag is None,
            "clear": changelist.get_query_string(remove=[self.parameter_name]),
            "kept": [
                (name, value)
                for name, value in changelist.params.items()
                if name != self.parameter_name
            ],
            "autocomplete": reverse("admin:briefs_tag_autocomplete"),
        }
