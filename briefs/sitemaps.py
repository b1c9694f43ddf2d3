"""The sitemap: the listings, published briefs, public tags and the authors
of published briefs.

``/sitemap.xml`` is a sitemap index, as the protocol requires of a site with
more than 50,000 addresses: it names one sitemap per section
(``/sitemap-pages.xml``, ``/sitemap-briefs.xml``, ``/sitemap-tags.xml``,
``/sitemap-authors.xml``) and
each further page of a section (``?p=2``), at most ``SiteSitemap.limit``
addresses a page. Every part runs a fixed number of queries however large
the archive: a count and a page of rows, and the latest change from an
aggregate, never one read of every brief. The briefs are not even counted:
their number is stored (``briefs.tag_counts.published_brief_count``).

Like every public page, it lists only what ``Brief.objects.published()``
lets readers see; a tag used only on drafts is not in it.

A section's page is Django's own sitemap view (what it lists, its 404s and
its ``Last-Modified``) with the XML written by ``urlset`` rather than by
its template, which took four fifths of a full page's time.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, sitemap, x_robots_tag
from django.core.paginator import Paginator
from django.db.models import QuerySet, Subquery
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_safe

from briefs.models import Author, Brief, Tag
from briefs.reading.metadata import absolute_url
from briefs.tag_counts import published_brief_count


def latest_change() -> dt.datetime | None:
    """When readers last saw a significant change to a published brief: the
    latest ``Brief.modified_at`` (publication, or the latest update or
    correction), None when nothing is published.

    One query of two index look-ups, the newest publication and the newest
    update or correction, rather than a maximum over every brief: an update
    or correction is made public after its brief, so a brief's
    ``revised_at``, when set, is never before its ``published_at``.
    """
    published = Brief.objects.published()
    newest_revision = (
        published.filter(revised_at__isnull=False)
        .order_by("-revised_at")
        .values("revised_at")[:1]
    )
    newest = (
        published.order_by("-published_at")
        .annotate(revised=Subquery(newest_revision))
        .values_list("published_at", "revised")
        .first()
    )
    return max((moment for moment in newest or () if moment), default=None)


class SiteSitemap(Sitemap):
    """Absolute addresses on ``NEWSROOM_SITE_URL`` when it is set, else on the
    request's host: the origin ``briefs.reading.metadata.absolute_url`` gives
    every other page, in the two parts Django's sitemap asks for."""

    # The protocol allows 50,000 a page; a page of that many takes seconds
    # to render on one worker (about 0.1 ms an address), so a tenth of it.
    limit = 5_000

    def get_domain(self, site=None) -> str:
        if settings.NEWSROOM_SITE_URL:
            return urlsplit(settings.NEWSROOM_SITE_URL).netloc
        return super().get_domain(site)

    def get_protocol(self, protocol=None) -> str:
        if settings.NEWSROOM_SITE_URL:
            return urlsplit(settings.NEWSROOM_SITE_URL).scheme
        return super().get_protocol(protocol)


class BriefSitemap(SiteSitemap):
    """Published briefs, each dated by its last significant change.

    ``lastmod`` is ``Brief.modified_at``: publication, or the latest update
    or correction. A minor edit (a typo) does not move it: search engines
    are asked to come back for changes that matter, as the sitemap protocol
    intends, and the date agrees with the page's own "Updated" line and its
    JSON-LD ``dateModified``.
    """

    changefreq = "weekly"

    def items(self) -> QuerySet[Brief]:
        # A stable order, so that sitemap pages (?p=2) never overlap.
        return (
            Brief.objects.published()
            .only("slug", "published_at", "revised_at")
            .order_by("pk")
        )

    @property
    def paginator(self) -> Paginator:
        paginator = super().paginator
        # Their number is stored: the index and each page need no count.
        paginator.count = published_brief_count()
        return paginator

    def lastmod(self, brief: Brief):
        return brief.modified_at

    def get_latest_lastmod(self) -> dt.datetime | None:
        # Django's default reads every item for it.
        return latest_change()


class PageSitemap(SiteSitemap):
    """The listings: the latest briefs, the tag index and the author index."""

    changefreq = "daily"

    def items(self) -> list[str]:
        return ["briefs:index", "briefs:tags", "briefs:authors"]

    def location(self, name: str) -> str:
        return reverse(name)

    def lastmod(self, name: str):
        # Every listing changes when a published brief does; as for briefs,
        # significant changes only (BriefSitemap). One query for them all.
        return self.get_latest_lastmod()

    def get_latest_lastmod(self) -> dt.datetime | None:
        return self.latest

    @cached_property
    def latest(self) -> dt.datetime | None:
        return latest_change()


class TagSitemap(SiteSitemap):
    """Public tags, each dated by the latest significant change among the
    published briefs that carry it (as ``BriefSitemap`` dates a brief)."""

    changefreq = "weekly"

    def items(self) -> QuerySet[Tag]:
        return Tag.objects.public().with_last_change().only("slug").order_by("pk")

    def lastmod(self, tag: Tag):
        return tag.last_change

    def get_latest_lastmod(self) -> dt.datetime | None:
        # No tag's is later than the latest change of any published brief.
        return latest_change()


class AuthorSitemap(SiteSitemap):
    """Authors of published briefs (their pages list them)."""

    changefreq = "weekly"

    def items(self) -> QuerySet[Author]:
        return Author.objects.public().only("slug").order_by("pk")


SITEMAPS = {
    "pages": PageSitemap,
    "briefs": BriefSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


@x_robots_tag
@require_safe
def index(request: HttpRequest) -> TemplateResponse:
    """/sitemap.xml: every page of every section's sitemap, each dated by
    its section's latest change (authors have no date, as in their sitemap).

    Django's own ``index`` view would name the request's host: this one
    names ``NEWSROOM_SITE_URL`` when it is set, like the sitemaps it lists.
    A query for the latest change, and a count for each section that has
    rows; none reads the rows themselves.
    """
    items = []
    latest = latest_change()
    for section, sitemap_class in SITEMAPS.items():
        section_map = sitemap_class()
        path = reverse("briefs:sitemap-section", kwargs={"section": section})
        url = absolute_url(request, path)
        # Pages, briefs and tags are all dated by the latest change.
        lastmod = latest if sitemap_class is not AuthorSitemap else None
        items.append(SitemapIndexItem(url, lastmod))
        items += [
            SitemapIndexItem(f"{url}?p={page}", lastmod)
            for page in range(2, section_map.paginator.num_pages + 1)
        ]
    return TemplateResponse(
        request,
        "sitemap_index.xml",
        {"sitemaps": items},
        content_type="application/xml",
    )


@require_safe
def section(request: HttpRequest, section: str) -> TemplateResponse:
    """/sitemap-<section>.xml and its pages (``?p=2``): Django's sitemap
    view, its response written by ``urlset``."""
    response = sitemap(request, SITEMAPS, section=section)
    # Setting the content marks the response rendered: the template is not used.
    response.content = urlset(response.context_data["urlset"])
    return response


URLSET_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)


def urlset(urls: list[dict]) -> str:
    """What Django's ``sitemap.xml`` template writes for ``urls`` (the
    entries ``Sitemap.get_urls`` gives), byte for byte, at about a tenth of
    its cost: each value escaped as the template escapes it, each lastmod
    a day in the current time zone, and no space between elements, as its
    ``{% spaceless %}`` leaves them."""
    parts = [URLSET_START]
    for url in urls:
        parts.append(f"<url><loc>{escape(url['location'])}</loc>")
        if url["lastmod"]:
            parts.append(f"<lastmod>{_day(url['lastmod'])}</lastmod>")
        if url["changefreq"]:
            parts.append(f"<changefreq>{escape(url['changefreq'])}</changefreq>")
        if url["priority"]:
            parts.append(f"<priority>{escape(url['priority'])}</priority>")
        for alternate in url["alternates"]:
            parts.append(
                f'<xhtml:link rel="alternate" hreflang="{escape(alternate["lang_code"])}" '
                f'href="{escape(alternate["location"])}"/>'
            )
        parts.append("</url>")
    parts.append("\n</urlset>\n")
    return "".join(parts)


def _day(moment: dt.date) -> str:
    """``moment`` as the template's ``date:"Y-m-d"`` shows it, in the time
    zone the template would use."""
    return timezone.template_localtime(moment).strftime("%Y-%m-%d")
