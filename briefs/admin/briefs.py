"""The brief's admin: the form and the workflow's bulk actions, with the list
(``listing.py``), history (``history.py``) and import (``importing.py``) mixed in."""

from __future__ import annotations

from adminsortable2.admin import SortableAdminBase
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpRequest
from reversion.admin import VersionAdmin

from briefs import search
from briefs.admin.history import BriefHistory, restoring_now
from briefs.admin.importing import ImportFromDocument
from briefs.admin.inlines import (
    TAG_INPUT,
    CorrectionInline,
    KeyPointInline,
    SectionInline,
    StatusChangeInline,
)
from briefs.admin.listing import BriefListing
from briefs.admin.memory import HidesTaggerMemory
from briefs.editorial import versions, workflow
from briefs.forms import BriefForm
from briefs.models import REVISION_LOOKUPS, Brief, StatusChange
from briefs.tagging.retagging import retag_briefs


def move_action(move: workflow.Move):
    """The bulk action for ``move``: offered to those with its permission,
    it moves the selected briefs as far as each may be moved."""

    @admin.action(description=move.description, permissions=[move.permission])
    def action(model_admin: BriefAdmin, request: HttpRequest, queryset) -> None:
        if move.only_from:
            queryset = queryset.filter(status__in=move.only_from)
        model_admin._change_status(request, queryset, move.to_status, move.done)

    action.__name__ = move.name
    return action


@admin.register(Brief)
class BriefAdmin(
    BriefListing,
    BriefHistory,
    ImportFromDocument,
    HidesTaggerMemory,
    SortableAdminBase,
    VersionAdmin,
):
    form = BriefForm
    inlines = [KeyPointInline, SectionInline, StatusChangeInline, CorrectionInline]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "source_path",
        "source_sha256",
        "created_by",
        "created_at",
        "updated_at",
    ]
    save_on_top = True

    class Media:
        css = {"all": ["briefs/admin/editorial.css"]}

    # Django 6 makes https the default for scheme-less URLs; use it now.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}, **TAG_INPUT}
    actions = [*(move_action(move) for move in workflow.MOVES), "retag"]
    fieldsets = [
        # loaded_version is hidden: the version this form was opened at.
        (None, {"fields": ["title", "slug", "dateline", "summary", "loaded_version"]}),
        ("Publication", {"fields": ["status", "published_at", "assigned_to"]}),
        ("Attribution", {"fields": ["source_name", "byline", "source_url"]}),
        (None, {"fields": ["tags"]}),
        (
            "Source",
            {
                "classes": ["collapse"],
                "fields": [
                    "created_by",
                    "created_at",
                    "updated_at",
                    "source_path",
                    "source_sha256",
                ],
            },
        ),
    ]

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        brief = super().get_object(request, object_id, from_field)
        if brief is not None and request.method == "POST":
            # Saving records a revision that follows every key point, section
            # and tag row: fetch them all now, not one query per section.
            prefetch_related_objects([brief], *REVISION_LOOKUPS)
        return brief

    # Workflow -------------------------------------------------------------
    #
    # Every write is judged by workflow.refusal on the brief as it is now and
    # as it would be after the write: the change form (BriefForm.clean and
    # has_change_permission), restores and recoveries (revision_view and
    # recover_view, before anything is put back), bulk actions and re-tagging.

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        attrs = {"user": request.user, "restoring": restoring_now()}
        return type(form.__name__, (form,), attrs)

    def get_fieldsets(self, request: HttpRequest, obj: Brief | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if (
            obj is not None
            and obj.is_public
            and self.has_change_permission(request, obj)
        ):
            described = (
                "This brief is live",
                {
                    "fields": ["change_kind", "change_note"],
                    "description": "Readers can see this brief now. Say what kind "
                    "of change you are making: an update or a correction gets a "
                    "dated public note and a new version readers can cite.",
                    "classes": ["live-change"],
                },
            )
            fieldsets = [described, *fieldsets]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Brief | None = None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            # Editors date (and so schedule) briefs and hand them to writers.
            readonly += ["published_at", "assigned_to"]
        return readonly

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # django-reversion opens one revision around the whole change list, so
        # a bulk action would record every brief it touches in one revision.
        # Each action records its own revisions instead, one brief each.
        context = {"has_change_permission": self.has_change_permission(request)}
        return super(VersionAdmin, self).changelist_view(
            request, {**context, **(extra_context or {})}
        )

    def has_change_permission(
        self, request: HttpRequest, obj: Brief | None = None
    ) -> bool:
        if obj is not None and not workflow.may_change(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return workflow.can_publish(request.user)

    def save_model(self, request: HttpRequest, obj: Brief, form, change: bool) -> None:
        restoring = form.restoring
        before = form.before
        from_status = before.status if before is not None else ""
        if not change:
            obj.created_by = request.user
        if restoring is not None:
            # A restored revision carries its old edit version; continue from today's.
            obj.version = restoring.current_version or obj.version
            if restoring.deleted is not None:
                from_status = ""
        super().save_model(request, obj, form, change)
        via = restoring.via if restoring else StatusChange.Via.FORM
        workflow.record_status_change(
            brief=obj,
            from_status=from_status,
            to_status=obj.status,
            via=via,
            user=request.user,
            note=restoring.status_note if restoring else "",
        )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # Each inline section and key point saved re-indexes the brief for
        # search; once for the whole form is enough.
        with search.batch():
            super().save_related(request, form, formsets, change)
        # The public record follows the brief as saved, inlines included.
        before = form.before
        recovered = form.recovered_from is not None
        versions.after_save(
            form.instance,
            was_status=None if before is None or recovered else before.status,
            was_live=bool(before and not recovered and before.is_public),
            change_kind=form.cleaned_data.get("change_kind") or versions.MINOR,
            note=form.cleaned_data.get("change_note", ""),
            user=request.user,
        )

    def _change_status(self, request, queryset, to_status: str, message: str) -> None:
        """Move the briefs and tell the editor; ``message`` has {count} and {briefs}."""
        result = workflow.change_status(
            briefs=queryset, to_status=to_status, user=request.user
        )
        briefs = "brief" if result.changed == 1 else "briefs"
        self.message_user(
            request,
            message.format(count=result.changed, briefs=briefs),
            messages.SUCCESS,
        )
        self._report_refused(request, result.refused)

    def _report_refused(self, request, refused) -> None:
        for _brief, reason in refused:
            self.message_user(request, f"Left alone: {reason}", messages.WARNING)

    def has_retag_permission(self, request: HttpRequest) -> bool:
        # The tagger applies the editors' vocabulary and may create tags.
        return self.has_change_permission(request) and request.user.has_perm(
            "briefs.add_tag"
        )

    @admin.action(description="Re-tag selected briefs", permissions=["retag"])
    def retag(self, request: HttpRequest, queryset: QuerySet[Brief]) -> None:
        """Run the auto-tagger again; it keeps editors' own additions and removals."""
        allowed, refused = workflow.judge(
            request.user, Brief.objects.filter(pk__in=queryset.values("pk"))
        )
        if allowed:
            pks = [brief.pk for brief in allowed]
            report = retag_briefs(briefs=Brief.objects.filter(pk__in=pks))
            self.message_user(request, f"{report.summary()}.", messages.SUCCESS)
        self._report_refused(request, refused)
