"""Public pages from the cache, dropped the moment anything readers see changes.

Every cached page records the site's *content generation* it was rendered
under, a counter in the cache, and is served only while the counter still
holds that value. Any write a reader could see (a brief, its key points,
sections, tags or tag rows) calls ``content_changed()``, which moves the
counter on, so every cached page (listings, tag pages, related briefs, feeds)
is left behind at once. Signals (``briefs.signals``) call it for ordinary
saves and deletes; bulk writers (the importer, re-tagging, status changes, tag
merges) call it themselves. The counter moves once at the write, so the writer's next request
sees its change, and once more after the transaction commits, so a page that
another process rendered from the not yet committed data is not kept.

Time changes pages too, without any write: a scheduled brief appears when
its moment comes, and the brief page's citation names today's date. The
current generation's ``Freshness`` records when its content can next change
that way (the next scheduled publication, or midnight), and no page is served
past it.

Readers are answered by ``PageCacheMiddleware``, before sessions, auth, CSRF
and the view, with one cache round trip (the counter and the page read
together); the ``cache_public_page`` view decorator renders and stores the
pages, and serves them to anyone the middleware lets through.

A page is stored under its address and the query parameters it understands,
normalised, and nothing else: each cached view declares them
(``cache_public_page(query={"page": page_number})``), and the middleware
finds the declaration by resolving the path. So ``?cb=1``, ``?utm_source=x``
or a parameter another page understands is answered from the page's one
entry, with no render and no new entry; ``?page=1`` (or ``?page=01``) is the
entry of no page; and a value the page refuses (``?page=x``) is its 404,
never stored. A made-up parameter gets the page rather than a redirect to the
clean address: shared links carry such parameters all the time, and a
redirect would cost every one of them a second request.

Readers get the cached page with a strong ETag (a hash of the exact body), a
Last-Modified, ``Cache-Control: public`` and ``Vary: Cookie``, and a 304 when
their copy is current. Staff are never served from the cache and their pages
are never stored: they get ``private, no-store`` (a preview must never reach a
reader, and an editor must see their save at once).

Settings: ``NEWSROOM_PAGE_CACHE_SECONDS`` (how long a page may stay in the
cache; 0 stores nothing and answers conditional requests by ETag only) and
``NEWSROOM_PAGE_MAX_AGE`` (how long browsers and proxies may reuse a page
without asking; 0 makes them revalidate every time, which the ETag makes cheap).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
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
# The newest Last-Modified any generation has used (see ``current_freshness``).
LAST_MODIFIED_KEY = "newsroom:last-modified"

# Headers the cache sets itself on every answer; the view's own are not kept.
_OWN_HEADERS = frozenset(
    {"etag", "last-modified", "cache-control", "vary", "expires", "content-length"}
)


# Invalidation ---------------------------------------------------------------


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


def generation() -> int:
    """The current content generation; starts a counter when there is none."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value if value is not None else 0  # None only with a dummy cache


# Freshness --------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """What a generation's pages can say about themselves."""

    generation: int
    # Last-Modified, in whole seconds: when this content was first seen.
    since: int
    # When the pages may change with no write at all (a scheduled brief goes
    # live, or the date changes); a Unix time.
    until: float


def current_freshness(number: int | None = None) -> Freshness:
    """The Freshness of generation ``number`` (default: the current one).

    Costs one query, and three cache round trips, when it is not yet cached
    (once per generation and day); otherwise one round trip.
    """
    if number is None:
        number = generation()
    now = timezone.now().timestamp()
    fresh = cache.get(FRESHNESS_KEY)
    if fresh is None or fresh.generation != number or fresh.until <= now:
        # Last-Modified counts whole seconds, so a page read just before a
        # change could carry the same second as the page after it. Move on
        # by one second then (never further: under a stream of changes, as
        # in an import, the date must not run ahead of the clock). The ETag,
        # which browsers send when they have one, tells every change apart.
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


# Validators -------------------------------------------------------------------


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


# Pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class CachedPage:
    """A rendered 200 response, as stored: body, the view's headers, validators,
    and the generation it was rendered under (None: not for storing)."""

    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str
    last_modified: int | None = None
    until: float | None = None
    generation: int | None = None

    @classmethod
    def from_response(
        cls,
        response: HttpResponse,
        *,
        last_modified: int | None = None,
        until: float | None = None,
        generation: int | None = None,
    ) -> CachedPage:
        content = response.content
        return cls(
            content=content,
            headers=tuple(
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in _OWN_HEADERS
            ),
            etag=strong_etag(content),
            last_modified=last_modified,
            until=until,
            generation=generation,
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
        return conditional(
            request, response, etag=self.etag, last_modified=self.last_modified
        )


# The query parameters a cached page understands: each name with the function
# that normalises its value (the last one given, as ``request.GET.get`` reads
# it) for the key. The function returns None for a value that means the same
# as no parameter, and raises ValueError for one the page refuses (a 404, so
# nothing is stored). Every other parameter is left out of the key.
Query = Mapping[str, Callable[[str], str | None]]
NO_QUERY: Query = {}


def page_number(value: str) -> str | None:
    """A page number for the key, read as Django's Paginator reads it (``int``).

    None for the first page, which is the page with no number; so ``02``,
    `` 2`` and ``+2`` are all ``"2"``. Raises ValueError for anything that is
    not a page (``x``, ``0``, ``1.5``), which the page answers with a 404.
    """
    number = int(value)
    if number < 1:
        raise ValueError(f"No page {number}.")
    return None if number == 1 else str(number)


def page_key(request: HttpRequest, query: Query = NO_QUERY) -> str:
    """The cache key of this page: the release, its address and its query.

    The address includes scheme and host, which appear in canonical links and
    feeds when ``NEWSROOM_SITE_URL`` is not set. Of the query string only the
    parameters in ``query`` count, normalised. The generation is not in the
    key but in the page (one key per page, so the counter and the page are
    read in one round trip). Raises ValueError for a value the page refuses,
    DisallowedHost for a host not allowed, and TooManyFieldsSent for a query
    string of more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters.
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
    return f"newsroom:page:{release()}:{digest}"


def declared_query(view: Callable[..., HttpResponse]) -> Query | None:
    """The query ``view`` declared to ``cache_public_page``; None if it is not cached."""
    # A feed's view is the Feed instance; the decorator is on its __call__.
    for candidate in (view, type(view).__call__):
        query = getattr(candidate, "page_cache_query", None)
        if query is not None:
            return query
    return None


def lookup(
    key: str, now: float, *, with_freshness: bool = False
) -> tuple[int | None, Freshness | None, CachedPage | None]:
    """The generation, its Freshness (only when asked) and the page stored at
    ``key``, in one cache round trip (an atomic MGET with Redis).

    The page is None unless it was rendered under the current generation and
    is still fresh at ``now``; so is the Freshness. Raises what the cache raises.
    """
    keys = (
        [GENERATION_KEY, key, FRESHNESS_KEY]
        if with_freshness
        else [GENERATION_KEY, key]
    )
    found = cache.get_many(keys)
    number = found.get(GENERATION_KEY)
    page = found.get(key)
    fresh = found.get(FRESHNESS_KEY)
    if not _current(page, number, now):
        page = None
    if not _current(fresh, number, now):
        fresh = None
    return number, fresh, page


@functools.cache
def release() -> str:
    """A digest of the code, templates, static files and NEWSROOM_* settings.

    A deploy that changes any of them starts with no cached pages, even when
    the cache (Redis) outlives the processes.
    """
    digest = hashlib.sha256()
    for folder in ("briefs", "newsroom", "templates", "static"):
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(settings.BASE_DIR).as_posix().encode())
                digest.update(path.read_bytes())
    digest.update(
        repr(
            sorted(
                (name, repr(getattr(settings, name)))
                for name in dir(settings)
                if name.startswith(("NEWSROOM_", "STATIC"))
            )
        ).encode()
    )
    return digest.hexdigest()[:16]


def is_staff(request: HttpRequest) -> bool:
    """Whether staff made the request. No session cookie, no user: no query."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = request.user
    return user.is_authenticated and user.is_staff


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


def cache_public_page(
    view: Callable[..., HttpResponse] | None = None, *, query: Query = NO_QUERY
):
    """Serve a public GET/HEAD view from the cache, with ETag and Last-Modified.

    ``@cache_public_page`` for a page that reads no query parameter;
    ``@cache_public_page(query={"page": page_number})`` names those it reads
    (see ``Query``): the page is keyed on them alone. Readers get a stored
    copy while the content generation and its freshness hold; staff always
    get a fresh rendering marked ``private, no-store``. Only 200 responses
    that set no cookie and are not private are stored, and only for a query
    the page accepts; anything else (404s, redirects, previews) passes
    through untouched.
    """
    if view is None:
        return functools.partial(cache_public_page, query=query)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if is_staff(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie"])
            return response

        seconds = settings.NEWSROOM_PAGE_CACHE_SECONDS
        now = timezone.now().timestamp()
        fresh = key = page = None
        if seconds > 0:
            with contextlib.suppress(ValueError):
                # None for a value the page refuses: nothing is looked up or stored.
                key = page_key(request, query)
        if key is not None:
            try:
                number, fresh, page = lookup(key, now, with_freshness=True)
                if page is None and fresh is None:
                    fresh = current_freshness(number)
            except Exception:
                logger.exception("Could not read the page cache; rendering instead.")
                fresh = key = page = None
        if page is None:
            response = _rendered(view(request, *args, **kwargs))
            if not storable(response):
                patch_vary_headers(response, ["Cookie"])
                return response
            if fresh is None:
                page = CachedPage.from_response(response)
            else:
                page = CachedPage.from_response(
                    response,
                    last_modified=fresh.since,
                    until=min(now + seconds, fresh.until),
                    generation=fresh.generation,
                )
                if page.until > now:
                    try:
                        cache.set(key, page, timeout=math.ceil(page.until - now))
                    except Exception:
                        logger.exception("Could not store a page in the cache.")
        return page.respond(request, now)

    # For PageCacheMiddleware, which finds the view by resolving the path.
    wrapper.page_cache_query = query
    return wrapper


def _current(
    item: CachedPage | Freshness | None, number: int | None, now: float
) -> bool:
    # Rendered under the current generation, and not past its deadline.
    return (
        item is not None
        and number is not None
        and item.generation == number
        and item.until is not None
        and item.until > now
    )


class PageCacheMiddleware:
    """Answer readers' GET and HEAD from the page cache, before the session,
    auth, CSRF, messages and axes middleware run and before URL resolving.

    A reader is a request with no session cookie (staff always have one);
    anyone else, and any request the cache cannot answer, goes on to the
    view, whose ``cache_public_page`` fills the cache. The path is resolved
    (no view runs) to find that decorator and the query parameters it
    declared, so the middleware builds the very key the decorator stores
    under, and makes no round trip for a page that is never cached (search,
    the API). One cache round trip; if the cache fails the request simply
    goes on (the decorator logs it). Place it after the middleware that set
    headers on every response (SecurityMiddleware, X-Frame-Options,
    SecurityHeadersMiddleware) so cached answers get them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.NEWSROOM_ADMIN_URL

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method in ("GET", "HEAD")
            and settings.NEWSROOM_PAGE_CACHE_SECONDS > 0
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(self.admin_prefix)
            and (query := cached_query(request.path_info)) is not None
        ):
            now = timezone.now().timestamp()
            try:
                _, _, page = lookup(page_key(request, query), now)
            except Exception:
                # The cache is down, DisallowedHost, or a query the page
                # refuses: the ordinary path decides.
                page = None
            if page is not None:
                response = page.respond(request, now)
                # What CommonMiddleware, which this answer skips, would add.
                if not response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(response.content))
                return response
        return self.get_response(request)


def cached_query(path_info: str) -> Query | None:
    """The query of the cached page at ``path_info``; None if none is cached there."""
    try:
        match = resolve(path_info)
    except Resolver404:
        return None
    return declared_query(match.func)


def _rendered(response: HttpResponse) -> HttpResponse:
    # A TemplateResponse (the sitemap) renders lazily; its body is needed now.
    render = getattr(response, "render", None)
    if callable(render) and not getattr(response, "is_rendered", True):
        response = render()
    return response
