"""Reader pages are sent compressed, compressed once when stored.

gzip for any client that accepts it, with ``Vary: Cookie, Accept-Encoding`` and a strong ETag of its
own per coding (RFC 9110 8.8.3). Pages for staff, which carry a session and
a CSRF token, are never compressed (BREACH).
"""

from __future__ import annotations

import gzip

import pytest
from django.test import Client

from briefs.caching import pages

pytestmark = pytest.mark.django_db

GZIP = {"accept-encoding": "gzip, deflate"}
URLS = ["/", "detail", "/tags/", "/tags/trade/", "/feeds/briefs.atom", "/sitemap.xml"]


def url_of(url: str, brief) -> str:
    return brief.get_absolute_url() if url == "detail" else url


@pytest.mark.parametrize("url", URLS)
def test_a_reader_who_accepts_gzip_gets_the_same_page_gzipped(client, brief, url):
    url = url_of(url, brief)
    plain = client.get(url)
    client.get(url, headers=GZIP)

    zipped = client.get(url, headers=GZIP)

    assert zipped["X-Cache"] == "hit"
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content)
    assert zipped["ETag"] != plain["ETag"]
    assert zipped["ETag"] == plain["ETag"][:-1] + '-gzip"'
    for response in (plain, zipped):
        vary = {v.strip() for v in response["Vary"].split(",")}
        assert {"Cookie", "Accept-Encoding"} <= vary, url
    assert not plain.has_header("Content-Encoding")


def test_each_coding_answers_304_to_its_own_etag_only(client, brief):
    url = brief.get_absolute_url()
    plain = client.get(url)
    zipped = client.get(url, headers=GZIP)

    same = client.get(url, headers={**GZIP, "if-none-match": zipped["ETag"]})
    other = client.get(url, headers={**GZIP, "if-none-match": plain["ETag"]})

    assert same.status_code == 304
    assert other.status_code == 200
    assert other["Content-Encoding"] == "gzip"


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip", "gzip"),
        ("GZIP;q=0.5, identity", "gzip"),
        ("*", "gzip"),
        ("gzip;q=0", "identity"),
        ("*;q=0, identity", "identity"),
        ("deflate", "identity"),
        ("", "identity"),
    ],
)
def test_the_coding_follows_accept_encoding(accept, coding):
    assert pages.preferred_coding(accept) == coding


def test_a_small_page_is_sent_as_it_is(client, brief):
    robots = client.get("/robots.txt", headers=GZIP)

    assert not robots.has_header("Content-Encoding")
    assert robots.content.startswith(b"User-agent")


def test_staff_pages_are_never_compressed(editor_client, brief):
    response = editor_client.get(brief.get_absolute_url(), headers=GZIP)

    assert not response.has_header("Content-Encoding")
    assert response["Cache-Control"] == "private, no-store"
    assert b"Border trade reopens" in response.content


def test_pages_are_compressed_without_a_page_cache_too(client, brief, settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0

    plain = Client().get("/")
    zipped = client.get("/", headers=GZIP)

    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
