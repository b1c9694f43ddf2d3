"""The read-only JSON API and its OpenAPI document."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.urls import get_resolver, resolve
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from briefs import api
from briefs.ingest.exporting import brief_to_dict
from briefs.models import Brief, Correction, Tag
from tests.factories import draft_brief, published_brief, scheduled_brief

pytestmark = pytest.mark.django_db

LIST = "/api/briefs/"


def detail_url(brief: Brief) -> str:
    return f"/api/briefs/{brief.slug}/"


def get_json(client, url: str, status: int = 200, **headers) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def assert_bad(client, url: str, parameter: str) -> str:
    body = get_json(client, url, status=400)
    assert body["error"]["parameter"] == parameter
    assert body["error"]["message"]
    return body["error"]["message"]


# --- What readers may see ----------------------------------------------------


def test_only_published_briefs_are_listed_newest_first(client):
    now = timezone.now()
    older = published_brief(title="Older", published_at=now - dt.timedelta(days=2))
    newer = published_brief(title="Newer", published_at=now - dt.timedelta(hours=1))
    draft_brief(title="A draft")
    scheduled_brief(title="Scheduled")
    Brief.objects.create(title="Archived", status=Brief.Status.ARCHIVED)

    body = get_json(client, LIST)

    assert body["count"] == 2
    assert [item["slug"] for item in body["results"]] == [newer.slug, older.slug]
    assert body["next"] is None
    assert body["previous"] is None


def test_a_brief_is_the_export_format_plus_url_and_updated_at(client):
    brief = published_brief(
        title="Water talks",
        tags=("Water",),
        source_path="seeds/x.txt",
        source_sha256="ab" * 32,
    )

    item = get_json(client, detail_url(brief))

    exported = brief_to_dict(Brief.objects.with_outline().get(pk=brief.pk))
    assert item == {
        **exported,
        "url": f"http://testserver/briefs/{brief.slug}/",
        "updated_at": item["updated_at"],
    }
    assert item["source"] == {"path": "seeds/x.txt", "sha256": "ab" * 32}
    assert item["sections"][1]["tags"] == ["Trade"]
    assert get_json(client, LIST)["results"] == [item]


@pytest.mark.parametrize("make", [draft_brief, scheduled_brief])
def test_unpublished_briefs_are_a_json_404_like_a_missing_slug(client, make):
    hidden = make(title="Not yet")

    unpublished = get_json(client, detail_url(hidden), status=404)
    missing = get_json(client, "/api/briefs/no-such-brief/", status=404)

    assert unpublished == missing
    assert unpublished["error"]["parameter"] is None
    assert "Not yet" not in json.dumps(unpublished)


def test_non_ascii_slugs_and_text_come_back_intact(client):
    brief = published_brief(title="Переговоры в Женеве")

    item = get_json(client, f"/api/briefs/{brief.slug}/")

    assert item["title"] == "Переговоры в Женеве"
    assert item["url"].startswith("http://testserver/briefs/")


# --- Pages -------------------------------------------------------------------


def make_many(n: int) -> list[Brief]:
    """``n`` published briefs, newest first."""
    now = timezone.now()
    return [
        published_brief(published_at=now - dt.timedelta(minutes=m)) for m in range(n)
    ]


def test_pages_link_to_each_other_with_absolute_urls(client, monkeypatch):
    monkeypatch.setattr(api, "PAGE_SIZE", 2)
    briefs = make_many(5)

    first = get_json(client, LIST)
    second = get_json(client, first["next"])
    third = get_json(client, second["next"])

    assert first["count"] == second["count"] == third["count"] == 5
    assert first["next"] == "http://testserver/api/briefs/?page=2"
    assert second["previous"] == "http://testserver/api/briefs/"
    assert third["previous"] == "http://testserver/api/briefs/?page=2"
    assert third["next"] is None
    slugs = [
        item["slug"] for page in (first, second, third) for item in page["results"]
    ]
    assert slugs == [brief.slug for brief in briefs]


def test_page_links_keep_the_filters(client, monkeypatch):
    monkeypatch.setattr(api, "PAGE_SIZE", 1)
    for _ in range(2):
        published_brief(tags=("Water",))

    first = get_json(client, f"{LIST}?tag=water&updated_since=2000-01-01")

    query = parse_qs(urlsplit(first["next"]).query)
    assert query == {"tag": ["water"], "updated_since": ["2000-01-01"], "page": ["2"]}


def test_an_empty_list_is_an_empty_first_page(client):
    draft_brief()

    assert get_json(client, LIST) == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "", "²", "3"])
def test_a_bad_or_missing_page_is_a_400(client, monkeypatch, page):
    monkeypatch.setattr(api, "PAGE_SIZE", 2)
    make_many(3)

    assert_bad(client, f"{LIST}?page={page}", "page")


# --- Filters -----------------------------------------------------------------


def test_tag_matches_the_brief_or_any_of_its_sections(client):
    on_brief = published_brief(tags=("Water",), sections=(("", "Text.", ()),))
    on_section = published_brief(sections=(("Rivers", "Text.", ("Water",)),))
    on_both = published_brief(tags=("Water",), sections=(("", "T.", ("Water",)),))
    published_brief(tags=("Trade",))
    draft_brief(tags=("Water",))

    body = get_json(client, f"{LIST}?tag=water")

    assert body["count"] == 3
    assert {item["slug"] for item in body["results"]} == {
        on_brief.slug,
        on_section.slug,
        on_both.slug,
    }


def test_a_tag_only_drafts_use_looks_exactly_like_no_tag(client):
    published_brief(tags=("Trade",))
    draft_brief(tags=("Secret plan",))
    assert Tag.objects.filter(slug="secret-plan").exists()

    used_by_drafts = client.get(f"{LIST}?tag=secret-plan")
    unknown = client.get(f"{LIST}?tag=no-such-tag")

    assert used_by_drafts.status_code == unknown.status_code == 200
    assert (
        used_by_drafts.json()
        == unknown.json()
        == {
            "count": 0,
            "next": None,
            "previous": None,
            "results": [],
        }
    )


def test_tag_takes_unicode_slugs(client):
    brief = published_brief(tags=("Économie",))
    slug = Tag.objects.get(name="Économie").slug

    body = get_json(client, f"{LIST}?tag={slug}")

    assert [item["slug"] for item in body["results"]] == [brief.slug]


def set_updated_at(brief: Brief, moment: dt.datetime) -> None:
    Brief.objects.filter(pk=brief.pk).update(updated_at=moment)


def test_updated_since_keeps_briefs_updated_at_or_after_it(client):
    published = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    before = published_brief(published_at=published)
    exactly = published_brief(published_at=published)
    after = published_brief(published_at=published)
    set_updated_at(before, dt.datetime(2025, 3, 14, 9, 29, 59, tzinfo=dt.UTC))
    set_updated_at(exactly, dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.UTC))
    set_updated_at(after, dt.datetime(2025, 3, 15, tzinfo=dt.UTC))

    def slugs(value: str) -> set[str]:
        body = client.get(LIST, {"updated_since": value}).json()
        return {item["slug"] for item in body["results"]}

    assert slugs("2025-03-14T09:30:00Z") == {exactly.slug, after.slug}
    assert slugs("2025-03-14T09:30:00") == {exactly.slug, after.slug}  # naive: UTC
    assert slugs("2025-03-14T11:30:00+02:00") == {exactly.slug, after.slug}
    assert slugs("2025-03-14T09:30:00.000001+00:00") == {after.slug}
    assert slugs("2025-03-14") == {before.slug, exactly.slug, after.slug}
    assert slugs("2025-03-15") == {after.slug}
    assert slugs("2025-03-16") == set()


def test_updated_at_counts_a_scheduled_brief_from_when_it_went_live(client):
    """A brief saved on Monday, scheduled for Wednesday, is news on Wednesday."""
    now = timezone.now().replace(microsecond=0)
    went_live = now - dt.timedelta(hours=1)
    brief = published_brief(published_at=went_live)
    set_updated_at(brief, now - dt.timedelta(days=2))

    body = client.get(
        LIST, {"updated_since": (now - dt.timedelta(hours=2)).isoformat()}
    ).json()

    assert [item["slug"] for item in body["results"]] == [brief.slug]
    assert body["results"][0]["updated_at"] == went_live.isoformat()


@pytest.mark.parametrize(
    "value", ["yesterday", "2025-13-01", "2025-03-14T25:00", "14/03/2025", ""]
)
def test_a_malformed_updated_since_is_a_400(client, value):
    published_brief()

    assert_bad(client, f"{LIST}?updated_since={value}", "updated_since")


def test_an_unencoded_plus_in_an_offset_gets_a_hint(client):
    message = assert_bad(
        client, f"{LIST}?updated_since=2025-03-14T09:30:00+02:00", "updated_since"
    )

    assert "%2B" in message


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("tags=water", "tags"),
        ("updated-since=2025-01-01", "updated-since"),
        ("tag=", "tag"),
        ("tag=water&tag=trade", "tag"),
        ("page=1&page=2", "page"),
    ],
)
def test_unknown_empty_or_repeated_parameters_are_a_400(client, query, parameter):
    assert_bad(client, f"{LIST}?{query}", parameter)


def test_a_brief_takes_no_parameters(client):
    brief = published_brief()

    assert_bad(client, f"{detail_url(brief)}?format=xml", "format")


# --- Methods, ETags ----------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_get_and_head_are_allowed(client, document, method):
    brief = published_brief()
    for path, url in (
        (LIST, LIST),
        ("/api/briefs/{slug}/", detail_url(brief)),
        ("/api/openapi.json", "/api/openapi.json"),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 405
        assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}
        assert response["Content-Type"] == "application/json"
        check(response.json(), document, path, 405)


def test_head_answers_with_the_same_etag_as_get(client):
    brief = published_brief()
    for url in (LIST, detail_url(brief), "/api/openapi.json"):
        head = client.head(url)
        assert head.status_code == 200
        assert head["ETag"] == client.get(url)["ETag"]


@pytest.mark.parametrize("url", [LIST, "detail", "/api/openapi.json"])
def test_if_none_match_with_the_current_etag_is_a_304(client, url):
    brief = published_brief()
    url = detail_url(brief) if url == "detail" else url

    first = client.get(url)
    etag = first["ETag"]
    again = client.get(url, headers={"if-none-match": etag})
    weak = client.get(url, headers={"if-none-match": f'"other", W/{etag}'})
    star = client.get(url, headers={"if-none-match": "*"})
    stale = client.get(url, headers={"if-none-match": '"something-else"'})

    assert etag.startswith('"') and etag.endswith('"')
    assert first["Cache-Control"] == "no-cache"
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert weak.status_code == star.status_code == 304
    assert stale.status_code == 200
    assert stale.content == first.content


def test_the_etag_changes_with_anything_in_the_body(client):
    """Even a renamed tag, which leaves every brief's own timestamps alone."""
    brief = published_brief(tags=("Water",))
    list_etag = client.get(LIST)["ETag"]
    detail_etag = client.get(detail_url(brief))["ETag"]
    updated_at = Brief.objects.get(pk=brief.pk).updated_at

    Tag.objects.filter(name="Water").update(name="Fresh water")

    assert Brief.objects.get(pk=brief.pk).updated_at == updated_at
    assert client.get(LIST, headers={"if-none-match": list_etag}).status_code == 200
    renamed = client.get(detail_url(brief), headers={"if-none-match": detail_etag})
    assert renamed.status_code == 200
    assert renamed.json()["tags"] == ["Fresh water"]


def test_a_brief_going_live_changes_the_list_etag(client):
    published_brief()
    etag = client.get(LIST)["ETag"]
    scheduled = scheduled_brief()

    assert client.get(LIST, headers={"if-none-match": etag}).status_code == 304
    Brief.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(LIST, headers={"if-none-match": etag}).status_code == 200


def test_errors_carry_no_etag(client):
    response = client.get("/api/briefs/missing/")
    bad = client.get(f"{LIST}?page=x")

    assert response.status_code == 404
    assert bad.status_code == 400
    assert not response.has_header("ETag")
    assert not bad.has_header("ETag")


# --- The OpenAPI document ----------------------------------------------------
#
# Real responses are checked against the served document with jsonschema
# (OpenAPI 3.1 schemas are JSON Schema 2020-12), not with the pydantic models
# that generate it: checking the models against themselves would pass however
# wrong the document was. What clients read is what is checked.

DOCUMENT_URI = "urn:newsroom:openapi"
FORMATS = FormatChecker()  # date-time is RFC 3339 (rfc3339-validator)


@FORMATS.checks("uri")
def is_absolute_url(value: object) -> bool:
    if not isinstance(value, str):
        return True  # a format says nothing about other types
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def response_validator(document: dict, path: str, status: int) -> Draft202012Validator:
    """A validator for the JSON body the document promises for ``path`` and
    ``status``; its $refs resolve inside the document."""
    where = ("paths", path, "get", "responses", str(status), "content")
    where += ("application/json", "schema")
    node = document
    for key in where:
        node = node[key]  # a KeyError here: the document promises no such body
    pointer = "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in where)
    registry = Registry().with_resource(
        DOCUMENT_URI, Resource(contents=document, specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#{pointer}"},
        registry=registry,
        format_checker=FORMATS,
    )


def check(instance: Any, document: dict, path: str, status: int) -> None:
    response_validator(document, path, status).validate(instance)


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_the_document_is_openapi_3_1_and_every_ref_resolves(document):
    assert document["openapi"] == "3.1.0"
    assert {"title", "version"} <= set(document["info"])

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    names = set(document["components"]["schemas"])
    found = list(refs(document))
    assert found
    for ref in found:
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in names


def test_the_documented_paths_are_exactly_the_api_routes(document):
    routes = {
        "/" + str(pattern.pattern).replace("<slug>", "{slug}"): pattern.callback
        for pattern in get_resolver("briefs.urls").url_patterns
        if str(pattern.pattern).startswith("api/")
    }
    assert set(document["paths"]) == set(routes)
    for path, view in routes.items():
        assert resolve(path.replace("{slug}", "some-slug")).func is view
        operation = document["paths"][path]
        assert set(operation) == {"get"}  # GET only; HEAD comes with it
        declared = {p["name"] for p in operation["get"].get("parameters", [])}
        placeholders = {"slug"} if "{slug}" in path else set()
        assert placeholders <= declared


def test_the_documented_list_parameters_are_the_ones_the_view_takes(document):
    parameters = document["paths"]["/api/briefs/"]["get"]["parameters"]
    query = {p["name"] for p in parameters if p["in"] == "query"}
    assert (
        query
        == set(api.ListParameters.model_fields)
        == {
            "page",
            "tag",
            "updated_since",
        }
    )


def test_the_brief_schema_has_every_export_key_and_requires_them(document, client):
    brief = published_brief()
    exported = brief_to_dict(Brief.objects.with_outline().get(pk=brief.pk))
    schema = document["components"]["schemas"]["Brief"]

    assert set(schema["properties"]) == set(exported) | {"url", "updated_at"}
    assert set(schema["required"]) == set(schema["properties"])


def test_real_responses_match_the_schemas(client, document):
    call_command("import_seeds", stdout=io.StringIO())
    brief = published_brief(tags=("Water",), source_url="https://example.org/a")
    Correction.objects.create(brief=brief, kind="correction", note="Fixed.")
    assert Brief.objects.published().count() == 2

    listing = get_json(client, LIST)
    check(listing, document, "/api/briefs/", 200)
    sources = [item["source"] for item in listing["results"]]
    assert None in sources and any(sources)  # both branches of Source | null
    assert any(item["corrections"] for item in listing["results"])
    for item in listing["results"]:
        one = get_json(client, f"/api/briefs/{item['slug']}/")
        check(one, document, "/api/briefs/{slug}/", 200)
    check(document, document, "/api/openapi.json", 200)

    bad = get_json(client, f"{LIST}?page=x", status=400)
    check(bad, document, "/api/briefs/", 400)
    assert bad["error"]["parameter"] == "page"
    # Refused before the view (newsroom.middleware), in the same shape.
    nul = get_json(client, f"{LIST}?tag=%00", status=400)
    check(nul, document, "/api/briefs/", 400)
    assert nul["error"]["parameter"] == "tag"
    missing = get_json(client, "/api/briefs/nope/", status=404)
    check(missing, document, "/api/briefs/{slug}/", 404)
    assert missing["error"]["parameter"] is None


def test_the_schema_check_catches_a_response_that_drifts(client, document):
    brief = published_brief(source_path="seeds/x.txt", source_sha256="ab" * 32)
    Correction.objects.create(brief=brief, kind="update", note="New figures.")
    item = get_json(client, detail_url(brief))
    validator = response_validator(document, "/api/briefs/{slug}/", 200)
    assert validator.is_valid(item)

    broken = [
        {key: value for key, value in item.items() if key != "title"},
        {**item, "surprise": 1},
        {**item, "published_at": None},
        {**item, "published_at": "2025-03-14"},
        {**item, "updated_at": "yesterday"},
        {**item, "status": "draft"},
        {**item, "url": "/relative/"},
        {**item, "version": 0},
        {**item, "source": {"path": "x"}},
        {**item, "sections": [{**item["sections"][0], "tags": "Trade"}]},
        {**item, "corrections": [{**item["corrections"][0], "kind": "typo"}]},
    ]
    for instance in broken:
        assert not validator.is_valid(instance), instance
    page = response_validator(document, "/api/briefs/", 200)
    empty = {"count": 0, "next": None, "previous": None, "results": []}
    assert page.is_valid(empty)
    assert not page.is_valid({**empty, "next": "?page=2"})
    assert not page.is_valid({**empty, "count": -1})
    error = response_validator(document, "/api/briefs/", 400)
    assert not error.is_valid({"error": {"message": "No parameter key."}})
