"""The sitemap at /sitemap.xml: the home page, the tag index, public tags and published briefs.

Like every public page, it lists only what ``Brief.objects.published()``
lets readers see; a tag used only on drafts is not in it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse

from briefs.models import Brief, Tag


class SiteSitemap(Sitemap):
    """Absolute addresses on ``NEWSROOM_SITE_URL`` when it is set, else on the
    request's host: the origin ``briefs.reading.metadata.absolute_url`` gives
    every other page, in the two parts Django's sitemap asks for."""

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

    def lastmod(self, brief: Brief):
        return brief.modified_at


class PageSitemap(SiteSitemap):
    """The listings: the latest briefs and the tag index."""

    changefreq = "daily"

    def items(self) -> list[str]:
        return ["briefs:index", "briefs:tags"]

    def location(self, name: str) -> str:
        return reverse(name)

    def lastmod(self, name: str):
        # Both listings change when a published brief does; as for briefs,
        # significant changes only (BriefSitemap). Asked once per item, so
        # two small queries however many briefs there are.
        return Brief.objects.published().aggregate(
            latest=Max(Coalesce("revised_at", "published_at"))
        )["latest"]


class TagSitemap(SiteSitemap):
    changefreq = "weekly"

    def items(self) -> QuerySet[Tag]:
        return Tag.objects.public().only("slug").order_by("pk")


SITEMAPS = {"pages": PageSitemap, "briefs": BriefSitemap, "tags": TagSitemap}
