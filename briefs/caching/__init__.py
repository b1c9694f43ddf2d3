"""Public pages from the cache, dropped the moment anything they show changes.

Invalidation: each cached page records what it shows as dependency names
(``briefs.caching.dependencies``): the briefs and tags it loaded, and what
its view declared with ``depends_on`` (``"briefs"`` for the newest briefs,
``"tags"`` for the tag index). A write names what it changed with
``content_changed(names)`` (``briefs.signals`` does, for saves, deletes and
``touch()``); pages that show any of them are dropped, and no other. No
names means everything, the answer for bulk or unknown writes. Names are
dropped at the write, so the writer's next request sees it, and again at
commit, so a page rendered meanwhile from the old data is not kept; a page
rendered from data read before a write's invalidation is never stored after
it (``briefs.caching.stores``).

The rest: keys, stored pages, encodings and the middleware are in
``briefs.caching.pages``; Redis, local memory, outages and the race in
``briefs.caching.stores``.

Settings: ``NEWSROOM_PAGE_CACHE_SECONDS`` (how long a page may stay in the
cache; 0 stores none and validates by ETag only), ``NEWSROOM_PAGE_MAX_AGE``
(how long browsers may reuse a page without asking), ``NEWSROOM_RELEASE``,
and ``NEWSROOM_CACHE_CONNECT_TIMEOUT``, ``NEWSROOM_CACHE_TIMEOUT`` and
``NEWSROOM_CACHE_RETRY_SECONDS`` (how long a Redis call may take, and how
long a worker leaves a failed Redis alone).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from briefs.caching import stores
from briefs.caching.dependencies import depends_on, widened
from briefs.caching.pages import (
    NO_QUERY,
    CachedPage,
    PageCacheMiddleware,
    Query,
    cache_public_page,
    conditional,
    next_change,
    page_key,
    page_number,
    release_id,
    source_stamp,
    stored_page,
    strong_etag,
)
from briefs.reading import articles

__all__ = [
    "NO_QUERY",
    "CachedPage",
    "PageCacheMiddleware",
    "Query",
    "cache_health",
    "cache_public_page",
    "conditional",
    "content_changed",
    "depends_on",
    "next_change",
    "page_key",
    "page_number",
    "release_id",
    "source_stamp",
    "stored_page",
    "strong_etag",
]


def content_changed(
    names: Iterable[str] | None = None, *, articles_shown: bool = True
) -> None:
    """Drop the cached pages that show any of ``names`` (None: every page),
    and make stale the stored articles that show them
    (``briefs.reading.articles.stale``) unless ``articles_shown`` is False:
    a writer that made the articles it changed stale by name already.

    Call after any write readers could see. Safe anywhere: inside a
    transaction the pages are dropped now and again once it commits (once
    per transaction, with every name it wrote). Never raises: a cache that
    cannot be reached is remembered, and this worker drops every page before
    it serves another from the cache.
    """
    names = widened(names)
    # The stored articles first: in the write's own transaction.
    if articles_shown:
        articles.stale(names)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _invalidate(names, insist=True)
        return
    _invalidate(names, insist=False)
    for _, callback, _ in connection.run_on_commit:
        if isinstance(callback, _AtCommit):
            callback.add(names)
            return
    transaction.on_commit(_AtCommit(names))


class _AtCommit:
    """The names a transaction changed, dropped again when it commits."""

    def __init__(self, names: frozenset[str] | None):
        self.names = names

    def add(self, names: frozenset[str] | None) -> None:
        if self.names is not None:
            self.names = None if names is None else self.names | names

    def __call__(self) -> None:
        _invalidate(self.names, insist=True)


def _invalidate(names: frozenset[str] | None, *, insist: bool) -> None:
    """Drop ``names`` now. ``insist``: even while the store rests after a
    failure, as the invalidation after a commit must (``stores.invalidate``);
    else (the early one inside a transaction, one of many a save makes) a
    resting store is left alone and owes everything instead, so that a
    frozen Redis costs a save one timeout, not one per row."""
    if names is not None and not names:
        return
    store = stores.store_for()
    if insist:
        stores.invalidate(store, names)
        return
    try:
        stores.call(store, store.invalidate, names)
    except stores.Unavailable:
        store.state.owed = True


def cache_health() -> str:
    """``"ok"``, or why the page cache cannot be used now (one short try)."""
    store = stores.store_for()
    try:
        stores.call(store, store.ping)
    except stores.Unavailable as error:
        return f"unavailable: {error}" if str(error) else "unavailable"
    return "ok"
