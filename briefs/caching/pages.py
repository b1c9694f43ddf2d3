"""Cached pages: their keys, their stored form, their validators and
encodings, and the middleware that looks them up, answers and stores them.

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

Stored form: each page is kept ready to send, once per content coding
(identity and gzip), compressed once when stored: a line of JSON (headers, validators, how long
it is good for) and the body bytes. A hit reads the one entry for the
coding the reader accepts. A strong ETag differs per coding (RFC 9110
8.8.3); every page varies on ``Accept-Encoding`` and ``Cookie``. Only
pages for readers with no session are stored or compressed: no CSRF token
or session can be in them (BREACH).

Freshness: a scheduled brief appears when its moment comes, and a brief's
citation names today's date, with no write. No page is served, nor kept by
a browser, past the next scheduled publication or midnight (``next_change``,
stored once and dropped when publication changes).

Serving: ``reader_hit`` alone answers a page from the cache, for readers
(no session cookie), in one cache round trip (``X-Cache: hit``). Its caller
is the WSGI entry (``briefs.caching.serving``), before Django handles the
request; ``PageCacheMiddleware`` calls it only for requests that entry did
not ask for (Django's test client, a host the entry left to Django), and
otherwise renders and stores: the pages rendered for readers are stored
with the names of what they show (``briefs.caching.dependencies``). Anyone with a session gets a fresh
rendering, never stored: staff with ``private, no-store``, anyone else as
readers get it. A cache that cannot be reached or is slow is left alone for
a moment and pages are rendered (``briefs.caching.stores.CacheState``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gzip
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import Error
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.http.response import ResponseHeaders
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

from briefs.caching import dependencies, stores
from briefs.models import Brief

# The code, templates and static files that make the pages (see source_stamp).
RELEASE_FOLDERS = ("briefs", "newsroom", "templates", "static")
# The stored moment of the next change with no write (see ``freshness_until``).
FRESHNESS = "freshness"
# Content codings a page is stored in, best first. gzip only: every client
# takes it and it passes Lighthouse; Brotli would save some 15% more of an
# already small page for another compiled dependency (a CDN in front can
# add it).
CODINGS = ("gzip", "identity")
# Types worth compressing, and the size below which it is not worth it.
_COMPRESSIBLE = ("text/", "application/xml", "application/atom", "application/rss")
_MIN_COMPRESSED = 256

# Set in a request's WSGI environ once the cache was asked for its page (see
# ``reader_hit``).
ASKED = "newsroom.page_cache.asked"

# Headers the middleware after the page cache (newsroom.settings.MIDDLEWARE)
# set on every response, kept on a 304 answered from a stored page.
_KEPT_ON_304 = ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options")

# Headers the cache sets itself on every answer; the view's own are not kept.
_OWN_HEADERS = frozenset(
    {
        "etag",
        "last-modified",
        "cache-control",
        "vary",
        "expires",
        "content-length",
        "content-encoding",
        "x-cache",
    }
)


# Freshness --------------------------------------------------------------------


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


def freshness_until(store, snapshot: stores.Snapshot, now: float) -> float:
    """The next change with no write, as stored, or worked out (one query)
    and stored, to be dropped when publication changes. Raises Unavailable."""
    if snapshot.freshness:
        until = float(snapshot.freshness)
        if until > now:
            return until
    until = next_change(now)
    stores.call(
        store,
        store.put,
        {FRESHNESS: repr(until).encode()},
        (dependencies.PUBLISHED_SET, dependencies.EVERYTHING),
        snapshot.token,
        max(1, math.ceil(until - now)),
    )
    return until


# Keys -------------------------------------------------------------------------

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
    """The cache key of this page: the release, its address and its query
    (a store keeps one entry per content coding under it).

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
    return _key(
        release_id(),
        request.scheme,
        request.get_host(),
        request.path,
        tuple(understood),
    )


# Memoised per address (a hit's key costs a look-up, not a digest). Bounded:
# any path a cacheable view resolves (a slug that is a 404) makes an entry.
@functools.lru_cache(maxsize=1024)
def _key(release: str, scheme: str, host: str, path: str, understood: tuple) -> str:
    address = f"{scheme}://{host}{escape_uri_path(path)}"
    if understood:
        address += "?" + urlencode(understood)
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"page:{release}:{digest}"


# Validators and codings ---------------------------------------------------------


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


# Browsers send a handful of distinct values; bounded, as a client may send any.
@functools.lru_cache(maxsize=64)
def preferred_coding(accept_encoding: str) -> str:
    """The best of ``CODINGS`` that an ``Accept-Encoding`` value accepts
    (a q-value of 0 refuses; ``*`` stands for any coding not named)."""
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, *params = (item.strip() for item in part.split(";"))
        weight = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    weight = float(param[2:])
                except ValueError:
                    weight = 0.0
        if name:
            weights[name] = weight
    for coding in CODINGS[:-1]:
        if weights.get(coding, weights.get("*", 0.0)) > 0:
            return coding
    return "identity"


def compress(body: bytes, coding: str) -> bytes:
    if coding == "gzip":
        # mtime=0: the same page always gives the same bytes (and ETag).
        return gzip.compress(body, compresslevel=9, mtime=0)
    return body


@dataclass(frozen=True)
class CachedPage:
    """A rendered 200 response in one content coding, as stored: the body as
    sent, the view's headers, its validators, and until when it is good
    (None: not stored, rendered for this request only)."""

    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str
    last_modified: int | None = None
    until: float | None = None
    coding: str = "identity"

    @classmethod
    def of(
        cls,
        response: HttpResponse,
        codings: tuple[str, ...],
        *,
        since: int | None = None,
        until: float | None = None,
    ) -> dict[str, CachedPage]:
        """``response`` in each of ``codings``, compressed once each; a body
        too small or of a type not worth it is stored as it is under each."""
        body = response.content
        headers = tuple(
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in _OWN_HEADERS
        )
        etag = strong_etag(body)
        worth = len(body) >= _MIN_COMPRESSED and response.get(
            "Content-Type", ""
        ).startswith(_COMPRESSIBLE)
        pages = {}
        for coding in codings:
            used = coding if worth else "identity"
            pages[coding] = cls(
                compress(body, used),
                headers,
                etag if used == "identity" else f'{etag[:-1]}-{used}"',
                since,
                until,
                used,
            )
        return pages

    def to_bytes(self) -> bytes:
        head = {
            "h": self.headers,
            "e": self.etag,
            "m": self.last_modified,
            "u": self.until,
            "c": self.coding,
        }
        return json.dumps(head, separators=(",", ":")).encode() + b"\n" + self.content

    @classmethod
    def from_bytes(cls, stored: bytes) -> CachedPage:
        head, _, content = stored.partition(b"\n")
        return cls(content, *_read_head(head))

    def respond(
        self, request: HttpRequest, now: float, *, hit: bool, stale: bool = False
    ) -> HttpResponse:
        """The page for a reader: a 200, or a 304 when their copy is current.

        ``stale``: the last copy, served because the database is away; it says
        so (``X-Cache: stale``) and nothing may keep it.
        """
        max_age = settings.NEWSROOM_PAGE_MAX_AGE
        if self.until is not None:
            # Never let a browser keep the page past a scheduled publication.
            max_age = min(max_age, max(0, int(self.until - now)))
        before, after = _sent_headers(
            self.headers, self.coding, self.etag, self.last_modified
        )
        headers = dict(before)
        headers["cache-control"] = (
            "Cache-Control",
            "no-store" if stale else f"public, max-age={max_age}",
        )
        headers["vary"] = ("Vary", "Cookie, Accept-Encoding")
        headers["x-cache"] = ("X-Cache", "stale" if stale else "hit" if hit else "miss")
        # What CommonMiddleware would add; this answer is built after it ran.
        headers["content-length"] = ("Content-Length", str(len(self.content)))
        headers.update(after)
        response = HttpResponse(self.content)
        # Every hit's path. Django checks and encodes each header as it is
        # set (ResponseHeaders), some 20 calls a page; these were checked
        # once (_sent_headers) or are made here of ASCII alone, so they go
        # in as ResponseHeaders keeps them: lower-cased name, (name, value).
        response.headers._store = headers
        if not _asks_conditionally(request):
            return response
        page = response
        response = conditional(
            request, response, etag=self.etag, last_modified=self.last_modified
        )
        if response.status_code == 304:
            del response["Content-Length"]
            # Set on every response by the middleware below the page cache
            # and stored with the page; a 304 drops them (django.utils.cache),
            # and had them when they were set after the cache answered.
            for name in _KEPT_ON_304:
                if name in page.headers:
                    response.headers[name] = page.headers[name]
        return response


# The stored head of a page (its first line) parsed once per process while it
# is read often, not on every hit: at most this many heads, each a few hundred
# bytes.
@functools.lru_cache(maxsize=512)
def _read_head(head: bytes) -> tuple:
    fields = json.loads(head)
    return (
        tuple(tuple(pair) for pair in fields["h"]),
        fields["e"],
        fields["m"],
        fields["u"],
        fields["c"],
    )


_Headers = dict[str, tuple[str, str]]


@functools.lru_cache(maxsize=512)
def _sent_headers(
    stored: tuple[tuple[str, str], ...],
    coding: str,
    etag: str,
    last_modified: int | None,
) -> tuple[_Headers, _Headers]:
    """The headers a page is sent with, but those that differ per answer:
    those before Cache-Control and those after Content-Length, each checked
    and encoded by Django once (see ``CachedPage.respond``); never the
    stored headers' own (``_OWN_HEADERS``)."""
    before = ResponseHeaders(dict(stored))
    if coding != "identity":
        before["Content-Encoding"] = coding
    after = ResponseHeaders({})
    if "Content-Type" not in before:
        # Where HttpResponse would add it: after the headers it was given.
        after["Content-Type"] = f"text/html; charset={settings.DEFAULT_CHARSET}"
    after["ETag"] = etag
    if last_modified is not None:
        after["Last-Modified"] = http_date(last_modified)
    return before._store, after._store


def _asks_conditionally(request: HttpRequest) -> bool:
    meta = request.META
    return any(
        name in meta
        for name in (
            "HTTP_IF_NONE_MATCH",
            "HTTP_IF_MODIFIED_SINCE",
            "HTTP_IF_MATCH",
            "HTTP_IF_UNMODIFIED_SINCE",
        )
    )


def storable(response: HttpResponse) -> bool:
    """Whether a view's response is an ordinary public 200 fit for every reader."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("Content-Encoding"):
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
    """The one place pages are stored, and where a hit the WSGI entry did not
    ask for is answered (``reader_hit``).

    Only GET and HEAD of a path whose view is declared with
    ``cache_public_page`` are touched; the path is resolved (no view runs)
    to find the declaration, so other pages (search, the API) cost no round
    trip. Its place: right after SecurityMiddleware (whose headers every
    answer gets on its way out), WhiteNoise and the request log, whose work
    the WSGI entry does for its hits (``briefs.caching.serving``), and
    before the middleware that sets headers on every response
    (X-Frame-Options, SecurityHeadersMiddleware), the refusal of unreadable
    input and SessionMiddleware. A page is stored with the headers the
    middleware below it set, so a hit carries exactly the miss's headers
    without them; input they would refuse is left to them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        # Imported here: newsroom.middleware imports the API, which imports
        # this package.
        from newsroom.middleware import refusal_of

        self.get_response = get_response
        self.refusal_of = refusal_of

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Input no page can use is refused below, with every header; the
        # same check drops cookies with a NUL, as it does there.
        if self.refusal_of(request) is not None:
            return self.get_response(request)
        query = declared_query(request)
        if query is None:
            return self.get_response(request)
        now = time.time()
        reader = is_reader(request)
        coding = preferred_coding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        key = page_key_or_none(request, query)
        snapshot = store = since = until = None
        if key is not None:
            store = stores.store_for()
            try:
                if reader:
                    hit = reader_hit(request, key, coding, now)
                    if hit is not None:
                        return hit
                # Before the render: a write during it leaves this page behind.
                snapshot = stores.call(store, store.snapshot, FRESHNESS)
                until = min(
                    now + settings.NEWSROOM_PAGE_CACHE_SECONDS,
                    freshness_until(store, snapshot, now),
                )
                # Last-Modified counts whole seconds: one on from the newest
                # given, so pages before and after a change never share a
                # date, but never further ahead of the clock (the ETag tells
                # a stream of changes apart).
                since = min(max(int(now), snapshot.last_modified + 1), int(now) + 1)
            except stores.Unavailable:
                key = snapshot = since = until = None
            except Error:  # InterfaceError too, which is no DatabaseError
                # The next scheduled change could not be looked up: the view
                # will meet the same, and the last copy may be served below.
                snapshot = since = until = None

        with dependencies.collecting(request):
            response = self.get_response(request)
        if getattr(response, "database_unavailable", False):
            # newsroom.database's 503: a reader gets the last copy, if any.
            page = stored_page(request, key) if reader and key is not None else None
            return (
                response
                if page is None
                else page.respond(request, now, hit=False, stale=True)
            )
        if not reader and is_staff(request):
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie"])
            return response
        if not storable(response):
            patch_vary_headers(response, ["Cookie"])
            return response
        if not (reader and key is not None and until is not None and until > now):
            pages = CachedPage.of(response, (coding,), since=since, until=until)
            return pages[coding].respond(request, now, hit=False)
        pages = CachedPage.of(response, CODINGS, since=since, until=until)
        with contextlib.suppress(stores.Unavailable):
            stores.call(
                store,
                store.put,
                {f"{key}:{name}": page.to_bytes() for name, page in pages.items()},
                dependencies.page_dependencies(request),
                snapshot.token,
                math.ceil(until - now),
                since,
            )
        return pages[coding].respond(request, now, hit=False)


def reader_hit(
    request: HttpRequest, key: str, coding: str, now: float
) -> HttpResponse | None:
    """The one place a page is answered from the cache: the page stored at
    ``key`` in ``coding``, answered to a reader's ``request`` (a 200, or a
    304 for a current copy; ``X-Cache: hit``), or None when there is none,
    it is past its time, or the cache was asked already for this request.

    The WSGI entry (``briefs.caching.serving``) asks first, and
    PageCacheMiddleware only for a request that did not pass it (Django's
    test client) or that it left alone (a host it has not validated): the
    mark in ``request.META``, the WSGI environ, makes it one question a
    request. Raises Unavailable.
    """
    if request.META.get(ASKED):
        return None
    request.META[ASKED] = True
    store = stores.store_for()
    found = stores.call(store, store.get, f"{key}:{coding}")
    if found is None:
        return None
    page = CachedPage.from_bytes(found)
    if page.until <= now:
        return None
    return page.respond(request, now, hit=True)


def is_reader(request: HttpRequest) -> bool:
    """Whether the request has no session: only readers get or leave stored pages."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def page_key_or_none(request: HttpRequest, query: Query) -> str | None:
    """``page_key``, or None when pages are not stored, or for a value the
    page refuses, a host not allowed or too many parameters (the view
    answers those: a 404 or a 400)."""
    if settings.NEWSROOM_PAGE_CACHE_SECONDS <= 0:
        return None
    try:
        return page_key(request, query)
    except (ValueError, SuspiciousOperation):
        return None


def declared_query(request: HttpRequest) -> Query | None:
    """What the view of this GET or HEAD declared to ``cache_public_page``, or None."""
    if request.method not in ("GET", "HEAD"):
        return None
    return query_of_path(request.path_info)


@functools.lru_cache(maxsize=4096)
def query_of_path(path: str) -> Query | None:
    """What the view at ``path`` declared, resolved once per path (the URLs
    do not change while a process runs; tests that change them clear this)."""
    try:
        view = resolve(path).func
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


def stored_page(request: HttpRequest, key: str) -> CachedPage | None:
    """The page stored at ``key`` for this request's coding even if it is
    stale (dropped by a write, or past its time): for serving the last copy
    when the database is away. None when there is none or the cache is down."""
    store = stores.store_for()
    coding = preferred_coding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    try:
        found = stores.call(store, store.get_stale, f"{key}:{coding}")
    except stores.Unavailable:
        return None
    return None if found is None else CachedPage.from_bytes(found)
