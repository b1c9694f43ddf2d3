"""The brief's admin: the form and the workflow's bulk actions, with the list
(``listing.py``), history (``history.py``) and import (``importing.py``) mixed in."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from adminsortable2.admin import SortableAdminBase
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.db import Error, models
from django.db import connection as database_connection
from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils import dateformat, timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from reversion.admin import VersionAdmin

from briefs import search
from briefs.admin.counts import LocksCountsFirst
from briefs.admin.history import BriefHistory, restoring_now
from briefs.admin.importing import ImportFromDocument
from briefs.admin.inlines import (
    TAG_INPUT,
    CorrectionInline,
    CreditInline,
    KeyPointInline,
    SectionInline,
    StatusChangeInline,
)
from briefs.admin.listing import BriefListing
from briefs.admin.memory import HidesTaggerMemory
from briefs.editorial import versions, workflow
from briefs.forms import BriefForm, PublicationTimeWidget, unix_line_ends
from briefs.images import lead as lead_images
from briefs.markdown import render_markdown
from briefs.models import REVISION_LOOKUPS, Brief, StatusChange, Tag
from briefs.tagging.retagging import retag_briefs
from briefs.tagging.tagger import Proposal, section_text
from briefs.tagging.vocabulary import build_tagger
from newsroom import database

# The most text the writing aids (the Markdown preview, the tag
# suggestions) take in one request: a long brief, not a book.
WRITING_AID_MAX_CHARS = 200_000

# What each of the form's buttons (workflow.FORM_MOVES) says, by the brief's
# state (workflow.form_state); "" is every other state.
BUTTON_LABELS = {
    "save": {"new": "Save draft", "draft": "Save draft", "": "Save"},
    "submit_for_review": {"": "Submit for review"},
    "publish": {"": "Publish now"},
    "schedule": {"scheduled": "Reschedule…", "": "Schedule…"},
    "unpublish": {"scheduled": "Unschedule", "": "Unpublish"},
}
# What the admin says after each button's save, with {title}, {when} (the
# publication time) and {url} (the brief's public address).
DONE_MESSAGES = {
    "save": "Saved “{title}”.",
    "submit_for_review": "Submitted “{title}” for review: an editor will publish it.",
    "publish": 'Published “{title}”: readers see it now at <a href="{url}">{url}</a>.',
    "schedule": "Scheduled “{title}” for {when}: readers see it from then.",
    "unpublish": "Unpublished “{title}”: it is a draft, and readers no longer see it.",
}


class TextTooLong(Exception):
    """More text than a writing aid takes in one request."""

    def response(self) -> JsonResponse:
        return JsonResponse(
            {"error": f"Too much text: at most {WRITING_AID_MAX_CHARS:,} characters."},
            status=413,
        )


def form_buttons(user, brief: Brief | None) -> list[dict[str, str | bool]]:
    """The brief form's buttons for ``user``: each move's name and label, and
    which one is the main one (the furthest step ``user`` may take)."""
    state = workflow.form_state(brief)
    moves = workflow.form_moves(user, brief)
    main = next(
        (m for m in moves if m.name in ("publish", "submit_for_review")),
        moves[0] if moves else None,
    )
    return [
        {
            "name": move.name,
            "label": BUTTON_LABELS[move.name].get(state, BUTTON_LABELS[move.name][""]),
            "main": move is main,
        }
        for move in moves
    ]


def done_message(request: HttpRequest, move: workflow.FormMove, brief: Brief) -> str:
    """What the admin tells the person after ``move``'s save of ``brief``."""
    when = brief.published_at and timezone.localtime(brief.published_at)
    return format_html(
        DONE_MESSAGES[move.name],
        title=brief.title,
        when=dateformat.format(when, "j F Y, H:i T") if when else "",
        url=request.build_absolute_uri(brief.get_absolute_url()),
    )


def suggestions(
    proposals: Iterable[Proposal], kinds: dict[str, str]
) -> list[dict[str, str]]:
    """The ``proposals`` whose names are tags, in order, each as its name,
    its kind's label (from ``kinds``) and the reason it was proposed."""
    return [
        {"name": p.name, "kind": kinds[p.name], "reason": p.reason()}
        for p in proposals
        if p.name in kinds
    ]


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
    LocksCountsFirst,
    BriefListing,
    BriefHistory,
    ImportFromDocument,
    HidesTaggerMemory,
    SortableAdminBase,
    VersionAdmin,
):
    form = BriefForm
    inlines = [
        CreditInline,
        KeyPointInline,
        SectionInline,
        StatusChangeInline,
        CorrectionInline,
    ]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "publication_state",
        "lead_image_preview",
        "source_path",
        "source_sha256",
        "created_by",
        "created_at",
        "updated_at",
    ]
    # One row of buttons, under the form (see submit_line.html); the first
    # is the plain save, so Enter in a field saves and moves nothing.
    save_on_top = False

    class Media:
        css = {"all": ["briefs/admin/editorial.css"]}
        js = ["briefs/admin/editor.js"]

    formfield_overrides = {
        # Django 6 makes https the default for scheme-less URLs; use it now.
        models.URLField: {"assume_scheme": "https"},
        models.DateTimeField: {"widget": PublicationTimeWidget},
        **TAG_INPUT,
    }
    actions = [*(move_action(move) for move in workflow.MOVES), "retag"]
    # change_form.html shows the fieldsets marked "after-text" after the key
    # points and sections, the others before them.
    fieldsets = [
        # loaded_version is hidden: the version this form was opened at.
        (
            None,
            {
                "fields": ["title", "slug", "summary", "dateline", "loaded_version"],
                "classes": ["brief-text"],
            },
        ),
        (
            "Publication",
            {"fields": ["publication_state", "status", "published_at", "assigned_to"]},
        ),
        ("Tags", {"fields": ["tags"]}),
        (
            "Lead image",
            {
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                ],
                "classes": ["after-text", "lead-image"],
                "description": "Shown under the headline and when the brief is "
                "shared. Optional.",
            },
        ),
        (
            "Attribution",
            {
                "fields": ["source_name", "byline", "source_url"],
                "classes": ["after-text"],
            },
        ),
        (
            "Source",
            {
                "classes": ["collapse", "after-text"],
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

    @admin.display(description="Image")
    def lead_image_preview(self, obj: Brief) -> str:
        picture = obj.lead_picture
        if picture is None:
            return "None"
        return format_html(
            '<img src="{}" alt="{}" width="240" height="{}">',
            picture.src,
            picture.alt,
            round(240 * picture.height / picture.width),
        )

    @admin.display(description="Status")
    def publication_state(self, obj: Brief) -> str:
        """The brief's state in words, with its time when it is live or scheduled."""
        if obj.pk is None:
            return "New: not saved yet"
        state = workflow.form_state(obj)
        when = obj.published_at and timezone.localtime(obj.published_at)
        if state == "scheduled":
            return f"Scheduled for {dateformat.format(when, 'j F Y, H:i T')}"
        if state == "live":
            return f"Live since {dateformat.format(when, 'j F Y, H:i T')}"
        return obj.get_status_display()

    # The form's buttons and writing aids -----------------------------------

    def get_urls(self) -> list[URLPattern]:
        aids = {
            "markdown-preview/": (self.markdown_preview_view, "markdown_preview"),
            "suggest-tags/": (self.suggest_tags_view, "suggest_tags"),
        }
        return [
            *(
                path(
                    route, self.admin_site.admin_view(view), name=f"briefs_brief_{name}"
                )
                for route, (view, name) in aids.items()
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self, request: HttpRequest, context: dict, add=False, change=False, **kwargs
    ):
        brief = kwargs.get("obj")
        if restoring_now() is None:
            # Restores and recoveries keep Django's own Save button.
            context["brief_buttons"] = form_buttons(request.user, brief)
            context["preview"] = self.preview_for(request, brief)
        return super().render_change_form(request, context, add, change, **kwargs)

    def preview_for(self, request: HttpRequest, brief: Brief | None) -> dict | None:
        """How the form offers the staff preview: a button that saves first,
        or, for a live brief (whose every save readers see), a link."""
        if not workflow.can_preview(request.user):
            return None
        if brief is not None and brief.is_public:
            return {"url": brief.get_absolute_url()}
        if workflow.may_change(request.user, brief):
            return {"button": True}
        if brief is not None:
            return {"url": brief.get_absolute_url()}
        return None

    def response_add(self, request: HttpRequest, obj: Brief, post_url_continue=None):
        return self.response_to_button(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request: HttpRequest, obj: Brief):
        return self.response_to_button(request, obj) or super().response_change(
            request, obj
        )

    def response_to_button(
        self, request: HttpRequest, obj: Brief
    ) -> HttpResponse | None:
        """After a save by one of the form's buttons: the preview, or the form
        again with what was done. None for Django's own buttons."""
        if IS_POPUP_VAR in request.POST:
            return None
        if "_preview" in request.POST and workflow.can_preview(request.user):
            return redirect(obj.get_absolute_url())
        move = workflow.FORM_MOVES_BY_NAME.get(request.POST.get("move", ""))
        if move is None:
            return None
        self.message_user(request, done_message(request, move, obj), messages.SUCCESS)
        return redirect(reverse("admin:briefs_brief_change", args=[obj.pk]))

    def may_write(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) or self.has_change_permission(request)

    def writing_aid_text(
        self, request: HttpRequest, *names: str
    ) -> dict[str, list[str]]:
        """The POSTed values of ``names``, each a list, with \\n line ends.

        Refuses (403) those who may neither add nor change briefs, and
        (413, via ``TextTooLong``) more text than WRITING_AID_MAX_CHARS.
        """
        if not self.may_write(request):
            raise PermissionDenied
        values = {
            name: [unix_line_ends(value) for value in request.POST.getlist(name)]
            for name in names
        }
        if sum(map(len, chain.from_iterable(values.values()))) > WRITING_AID_MAX_CHARS:
            raise TextTooLong
        return values

    @method_decorator(require_POST)
    def markdown_preview_view(self, request: HttpRequest) -> JsonResponse:
        """A section body (``body``) as readers will see it: ``{"html": …}``."""
        try:
            body = self.writing_aid_text(request, "body")["body"]
        except TextTooLong as error:
            return error.response()
        return JsonResponse({"html": render_markdown("".join(body[:1]))})

    @method_decorator(require_POST)
    def suggest_tags_view(self, request: HttpRequest) -> JsonResponse:
        """The tags the tagger finds in a brief being written, as an import
        or a re-tag would, and why.

        Takes ``title``, each ``key_point`` and each section's ``heading``
        and ``body`` (in order; a blank key point is skipped, as saving skips
        it, so the reasons number key points as the brief will). Answers
        ``{"brief": [...], "sections": [[...], ...]}``, each tag ``{"name",
        "kind", "reason"}``, the reason being the words matched and where
        (``Proposal.reason``: 'title: “Iran”; section 2: “Iranian” ×2').
        Every tag proposed is listed, those the form has already too, so it
        can say why they are there. Only existing tags are suggested: a
        writer may choose only those, and a tag made from a suggestion would
        lack its kind. The summary is not tagged: imports and re-tags do not
        tag it either.
        """
        try:
            text = self.writing_aid_text(
                request, "title", "dateline", "key_point", "heading", "body"
            )
        except TextTooLong as error:
            return error.response()
        found = build_tagger().tag_document(
            title="".join(text["title"][:1]),
            dateline="".join(text["dateline"][:1]),
            key_points=[point for point in text["key_point"] if point.strip()],
            sections=[
                section_text(heading, body)
                for heading, body in zip(text["heading"], text["body"], strict=False)
            ],
        )
        names = {*found.brief, *chain.from_iterable(found.sections)}
        kinds = {
            tag.name: tag.get_kind_display()
            for tag in Tag.objects.filter(name__in=names)
        }
        return JsonResponse(
            {
                "brief": suggestions(found.brief_reasons, kinds),
                "sections": [
                    suggestions(proposals, kinds) for proposals in found.section_reasons
                ],
            }
        )

    # Workflow -------------------------------------------------------------
    #
    # Every write is judged by workflow.refusal on the brief as it is now and
    # as it would be after the write: the change form (BriefForm.clean and
    # has_change_permission), restores and recoveries (revision_view and
    # recover_view, before anything is put back), bulk actions and re-tagging.

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        attrs = {
            "user": request.user,
            "restoring": restoring_now(),
            "save_interrupted": getattr(request, "save_interrupted", False),
        }
        return type(form.__name__, (form,), attrs)

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        return self.keeping_input(super().add_view, request, form_url, extra_context)

    def change_view(
        self, request: HttpRequest, object_id, form_url="", extra_context=None
    ):
        return self.keeping_input(
            super().change_view, request, object_id, form_url, extra_context
        )

    def keeping_input(self, view, request: HttpRequest, *args) -> HttpResponse:
        """``view``; a save that loses its database connection comes back as
        the form, with the editor's input and a message, not a 503.

        The save's transaction (django-reversion's, around the whole view)
        died with the connection, so nothing of it was written; the form is
        shown again on a new connection. Were the connection lost just after
        the commit, saving again meets the version check, which shows what
        changed: nothing is overwritten.
        """
        try:
            return view(request, *args)
        except Error as error:
            if request.method != "POST" or not database.lost_connection(error):
                raise
        database_connection.close()
        request.save_interrupted = True
        return view(request, *args)

    def get_inlines(self, request: HttpRequest, obj: Brief | None):
        inlines = super().get_inlines(request, obj)
        # A new brief has no record yet: only its key points and sections.
        return inlines if obj is not None else [i for i in inlines if i.in_text]

    def get_fieldsets(self, request: HttpRequest, obj: Brief | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Shown read-only: the image as readers see it, not the original
            # (which has no address).
            fieldsets = [
                (
                    name,
                    {
                        **options,
                        "fields": [
                            "lead_image_preview" if field == "lead_image" else field
                            for field in options["fields"]
                        ],
                    },
                )
                for name, options in fieldsets
            ]
        if obj is None:
            fieldsets = [
                (name, options) for name, options in fieldsets if name != "Source"
            ]
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
        if restoring is not None:
            # The revision put back names its image, not the renditions
            # today's had: those go once it commits.
            lead_images.sweep_after_commit(obj)
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
