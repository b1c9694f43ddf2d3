"""Hardening of the page cache: hostile query strings and unshared caches.

A cached page is keyed on the parameters it understands, normalised, and
nothing else, so made-up parameters (``?cb=1``, ``?utm_source=…``) can
neither make the site render a page afresh nor fill the cache with copies.
And a production site whose workers would each keep a cache of their own
(so an edit reaches only one of them) refuses to start.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from briefs.caching.stores import CacheState, store_for
from newsroom import checks
from tests.factories import published_brief
from tests.services import redis_or_skip
from tests.test_caching import public_urls
from tests.test_security import PRODUCTION, manage

pytestmark = pytest.mark.django_db

# Enough to fill the cache many times over if each made-up address were a
# page of its own; the load-sized run (300) is against Redis below.
MADE_UP_REQUESTS = 40
# A Redis database no other test module uses, and a prefix of this module's
# own, so counting and deleting keys touches nothing else.
REDIS_SPARE_URL = "redis://127.0.0.1:6379/12"
REDIS_PREFIX = "newsroom-security-cache"


def with_query(url: str, **params) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def stored_keys() -> set[str]:
    """Every key in the test cache (local memory: its own table, read directly)."""
    return set(cache._cache)


def answered_from_cache(response) -> bool:
    """Answered by the page cache's middleware: the view was never reached."""
    return response.status_code == 200 and response.wsgi_request.resolver_match is None


def rendered(client, url: str):
    """A GET that must reach the view (not be answered from the cache)."""
    response = client.get(url)
    assert response.wsgi_request.resolver_match is not None, url
    return response


# --- Made-up parameters -------------------------------------------------------


def test_made_up_parameters_add_no_entries_and_no_renders(client, brief):
    for url in public_urls(brief):
        first = client.get(url)
        assert first.status_code == 200, url
        keys = stored_keys()

        for n in range(MADE_UP_REQUESTS):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(with_query(url, cb=n, utm_source=f"x{n}"))
            assert answered_from_cache(response), (url, n)
            assert len(queries) == 0, (url, n)
            assert response.content == first.content, (url, n)

        assert stored_keys() == keys, url


def test_a_first_request_with_made_up_parameters_fills_the_plain_address(client, brief):
    for url in public_urls(brief):
        first = client.get(with_query(url, fbclid="abc"))
        assert first.status_code == 200, url

        plain = client.get(url)

        assert answered_from_cache(plain), url
        assert plain.content == first.content, url


# Parameters that another page understands mean nothing to these.
BORROWED = {
    "/": {"kind": "topic", "p": "2"},
    "/tags/": {"page": "2", "p": "2"},
    "/feeds/briefs.atom": {"page": "2", "kind": "topic"},
    "/sitemap-briefs.xml": {"page": "2", "kind": "topic"},
    "/robots.txt": {"page": "2", "p": "2"},
}


def test_parameters_a_page_does_not_understand_are_made_up_there(client, brief):
    urls = {**BORROWED, brief.get_absolute_url(): {"page": "2", "kind": "place"}}
    for url, params in urls.items():
        first = client.get(url)
        keys = stored_keys()

        response = client.get(with_query(url, **params))

        assert answered_from_cache(response), url
        assert response.content == first.content, url
        assert stored_keys() == keys, url


def test_a_flood_of_parameters_is_refused_where_read_and_ignored_elsewhere(
    client, brief
):
    # More than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000): Django will not parse them.
    flood = "&".join(f"f{n}=1" for n in range(1001))
    for url, status in [("/", 400), ("/sitemap-briefs.xml", 400), ("/robots.txt", 200)]:
        first = client.get(url)
        keys = stored_keys()

        response = client.get(f"{url}?{flood}")

        assert response.status_code == status, url
        if status == 200:
            assert answered_from_cache(response), url
            assert response.content == first.content, url
        assert stored_keys() == keys, url


def test_parameters_a_page_understands_still_choose_what_it_shows(
    client, brief, settings
):
    settings.NEWSROOM_BRIEFS_PER_PAGE = 1
    published_brief(title="An older brief")
    everything = client.get("/tags/").content.decode()
    second = client.get("/?page=2").content.decode()

    topics = client.get("/tags/?kind=topic").content.decode()
    topics_again = client.get("/tags/?cb=1&kind=topic&utm_source=x")

    assert topics != everything
    assert answered_from_cache(topics_again)
    assert topics_again.content.decode() == topics
    assert "An older brief" in second
    assert "An older brief" not in client.get("/").content.decode()


# --- Page numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "first_page"),
    [
        ("/", "/?page=1"),
        ("/tags/trade/", "/tags/trade/?page=1"),
        ("/sitemap-briefs.xml", "/sitemap-briefs.xml?p=1"),
    ],
)
def test_page_1_and_no_page_are_one_entry(client, brief, url, first_page):
    plain = client.get(url)
    keys = stored_keys()

    numbered = client.get(first_page)
    plain_again = client.get(url)

    assert answered_from_cache(numbered)
    assert answered_from_cache(plain_again)
    assert numbered.content == plain.content
    assert stored_keys() == keys


def test_page_1_first_fills_the_entry_of_no_page(client, brief):
    numbered = client.get("/?page=1")

    plain = client.get("/")

    assert answered_from_cache(plain)
    assert plain.content == numbered.content


def test_every_spelling_of_a_page_number_is_one_entry(client, brief, settings):
    settings.NEWSROOM_BRIEFS_PER_PAGE = 1
    published_brief(title="An older brief")
    second = client.get("/?page=2")
    keys = stored_keys()

    # Each of these is page 2 to the paginator (Python's int()).
    for spelling in ("02", "0002", "%2B2", "%202", "2%20", "%D9%A2"):
        response = client.get(f"/?page={spelling}")
        assert answered_from_cache(response), spelling
        assert response.content == second.content, spelling

    assert stored_keys() == keys


def test_the_last_of_repeated_page_numbers_counts_as_on_the_page(
    client, brief, settings
):
    settings.NEWSROOM_BRIEFS_PER_PAGE = 1
    published_brief(title="An older brief")
    first = client.get("/")
    second = client.get("/?page=2")

    assert client.get("/?page=2&page=1").content == first.content
    assert client.get("/?page=1&page=2").content == second.content


INVALID = [
    "/?page=0",
    "/?page=-1",
    "/?page=x",
    "/?page=",
    "/?page=1.5",
    "/?page=99",
    f"/?page={'9' * 5000}",
    "/tags/trade/?page=x",
    "/tags/trade/?page=99",
    "/tags/?kind=nope",
    "/tags/?kind=",
    "/sitemap-briefs.xml?p=x",
    "/sitemap-briefs.xml?p=2",
]


@pytest.mark.parametrize("url", INVALID)
def test_an_invalid_page_is_a_404_that_is_not_stored(client, brief, url):
    client.get("/")
    keys = stored_keys()

    for made_up in range(3):
        assert rendered(client, with_query(url, cb=made_up)).status_code == 404

    assert stored_keys() == keys


# --- Redis ------------------------------------------------------------------------


@contextlib.contextmanager
def redis_page_cache(url: str, prefix: str) -> Iterator[Callable[[], set[bytes]]]:
    """The page cache in the Redis at ``url`` under keys starting ``prefix``
    (none before, none after); yields a function that lists those keys.
    Skips the test when Redis does not answer (``redis_or_skip``).

    Each pytest-xdist worker has a prefix of its own: tests that share a
    prefix on two workers at once would delete, or invalidate, each other's
    pages mid-test."""
    server = redis_or_skip(url)
    prefix = f"{prefix}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

    def keys() -> set[bytes]:
        return set(server.scan_iter(f"{prefix}:*"))

    def forget() -> None:
        for key in keys():
            server.delete(key)

    forget()
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    try:
        with override_settings(CACHES=redis_cache):
            # The store starts as a new worker's would: the keys went behind
            # its back, so its own copies of an earlier test's pages go too,
            # and so does a failure an earlier test left it resting after.
            store = store_for()
            store.copies.clear()
            store.state = CacheState()
            yield keys
    finally:
        forget()


@pytest.fixture
def redis_keys():
    """The page cache in Redis; returns a function that lists this module's keys."""
    with redis_page_cache(REDIS_SPARE_URL, REDIS_PREFIX) as keys:
        yield keys


def test_300_cache_busting_requests_add_no_redis_keys_and_render_once(
    client, brief, redis_keys
):
    url = brief.get_absolute_url()
    first = client.get(with_query(url, cb=0))
    keys = redis_keys()
    assert any(b":page:" in key for key in keys)

    for n in range(1, 301):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(with_query(url, cb=n))
        assert answered_from_cache(response), n
        assert len(queries) == 0, n
        assert response.content == first.content, n

    assert redis_keys() == keys


def test_in_redis_too_page_1_is_the_entry_of_no_page_and_404s_are_not_stored(
    client, brief, redis_keys
):
    first = client.get("/")
    keys = redis_keys()

    numbered = client.get("/?page=1&cb=1")
    missing = [client.get(f"/?page={n}") for n in (0, 2, "x")]

    assert answered_from_cache(numbered)
    assert numbered.content == first.content
    assert [response.status_code for response in missing] == [404] * 3
    assert redis_keys() == keys


# --- Workers that do not share the cache ----------------------------------------

PROCESS_LOCAL = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "newsroom-check",
    }
}
SHARED = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/0",
    }
}


@pytest.fixture
def unshared(settings, monkeypatch):
    """What the attacker found: DEBUG off, pages kept an hour, no Redis, two workers."""
    settings.DEBUG = False
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 3600
    settings.CACHES = PROCESS_LOCAL
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    return settings


def check() -> None:
    call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_workers_with_caches_of_their_own_fail_the_system_checks(unshared):
    with pytest.raises(SystemCheckError) as failed:
        check()

    message = str(failed.value)
    assert "newsroom.E001" in message
    for what_to_set in (
        "REDIS_URL",
        "NEWSROOM_PAGE_CACHE_SECONDS=0",
        "WEB_CONCURRENCY=1",
    ):
        assert what_to_set in message


def test_gunicorns_default_worker_count_is_several(unshared, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY")

    (error,) = checks.page_cache_shared_by_workers(None)

    assert error.id == "newsroom.E001"
    assert "workers" in error.msg


@pytest.mark.parametrize(
    "change",
    [
        {"WEB_CONCURRENCY": "1"},
        {"CACHES": SHARED},
        {"NEWSROOM_PAGE_CACHE_SECONDS": 0},
        {"DEBUG": True},
    ],
    ids=["one worker", "Redis", "no page cache", "DEBUG on"],
)
def test_a_cache_every_worker_shares_or_none_passes(unshared, monkeypatch, change):
    for name, value in change.items():
        if name == "WEB_CONCURRENCY":
            monkeypatch.setenv(name, value)
        else:
            setattr(unshared, name, value)

    assert checks.page_cache_shared_by_workers(None) == []
    check()


def test_a_worker_count_that_is_not_a_number_is_named(unshared, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "two")

    (error,) = checks.page_cache_shared_by_workers(None)

    assert "WEB_CONCURRENCY" in error.msg and "'two'" in error.msg


def test_the_production_server_refuses_to_start_without_a_shared_cache():
    """`make serve` migrates first, and migrate runs the system checks."""
    env = {
        **PRODUCTION,
        "NEWSROOM_PAGE_CACHE_SECONDS": "3600",
        "REDIS_URL": "",
        "WEB_CONCURRENCY": "2",
    }
    result = manage("check", env=env)

    assert result.returncode == 1
    assert "newsroom.E001" in result.stderr
    assert "REDIS_URL" in result.stderr


def test_gunicorn_started_by_hand_refuses_to_serve_without_a_shared_cache(tmp_path):
    """gunicorn runs no system checks of its own; its configuration runs them."""
    root = Path(__file__).resolve().parent.parent
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        **PRODUCTION,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "NEWSROOM_PAGE_CACHE_SECONDS": "3600",
        "REDIS_URL": "",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_BIND": "127.0.0.1:0",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")

    result = subprocess.run(
        [str(gunicorn), "-c", "newsroom/gunicorn.conf.py"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "newsroom.E001" in result.stderr
