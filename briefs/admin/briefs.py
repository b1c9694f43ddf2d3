"""The brief's admin: the list, the form, the workflow's bulk actions, and
history (restore, recover, compare)."""

from __future__ import annotations

from contextlib import nullcontext
from contextvars import ContextVar

import reversion
from adminsortable2.admin import SortableAdminBase
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, QuerySet, prefetch_related_objects
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html_join
from reversion.admin import VersionAdmin
from reversion.models import Version
from reversion.utils import mute_signals

from briefs import search
from briefs.admin.filters import ImportedListFilter, MineListFilter, TagKindListFilter
from briefs.admin.inlines import (
    TAG_INPUT,
    CorrectionInline,
    KeyPointInline,
    SectionInline,
    StatusChangeInline,
)
from briefs.admin.memory import HidesTaggerMemory
from briefs.editorial import versions, workflow
from briefs.editorial.diffing import diff_briefs
from briefs.editorial.history import brief_versions, snapshot, version_brief
from briefs.editorial.restoring import Restoring, recover_clash, restore_diff
from briefs.forms import BriefForm
from briefs.models import REVISION_LOOKUPS, Brief, StatusChange
from briefs.tagging.retagging import retag_briefs


def as_pk(value: str) -> int | None:
    """``value`` as a primary key, or None when it is not one (``"²"`` included)."""
    return int(value) if value.isascii() and value.isdigit() else None


class _ShownOnly(Exception):
    """Carries a restore form out of the transaction that put the revision back."""

    def __init__(self, response: HttpResponse):
        self.response = response


# The restore or recovery under way, from restore_view to get_form: Django's
# changeform_view, between the two, passes nothing of its caller's on, and
# the admin is one object shared by every request. Set only for the call
# into changeform_view, and reset after it.
_restoring: ContextVar[Restoring | None] = ContextVar("restoring", default=None)


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
class BriefAdmin(HidesTaggerMemory, SortableAdminBase, VersionAdmin):
    form = BriefForm
    inlines = [KeyPointInline, SectionInline, StatusChangeInline, CorrectionInline]
    revision_form_template = "admin/briefs/brief/revision_form.html"
    recover_form_template = "admin/briefs/brief/recover_form.html"
    object_history_template = "admin/briefs/brief/object_history.html"
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brief]:
        # The change list shows every brief's tags and section count; fetch
        # them in two queries for the page, not two per row.
        return (
            super()
            .get_queryset(request)
            .annotate(section_count=Count("sections", distinct=True))
            .prefetch_related("tags")
        )

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        brief = super().get_object(request, object_id, from_field)
        if brief is not None and request.method == "POST":
            # Saving records a revision that follows every key point, section
            # and tag row: fetch them all now, not one query per section.
            prefetch_related_objects([brief], *REVISION_LOOKUPS)
        return brief

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

    # Workflow -------------------------------------------------------------
    #
    # Every write is judged by workflow.refusal on the brief as it is now and
    # as it would be after the write: the change form (BriefForm.clean and
    # has_change_permission), restores and recoveries (revision_view and
    # recover_view, before anything is put back), bulk actions and re-tagging.

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        attrs = {"user": request.user, "restoring": _restoring.get()}
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

    # History --------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name="briefs_brief_compare",
        )
        return [compare, *super().get_urls()]

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        versions = list(brief_versions(object_id)) if as_pk(object_id) else []
        return super().history_view(
            request, object_id, {**(extra_context or {}), "versions": versions}
        )

    def revision_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ):
        """Restore an old revision's content; the brief's status and date stay.

        Judged on the brief as it is now, before the old revision is put back.
        """
        pk = as_pk(object_id)
        brief = Brief.objects.with_outline().filter(pk=pk).first() if pk else None
        if brief is None:
            raise Http404("No such brief.")
        version = get_object_or_404(brief_versions(brief.pk), pk=as_pk(version_id))
        reason = workflow.refusal(request.user, brief)
        if reason is not None:
            return self._not_done(
                request,
                f"This revision was not restored. {reason}",
                "admin:briefs_brief_history",
                brief.pk,
            )
        context = {
            **(extra_context or {}),
            "title": f"Restore an earlier revision of “{brief.title}”",
            "brief_is_live": brief.is_public,
            "brief_state": brief.state_label,
            "diff": restore_diff(brief, version),
            "revision": version.revision,
        }
        restoring = Restoring.revision_of(brief)
        return self.restore_view(
            request, version, restoring, self.revision_form_template, context
        )

    def recover_view(self, request: HttpRequest, version_id: str, extra_context=None):
        """Bring back a deleted brief as a draft, with its records.

        Judged on the brief as it was when deleted: only editors bring back
        a brief that was published, scheduled or archived.
        """
        version = get_object_or_404(
            Version.objects.get_deleted(Brief),
            pk=as_pk(version_id),
        )
        deleted = version_brief(version)
        refusal = workflow.refusal(request.user, deleted, to_status=Brief.Status.DRAFT)
        if refusal is None:
            refusal = recover_clash(deleted)
        if refusal is not None:
            return self._not_done(
                request,
                f"This brief was not recovered. {refusal}",
                "admin:briefs_brief_recoverlist",
            )
        context = {
            **(extra_context or {}),
            "title": f"Recover “{deleted.title}”",
            "recover": True,
        }
        restoring = Restoring.recovery_of(deleted)
        return self.restore_view(
            request, version, restoring, self.recover_form_template, context
        )

    def _not_done(self, request: HttpRequest, message: str, *to) -> HttpResponse:
        """Say why as an error, and go back to ``to`` (a URL name and its arguments)."""
        self.message_user(request, message, messages.ERROR)
        return redirect(*to)

    def restore_view(
        self,
        request: HttpRequest,
        version: Version,
        restoring: Restoring,
        template: str,
        context: dict,
    ) -> HttpResponse:
        """The change form over ``version``'s content of its brief, and only its brief.

        As django-reversion's own revision form, but putting back this
        brief alone (``Restoring.put_back``): the revision is put back in a
        transaction, the form shown (then rolled back) or saved. The form
        and its save read ``restoring`` (see ``get_form``).
        """
        showing = request.method in ("GET", "HEAD")
        # Showing the form changes nothing: no signal may act on the rows
        # put back only for the moment.
        signals = (
            mute_signals(pre_save, post_save, pre_delete, post_delete, m2m_changed)
            if showing
            else nullcontext()
        )
        token = _restoring.set(restoring)
        try:
            with transaction.atomic(), signals:
                skipped = restoring.put_back(version)
                if skipped:
                    context["skipped_tags"] = skipped
                with self.create_revision(request):
                    response = self.changeform_view(
                        request, quote(version.object_id), request.path, context
                    )
                    if response.status_code == 302 and not showing:
                        when = timezone.localtime(version.revision.date_created)
                        reversion.set_comment(
                            f"Restored the revision of {when:%d %b %Y, %H:%M:%S}"
                        )
                    elif response.status_code == 200:
                        response.template_name = template
                        response.render()
                        raise _ShownOnly(response)
        except _ShownOnly as shown:
            return shown.response
        finally:
            _restoring.reset(token)
        return response

    def compare_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A word-level diff between two revisions (by default the last two)."""
        if not as_pk(object_id):
            raise Http404("No such brief.")
        brief = Brief.objects.filter(pk=object_id).first()
        if brief is not None and not self.has_view_or_change_permission(request, brief):
            raise PermissionDenied
        if brief is None and not self.has_view_or_change_permission(request):
            raise PermissionDenied
        versions = list(brief_versions(object_id))
        if not versions:
            raise Http404("This brief has no recorded history.")
        by_id = {str(version.pk): version for version in versions}
        errors = []
        chosen = []
        for name, default in (
            ("from", versions[min(1, len(versions) - 1)]),
            ("to", versions[0]),
        ):
            value = request.GET.get(name)
            if value is None:
                chosen.append(default)
            elif value in by_id:
                chosen.append(by_id[value])
            else:
                errors.append(
                    f"“{value}” is not a revision of this brief; showing the default."
                )
                chosen.append(default)
        older, newer = sorted(chosen, key=lambda version: version.revision.date_created)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Changes to “{brief.title if brief else versions[0].object_repr}”",
            "brief": brief,
            "object_id": object_id,
            "versions": versions,
            "older": older,
            "newer": newer,
            "diff": diff_briefs(snapshot(older), snapshot(newer)),
            "errors": errors,
        }
        return TemplateResponse(request, "admin/briefs/brief/compare.html", context)
