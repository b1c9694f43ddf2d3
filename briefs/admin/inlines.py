"""The parts shown under a brief's form: key points and sections to edit,
and its record (status changes, corrections) to read."""

from __future__ import annotations

from adminsortable2.admin import SortableStackedInline, SortableTabularInline
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from taggit.managers import TaggableManager

from briefs.forms import (
    KeyPointForm,
    LoadedRowsFormSet,
    SectionForm,
    SectionFormSet,
    TagAutocompleteWidget,
)
from briefs.models import BriefAuthor, Correction, KeyPoint, Section, StatusChange

# Tag inputs on briefs and sections suggest existing tags as editors type.
TAG_INPUT = {TaggableManager: {"widget": TagAutocompleteWidget}}


class InTheText:
    """An inline that is part of the brief's text: change_form.html shows it
    among the brief's fields, and a new brief opens with one empty row."""

    in_text = True

    def get_extra(self, request: HttpRequest, obj=None, **kwargs) -> int:
        return 0 if obj is not None else 1


class KeyPointInline(InTheText, SortableTabularInline):
    """Key points as rows, each with one visible label, in the brief's text."""

    model = KeyPoint
    form = KeyPointForm
    formset = LoadedRowsFormSet
    fields = ["text"]
    template = "admin/briefs/brief/includes/rows.html"


class CreditInline(InTheText, SortableTabularInline):
    """The brief's authors in the byline's order, chosen from the authors
    editors keep (typing finds them)."""

    model = BriefAuthor
    formset = LoadedRowsFormSet
    fields = ["author"]
    autocomplete_fields = ["author"]
    template = "admin/briefs/brief/includes/rows.html"
    verbose_name = "author"
    verbose_name_plural = "authors"

    def get_extra(self, request: HttpRequest, obj=None, **kwargs) -> int:
        # A new brief opens with no author row: many briefs credit nobody.
        return 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[BriefAuthor]:
        return super().get_queryset(request).select_related("author")


class SectionInline(InTheText, SortableStackedInline):
    model = Section
    form = SectionForm
    formset = SectionFormSet
    fields = ["heading", "anchor", "body", "tags"]
    formfield_overrides = TAG_INPUT
    template = "admin/briefs/brief/includes/sections.html"

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        kwargs["form"] = type(self.form.__name__, (self.form,), {"user": request.user})
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Section]:
        # Every section's tags in one query; the form reads them from the
        # prefetch (NewsroomTaggableManager), not one query per section.
        return super().get_queryset(request).prefetch_related("tags")


class RecordInline(admin.TabularInline):
    """A brief's record, shown under its form and never changed there: every
    field a subclass lists in ``fields`` is read-only."""

    extra = 0
    can_delete = False
    classes = ["collapse"]
    in_text = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class StatusChangeInline(RecordInline):
    """Every change of status, with who and when."""

    model = StatusChange
    fields = ["changed_at", "from_status", "to_status", "user", "via", "note"]
    verbose_name = "status change"
    verbose_name_plural = "Status history"

    def get_queryset(self, request: HttpRequest) -> QuerySet[StatusChange]:
        return super().get_queryset(request).select_related("user")


class CorrectionInline(RecordInline):
    """The public notes on changes to the live brief."""

    model = Correction
    fields = ["created_at", "kind", "note", "created_by"]
    verbose_name = "public note"
    verbose_name_plural = "Corrections and updates"

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("briefs.view_brief")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Correction]:
        return super().get_queryset(request).select_related("created_by")
