"""The editors' home: briefs with their key points and sections, and tags."""

from __future__ import annotations

from adminsortable2.admin import (
    SortableAdminBase,
    SortableStackedInline,
    SortableTabularInline,
)
from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join
from reversion.admin import VersionAdmin
from taggit.models import Tag as TaggitTag

from briefs.models import (
    RESERVED_ANCHORS,
    Brief,
    KeyPoint,
    Section,
    Tag,
    now_to_the_second,
)

# Briefs and sections use briefs.Tag; taggit's own tag table stays empty, so
# its admin would only confuse editors.
if admin.site.is_registered(TaggitTag):
    admin.site.unregister(TaggitTag)


class KeyPointInline(SortableTabularInline):
    model = KeyPoint
    fields = ["text"]
    extra = 0


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["heading", "anchor", "body", "tags"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12, "cols": 100})}

    def clean_anchor(self) -> str | None:
        anchor = self.cleaned_data["anchor"]
        if anchor in RESERVED_ANCHORS:
            raise forms.ValidationError(
                "The brief page already uses #%(anchor)s; choose another anchor.",
                params={"anchor": anchor},
            )
        # None, not "": Section.save() then makes an anchor from the heading,
        # and the formset's (brief, anchor) uniqueness check skips the row, so
        # several new sections can leave the anchor empty in one save.
        return anchor or None


class SectionInline(SortableStackedInline):
    model = Section
    form = SectionForm
    fields = ["heading", "anchor", "body", "tags"]
    extra = 0


class BriefForm(forms.ModelForm):
    class Meta:
        model = Brief
        # The fields this form's own logic needs; BriefAdmin's fieldsets add the rest.
        fields = ["slug", "status", "published_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Brief.save() makes a unique slug (title, title-2, …) when it is empty.
        slug = self.fields["slug"]
        slug.required = False
        slug.help_text = f"{slug.help_text} Leave empty to make one from the title."

    def clean(self) -> dict:
        cleaned_data = super().clean()
        # Brief.save() would date it too, but the published_brief_has_date
        # constraint is validated before save(); date it here so the editor
        # does not see a constraint error for choosing "Published".
        if (
            cleaned_data.get("status") == Brief.Status.PUBLISHED
            and cleaned_data.get("published_at") is None
            and "published_at" not in self.errors
        ):
            cleaned_data["published_at"] = now_to_the_second()
        return cleaned_data


class ImportedListFilter(admin.SimpleListFilter):
    title = "origin"
    parameter_name = "imported"

    def lookups(self, request, model_admin):
        return [("yes", "Imported"), ("no", "Written here")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(source_path="")
        if self.value() == "no":
            return queryset.filter(source_path="")
        return queryset


@admin.register(Brief)
class BriefAdmin(SortableAdminBase, VersionAdmin):
    form = BriefForm
    inlines = [KeyPointInline, SectionInline]
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
    list_filter = ["status", "published_at", "tags", ImportedListFilter]
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
    readonly_fields = ["source_path", "source_sha256", "created_at", "updated_at"]
    save_on_top = True
    # Django 6 makes https the default for scheme-less URLs; use it now.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "dateline", "summary"]}),
        ("Publication", {"fields": ["status", "published_at"]}),
        ("Attribution", {"fields": ["source_name", "byline", "source_url"]}),
        (None, {"fields": ["tags"]}),
        (
            "Source",
            {
                "classes": ["collapse"],
                "fields": ["source_path", "source_sha256", "created_at", "updated_at"],
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

    @admin.action(description="Publish selected briefs", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Brief]) -> None:
        now = now_to_the_second()
        # A fresh queryset: the change list's carries annotations and joins.
        briefs = Brief.objects.filter(pk__in=queryset.values("pk")).exclude(
            status=Brief.Status.PUBLISHED
        )
        with transaction.atomic():
            # Date first: published_brief_has_date refuses a published brief without one.
            briefs.filter(published_at__isnull=True).update(
                published_at=now, updated_at=now
            )
            count = briefs.update(status=Brief.Status.PUBLISHED, updated_at=now)
        self.message_user(
            request,
            f"Published {count} brief{'' if count == 1 else 's'}.",
            messages.SUCCESS,
        )

    @admin.action(description="Unpublish selected briefs", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Brief]) -> None:
        # published_at stays, so publishing again keeps the original date.
        count = Brief.objects.filter(
            pk__in=queryset.values("pk"), status=Brief.Status.PUBLISHED
        ).update(status=Brief.Status.DRAFT, updated_at=timezone.now())
        self.message_user(
            request,
            f"Unpublished {count} brief{'' if count == 1 else 's'}; they are drafts now.",
            messages.SUCCESS,
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "brief_count", "section_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                brief_count=Count("brief_items", distinct=True),
                section_count=Count("section_items", distinct=True),
            )
        )

    @admin.display(description="briefs", ordering="brief_count")
    def brief_count(self, obj: Tag) -> int:
        return obj.brief_count

    @admin.display(description="sections", ordering="section_count")
    def section_count(self, obj: Tag) -> int:
        return obj.section_count
