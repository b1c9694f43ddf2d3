"""Public reader pages: the latest briefs, one brief and its public versions,
the tags, search results and robots.txt.

Views handle the request and decide the query shape; what a page says about
a brief beyond its fields (citations, structured data, related briefs) comes
from ``briefs.reading``, and search itself from ``briefs.search``.

Every query here starts from ``Brief.objects.published()``, the one boundary
between drafts and readers. Each view decides its own query shape, so the
number of queries per page stays the same however many briefs it shows.

Every page but search comes from the page cache (``briefs.caching``) for
readers. Search is left out: its addresses are whatever readers type, so
caching them would let anyone fill the cache and push the real pages out,
and a search costs a fixed handful of indexed queries anyway.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from briefs import search, tag_counts
from briefs.caching import cache_public_page, depends_on, page_number
from briefs.caching.dependencies import author_briefs
from briefs.editorial.workflow import can_preview
from briefs.models import (
    Author,
    Brief,
    PublicVersion,
    Section,
    Tag,
)
from briefs.reading import articles
from briefs.reading.citation import citation_facts, cite, cite_version
from briefs.reading.metadata import (
    absolute_url,
    author_structured_data,
    brief_structured_data,
    share_image,
    share_links,
    version_url,
)
from briefs.reading.related import related_briefs
from briefs.reading.snapshots import snapshot_text

# Headings for the tag index, in the order the kinds are offered to editors.
KIND_HEADINGS = {
    Tag.Kind.TOPIC: "Topics",
    Tag.Kind.PLACE: "Places",
    Tag.Kind.ORGANISATION: "Organisations",
    Tag.Kind.PERSON: "People",
}


def page_or_404(request: HttpRequest, items, *, count: int | None = None) -> Page:
    """The page of ``items`` that ``?page=`` asks for, NEWSROOM_BRIEFS_PER_PAGE
    a page; a 404 when it is not a number or is past the last, so every
    listing page has exactly one address. ``count``, when the caller knows
    how many items there are, spares counting them."""
    paginator = Paginator(items, settings.NEWSROOM_BRIEFS_PER_PAGE)
    if count is not None:
        paginator.count = count
    try:
        return paginator.page(request.GET.get("page", 1))
    except InvalidPage as exc:
        raise Http404("No such page.") from exc


def _listed(briefs: QuerySet[Brief]) -> QuerySet[Brief]:
    """Briefs as a listing shows them: description needs sections, plus
    tags and authors."""
    return briefs.newest_first().prefetch_related("sections", "tags").with_authors()


@cache_public_page(query={"page": page_number})
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The latest published briefs, newest first.

    ``?page=`` that is not a number or is past the last page is a 404 rather
    than a quiet fallback, so every listing page has exactly one address.
    """
    depends_on(request, "briefs")
    page = page_or_404(
        request,
        _listed(Brief.objects.published()),
        count=tag_counts.published_brief_count(),
    )
    briefs = list(page.object_list)
    # The first page leads with the newest brief, its key points shown.
    lead = briefs.pop(0) if page.number == 1 and briefs else None
    return render(
        request,
        "briefs/brief_list.html",
        {
            "page": page,
            "lead": lead,
            "lead_points": list(lead.key_points.all()) if lead else [],
            "briefs": briefs,
        },
    )


@cache_public_page
@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A published brief; for staff, any brief, as an unmistakable preview.

    Anyone else asking for an unpublished brief gets the same 404 as for a
    brief that does not exist. Its article is stored
    (``briefs.reading.articles``): four queries, the brief, its stored
    article, its topics and related briefs. Without it (not yet stored
    again since a write, or a preview), the article is rendered from its
    rows: eight, the brief, the look for a stored article (none for a
    preview), its tags, key points, sections, authors and corrections, and
    related briefs.
    """
    brief = Brief.objects.published().filter(slug=slug).first()
    preview = False
    if brief is None and can_preview(request.user):
        brief = Brief.objects.filter(slug=slug).first()
        preview = brief is not None
    if brief is None:
        raise Http404("No such brief.")
    depends_on(request, f"brief:{brief.pk}")
    url = absolute_url(request, brief.get_absolute_url())
    # A preview's version links would be 404s (versions are shown only for
    # published briefs), and its next public version is not yet known.
    number = None if preview else articles.reader_version(brief)
    article = None if preview else articles.stored(brief)
    if article is None:
        tags = articles.tags_of(brief)
        topics = articles.topics_of(tags)
        article = articles.render(brief, tags=tags, version=number)
    else:
        topics = articles.topics(brief)
    facts = citation_facts(brief, authors=article.author_names)
    response = render(
        request,
        "briefs/brief_detail.html",
        {
            "brief": brief,
            "article": article.at(url),
            "description": article.description,
            "preview": preview,
            "url": url,
            "topics": topics,
            "related": related_briefs(brief, topics),
            "share_links": share_links(brief.title, url),
            "share_image": share_image(request, brief),
            "cite": cite(**facts, url=url),
            # The current version's text is the page's (a minor edit amends it).
            "cite_version": (
                cite(**facts, url=version_url(request, brief, number), version=number)
                if number
                else None
            ),
            "version": number,
            "structured_data": brief_structured_data(
                request,
                brief,
                description=article.description,
                headings=article.headings,
                corrections=article.corrections,
                authors=article.authors,
                topics=topics,
                url=url,
                version=number,
            ),
        },
    )
    if preview:
        response["X-Robots-Tag"] = "noindex, nofollow"
        patch_cache_control(response, private=True, no_store=True)
    return response


def versions_of(slug: str) -> tuple[Brief, QuerySet[PublicVersion]]:
    """The published brief at ``slug`` and its public versions, or a 404.

    A draft, scheduled or archived brief's versions are the same 404 as a
    brief that does not exist.
    """
    brief = Brief.objects.published().filter(slug=slug).first()
    if brief is None:
        raise Http404("No such brief.")
    return brief, (
        PublicVersion.objects.public()
        .filter(brief_id=brief.pk)
        .select_related("correction")
    )


@cache_public_page
@require_safe
def versions(request: HttpRequest, slug: str) -> HttpResponse:
    """The public versions of a published brief, newest first, with their notes.

    A draft, scheduled or archived brief's versions are the same 404 as a
    brief that does not exist. Two queries, however many versions.
    """
    brief, public_versions = versions_of(slug)
    depends_on(request, f"brief:{brief.pk}")
    shown = public_versions.defer("snapshot").order_by("-number")
    response = render(
        request,
        "briefs/brief_versions.html",
        {
            "brief": brief,
            "versions": list(shown),
            "url": absolute_url(request, request.path),
        },
    )
    # A reader's tool, not content of its own: the brief page is what to find.
    response["X-Robots-Tag"] = "noindex"
    return response


@cache_public_page
@require_safe
def version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One public version of a published brief, read-only, as readers saw it.

    The text is the version's snapshot, never the brief's current rows, so
    drafts saved since are never shown. Marked ``noindex``, with the current
    page as canonical: search engines should send readers there. A number
    that names no public version (or a version not yet public) is a 404.
    """
    brief, public_versions = versions_of(slug)
    depends_on(request, f"brief:{brief.pk}")
    # A number past the column's range matches nothing (Django leaves it out
    # of the query), so it is a 404 like any other unknown number.
    shown = public_versions.filter(number=number).first()
    if shown is None:
        raise Http404("No such version.")
    text = snapshot_text(shown.snapshot)
    url = version_url(request, brief, shown.number)
    response = render(
        request,
        "briefs/brief_version.html",
        {
            "brief": brief,
            "shown": shown,
            "text": text,
            "current_url": absolute_url(request, brief.get_absolute_url()),
            "url": url,
            "cite": cite_version(brief, shown, url=url),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@cache_public_page(query={"kind": str})
@require_safe
def tag_list(request: HttpRequest) -> HttpResponse:
    """Public tags grouped by kind; ``?kind=place`` shows one kind.

    An unknown kind is a 404, like a bad page number: each listing has one
    address. A known kind with no public tags is an empty page.
    """
    depends_on(request, "tags")
    kind = request.GET.get("kind")
    tags = Tag.objects.public()
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


@cache_public_page(query={"page": page_number})
@require_safe
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The sections that carry a tag, then the briefs that do; published only.

    Both lists are newest first and paged together by ``?page=``: page N
    shows the Nth page of each, so "older" always goes back in time, and
    there are as many pages as the longer list needs. A page number that is
    not a number or is past the last is a 404, as on the index.

    An old slug (the tag was renamed or merged) redirects permanently to the
    tag's page, but only when that tag is public: a redirect must not reveal
    the address of a tag used only on drafts.
    """
    tag, moved = Tag.objects.public().at_slug(slug)
    if tag is None:
        raise Http404("No such tag.")
    if moved:
        return HttpResponsePermanentRedirect(tag.get_absolute_url())
    depends_on(request, f"tag:{tag.pk}")
    # The tag's counts are already on it (the lede shows them), so pages
    # are numbered without counting again; each list is then one LIMIT.
    longest = max(tag.section_count, tag.brief_count)
    per_page = settings.NEWSROOM_BRIEFS_PER_PAGE
    page = page_or_404(request, range(longest))
    start, end = (page.number - 1) * per_page, page.number * per_page
    # Each brief listed has at least one of the page's sections, so the
    # newest ``end`` briefs with the tag on a section hold every section up
    # to this page's last: only theirs are read and sorted, however many
    # sections in the archive carry the tag.
    section_briefs = (
        Brief.objects.published()
        .carrying(tag, own=False)
        .newest_first()
        .values("pk")[:end]
    )
    sections = (
        Section.objects.filter(brief__in=section_briefs, tags=tag)
        .select_related("brief")
        .order_by("-brief__published_at", "-brief__pk", "position", "pk")
    )
    # A compact list (title, dateline, date): the sections above carry the text.
    briefs = (
        Brief.objects.published()
        .carrying(tag, sections=False)
        .newest_first()
        .only("title", "slug", "dateline", "published_at")
    )
    return render(
        request,
        "briefs/tag_detail.html",
        {
            "tag": tag,
            "kind_heading": KIND_HEADINGS.get(tag.kind, "Tags"),
            "page": page,
            "sections": sections[start : start + per_page],
            "briefs": briefs[start : start + per_page],
        },
    )


@cache_public_page
@require_safe
def author_list(request: HttpRequest) -> HttpResponse:
    """The authors of published briefs, by name, each with their count.

    An author credited only on drafts is not listed, as their briefs are not.
    """
    depends_on(request, "authors")
    authors = Author.objects.public().with_brief_counts()
    return render(request, "briefs/author_list.html", {"authors": authors})


@cache_public_page(query={"page": page_number})
@require_safe
def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An author's page: who they are, and their published briefs, newest
    first, paged like the index. An author of drafts only is a 404."""
    author = Author.objects.public().with_brief_counts().filter(slug=slug).first()
    if author is None:
        raise Http404("No such author.")
    depends_on(request, author_briefs(author.pk))
    briefs = _listed(Brief.objects.published().filter(credits__author=author))
    # The stored count: the pages are not found by counting their briefs.
    page = page_or_404(request, briefs, count=author.brief_count)
    url = absolute_url(request, author.get_absolute_url())
    return render(
        request,
        "briefs/author_detail.html",
        {
            "author": author,
            "page": page,
            "briefs": page.object_list,
            "description": " ".join(
                part
                for part in (
                    f"Briefs by {author.name}"
                    + (f", {author.role}." if author.role else "."),
                    Truncator(author.bio).words(30, truncate="…"),
                )
                if part
            ),
            "structured_data": author_structured_data(request, author, url=url),
        },
    )


@require_safe
def search_results(request: HttpRequest) -> HttpResponse:
    """Full-text search of published briefs: ``?q=`` words, ``?tag=`` slug, ``?page=``.

    Any ``q`` gives a page: words are taken from it and anything else is
    ignored. One result per brief, linked at its best-matching section. A tag
    that no published brief uses is a 404 that says so, with the form still
    there; a page number that is not a number or is past the last is a 404,
    as on the index.
    """
    query = search.clean_text(request.GET.get("q", ""))[: search.MAX_QUERY_CHARS]
    slug = request.GET.get("tag", "")
    tag = None
    if slug:
        # A NUL byte cannot even be sent to PostgreSQL; no tag has one.
        tag = (
            Tag.objects.public().filter(slug=slug).first()
            if "\x00" not in slug
            else None
        )
    unknown_tag = bool(slug) and tag is None
    page = None
    if query and not unknown_tag:
        page = page_or_404(request, search.search(query, tag=tag))
    # The address of this search without a page, for the page links.
    params = {"q": query, "tag": tag.slug if tag else ""}
    return render(
        request,
        "briefs/search.html",
        {
            "query": query,
            "tag": tag,
            "unknown_tag": unknown_tag,
            "asked_tag": search.clean_text(slug),
            "tag_choices": Tag.objects.public().values_list("slug", "name"),
            "page": page,
            "hits": page.object_list if page else [],
            "search_params": urlencode({k: v for k, v in params.items() if v}),
            "search_params_any_tag": urlencode({"q": query}),
        },
        status=404 if unknown_tag else 200,
    )


@cache_public_page
@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read every public page, but not the admin or search results.

    The admin line names the conventional /admin/ only: when the admin has
    been moved to a less obvious address (DJANGO_ADMIN_URL), robots.txt must
    not publish it. Nothing links to it, and it answers only to staff.
    """
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Disallow: {reverse('briefs:search')}",
        "Allow: /",
        "",
        f"Sitemap: {absolute_url(request, reverse('briefs:sitemap'))}",
    ]
    return HttpResponse(
        "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8"
    )


def _citation_file(
    request: HttpRequest,
    slug: str,
    number: int | None,
    *,
    kind: str,
    extension: str,
    content_type: str,
) -> HttpResponse:
    """The citation ``kind`` (a key of ``cite``'s answer) of the published
    brief at ``slug``, or of its public version ``number``, as a file to save.

    A draft, scheduled or archived brief, and a version that is not public,
    are the same 404 as a brief that does not exist. Two queries: the brief
    and its authors, or the brief and the version.
    """
    if number is None:
        brief = Brief.objects.published().with_authors().filter(slug=slug).first()
        if brief is None:
            raise Http404("No such brief.")
        depends_on(request, f"brief:{brief.pk}")
        url = absolute_url(request, brief.get_absolute_url())
        citation = cite(**citation_facts(brief), url=url)
    else:
        brief, public_versions = versions_of(slug)
        depends_on(request, f"brief:{brief.pk}")
        shown = public_versions.filter(number=number).first()
        if shown is None:
            raise Http404("No such version.")
        url = version_url(request, brief, shown.number)
        citation = cite_version(brief, shown, url=url)
    response = HttpResponse(citation[kind], content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{citation['filename']}.{extension}"
    )
    # A file for a reference manager; the brief's page is what to find.
    response["X-Robots-Tag"] = "noindex"
    return response


@cache_public_page
@require_safe
def cite_ris(
    request: HttpRequest, slug: str, number: int | None = None
) -> HttpResponse:
    """The brief's (or its public version ``number``'s) citation as an RIS
    file, for EndNote, Zotero and Mendeley."""
    return _citation_file(
        request,
        slug,
        number,
        kind="ris",
        extension="ris",
        content_type="application/x-research-info-systems; charset=utf-8",
    )


@cache_public_page
@require_safe
def cite_json(
    request: HttpRequest, slug: str, number: int | None = None
) -> HttpResponse:
    """The brief's (or its public version ``number``'s) citation as CSL-JSON,
    for Zotero, pandoc and any citeproc. JSON is UTF-8 by definition: the
    media type takes no charset."""
    return _citation_file(
        request,
        slug,
        number,
        kind="csl_json",
        extension="json",
        content_type="application/vnd.citationstyles.csl+json",
    )
