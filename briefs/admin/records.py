"""The import records, read-only: what each import run did, and its
failures and conflicts (``briefs.ingest.records`` writes them)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format

from briefs.models import ImportProblem, ImportRecord


class ReadOnly:
    """An admin that shows records to everyone who may view briefs and lets
    no one add, change or delete them: they are the history of the imports."""

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("briefs.view_brief")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ImportProblemInline(ReadOnly, admin.TabularInline):
    model = ImportProblem
    fields = ["path", "outcome", "detail", "slug"]
    extra = 0


@admin.register(ImportRecord)
class ImportRecordAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["when", "via", "user", "outcomes"]
    list_filter = ["via"]
    list_select_related = ["user"]
    fields = ["when", "via", "user", "outcomes"]
    readonly_fields = ["when", "outcomes"]
    inlines = [ImportProblemInline]

    @admin.display(description="when", ordering="ran_at")
    def when(self, record: ImportRecord) -> str:
        # To the second: two runs a minute apart are told apart.
        return date_format(timezone.localtime(record.ran_at), "j M Y, H:i:s")

    @admin.display(description="files")
    def outcomes(self, record: ImportRecord) -> str:
        return record.summary
