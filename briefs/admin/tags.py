"""The tag vocabulary's admin: tags, their match phrases, vetoes and old addresses,
renames and merges, and the tag autocomplete."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from briefs.admin.counts import LocksCountsFirst
from briefs.admin.memory import HidesTaggerMemory
from briefs.forms import MergeTagsForm, TagForm
from briefs.models import Tag, TagPhrase, TagRedirect
from briefs.tagging.merging import claim_slug, merge_tags, record_rename


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose every input has a label (for screen readers and
    the Nu checker), with a ``description`` under its heading and
    ``empty_text`` in place of an empty table."""

    template = "admin/briefs/tag/tabular.html"
    description = ""
    empty_text = "None."


class TagPhraseInline(LabelledTabularInline):
    model = TagPhrase
    fields = ["phrase", "veto"]
    extra = 1
    verbose_name_plural = "Match phrases and vetoes"
    description = (
        "Words in a brief that mean this tag. A capitalised phrase matches "
        "only with that capitalisation; a lower-case one matches in any case. "
        "Tick “Veto” for a longer phrase that means something else "
        "(“Embassy Suites” for Diplomacy): a match inside it does not count."
    )


class TagRedirectInline(LabelledTabularInline):
    """Old addresses that lead here; delete one to free its slug."""

    model = TagRedirect
    fields = ["old_slug", "created_at"]
    readonly_fields = ["old_slug", "created_at"]
    extra = 0
    verbose_name = "old address"
    verbose_name_plural = "Old addresses that redirect here"
    description = "Renames and merges add these. Delete one to free its address."
    empty_text = "None: this tag has not been renamed or merged into."

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # Renames and merges add these; a hand-made one could point anywhere.
        return False


@admin.register(Tag)
class TagAdmin(LocksCountsFirst, HidesTaggerMemory, admin.ModelAdmin):
    form = TagForm
    inlines = [TagPhraseInline, TagRedirectInline]
    list_display = ["name", "slug", "kind", "brief_count", "section_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_per_page = 100
    actions = ["merge"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).with_counts()

    def changelist_view(self, request: HttpRequest, extra_context=None):
        """The tag list, titled by what it lists (Django says "Select tag to change")."""
        return super().changelist_view(
            request, {"title": "Tags", **(extra_context or {})}
        )

    @admin.display(description="briefs", ordering="brief_count")
    def brief_count(self, obj: Tag) -> int:
        return obj.brief_count

    @admin.display(description="sections", ordering="section_count")
    def section_count(self, obj: Tag) -> int:
        return obj.section_count

    def save_model(self, request: HttpRequest, obj: Tag, form, change: bool) -> None:
        # The change view runs in a transaction: the tag and its redirect are saved together.
        super().save_model(request, obj, form, change)
        if change:
            record_rename(
                tag=obj,
                old_name=form.initial.get("name", obj.name),
                old_slug=form.initial.get("slug", obj.slug),
            )
        else:
            claim_slug(obj)

    def has_merge_permission(self, request: HttpRequest) -> bool:
        # Merging changes the kept tag and deletes the others. (An action's
        # permissions list allows it when *any* of them is held, so one name.)
        return self.has_change_permission(request) and self.has_delete_permission(
            request
        )

    @admin.action(description="Merge selected tags…", permissions=["merge"])
    def merge(
        self, request: HttpRequest, queryset: QuerySet[Tag]
    ) -> HttpResponse | None:
        """Ask which tag to keep, then merge the others into it."""
        # A fresh queryset: the change list's may carry search joins.
        tags = self.get_queryset(request).filter(pk__in=queryset.values("pk"))
        selected = list(tags.order_by("-brief_count", "-section_count", "name"))
        if len(selected) < 2:
            self.message_user(
                request, "Select at least two tags to merge.", messages.WARNING
            )
            return None
        form = MergeTagsForm(
            request.POST if "confirm" in request.POST else None,
            tags=tags,
            initial={"target": selected[0].pk},
        )
        if form.is_valid():
            target = form.cleaned_data["target"]
            result = merge_tags(sources=selected, target=target)
            merged = len(result.merged)
            self.message_user(
                request,
                f"Merged {merged} tag{'' if merged == 1 else 's'} into “{target.name}”: "
                f"{result.brief_items} brief and {result.section_items} section tags "
                f"moved, {result.duplicates} duplicates dropped; old addresses "
                "redirect to it.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge tags",
            "subtitle": None,
            "opts": self.opts,
            "tags": selected,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/briefs/tag/merge_tags.html", context)

    def get_urls(self) -> list[URLPattern]:
        # Before the default URLs: "<path:object_id>/" would match "autocomplete/".
        return [
            path(
                "autocomplete/",
                self.admin_site.admin_view(self.autocomplete_view),
                name="briefs_tag_autocomplete",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_GET)
    def autocomplete_view(self, request: HttpRequest) -> JsonResponse:
        """Up to 10 tags whose names contain ``?q=`` (any case), prefix matches first, then most used.

        The names, or with ``&kinds=1`` each tag's name and kind
        (``{"name": "China", "kind": "Place"}``), for the tag chips. For
        staff who may see tags or edit briefs; others get 403.
        """
        user = request.user
        if not (
            self.has_view_permission(request)
            or user.has_perm("briefs.change_brief")
            or user.has_perm("briefs.add_brief")
        ):
            raise PermissionDenied
        term = request.GET.get("q", "").strip()[:100]
        if not term:
            return JsonResponse({"results": []})
        tags = Tag.objects.suggestions(term)[:10]
        if request.GET.get("kinds"):
            results = [
                {"name": tag.name, "kind": tag.get_kind_display()} for tag in tags
            ]
        else:
            results = [tag.name for tag in tags]
        return JsonResponse({"results": results})
