"""The page cache when Redis fails: restored from a snapshot, flushed, down,
or frozen (faults 1, 4 and 6 of issue 15).

Each test runs its own ``redis-server`` on a free loopback port, with its
dump file in the test's temporary folder. What must hold: no reader ever
sees a page older than the last successful save, pages and ``/healthz``
keep answering (uncached) while Redis does not, and an outage is logged
once when it starts and once when it ends.
"""

from __future__ import annotations

import logging
import shutil
import socket
import time

import pytest
import redis
from django.test import override_settings

from briefs import caching
from briefs.caching import stores
from briefs.models import Brief
from tests.live_site import required
from tests.services import RedisServer
from tests.test_cache_invalidation import render_with_a_save_midway

pytestmark = [
    pytest.mark.django_db,
    # Only where Redis is not installed at all, and never in CI, which
    # requires it (NEWSROOM_REQUIRE_BROWSER=1, tests/live_site.py).
    pytest.mark.skipif(
        not shutil.which("redis-server") and not required(),
        reason="no redis-server",
    ),
]


@pytest.fixture
def server(tmp_path, settings):
    server = RedisServer(tmp_path)
    server.start()
    # No rest after a failure, so each request tries again at once.
    settings.NEWSROOM_CACHE_RETRY_SECONDS = 0
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "faults",
        }
    }
    with override_settings(CACHES=caches):
        yield server
    server.thaw() if server.process else None
    server.stop()


def warm(client, url: str) -> None:
    client.get(url)
    assert client.get(url)["X-Cache"] == "hit"


def retitle(brief: Brief, title: str) -> None:
    brief.title = title
    brief.save()


def test_pages_are_stored_in_redis_under_its_run_id(client, brief, server):
    warm(client, brief.get_absolute_url())

    keys = server.client().keys("faults:nr:*:page:*")

    assert keys
    assert all(f"faults:nr:{server.run_id()}:".encode() in key for key in keys)


def test_redis_restored_from_a_snapshot_never_serves_an_older_page(
    client, brief, server
):
    url = brief.get_absolute_url()
    warm(client, url)
    server.client().save()  # the snapshot holds the page as it is now
    old_run = server.run_id()
    retitle(brief, "Saved after the snapshot")
    assert "Saved after the snapshot" in client.get(url).content.decode()

    server.restart()  # from the snapshot: the old page is back in Redis

    assert server.client().keys(f"faults:nr:{old_run}:page:*")
    response = client.get(url)
    assert "Saved after the snapshot" in response.content.decode()
    assert response["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"


def test_a_flushed_redis_never_takes_a_page_read_before_it(brief, server):
    with override_settings(CACHES={"default": {**_caches(server)}}):
        store = stores.store_for()
        before = store.snapshot("freshness")
        server.client().flushall()
        store.invalidate(frozenset({"brief:1"}))

        assert not store.put({"page:x": b"old"}, {"brief:1", "*"}, before.token, 60)
        assert not store.put({"page:x": b"old"}, {"brief:9", "*"}, before.token, 60)
        after = store.snapshot("freshness")
        assert store.put({"page:x": b"new"}, {"brief:1", "*"}, after.token, 60)
        assert store.get("page:x") == b"new"


def _caches(server: RedisServer) -> dict:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": server.url,
        "KEY_PREFIX": "faults",
    }


def test_a_write_during_the_render_is_never_stored_in_redis(
    client, brief, server, monkeypatch
):
    rendered, after = render_with_a_save_midway(client, brief, monkeypatch)

    assert "Saved mid-render" not in rendered.content.decode()
    assert "Saved mid-render" in after.content.decode()
    assert after["X-Cache"] == "miss"


def test_a_save_redis_missed_while_frozen_is_paid_before_the_next_hit(
    client, brief, server, caplog
):
    url = brief.get_absolute_url()
    other = "/tags/"
    warm(client, url)
    warm(client, other)

    server.freeze()
    with caplog.at_level(logging.WARNING, logger="briefs.caching"):
        retitle(brief, "Saved while Redis was frozen")  # its invalidation times out
        during = client.get(url)
        server.thaw()  # the same Redis, the old pages still in it
        after = client.get(url)
        other_after = client.get(other)

    assert during.status_code == 200
    assert "Saved while Redis was frozen" in during.content.decode()
    assert "Saved while Redis was frozen" in after.content.decode()
    # The missed write is widened to everything: no page it may have changed stays.
    assert other_after["X-Cache"] == "miss"
    messages = [r.getMessage() for r in caplog.records if r.name == "briefs.caching"]
    assert len(messages) == 2, messages
    assert messages[0].startswith("The page cache is unreachable")
    assert messages[1].startswith("The page cache is back")
    assert all(r.exc_info is None for r in caplog.records)


def test_a_frozen_redis_leaves_pages_and_healthz_answering_with_one_warning(
    client, brief, server, caplog, settings
):
    settings.NEWSROOM_CACHE_RETRY_SECONDS = 60
    url = brief.get_absolute_url()
    warm(client, url)
    server.freeze()
    # Past the lease in which this worker's own copy still answers.
    time.sleep(stores.LEASE_SECONDS * 1.5)
    with caplog.at_level(logging.WARNING, logger="briefs.caching"):
        pages = [client.get(url) for _ in range(5)]
        health = client.get("/healthz")

    assert [p.status_code for p in pages] == [200] * 5
    assert all(p["X-Cache"] == "miss" for p in pages)
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["database"] == "ok"
    assert health.json()["cache"].startswith("unavailable")
    warnings = [r for r in caplog.records if r.name == "briefs.caching"]
    assert len(warnings) == 1
    assert warnings[0].exc_info is None


def test_a_redis_that_accepts_but_never_answers_costs_a_timeout_not_a_freeze(
    client, brief, settings
):
    """A listening socket that never replies stands for a frozen Redis."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        port = silent.getsockname()[1]
        caches = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            }
        }
        with override_settings(CACHES=caches):
            page = client.get(brief.get_absolute_url())
            health = client.get("/healthz")

    assert page.status_code == 200
    assert "Border trade reopens" in page.content.decode()
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"


def test_healthz_says_ok_when_redis_answers(client, server):
    assert client.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
    }


def test_the_last_copy_of_a_dropped_page_can_still_be_read(rf, client, brief, server):
    """For serving the last copy while the database is away (``stored_page``)."""
    url = brief.get_absolute_url()
    warm(client, url)
    request = rf.get(url)
    key = caching.page_key(request)
    retitle(brief, "Saved since")

    stale = caching.stored_page(request, key)

    assert client.get(url)["X-Cache"] == "miss"
    assert b"Border trade reopens" in stale.content
    assert b"Saved since" not in stale.content


def stored(store: stores.RedisStore, name: str, page: bytes, *names: str) -> None:
    token = store.snapshot("freshness").token
    assert store.put({name: page}, names, token, 60)


def test_a_workers_copy_goes_when_another_worker_invalidates(server):
    reader = stores.RedisStore(server.url, "copies", 0.25, 0.5)
    writer = stores.RedisStore(server.url, "copies", 0.25, 0.5)
    stored(writer, "page", b"before", "brief:1")
    stored(writer, "other", b"untouched", "brief:2")
    assert reader.get("page") == b"before"  # read from Redis, and kept
    assert reader.get("other") == b"untouched"
    writer.invalidate(frozenset({"brief:1"}))
    # The reader never asked, yet its copy is gone: the channel said so.
    assert reader.get("page") is None
    assert reader.get("other") == b"untouched"  # read again from Redis


def test_a_workers_copies_stop_when_redis_stops_answering(server):
    store = stores.RedisStore(server.url, "copies", 0.25, 0.5)
    # A long lease, so that a busy machine cannot end it between two lines.
    store.copies.lease = 1.0
    stored(store, "page", b"copy", "brief:1")
    assert store.get("page") == b"copy"
    server.freeze()
    try:
        assert store.get("page") == b"copy"  # within the lease: the copy
        time.sleep(store.copies.lease * 1.5)
        # Past it, Redis itself is asked, and does not answer: no copy is
        # served that a write, timing out meanwhile, might have changed.
        with pytest.raises((redis.RedisError, OSError)):
            store.get("page")
    finally:
        server.thaw()
    assert store.get("page") == b"copy"


def test_a_workers_copies_go_when_redis_restarts(server):
    store = stores.RedisStore(server.url, "copies", 0.25, 0.5)
    stored(store, "page", b"copy", "brief:1")
    assert store.get("page") == b"copy"
    server.restart()  # empty: nothing was saved
    # The copy went with the old server's channel; the new server has none.
    assert store.get("page") is None
    assert store.copies.pages == {}


def test_a_workers_copies_are_bounded(server):
    store = stores.RedisStore(server.url, "copies", 0.25, 0.5)
    store.copies.max_bytes = 8 * 1000
    for n in range(20):
        stored(store, f"page{n}", bytes(1000), "brief:1")
        assert store.get(f"page{n}") == bytes(1000)
    assert store.copies.size <= 8 * 1000
    assert list(store.copies.pages) == [f"page{n}" for n in range(12, 20)]


def test_no_last_copy_outlives_a_brief_withdrawn_in_redis(server):
    store = stores.RedisStore(server.url, "copies", 0.25, 0.5)
    stored(store, "page", b"the brief", "brief:1")
    store.invalidate(frozenset({"brief:1", "write"}))  # an edit
    assert store.get("page") is None
    assert store.get_stale("page") == b"the brief"  # for a database outage
    store.invalidate(frozenset({"brief:1", "briefs", "write"}))  # withdrawn
    assert store.get_stale("page") is None
