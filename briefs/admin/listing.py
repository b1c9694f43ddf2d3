"""The brief list: its columns, filters and search."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join

from briefs.admin.filters import ImportedListFilter, MineListFilter, TagKindListFilter
from briefs.models import Brief


class BriefListing:
    """The brief admin's change list."""

    list_display = [
        "title",
        "status",
        "published_at",
        "dateline",
        "tag_list",
        "section_count",
        "updated_at",
        "imported",
    ]
    list_filter = [
        MineListFilter,
        "status",
        "published_at",
        "tags",
        TagKindListFilter,
        ImportedListFilter,
    ]
    date_hierarchy = "published_at"
    search_fields = [
        "title",
        "summary",
        "dateline",
        "key_points__text",
        "sections__heading",
        "sections__body",
    ]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brief]:
        # The change list shows every brief's tags and section count; fetch
        # them in two queries for the page, not two per row.
        return (
            super()
            .get_queryset(request)
            .annotate(section_count=Count("sections", distinct=True))
            .prefetch_related("tags")
        )

    @admin.display(description="tags")
    def tag_list(self, obj: Brief) -> str:
        # Sorted here: taggit's prefetch ignores Tag.Meta.ordering and takes no queryset.
        tags = sorted(obj.tags.all(), key=lambda tag: tag.name.casefold())
        return format_html_join(", ", "{}", ((tag.name,) for tag in tags))

    @admin.display(description="sections", ordering="section_count")
    def section_count(self, obj: Brief) -> int:
        return obj.section_count

    @admin.display(description="imported", boolean=True, ordering="source_path")
    def imported(self, obj: Brief) -> bool:
        return bool(obj.source_path)
