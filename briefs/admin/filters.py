"""The brief list's own filters."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest

from briefs.models import Tag, TaggedBrief


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


class MineListFilter(FixedChoicesListFilter):
    """Briefs the signed-in person created or is assigned to."""

    title = "whose"
    parameter_name = "mine"
    options = [("yes", "Mine")]

    def narrow(self, request, queryset, value):
        user = request.user
        return queryset.filter(Q(created_by=user) | Q(assigned_to=user))


class TagKindListFilter(FixedChoicesListFilter):
    """Briefs with a tag of one kind (the brief's own tags, as the Tags column)."""

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
