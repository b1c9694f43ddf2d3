"""Readers' hits answered at the WSGI entry, before Django handles the request.

A hit through Django's handler pays for what a static file pays for too
(the request_started and request_finished signals, each middleware above
the page cache, turning the response into WSGI's), and the static file
has no page to look up. ``PageCacheApplication`` wraps Django's WSGI
application and answers a reader's GET or HEAD of a stored page itself,
with what Django would have sent: it builds Django's own request from the
environ and asks ``briefs.caching.pages.reader_hit``, the one place a page
is answered from the cache, with the key ``page_key`` gives, so the host
is validated against ALLOWED_HOSTS as on every request. Then it does the
work of the middleware above the page cache: SecurityMiddleware's redirect
(left to Django) and headers, and RequestLogMiddleware's line. WhiteNoise
needs nothing: no page is ever stored under a path it serves, as the view
that stores one is only reached when it did not serve it.

Everything else goes to Django untouched: other methods, a session cookie,
input the middleware below refuses, a host not allowed, a path no cached
view has, a miss, a Redis that fails or rests. The cache is asked once a
request (``pages.ASKED``): after a miss here, PageCacheMiddleware only
renders and stores.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware

from briefs.caching import stores
from briefs.caching.pages import (
    ASKED,
    declared_query,
    is_reader,
    page_key_or_none,
    preferred_coding,
    reader_hit,
)
from newsroom.logging import log_request

# The middleware above the page cache, whose work a hit answered here does.
ABOVE_THE_CACHE = (
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.logging.RequestLogMiddleware",
)
PAGE_CACHE_MIDDLEWARE = "briefs.caching.PageCacheMiddleware"

WSGIApplication = Callable[[dict, Callable], Iterable[bytes]]


def _unreached(request: WSGIRequest) -> HttpResponse:
    raise AssertionError("SecurityMiddleware is only asked for its own work here.")


class PageCacheApplication:
    """``application`` (Django's), with readers' hits answered before it.

    Raises ImproperlyConfigured when the middleware above the page cache is
    not ``ABOVE_THE_CACHE``: a hit answered here does exactly their work.
    """

    def __init__(self, application: WSGIApplication):
        # Imported here, as PageCacheMiddleware does: newsroom.middleware
        # imports the API, which imports this package.
        from newsroom.middleware import refusal_of

        middleware = list(settings.MIDDLEWARE)
        if (
            PAGE_CACHE_MIDDLEWARE not in middleware
            or tuple(middleware[: middleware.index(PAGE_CACHE_MIDDLEWARE)])
            != ABOVE_THE_CACHE
        ):
            raise ImproperlyConfigured(
                f"The page cache's WSGI entry does the work of {ABOVE_THE_CACHE} "
                f"alone: MIDDLEWARE must start with them, then {PAGE_CACHE_MIDDLEWARE}."
            )
        self.application = application
        self.refusal_of = refusal_of
        # Made once, as Django's handler makes its middleware.
        self.security = SecurityMiddleware(_unreached)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        start = time.perf_counter()
        answered = self.hit(environ)
        if answered is None:
            return self.application(environ, start_response)
        request, response = answered
        log_request(request, response, start)
        # As django.core.handlers.wsgi.WSGIHandler sends it (a stored page
        # has no cookies); no request_finished, as no request_started.
        start_response(
            f"{response.status_code} {response.reason_phrase}", list(response.items())
        )
        return [response.content]

    def hit(self, environ: dict) -> tuple[WSGIRequest, HttpResponse] | None:
        """The request and the cached page answering it, or None for Django."""
        if (
            environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or settings.NEWSROOM_PAGE_CACHE_SECONDS <= 0
        ):
            # No request built for what the cache cannot answer: with the
            # page cache off, every request is a miss.
            return None
        # Django's request writes the path it decoded back into its environ
        # (PATH_INFO, SCRIPT_NAME): built on a copy, so that Django's
        # handler, on a miss, reads the path as the server sent it.
        request = WSGIRequest(environ.copy())
        try:
            return self._answer(request)
        finally:
            # Asked once a request: after a miss here, the middleware only stores.
            if request.META.get(ASKED):
                environ[ASKED] = True

    def _answer(self, request: WSGIRequest) -> tuple[WSGIRequest, HttpResponse] | None:
        """``hit``'s answer for ``request``, built on a copy of the environ."""
        try:
            # SecurityMiddleware's redirect to HTTPS (naming a host not
            # allowed raises): Django sends it.
            if self.security.process_request(request) is not None:
                return None
        except SuspiciousOperation:
            return None
        if self.refusal_of(request) is not None or not is_reader(request):
            return None
        query = declared_query(request)
        if query is None:
            return None
        key = page_key_or_none(request, query)
        if key is None:
            return None
        coding = preferred_coding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        try:
            response = reader_hit(request, key, coding, time.time())
        except stores.Unavailable:
            return None
        if response is None:
            return None
        return request, self.security.process_response(request, response)
