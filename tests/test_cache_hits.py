"""A page answered from the cache is the page the miss sent, headers and all.

The page cache answers readers before the middleware that sets security
headers (``newsroom.settings.MIDDLEWARE``), so a hit carries the headers the
miss stored: it must carry exactly those of the miss that stored it (only
``X-Cache`` differs), in Redis as in memory, in every coding, with HSTS when
it is on, and on a 304 too. Input the middleware below would refuse is never
answered from the cache.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from briefs.caching import content_changed
from newsroom.logging import JsonFormatter, utc_time
from tests.test_security_cache import redis_page_cache

pytestmark = pytest.mark.django_db

# A database no other test module uses, and keys of this module's own.
REDIS_URL = "redis://127.0.0.1:6379/14"
REDIS_PREFIX = "newsroom-cache-hits"
URLS = ["/", "detail", "/tags/", "/tags/trade/", "/feeds/briefs.atom", "/sitemap.xml"]
GZIP = {"accept-encoding": "gzip"}
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


@pytest.fixture(params=["memory", "redis"])
def store(request):
    """The page cache in this process's memory, or in Redis (with this
    worker's own copies of pages, a hit's path in production)."""
    if request.param == "memory":
        yield request.param
        return
    with redis_page_cache(REDIS_URL, REDIS_PREFIX):
        yield request.param


def url_of(url: str, brief) -> str:
    return brief.get_absolute_url() if url == "detail" else url


def but(response, *names: str) -> list[tuple[str, str]]:
    """Every header but ``names``, in order."""
    return [
        (name, value) for name, value in response.headers.items() if name not in names
    ]


def but_x_cache(response) -> list[tuple[str, str]]:
    return but(response, "X-Cache")


@pytest.mark.parametrize("coding", [{}, GZIP], ids=["identity", "gzip"])
@pytest.mark.parametrize("url", URLS)
def test_a_hit_carries_exactly_the_headers_of_the_miss_that_stored_it(
    client, brief, store, url, coding
):
    url = url_of(url, brief)

    miss = client.get(url, headers=coding)
    hit = client.get(url, headers=coding)

    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit"), store
    assert hit.content == miss.content
    # The same names, values and order; the date only moves on a new miss.
    assert but_x_cache(hit) == but_x_cache(miss)
    for name in SECURITY_HEADERS:
        assert hit.has_header(name), name


def test_with_hsts_on_a_hit_over_https_carries_it_as_the_miss_did(
    client, brief, store, settings
):
    settings.SECURE_HSTS_SECONDS = 31536000
    url = brief.get_absolute_url()

    miss = client.get(url, secure=True)
    hit = client.get(url, secure=True)

    assert hit["X-Cache"] == "hit"
    assert hit["Strict-Transport-Security"].startswith("max-age=31536000")
    assert but_x_cache(hit) == but_x_cache(miss)


def test_a_304_from_a_hit_is_the_304_of_a_miss_with_the_security_headers(
    client, brief, store
):
    url = brief.get_absolute_url()
    page = client.get(url)
    from_hit = client.get(url, headers={"if-none-match": page["ETag"]})
    content_changed()  # every page dropped, nothing changed: the same page again
    from_miss = client.get(url, headers={"if-none-match": page["ETag"]})

    assert from_hit.status_code == from_miss.status_code == 304
    # The miss stores the page anew, one second on at most.
    assert but(from_hit, "Last-Modified") == but(from_miss, "Last-Modified")
    assert from_hit.content == b""
    for name in SECURITY_HEADERS:
        assert from_hit[name] == page[name], name
    assert not from_hit.has_header("Content-Type")
    assert not from_hit.has_header("Content-Length")


@pytest.mark.parametrize(
    ("address", "status"),
    [("/?q=%00", 400), ("/?q=%FF", 400), ("/%00", 404)],
)
def test_input_refused_below_the_cache_is_refused_though_the_page_is_stored(
    client, brief, store, address, status
):
    assert client.get("/")["X-Cache"] == "miss"

    refused = client.get(address)

    assert refused.status_code == status
    assert not refused.has_header("X-Cache")
    assert refused.has_header("Content-Security-Policy")
    assert refused["X-Frame-Options"] == "DENY"


def test_a_session_cookie_with_a_nul_is_dropped_before_the_cache_as_below(
    client, brief, store
):
    url = brief.get_absolute_url()
    client.get(url)

    response = client.get(url, headers={"cookie": 'sessionid="abc\\000def"'})

    assert response["X-Cache"] == "hit"


def test_a_hit_is_logged_with_the_fields_of_a_miss(client, brief, store, caplog):
    url = brief.get_absolute_url()
    with caplog.at_level(logging.INFO, logger="newsroom.requests"):
        client.get(url, headers={"user-agent": "probe/1.0"})
        client.get(url, headers={"user-agent": "probe/1.0"})

    miss, hit = (
        json.loads(JsonFormatter().format(record))
        for record in caplog.records
        if record.name == "newsroom.requests"
    )
    assert list(hit) == list(miss)
    assert {key for key in miss if miss[key] != hit[key]} <= {"time", "duration_ms"}
    assert (hit["path"], hit["status"], hit["user_agent"]) == (url, 200, "probe/1.0")
    assert hit["bytes"] > 0


@pytest.mark.parametrize(
    "moment",
    [0.0, 1.0004995, 1.9995, 1.9999996, 1_700_000_000.0004999, 1_700_000_000.9999995],
)
def test_the_log_writes_each_moment_as_datetime_does(moment):
    """Every line's time is written without a datetime of its own (a log
    line is every hit's work), to the same millisecond datetime gives."""
    written = dt.datetime.fromtimestamp(moment, tz=dt.UTC).isoformat(
        timespec="milliseconds"
    )

    assert utc_time(moment) == written
