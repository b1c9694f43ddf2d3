"""Authors: the people credited on briefs, kept by editors.

Writers credit existing authors on their briefs (the brief form's Authors
rows); editors add, change and delete them here. An author credited on any
brief cannot be deleted: the brief's byline, citations and history name them.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from briefs.admin.counts import LocksCountsFirst
from briefs.models import Author


@admin.register(Author)
class AuthorAdmin(LocksCountsFirst, admin.ModelAdmin):
    list_display = ["name", "role", "brief_count"]
    search_fields = ["name", "role", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "role", "bio", "url", "orcid"]
    list_per_page = 100
    # Stated: the count's GROUP BY drops the model's own ordering.
    ordering = ["name", "pk"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Author]:
        return super().get_queryset(request).annotate(brief_count=Count("credits"))

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return super().changelist_view(
            request, {"title": "Authors", **(extra_context or {})}
        )

    @admin.display(description="briefs", ordering="brief_count")
    def brief_count(self, obj: Author) -> int:
        return obj.brief_count
