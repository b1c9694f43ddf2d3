"""Public reader pages: the latest briefs, one brief, and the tags.

Every query here starts from ``Brief.objects.published()``, the one boundary
between drafts and readers. Each view decides its own query shape, so the
number of queries per page stays the same however many briefs it shows.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from briefs.models import Brief, Section, Tag, TaggedBrief, TaggedSection, uses_per_tag

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
            brief_count=uses_per_tag(on_briefs),
            section_count=uses_per_tag(on_sections),
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


def can_preview(user) -> bool:
    """Staff who may view briefs see unpublished ones at their public address."""
    return user.is_active and user.is_staff and user.has_perm("briefs.view_brief")


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A published brief; for staff, any brief, as an unmistakable preview.

    Anyone else asking for an unpublished brief gets the same 404 as for a
    brief that does not exist.
    """
    brief = Brief.objects.published().with_outline().filter(slug=slug).first()
    preview = False
    if brief is None and can_preview(request.user):
        brief = Brief.objects.with_outline().filter(slug=slug).first()
        preview = brief is not None
    if brief is None:
        raise Http404("No such brief.")
    sections = list(brief.sections.all())
    response = render(
        request,
        "briefs/brief_detail.html",
        {
            "brief": brief,
            "sections": sections,
            # The opening section has no heading, so it has no entry in the contents.
            "outline": [section for section in sections if section.heading],
            "preview": preview,
        },
    )
    if preview:
        response["X-Robots-Tag"] = "noindex, nofollow"
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def tag_list(request: HttpRequest) -> HttpResponse:
    """Public tags grouped by kind; ``?kind=place`` shows one kind.

    An unknown kind is a 404, like a bad page number: each listing has one
    address. A known kind with no public tags is an empty page.
    """
    kind = request.GET.get("kind")
    tags = public_tags()
    if kind is not None:
        if kind not in KIND_HEADINGS:
            raise Http404("No such kind of tag.")
        tags = tags.filter(kind=kind)
    groups: dict[str, list[Tag]] = {
        heading: []
        for value, heading in KIND_HEADINGS.items()
        if kind is None or value == kind
    }
    for tag in tags:
        groups.setdefault(KIND_HEADINGS.get(tag.kind, "Other"), []).append(tag)
    return render(
        request,
        "briefs/tag_list.html",
        {
            "groups": [(heading, tags) for heading, tags in groups.items() if tags],
            "kinds": list(KIND_HEADINGS.items()),
            "kind": kind,
            "kind_heading": KIND_HEADINGS.get(kind),
        },
    )


@require_safe
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The sections that carry a tag, then the briefs that do; published only.

    An old slug (the tag was renamed or merged) redirects permanently to the
    tag's page, but only when that tag is public: a redirect must not reveal
    the address of a tag used only on drafts.
    """
    tag = public_tags().filter(slug=slug).first()
    if tag is None:
        moved = public_tags().filter(redirects__old_slug=slug).first()
        if moved is None:
            raise Http404("No such tag.")
        return HttpResponsePermanentRedirect(moved.get_absolute_url())
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


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Placeholder until full-text search lands."""
    raise Http404("Search is not available yet.")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Placeholder until robots.txt lands."""
    raise Http404
