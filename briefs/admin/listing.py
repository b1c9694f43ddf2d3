"""The brief list: its columns, filters and search."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from briefs.admin.filters import (
    ImportedListFilter,
    MineListFilter,
    StatusListFilter,
    TagKindListFilter,
    TagListFilter,
)
from briefs.editorial import workflow
from briefs.models import Brief, Section

# Times in the list: to the minute, short enough for a narrow column.
LIST_TIME = "j M Y, H:i"


def list_time(moment: dt.datetime | None) -> str:
    """``moment`` in local time as the list shows it, in a ``<time>`` element."""
    if moment is None:
        return "—"
    return format_html(
        '<time datetime="{}">{}</time>',
        # HTML allows at most milliseconds; the list shows minutes.
        moment.replace(microsecond=0).isoformat(),
        date_format(timezone.localtime(moment), LIST_TIME),
    )


def state_of(brief: Brief) -> tuple[str, str]:
    """Where ``brief`` stands, as a name for CSS and a label for editors:
    a published brief is "Scheduled" until its time comes, then "Live"."""
    state = workflow.form_state(brief)
    label = {"scheduled": "Scheduled", "live": "Live"}.get(state)
    return state, label or brief.get_status_display()


class BriefListing:
    """The brief admin's change list: readable titles, status badges, and
    filters an editor asks for (status, whose, tag kind, a typed tag)."""

    change_list_template = "admin/briefs/brief/change_list.html"
    list_display = [
        "headline",
        "status_badge",
        "published",
        "writer",
        "updated",
        "section_count",
    ]
    list_filter = [
        StatusListFilter,
        MineListFilter,
        TagListFilter,
        TagKindListFilter,
        ImportedListFilter,
    ]
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
        # The section count and the writer come with the page's briefs, in
        # the same query, not one more per row. The count is a subquery for
        # each brief listed, not a GROUP BY of every brief's sections: the
        # database counts the sections of the 50 briefs on the page only,
        # and the list's own count (which leaves the subquery out) counts
        # briefs alone, however large the archive.
        sections = (
            Section.objects.filter(brief=OuterRef("pk"))
            .order_by()
            .values("brief")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(section_count=Coalesce(Subquery(sections), 0))
            .select_related("assigned_to", "created_by")
        )

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        # No text holds a NUL (PostgreSQL refuses one in a query): it finds nothing more.
        return super().get_search_results(
            request, queryset, search_term.replace("\x00", "")
        )

    @admin.display(description="title", ordering="title")
    def headline(self, obj: Brief) -> str:
        if not obj.dateline:
            return obj.title
        return format_html(
            '{}<span class="brief-dateline">{}</span>', obj.title, obj.dateline
        )

    @admin.display(description="status")
    def status_badge(self, obj: Brief) -> str:
        state, label = state_of(obj)
        badge = format_html('<span class="badge badge-{}">{}</span>', state, label)
        if state != "scheduled":
            return badge
        return format_html(
            '{}<span class="badge-when">{}</span>', badge, list_time(obj.published_at)
        )

    @admin.display(description="published", ordering="published_at")
    def published(self, obj: Brief) -> str:
        return list_time(obj.published_at)

    @admin.display(description="writer")
    def writer(self, obj: Brief) -> str:
        """Who writes it: the person assigned, else the one who created it."""
        person = obj.assigned_to or obj.created_by
        return (person.get_full_name() or person.get_username()) if person else "—"

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, obj: Brief) -> str:
        return list_time(obj.updated_at)

    @admin.display(description="sections", ordering="section_count")
    def section_count(self, obj: Brief) -> int:
        return obj.section_count
