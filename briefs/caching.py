"""Public pages from the cache, dropped the moment anything readers see changes.

Invalidation: each cached page records the *content generation* (a counter
in the cache) it was rendered under, and is served only while the counter
holds that value. Any write readers could see calls ``content_changed()``
(``briefs.signals`` does, for saves, deletes and ``touch()``), which moves
the counter on at the write, so the writer's next request sees it, and again
at commit, so a page rendered meanwhile from the old data is not kept.

Freshness: a scheduled brief appears when its moment comes, and a brief's
citation names today's date, with no write. No page is served, nor kept by
a browser, past the next scheduled publication or midnight.

Pages: a view declares its page cacheable with ``cache_public_page``, naming
the query parameters it understands (``query={"page": page_number}``). A
page is keyed on the release, its address and those parameters, normalised:
``?cb=1`` or ``?utm_source=x`` gets the page's one entry (not a redirect,
which would cost every shared link a second request), ``?page=01`` is the
entry of no page, and a refused value (``?page=x``) is a 404, never stored.

The release is ``NEWSROOM_RELEASE`` when the deploy sets it (its git commit,
the same on every host), or else a stamp of the names, sizes and
modification times of the files in briefs/, newsroom/, templates/ and
static/, taken with ``stat`` alone, so an edit in development is a new
release; the NEWSROOM_* and STATIC* settings count either way. A new
release never serves the old one's pages from a Redis that outlived it.
Hashing the files' contents would read the whole project in every worker;
the staticfiles manifest exists only after collectstatic and knows nothing
of code or templates.

Serving: ``PageCacheMiddleware`` alone looks pages up, answers and stores.
Readers (no session cookie) are answered before sessions, auth, CSRF and the
view, in one cache round trip, and the pages rendered for them are stored.
Anyone with a session gets a fresh rendering, never stored: staff with
``private, no-store`` (a preview must never reach a reader), anyone else as
readers get it: a strong ETag, Last-Modified, ``Cache-Control: public``,
``Vary: Cookie``, and a 304 for a current copy (``conditional``, shared with
the API). A cache that cannot be reached is logged, and the page rendered.

Settings: ``NEWSROOM_PAGE_CACHE_SECONDS`` (how long a page may stay in the
cache; 0 stores none and validates by ETag only), ``NEWSROOM_PAGE_MAX_AGE``
(how long browsers may reuse a page without asking; 0 makes them revalidate,
which the ETag makes cheap) and ``NEWSROOM_RELEASE``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import (
    cc_delim_re,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.encoding import escape_uri_path
from django.utils.http import http_date

from briefs.models import Brief

logger = logging.getLogger(__name__)

GENERATION_KEY = "newsroom:generation"
# The current generation's Freshness: one key, read with the counter and the page.
FRESHNESS_KEY = "newsroom:freshness"
# The newest Last-Modified any generation has used (see ``freshness``).
LAST_MODIFIED_KEY = "newsroom:last-modified"
# The code, templates and static files that make the pages (see source_stamp).
RELEASE_FOLDERS = ("briefs", "newsroom", "templates", "static")

# Headers the cache sets itself on every answer; the view's own are not kept.
_OWN_HEADERS = frozenset(
    {"etag", "last-modified", "cache-control", "vary", "expires", "content-length"}
)


# Invalidation -----------------------------------------------------------------


def content_changed() -> None:
    """Drop every cached public page: call after any write readers could see.

    Safe anywhere: inside a transaction the pages are dropped now and again
    once it commits. Never raises; a cache that cannot be reached is logged
    (its pages then age out after ``NEWSROOM_PAGE_CACHE_SECONDS``).
    """
    _next_generation()
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        # Once per transaction, however many rows it writes.
        entry[1] is _next_generation
        for entry in connection.run_on_commit
    ):
        transaction.on_commit(_next_generation)


def _next_generation() -> None:
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no counter yet, or it was evicted
            if not cache.add(GENERATION_KEY, _fresh_generation(), timeout=None):
                cache.incr(GENERATION_KEY)
    except Exception:
        logger.exception("Could not move the page cache's content generation on.")


def _fresh_generation() -> int:
    # A restarted counter must not meet pages stored under its old values:
    # start from the clock (microseconds), far ahead of any old count.
    return time.time_ns() // 1000


# Freshness --------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """What a generation's pages can say about themselves."""

    generation: int
    # Last-Modified, in whole seconds: when this content was first seen.
    since: int
    # When the pages may change with no write (a scheduled brief, midnight).
    until: float


def freshness(number: int | None, now: float) -> Freshness:
    """A new Freshness for generation ``number``, stored for its other pages.

    ``number`` is the generation just read (None: no counter yet, so one is
    started). One query, once per generation and day. Raises what the cache raises.
    """
    if number is None:
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        number = cache.get(GENERATION_KEY, 0)  # 0 only with a dummy cache
    # Last-Modified counts whole seconds: move on by one from the last
    # generation's, so pages before and after a change never share a date,
    # but never further ahead of the clock (an import is a stream of changes;
    # the ETag tells those apart).
    last = cache.get(LAST_MODIFIED_KEY) or 0
    since = min(max(int(now), last + 1), int(now) + 1)
    fresh = Freshness(number, since=since, until=next_change(now))
    # No timeout: a Freshness past its ``until`` is never used.
    cache.set_many({LAST_MODIFIED_KEY: since, FRESHNESS_KEY: fresh}, timeout=None)
    return fresh


def next_change(now: float) -> float:
    """When public pages change next without a write: the next scheduled
    publication or the next midnight (local time), whichever is first."""
    moment = dt.datetime.fromtimestamp(now, tz=dt.UTC)
    # The other side of Brief.objects.published(): published, dated later.
    scheduled = Brief.objects.filter(
        status=Brief.Status.PUBLISHED, published_at__gt=moment
    ).aggregate(next=Min("published_at"))["next"]
    today = timezone.localdate(moment)
    midnight = timezone.make_aware(
        dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    )
    return min(filter(None, [scheduled, midnight])).timestamp()


# Pages ------------------------------------------------------------------------

# The query parameters a cached page understands: each name with the function
# that normalises its (last) value for the key, returning None for a value
# that means no parameter and raising ValueError for one the page refuses (a
# 404, never stored). Every other parameter is left out of the key.
Query = Mapping[str, Callable[[str], str | None]]
NO_QUERY: Query = {}


def page_number(value: str) -> str | None:
    """A page number for the key, read as Django's Paginator reads it (``int``).

    None for the first page, the page with no number; ``02``, `` 2`` and
    ``+2`` are all ``"2"``. Raises ValueError for anything that is not a
    page (``x``, ``0``, ``1.5``), which the page answers with a 404.
    """
    number = int(value)
    if number < 1:
        raise ValueError(f"No page {number}.")
    return None if number == 1 else str(number)


def cache_public_page(
    view: Callable[..., HttpResponse] | None = None, *, query: Query = NO_QUERY
):
    """Declare ``view``'s page cacheable, keyed on the parameters in ``query``.

    ``@cache_public_page`` for a page that reads no query parameter, else
    ``@cache_public_page(query={"page": page_number})``. The view runs as
    before; ``PageCacheMiddleware`` finds the declaration by resolving the path.
    """
    if view is None:
        return functools.partial(cache_public_page, query=query)

    # A wrapper, so that a view marked from elsewhere (Django's sitemap) stays unmarked.
    @functools.wraps(view)
    def cacheable(*args, **kwargs) -> HttpResponse:
        return view(*args, **kwargs)

    cacheable.page_cache_query = query
    return cacheable


@functools.cache
def release_id() -> str:
    """What this release's pages are keyed under, once per process:
    ``NEWSROOM_RELEASE`` (else ``source_stamp``) and the NEWSROOM_*, STATIC* settings."""
    names = sorted(n for n in dir(settings) if n.startswith(("NEWSROOM_", "STATIC")))
    identity = [settings.NEWSROOM_RELEASE or source_stamp(settings.BASE_DIR)]
    identity += [f"{name}={getattr(settings, name)!r}" for name in names]
    return hashlib.sha256("\0".join(identity).encode()).hexdigest()[:16]


def source_stamp(root: Path) -> str:
    """A digest of the path, size and modification time of every file in
    ``RELEASE_FOLDERS`` under ``root``, bytecode aside; no file is read."""
    digest = hashlib.sha256()
    for folder in RELEASE_FOLDERS:
        for directory, folders, names in os.walk(root / folder):
            folders[:] = sorted(name for name in folders if name != "__pycache__")
            for name in sorted(names):
                path = os.path.join(directory, name)
                with contextlib.suppress(OSError):  # gone since listed (a swap file)
                    stat = os.stat(path)
                    entry = f"{os.path.relpath(path, root)}\0{stat.st_size}\0{stat.st_mtime_ns}\0"
                    digest.update(entry.encode())
    return digest.hexdigest()


def page_key(request: HttpRequest, query: Query = NO_QUERY) -> str:
    """The cache key of this page: the release, its address and its query.

    The address has scheme and host, which canonical links and feeds show when
    ``NEWSROOM_SITE_URL`` is not set; of the query only ``query``'s parameters
    count, normalised. Raises ValueError for a value the page refuses,
    DisallowedHost for a host not allowed, and TooManyFieldsSent for more
    than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters.
    """
    understood = []
    for name, normalise in sorted(query.items()):
        if name in request.GET:
            value = normalise(request.GET[name])
            if value is not None:
                understood.append((name, value))
    address = f"{request.scheme}://{request.get_host()}{escape_uri_path(request.path)}"
    if understood:
        address += "?" + urlencode(understood)
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"newsroom:page:{release_id()}:{digest}"


def strong_etag(body: bytes) -> str:
    """A strong ETag for exactly these bytes."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def conditional(
    request: HttpRequest,
    response: HttpResponse,
    *,
    etag: str | None = None,
    last_modified: int | None = None,
) -> HttpResponse:
    """``response`` with its validators, or a 304 when the client's copy is current.

    The one place ETags and 304s are decided, for cached pages and the API
    alike; ``etag`` defaults to ``strong_etag`` of the body.
    """
    etag = etag or strong_etag(response.content)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    return get_conditional_response(
        request, etag=etag, last_modified=last_modified, response=response
    )


@dataclass(frozen=True)
class CachedPage:
    """A rendered 200 response as stored: the body, the view's headers, and the
    validators and generation of its Freshness (None without one: not stored)."""

    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str
    last_modified: int | None = None
    until: float | None = None
    generation: int | None = None

    @classmethod
    def of(cls, response: HttpResponse, fresh: Freshness | None, now: float):
        content = response.content
        headers = tuple(
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in _OWN_HEADERS
        )
        if fresh is None:
            return cls(content, headers, strong_etag(content))
        until = min(now + settings.NEWSROOM_PAGE_CACHE_SECONDS, fresh.until)
        return cls(
            content, headers, strong_etag(content), fresh.since, until, fresh.generation
        )

    def respond(self, request: HttpRequest, now: float) -> HttpResponse:
        """The page for a reader: a 200, or a 304 when their copy is current."""
        response = HttpResponse(self.content, headers=dict(self.headers))
        max_age = settings.NEWSROOM_PAGE_MAX_AGE
        if self.until is not None:
            # Never let a browser keep the page past a scheduled publication.
            max_age = min(max_age, max(0, int(self.until - now)))
        patch_cache_control(response, public=True, max_age=max_age)
        patch_vary_headers(response, ["Cookie"])
        response = conditional(
            request, response, etag=self.etag, last_modified=self.last_modified
        )
        # What CommonMiddleware would add; this answer is built after it ran.
        response["Content-Length"] = str(len(response.content))
        return response


def lookup(
    key: str, now: float
) -> tuple[int | None, Freshness | None, CachedPage | None]:
    """The generation, its Freshness and the page at ``key``, in one cache
    round trip (an atomic MGET with Redis); the last two only when rendered
    under that generation and fresh at ``now``. Raises what the cache raises."""
    found = cache.get_many([GENERATION_KEY, key, FRESHNESS_KEY])
    number = found.get(GENERATION_KEY)
    current = [
        item
        if item is not None and item.generation == number and item.until > now
        else None
        for item in (found.get(FRESHNESS_KEY), found.get(key))
    ]
    return number, *current


def storable(response: HttpResponse) -> bool:
    """Whether a view's response is an ordinary public 200 fit for every reader."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control:
        return False
    vary = {
        field.strip().lower() for field in cc_delim_re.split(response.get("Vary", ""))
    }
    return vary <= {"", "cookie"}


# Middleware -------------------------------------------------------------------


class PageCacheMiddleware:
    """The one place pages are looked up, answered from the cache and stored.

    Only GET and HEAD of a path whose view is declared with
    ``cache_public_page`` are touched; the path is resolved (no view runs)
    to find the declaration, so other pages (search, the API) cost no round
    trip. Place it after the middleware that sets headers on every response
    (SecurityMiddleware, X-Frame-Options, SecurityHeadersMiddleware), and
    before SessionMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = declared_query(request)
        if query is None:
            return self.get_response(request)
        now = timezone.now().timestamp()
        reader = settings.SESSION_COOKIE_NAME not in request.COOKIES
        key = fresh = None
        if settings.NEWSROOM_PAGE_CACHE_SECONDS > 0:
            # A value the page refuses, a host not allowed or too many
            # parameters: no key, and the view answers (a 404 or a 400).
            with contextlib.suppress(ValueError, SuspiciousOperation):
                key = page_key(request, query)
        if key is not None:
            try:
                number, fresh, page = lookup(key, now)
                if page is not None and reader:
                    return page.respond(request, now)
                # Before the render: a write during it leaves this page behind.
                fresh = fresh or freshness(number, now)
            except Exception:
                logger.exception("Could not read the page cache; rendering instead.")
                key = fresh = None

        response = self.get_response(request)
        if not reader and is_staff(request):
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie"])
            return response
        if not storable(response):
            patch_vary_headers(response, ["Cookie"])
            return response
        page = CachedPage.of(response, fresh, now)
        if reader and key is not None and page.until > now:
            try:
                cache.set(key, page, timeout=math.ceil(page.until - now))
            except Exception:
                logger.exception("Could not store a page in the cache.")
        return page.respond(request, now)


def declared_query(request: HttpRequest) -> Query | None:
    """What the view of this GET or HEAD declared to ``cache_public_page``, or None."""
    if request.method not in ("GET", "HEAD"):
        return None
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return None
    # A feed's view is the Feed instance; the declaration is on its __call__.
    for candidate in (view, type(view).__call__):
        query = getattr(candidate, "page_cache_query", None)
        if query is not None:
            return query
    return None


def is_staff(request: HttpRequest) -> bool:
    """Whether staff made this request; also when it never reached
    AuthenticationMiddleware: an unknown user is never given a public page."""
    user = getattr(request, "user", None)
    return user is None or (user.is_authenticated and user.is_staff)
