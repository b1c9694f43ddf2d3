"""The brief's history in the admin: its revisions, restoring one, recovering a
deleted brief, and comparing two revisions."""

from __future__ import annotations

from contextlib import nullcontext
from contextvars import ContextVar

import reversion
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db import transaction
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
from reversion.models import Version
from reversion.utils import mute_signals

from briefs.editorial import workflow
from briefs.editorial.diffing import diff_briefs, status_in_words
from briefs.editorial.history import brief_versions, snapshot, version_brief
from briefs.editorial.restoring import Restoring, recover_clash, restore_diff
from briefs.models import Brief
from briefs.tag_counts import lock_counts


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


def restoring_now() -> Restoring | None:
    """The restore or recovery under way in this request, if any."""
    return _restoring.get()


class BriefHistory:
    """The brief admin's history views (django-reversion's, narrowed to one brief)."""

    revision_form_template = "admin/briefs/brief/revision_form.html"
    recover_form_template = "admin/briefs/brief/recover_form.html"
    object_history_template = "admin/briefs/brief/object_history.html"

    def get_urls(self) -> list[URLPattern]:
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name="briefs_brief_compare",
        )
        return [compare, *super().get_urls()]

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        """The brief's revisions, newest first, each with the status it recorded;
        two of them can be compared once there are two."""
        versions = list(brief_versions(object_id)) if as_pk(object_id) else []
        context = {
            **(extra_context or {}),
            "versions": [
                (version, status_in_words(version.field_dict.get("status")))
                for version in versions
            ],
            "comparable": len(versions) > 1,
        }
        return super().history_view(request, object_id, context)

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
                lock_counts()
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
