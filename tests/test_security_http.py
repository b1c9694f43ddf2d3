"""Hostile addresses: every route answers 404 or 400, never a 5xx, on either database.

The routes are enumerated from the URLconf, so a new route joins the matrix
by itself. Each gets hostile text in every placeholder of its path, and on
its real address hostile values for every parameter any page understands.
PostgreSQL refuses a NUL in text and time-zone offsets past ±15:59 that
Python accepts; SQLite overflows on dates that an offset pushes outside
years 1 to 9999. None of these may reach a database as a 500.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from briefs.models import Tag
from tests.factories import published_brief

pytestmark = pytest.mark.django_db

# Placeholders the routes are reversed with, then replaced by hostile text.
SLUG, NUMBER = "PLACEHOLDER-SLUG", 424242

TEN_THOUSAND = "a" * 10_000
# Raw, as sent on the wire: percent-encoded bytes that are not UTF-8 stay so.
HOSTILE_TEXT = [
    "%00",
    "x%00y",
    "%ED%A0%80",  # a lone surrogate, U+D800, in UTF-8 form
    "%ED%BF%BFx",  # another, U+DFFF
    "%C0%AF",  # "/" in overlong UTF-8
    "%C0%AE%C0%AE",  # ".." in overlong UTF-8
    "%F4%90%80%80",  # past U+10FFFF
    "%FF%FE",
    "%EF%BF%BE",  # U+FFFE, which XML cannot carry
    "%E2%80%8F",  # right-to-left mark
    "%E2%80%AEtxt.exe",  # right-to-left override
    "..",
    "%2E%2E",
    "..%2F..%2Fetc%2Fpasswd",
    "%0D%0ALocation:%20x",
    TEN_THOUSAND,
]
HOSTILE_NUMBERS = ["0", "99999999999999999999999", "9" * 400]
OFFSETS = [
    "2025-01-01T00:00:00%2B24:00",
    "2025-01-01T00:00:00-24:00",
    "2025-01-01T00:00:00%2B16:00",
    "2025-01-01T00:00:00-16:00",
    "2025-01-01T00:00:00%2B23:59",
    "2025-01-01T00:00:00-23:59:59.999999",
    "0001-01-01T00:00:00%2B01:00",
    "0001-01-01",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.999999",
]
# Cookie headers: a quoted cookie spells any byte as an octal escape.
HOSTILE_COOKIES = (
    'sessionid="abcdefgh\\000ijkl"',
    'csrftoken="\\000"; sessionid="\\000\\000\\000\\000\\000\\000\\000\\000"',
    'messages="\\000"',
    f"sessionid={TEN_THOUSAND}",
    'sessionid="\\377\\376\\355\\240\\200abcdef"',
)
# Every parameter some page understands, and names no page does.
PARAMETERS = ["page", "tag", "q", "kind", "updated_since"]
HOSTILE_NAMES = ["%00", "%ED%A0%80", "..", TEN_THOUSAND]


def named_routes(resolver: URLResolver, namespace: str = "") -> list[tuple[str, set]]:
    """(name, its placeholders) for every named route outside the admin."""
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # the admin answers staff only; see the autocomplete test
            prefix = f"{entry.namespace}:" if entry.namespace else namespace
            found += named_routes(entry, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((namespace + entry.name, set(entry.pattern.converters)))
    return found


ROUTES = dict(named_routes(get_resolver()))


def test_the_matrix_covers_every_public_route():
    """A broken enumeration would make the matrix below pass by testing nothing."""
    assert set(ROUTES) >= {
        "healthz",
        "briefs:index",
        "briefs:detail",
        "briefs:versions",
        "briefs:version",
        "briefs:tags",
        "briefs:tag",
        "briefs:search",
        "briefs:feed-atom",
        "briefs:feed-rss",
        "briefs:tag-feed-atom",
        "briefs:tag-feed-rss",
        "briefs:sitemap",
        "briefs:sitemap-section",
        "briefs:robots",
        "briefs:api-briefs",
        "briefs:api-brief",
        "briefs:api-openapi",
    }
    assert all(
        placeholders <= {"slug", "number", "section"}
        for placeholders in ROUTES.values()
    )


def route_template(name: str) -> str:
    kwargs = {"slug": SLUG, "number": NUMBER, "section": "briefs"}
    return reverse(name, kwargs={k: kwargs[k] for k in ROUTES[name]} or None)


def hostile_paths(name: str) -> list[str]:
    template = route_template(name)
    paths = []
    if SLUG in template:
        paths += [template.replace(SLUG, text) for text in HOSTILE_TEXT]
    if str(NUMBER) in template:
        paths += [
            template.replace(str(NUMBER), number).replace(SLUG, "real-brief")
            for number in HOSTILE_NUMBERS
        ]
    return paths


def hostile_queries() -> list[str]:
    queries = [
        f"{name}={value}"
        for name in PARAMETERS
        for value in [*HOSTILE_TEXT, "99999999999999999999", "-1"]
    ]
    queries += [f"updated_since={value}" for value in OFFSETS]
    queries += [f"{name}=1" for name in HOSTILE_NAMES]
    queries += ["page=1&page=%00", "%00", "&&&=&=", "q=%", "q=%ZZ"]
    return queries


@pytest.fixture
def site():
    """One published brief with slug ``real-brief``, tag ``water`` and
    author ``ayesha-khan``: real pages."""
    published_brief(slug="real-brief", tags=("Water",), authors=("Ayesha Khan",))
    assert Tag.objects.filter(slug="water").exists()


def real_path(name: str) -> str:
    """The route's address for the ``site`` fixture's brief, tag or author."""
    template = route_template(name)
    slug = (
        "water"
        if "/tags/" in template
        else "ayesha-khan"
        if "/authors/" in template
        else "real-brief"
    )
    return template.replace(SLUG, slug).replace(str(NUMBER), "1")


def server_errors(
    client: Client, urls: list[str], cookies: tuple[str, ...] = ()
) -> list[tuple[int, str]]:
    """(status, url and cookie shortened) for every request answered with a 5xx."""
    client.raise_request_exception = False  # list every failure, not the first
    failures = []
    for url in urls:
        for cookie in [None, *cookies]:
            headers = {"cookie": cookie} if cookie else {}
            response = client.get(url, headers=headers)
            if response.status_code >= 500:
                failures.append((response.status_code, f"{url[:120]} {cookie or ''}"))
    return failures


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_no_hostile_path_or_query_is_a_server_error(client, site, name):
    real = real_path(name)
    assert client.get(real).status_code == 200, real
    urls = hostile_paths(name) + [f"{real}?{query}" for query in hostile_queries()]

    failures = server_errors(client, urls) + server_errors(
        client, [real], cookies=HOSTILE_COOKIES
    )
    assert not failures, "\n".join(f"{status} {url}" for status, url in failures)


def test_no_hostile_query_makes_the_tag_autocomplete_a_server_error(editor, site):
    client = Client()
    client.force_login(editor)
    url = reverse("admin:briefs_tag_autocomplete")
    assert client.get(url, {"q": "wat"}).json() == {"results": ["Water"]}

    urls = [f"{url}?{query}" for query in hostile_queries()]

    failures = server_errors(client, urls)
    assert not failures, "\n".join(f"{status} {url}" for status, url in failures)


# --- What the refusals are ---------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/briefs/x%00y/",
        "/tags/x%00y/",
        "/feeds/tags/x%00y.atom",
        "/feeds/tags/x%00y.rss",
        "/briefs/%00/versions/",
    ],
)
def test_a_nul_in_the_path_is_a_404_before_any_query(
    client, path, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")


def test_a_nul_in_an_api_path_is_the_apis_json_404(client):
    response = client.get("/api/briefs/x%00y/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["parameter"] is None


@pytest.mark.parametrize(
    "query",
    ["tag=%00", "q=a%00b", "%00=1", "page=%ED%A0%80", "q=%C0%AF", "kind=%FF"],
)
def test_a_query_string_with_a_nul_or_not_utf8_is_a_400(
    client, query, django_assert_num_queries
):
    with django_assert_num_queries(0):
        page = client.get(f"/tags/?{query}")
        api = client.get(f"/api/briefs/?{query}")

    assert page.status_code == api.status_code == 400
    assert page["Content-Type"].startswith("text/plain")
    assert api["Content-Type"] == "application/json"
    assert api.json()["error"]["message"]


def test_the_tag_autocomplete_refuses_a_nul(editor):
    client = Client()
    client.force_login(editor)

    response = client.get(reverse("admin:briefs_tag_autocomplete"), {"q": "\x00"})

    assert response.status_code == 400


def test_a_session_cookie_with_a_nul_is_ignored_like_any_unusable_one(client, site):
    """A quoted cookie spells NUL as \\000; PostgreSQL was a 500 on the
    session look-up. The reader gets the page, not logged in."""
    cookie = 'sessionid="abcdefgh\\000ijkl"'

    response = client.get("/briefs/real-brief/", headers={"cookie": cookie})

    assert response.status_code == 200
    assert response.wsgi_request.user.is_anonymous


def test_the_refusals_carry_the_security_headers(client):
    for response in (client.get("/briefs/x%00y/"), client.get("/?q=%00")):
        assert response.has_header("Content-Security-Policy")
        assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("sent", "seen"),
    [
        ("/briefs/%ED%A0%80/", "/briefs/%ED%A0%80/"),
        ("/briefs/%C0%AF/", "/briefs/%C0%AF/"),
        ("/briefs/a%FFb/", "/briefs/a%FFb/"),
    ],
)
def test_django_re_percent_encodes_a_path_that_is_not_utf8(client, sent, seen):
    """Such a path reaches the views as plain ASCII text, so it needs no refusal
    of its own: it names no brief, like any other unknown address."""
    response = client.get(sent)

    assert response.status_code == 404
    assert response.wsgi_request.path == seen


def test_ordinary_unicode_and_percent_signs_still_work(client):
    brief = published_brief(title="Économie et « sécurité »")

    assert client.get(brief.get_absolute_url()).status_code == 200
    assert client.get("/search/", {"q": "100% économie"}).status_code == 200
    assert client.get("/api/briefs/", {"tag": "économie"}).status_code == 200
