"""Public reader pages: the latest briefs, one brief, and the tags.

Every query here starts from ``Brief.objects.published()``, the one boundary
between drafts and readers. Each view decides its own query shape, so the
number of queries per page stays the same however many briefs it shows.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from briefs.models import Brief, Section, Tag, TaggedBrief, TaggedSection

# Headings for the tag index, in the order the kinds are offered to editors.
KIND_HEADINGS = {
    Tag.Kind.TOPIC: "Topics",
    Tag.Kind.PLACE: "Places",
    Tag.Kind.ORGANISATION: "Organisations",
    Tag.Kind.PERSON: "People",
}


def _listed(briefs: QuerySet[Brief]) -> QuerySet[Brief]:
    """Briefs as a listing shows them: description needs sections, plus tags."""
    return briefs.newest_first().prefetch_related("sections", "tags")


def _count_per_tag(items: QuerySet) -> Coalesce:
    """The number of ``items`` (tagged-item rows) for the outer tag, 0 when none."""
    counts = (
        items.filter(tag=OuterRef("pk"))
        .order_by()
        .values("tag")
        .annotate(n=Count("pk"))
    )
    return Coalesce(Subquery(counts.values("n"), output_field=IntegerField()), 0)


def public_tags() -> QuerySet[Tag]:
    """Tags used by a published brief or a section of one, with their counts.

    A tag used only on drafts or scheduled briefs is not in this queryset, so
    readers cannot learn that it exists.
    """
    published = Brief.objects.published()
    on_briefs = TaggedBrief.objects.filter(content_object__in=published)
    on_sections = TaggedSection.objects.filter(content_object__brief__in=published)
    return (
        Tag.objects.filter(
            Exists(on_briefs.filter(tag=OuterRef("pk")))
            | Exists(on_sections.filter(tag=OuterRef("pk")))
        )
        .annotate(
            brief_count=_count_per_tag(on_briefs),
            section_count=_count_per_tag(on_sections),
        )
        .order_by("name")
    )


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The latest published briefs, newest first.

    ``?page=`` that is not a number or is past the last page is a 404 rather
    than a quiet fallback, so every listing page has exactly one address.
    """
    paginator = Paginator(
        _listed(Brief.objects.published()), settings.NEWSROOM_BRIEFS_PER_PAGE
    )
    try:
        page = paginator.page(request.GET.get("page", 1))
    except InvalidPage as exc:
        raise Http404("No such page.") from exc
    return render(
        request, "briefs/brief_list.html", {"page": page, "briefs": page.object_list}
    )


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    brief = get_object_or_404(Brief.objects.published().with_outline(), slug=slug)
    sections = list(brief.sections.all())
    return render(
        request,
        "briefs/brief_detail.html",
        {
            "brief": brief,
            "sections": sections,
            # The opening section has no heading, so it has no entry in the contents.
            "outline": [section for section in sections if section.heading],
        },
    )


@require_safe
def tag_list(request: HttpRequest) -> HttpResponse:
    groups: dict[str, list[Tag]] = {heading: [] for heading in KIND_HEADINGS.values()}
    for tag in public_tags():
        groups.setdefault(KIND_HEADINGS.get(tag.kind, "Other"), []).append(tag)
    return render(
        request,
        "briefs/tag_list.html",
        {"groups": [(heading, tags) for heading, tags in groups.items() if tags]},
    )


@require_safe
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The sections that carry a tag, then the briefs that do; published only."""
    tag = get_object_or_404(public_tags(), slug=slug)
    published = Brief.objects.published()
    sections = (
        Section.objects.filter(brief__in=published, tags=tag)
        .select_related("brief")
        .order_by("-brief__published_at", "-brief__pk", "position", "pk")
    )
    return render(
        request,
        "briefs/tag_detail.html",
        {
            "tag": tag,
            "sections": sections,
            "briefs": _listed(published.filter(tags=tag)),
        },
    )
