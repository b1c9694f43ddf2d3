"""The site's own address, for absolute URLs in pages, feeds, the sitemap and citations."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def absolute_url(request: HttpRequest, path: str) -> str:
    """``path`` (starting with /) as an absolute URL.

    The origin is ``NEWSROOM_SITE_URL`` when set, so that every address a
    reader or crawler keeps names one host whatever host served the page;
    otherwise it is the request's own scheme and host (already checked
    against ALLOWED_HOSTS).
    """
    if settings.NEWSROOM_SITE_URL:
        return settings.NEWSROOM_SITE_URL + path
    return request.build_absolute_uri(path)
