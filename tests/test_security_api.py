"""The API's surface: no server paths, methods refused as the document says,
a valid OpenAPI document, and time-zone offsets no database error can follow."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver, reverse
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from briefs.models import Brief
from tests.factories import published_brief
from tests.people import client_for

pytestmark = pytest.mark.django_db

LIST = "/api/briefs/"


def api_source(client: Client, brief: Brief) -> dict:
    response = client.get(f"/api/briefs/{brief.slug}/")
    assert response.status_code == 200
    listed = {item["slug"]: item for item in client.get(LIST).json()["results"]}
    assert listed[brief.slug]["source"] == response.json()["source"]
    return response.json()["source"]


# --- source.path -------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("seeds/agency-feed-2025.txt", "seeds/agency-feed-2025.txt"),
        ("/srv/wire/drop/agency-feed-2025.txt", "agency-feed-2025.txt"),
        ("/etc/passwd", "passwd"),
        ("../outside/agency-feed-2025.txt", "agency-feed-2025.txt"),
        ("seeds/../../x/agency-feed-2025.txt", "agency-feed-2025.txt"),
        (
            f"{settings.BASE_DIR}/seeds/agency-feed-2025.txt",
            "seeds/agency-feed-2025.txt",
        ),
        (f"{settings.BASE_DIR}/../agency-feed-2025.txt", "agency-feed-2025.txt"),
        (f"{settings.BASE_DIR}-old/seeds/agency-feed-2025.txt", "agency-feed-2025.txt"),
    ],
)
def test_the_api_shows_a_source_relative_to_the_project_or_only_its_name(
    client, stored, shown
):
    brief = published_brief(source_path=stored, source_sha256="ab" * 32)

    assert api_source(client, brief) == {"path": shown, "sha256": "ab" * 32}


def test_a_file_imported_from_outside_the_project_shows_its_name_but_exports_in_full(
    client, seed_copy
):
    call_command("import_seeds", str(seed_copy), stdout=io.StringIO())
    brief = Brief.objects.get()
    assert brief.source_path == seed_copy.resolve().as_posix()

    shown = api_source(client, brief)["path"]
    out = io.StringIO()
    call_command("export_briefs", stdout=out)

    assert shown == seed_copy.name
    assert str(seed_copy.parent) not in client.get(LIST).content.decode()
    assert json.loads(out.getvalue())[0]["source"]["path"] == brief.source_path


# --- Methods -----------------------------------------------------------------


API_ROUTES = [
    reverse(
        f"briefs:{p.name}",
        kwargs={"slug": "a-brief"} if "slug" in str(p.pattern) else None,
    )
    for p in get_resolver("briefs.urls").url_patterns
    if str(p.pattern).startswith("api/")
]


def test_every_api_route_is_in_the_method_tests():
    assert set(API_ROUTES) == {
        "/api/briefs/",
        "/api/briefs/a-brief/",
        "/api/openapi.json",
    }


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("url", API_ROUTES)
def test_unsafe_methods_are_the_apis_json_405_even_without_a_csrf_token(method, url):
    """Not Django's HTML CSRF page: the document promises a 405, and the views
    write nothing whatever the method, so there is nothing to forge."""
    published_brief(slug="a-brief")
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(url, "{}", content_type="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"parameter": None, "message": "Only GET and HEAD are allowed."}
    }


def test_a_logged_in_editors_cookie_does_not_make_a_post_do_anything(editor):
    client = client_for(editor)
    client.handler.enforce_csrf_checks = True
    brief = published_brief(slug="a-brief")
    before = Brief.objects.values().get(pk=brief.pk)

    response = client.post("/api/briefs/a-brief/", {"title": "Forged"})

    assert response.status_code == 405
    assert Brief.objects.values().get(pk=brief.pk) == before


def test_get_and_head_still_work_with_csrf_checks_on():
    brief = published_brief()
    client = Client(enforce_csrf_checks=True)

    assert client.get(f"/api/briefs/{brief.slug}/").status_code == 200
    assert client.head(LIST).status_code == 200


# --- The OpenAPI document ----------------------------------------------------


def test_the_served_openapi_document_passes_the_validator(client):
    document = json.loads(client.get("/api/openapi.json").content)

    validate(document, cls=OpenAPIV31SpecValidator)


def test_the_document_promises_the_405_the_api_gives(client):
    document = json.loads(client.get("/api/openapi.json").content)

    for path, operations in document["paths"].items():
        refused = operations["get"]["responses"]["405"]
        assert refused["headers"]["Allow"]["schema"] == {"type": "string"}, path
        schema = refused["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, path


# --- updated_since -----------------------------------------------------------


def brief_updated_at(moment: dt.datetime) -> Brief:
    brief = published_brief(published_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    Brief.objects.filter(pk=brief.pk).update(updated_at=moment)
    return brief


@pytest.mark.parametrize(
    ("offset", "utc"),
    [
        ("+16:00", dt.datetime(2025, 3, 13, 17, 30, tzinfo=dt.UTC)),
        ("-16:00", dt.datetime(2025, 3, 15, 1, 30, tzinfo=dt.UTC)),
        ("+23:59", dt.datetime(2025, 3, 13, 9, 31, tzinfo=dt.UTC)),
        ("-23:59", dt.datetime(2025, 3, 15, 9, 29, tzinfo=dt.UTC)),
    ],
)
def test_offsets_postgresql_cannot_take_are_compared_in_utc(client, offset, utc):
    """Python reads offsets up to ±23:59; PostgreSQL stops at ±15:59."""
    earlier = brief_updated_at(utc - dt.timedelta(seconds=1))
    exactly = brief_updated_at(utc)

    response = client.get(LIST, {"updated_since": f"2025-03-14T09:30:00{offset}"})

    assert response.status_code == 200
    slugs = {item["slug"] for item in response.json()["results"]}
    assert slugs == {exactly.slug}
    assert earlier.slug not in slugs


@pytest.mark.parametrize(
    "value",
    [
        "2025-03-14T09:30:00+24:00",
        "2025-03-14T09:30:00-24:00",
        # Valid text whose UTC time falls outside years 1 to 9999.
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
    ],
)
def test_offsets_out_of_range_are_the_apis_400(client, value):
    response = client.get(LIST, {"updated_since": value})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["parameter"] == "updated_since"


def test_the_first_and_last_moments_are_still_answered(client):
    brief_updated_at(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))

    first = client.get(LIST, {"updated_since": "0001-01-01"})
    last = client.get(LIST, {"updated_since": "9999-12-31T23:59:59.999999Z"})

    assert first.status_code == last.status_code == 200
    assert first.json()["count"] == 1
    assert last.json()["count"] == 0
