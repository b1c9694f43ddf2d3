"""Hits answered at the WSGI entry are the hits Django's middleware answers.

``newsroom.wsgi`` wraps Django's application in
``briefs.caching.serving.PageCacheApplication``, which answers a reader's
hit before Django handles the request. Django's test client never passes
through a WSGI wrapper, so these tests call the applications with the
environ a WSGI server builds: the wrapper's answer must be, byte for byte,
the one Django's own path (PageCacheMiddleware) gives for the same request,
and anything it must not answer reaches Django.
"""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import unquote_to_bytes

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from briefs.caching.serving import PageCacheApplication
from newsroom.logging import JsonFormatter
from tests.factories import make_brief
from tests.test_cache_hits import REDIS_PREFIX, REDIS_URL
from tests.test_security_cache import redis_page_cache

pytestmark = pytest.mark.django_db

URLS = ["detail", "/", "/tags/trade/", "/feeds/briefs.atom"]


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "redis":
        with redis_page_cache(REDIS_URL, REDIS_PREFIX):
            yield request.param
    else:
        yield request.param


@pytest.fixture(autouse=True)
def connections_kept():
    """As Django's test client does: a real handler's request signals would
    close the database connection that holds the test's transaction (on
    PostgreSQL; SQLite's test database is never closed)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


class Recording:
    """Django's WSGI application, counting the requests that reach it."""

    def __init__(self):
        self.django = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


@pytest.fixture
def django_app() -> Recording:
    return Recording()


@pytest.fixture
def entry(django_app) -> PageCacheApplication:
    return PageCacheApplication(django_app)


def environ_for(path: str, method: str = "GET", **headers: str) -> dict:
    """What a WSGI server (gunicorn) passes for a request from 127.0.0.1."""
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update(
        {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in headers.items()
        }
    )
    return environ


def call(application, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers in order and body, as the server would send them."""
    sent = {}

    def start_response(status, headers, exc_info=None):
        sent["status"], sent["headers"] = status, headers

    result = application(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return sent["status"], sent["headers"], body


def url_of(url: str, brief) -> str:
    return brief.get_absolute_url() if url == "detail" else url


def stored(django_app, path: str, **headers: str) -> tuple:
    """Render and store ``path``: a miss through Django."""
    miss = call(django_app, environ_for(path, **headers))
    assert ("X-Cache", "miss") in miss[1], (path, miss[1])
    return miss


@pytest.mark.parametrize(
    "request_headers",
    [{}, {"accept-encoding": "gzip, deflate, br"}],
    ids=["identity", "gzip"],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("url", URLS)
def test_a_hit_at_the_entry_is_byte_for_byte_the_middlewares_hit(
    brief, store, django_app, entry, url, method, request_headers
):
    path = url_of(url, brief)
    stored(django_app, path, **request_headers)
    from_middleware = call(django_app, environ_for(path, method, **request_headers))
    calls = django_app.calls

    from_entry = call(entry, environ_for(path, method, **request_headers))

    assert django_app.calls == calls  # Django never saw it
    assert ("X-Cache", "hit") in from_middleware[1]
    assert from_entry == from_middleware


def test_a_304_at_the_entry_is_the_middlewares_304(brief, store, django_app, entry):
    path = brief.get_absolute_url()
    _, headers, _ = stored(django_app, path)
    etag = dict(headers)["ETag"]
    from_middleware = call(django_app, environ_for(path, if_none_match=etag))
    calls = django_app.calls

    from_entry = call(entry, environ_for(path, if_none_match=etag))

    assert django_app.calls == calls
    assert from_middleware[0] == "304 Not Modified"
    assert from_entry == from_middleware


def test_with_hsts_over_https_the_entry_sends_what_django_sends(brief, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    django_app = Recording()  # its middleware made with HSTS on
    path = brief.get_absolute_url()
    https = {"wsgi.url_scheme": "https", "SERVER_PORT": "443"}
    call(django_app, environ_for(path) | https)
    from_middleware = call(django_app, environ_for(path) | https)

    from_entry = call(PageCacheApplication(django_app), environ_for(path) | https)

    assert from_entry == from_middleware
    assert "Strict-Transport-Security" in dict(from_entry[1])


def test_a_miss_at_the_entry_asks_the_cache_once_and_renders(brief, django_app, entry):
    path = brief.get_absolute_url()

    status, headers, _ = call(entry, environ_for(path))

    assert status == "200 OK"
    assert ("X-Cache", "miss") in headers
    assert django_app.calls == 1
    assert ("X-Cache", "hit") in call(entry, environ_for(path))[1]
    assert django_app.calls == 1


def server_path(path: str) -> str:
    """``path`` (an address, or a path as written) as a WSGI server passes
    it: unquoted, its UTF-8 bytes read as Latin-1."""
    return unquote_to_bytes(path).decode("latin-1")


def test_a_path_beyond_ascii_reaches_django_as_the_server_sent_it(django_app, entry):
    brief = make_brief(title="Café opens in Zürich")
    path = brief.get_absolute_url()
    assert not server_path(path).isascii()

    miss = call(entry, environ_for(server_path(path)))
    hit = call(entry, environ_for(server_path(path)))
    # A tag no brief has, in a script Latin-1 cannot hold: Django's 404,
    # not an error before Django.
    missing = call(entry, environ_for(server_path("/tags/東京/")))

    assert miss[0] == "200 OK" and ("X-Cache", "miss") in miss[1]
    assert hit[0] == "200 OK" and ("X-Cache", "hit") in hit[1]
    assert missing[0] == "404 Not Found"
    assert django_app.calls == 2


@pytest.mark.parametrize(
    "host", ["evil.example", "testserver.evil.example", "testserver:80@evil.example"]
)
def test_a_host_not_allowed_never_gets_a_stored_page(
    brief, store, django_app, entry, host
):
    path = brief.get_absolute_url()
    stored(django_app, path)

    status, headers, body = call(entry, environ_for(path, host=host))

    assert status.startswith("400")
    assert django_app.calls == 2
    assert "X-Cache" not in dict(headers)
    assert brief.title.encode() not in body


@pytest.mark.parametrize(
    "cookie", ["sessionid=abc", "theme=dark; sessionid=abc", "sessionid="]
)
def test_a_session_cookie_goes_to_django(brief, store, django_app, entry, cookie):
    path = brief.get_absolute_url()
    stored(django_app, path)

    _, headers, _ = call(entry, environ_for(path, cookie=cookie))

    assert django_app.calls == 2
    assert ("X-Cache", "hit") not in headers


@pytest.mark.parametrize(
    "headers",
    [
        {"cookie": "theme=dark"},
        # Django ignores it (USE_X_FORWARDED_HOST is off): testserver's page.
        {"x-forwarded-host": "evil.example"},
    ],
)
def test_a_reader_with_other_headers_gets_the_hit(brief, django_app, entry, headers):
    path = brief.get_absolute_url()
    stored(django_app, path)

    _, sent, _ = call(entry, environ_for(path, **headers))

    assert ("X-Cache", "hit") in sent
    assert django_app.calls == 1


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("POST", "detail", ""),
        ("OPTIONS", "detail", ""),
        ("GET", "/search/", "q=trade"),
        ("GET", "detail", "q=%00"),
        ("GET", "/tags/trade/", "page=x"),
    ],
)
def test_what_the_cache_does_not_answer_goes_to_django(
    brief, django_app, entry, method, path, query
):
    stored(django_app, brief.get_absolute_url())
    stored(django_app, "/tags/trade/")
    environ = environ_for(url_of(path, brief), method) | {"QUERY_STRING": query}

    call(entry, environ)

    assert django_app.calls == 3


def test_a_redis_that_fails_leaves_the_page_to_django(brief, django_app, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1.
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    path = brief.get_absolute_url()

    status, headers, _ = call(PageCacheApplication(django_app), environ_for(path))

    assert status == "200 OK"
    assert django_app.calls == 1


def test_a_hit_at_the_entry_writes_the_log_line_of_the_middlewares_hit(
    brief, django_app, entry, caplog
):
    path = brief.get_absolute_url()
    stored(django_app, path)
    headers = {"user-agent": "probe/1.0", "x-forwarded-for": "203.0.113.5"}
    with caplog.at_level(logging.INFO, logger="newsroom.requests"):
        caplog.clear()
        call(
            django_app, environ_for(path, **headers) | {"QUERY_STRING": "utm_source=x"}
        )
        call(entry, environ_for(path, **headers) | {"QUERY_STRING": "utm_source=x"})

    from_middleware, from_entry = (
        json.loads(JsonFormatter().format(record))
        for record in caplog.records
        if record.name == "newsroom.requests"
    )
    assert list(from_entry) == list(from_middleware)
    changed = {key for key in from_entry if from_entry[key] != from_middleware[key]}
    assert changed <= {"time", "duration_ms"}
    assert (from_entry["path"], from_entry["query"], from_entry["status"]) == (
        path,
        "utm_source=x",
        200,
    )
    assert from_entry["bytes"] > 0


def test_the_entry_refuses_middleware_above_the_cache_it_does_not_do(settings):
    settings.MIDDLEWARE = [
        "django.middleware.gzip.GZipMiddleware",
        *settings.MIDDLEWARE,
    ]

    with pytest.raises(ImproperlyConfigured):
        PageCacheApplication(WSGIHandler())


def test_the_sites_wsgi_application_is_the_entry():
    from newsroom import wsgi

    assert isinstance(wsgi.application, PageCacheApplication)
