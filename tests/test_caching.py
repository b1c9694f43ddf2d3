"""The page cache: readers get stored pages until anything they show changes.

Every public page but search is cached (briefs/caching/). Any change a
reader could see, whichever way it is made (an admin save, an import, a
re-tag, a status change, a tag merge), shows on the very next request; a
scheduled brief shows when its moment comes; staff never share pages with
readers; a new release never serves the old one's pages; conditional
requests get a 304; and a cache that is down never breaks a page.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from briefs import caching
from briefs.editorial import workflow
from briefs.ingest.importing import import_document
from briefs.models import Brief, Tag, TagRedirect
from briefs.tagging.merging import merge_tags
from briefs.tagging.retagging import retag_briefs
from tests.admin_forms import assert_saved, change_url, form_data
from tests.factories import draft_brief, make_brief, published_brief, scheduled_brief
from tests.services import redis_or_skip
from tests.test_settings import settings_in

pytestmark = pytest.mark.django_db

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
# The sitemap that lists briefs (/sitemap.xml is the index of the sitemaps).
SITEMAP = "/sitemap-briefs.xml"


def public_urls(brief: Brief) -> list[str]:
    return [
        "/",
        brief.get_absolute_url(),
        f"{brief.get_absolute_url()}versions/",
        f"{brief.get_absolute_url()}versions/1/",
        "/tags/",
        "/tags/?kind=topic",
        "/tags/trade/",
        "/feeds/briefs.atom",
        "/feeds/briefs.rss",
        "/feeds/tags/trade.atom",
        "/feeds/tags/trade.rss",
        "/sitemap.xml",
        SITEMAP,
        "/robots.txt",
    ]


def queries_for(client: Client, url: str, **kwargs) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    return len(queries), response


def stored_pages() -> set[str]:
    """The keys of the pages in the test cache (local memory, read directly)."""
    return {key for key in cache._cache if ":newsroom:page:" in key}


# --- Hits ---------------------------------------------------------------------


def test_a_second_request_is_served_from_the_cache_with_no_query(
    client, brief, django_assert_num_queries
):
    for url in public_urls(brief):
        first = client.get(url)
        assert first.status_code == 200, url

        with django_assert_num_queries(0):
            again = client.get(url)

        assert again.content == first.content, url
        assert again["ETag"] == first["ETag"], url
        assert again["Content-Type"] == first["Content-Type"], url


@pytest.mark.parametrize("seconds", [3600, 0], ids=["cached", "not cached"])
def test_cached_pages_are_byte_for_byte_what_the_view_renders(
    client, brief, settings, seconds
):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = seconds
    for url in public_urls(brief):
        client.get(url)
        served = client.get(url)
        with override_settings(NEWSROOM_PAGE_CACHE_SECONDS=0):
            rendered = client.get(url)

        assert served.content == rendered.content, url
        assert served["ETag"] == rendered["ETag"], url
        for header in ("Content-Type", "X-Robots-Tag", "Vary"):
            assert served.get(header) == rendered.get(header), (url, header)


def test_readers_get_public_validators_and_vary_on_cookie(client, brief):
    response = client.get(brief.get_absolute_url())

    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    assert abs(parse_http_date(response["Last-Modified"]) - time.time()) < 60
    assert response["Cache-Control"] == "public, max-age=0"
    assert "Cookie" in response["Vary"]


def test_a_miss_costs_the_page_and_at_most_one_more_query(client, brief, settings):
    url = brief.get_absolute_url()
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0
    uncached, _ = queries_for(client, url)
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 3600  # a new generation: a miss

    miss, _ = queries_for(client, url)

    assert uncached <= miss <= uncached + 1


def test_head_is_answered_from_the_same_page(client, brief, django_assert_num_queries):
    url = brief.get_absolute_url()
    get = client.get(url)

    with django_assert_num_queries(0):
        head = client.head(url)

    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Last-Modified"] == get["Last-Modified"]


def test_a_hit_is_answered_before_sessions_and_url_resolving_as_the_miss_was(
    client, brief
):
    url = brief.get_absolute_url()
    miss = client.get(url)
    hit = client.get(url)
    not_modified = client.get(url, headers={"if-none-match": hit["ETag"]})
    cache.clear()
    not_modified_by_view = client.get(url, headers={"if-none-match": hit["ETag"]})

    # The cache answered: no session, no user, no URL resolved.
    assert hasattr(miss.wsgi_request, "session")
    assert not hasattr(hit.wsgi_request, "session")
    assert hit.wsgi_request.resolver_match is None
    # The same bytes and the same headers, security headers included.
    assert hit.content == miss.content
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert headers_but(hit, "X-Cache") == headers_but(miss, "X-Cache")
    assert hit["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in hit
    assert hasattr(not_modified_by_view.wsgi_request, "session")
    assert not_modified.status_code == not_modified_by_view.status_code == 304
    # Only the date, and whether the cache answered, may differ.
    assert headers_but(not_modified, "Last-Modified", "X-Cache") == headers_but(
        not_modified_by_view, "Last-Modified", "X-Cache"
    )


def headers_but(response, *names: str) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in names}


def test_requests_answered_from_the_cache_are_logged(client, brief, caplog):
    client.get("/")
    with caplog.at_level(logging.INFO, logger="newsroom.requests"):
        client.get("/")

    (record,) = [r for r in caplog.records if r.name == "newsroom.requests"]
    assert (record.method, record.path, record.status) == ("GET", "/", 200)


def test_a_host_not_allowed_is_refused_even_for_a_cached_page(client, brief):
    client.get("/")

    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_other_methods_are_still_refused(client, brief):
    client.get("/")

    assert client.post("/").status_code == 405
    assert client.post(brief.get_absolute_url()).status_code == 405


def test_search_is_not_cached(client, brief):
    client.get("/search/?q=border")

    count, response = queries_for(client, "/search/?q=border")

    assert count > 0
    assert "reopens" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/search/?q=border", "/api/briefs/", "/healthz", "/no-such-page/"]
)
def test_pages_that_are_never_cached_are_never_stored(client, brief, url):
    first = client.get(url)

    again = client.get(url)

    assert again.status_code == first.status_code
    assert stored_pages() == set()


def test_errors_and_redirects_are_not_stored(client, brief):
    tag = Tag.objects.get(name="Borders")
    tag.slug = "frontiers"
    tag.save()
    TagRedirect.objects.create(old_slug="borders", tag=tag)
    for url, status in [("/briefs/no-such-brief/", 404), ("/tags/borders/", 301)]:
        for _ in range(2):
            count, response = queries_for(client, url)
            assert response.status_code == status
            assert count > 0
    assert stored_pages() == set()


# --- Conditional requests ------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "detail", "/tags/", "/feeds/briefs.atom"])
def test_a_current_etag_or_date_gets_a_304_with_no_query(
    client, brief, url, django_assert_num_queries
):
    url = brief.get_absolute_url() if url == "detail" else url
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]

    with django_assert_num_queries(0):
        by_etag = client.get(url, headers={"if-none-match": etag})
    by_date = client.get(url, headers={"if-modified-since": modified})
    other = client.get(url, headers={"if-none-match": '"something-else"'})

    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_etag["ETag"] == etag
    assert by_date.status_code == 304
    assert other.status_code == 200 and other.content == first.content


def test_after_a_change_the_old_validators_get_the_new_page(client, brief):
    url = "/"
    first = client.get(url)

    brief.title = "Border trade reopens again"
    brief.save()
    by_etag = client.get(url, headers={"if-none-match": first["ETag"]})
    by_date = client.get(url, headers={"if-modified-since": first["Last-Modified"]})

    assert by_etag.status_code == by_date.status_code == 200
    assert "Border trade reopens again" in by_date.content.decode()
    assert parse_http_date(by_date["Last-Modified"]) > parse_http_date(
        first["Last-Modified"]
    )


def test_without_a_page_cache_etags_still_answer_304(client, brief, settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0
    first = client.get("/")

    again = client.get("/", headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304
    # Without a shared cache no process can vouch for a date.
    assert not first.has_header("Last-Modified")


# --- Every kind of change shows at once ----------------------------------------


def assert_fresh(client: Client, url: str, text: str, *, present: bool = True) -> None:
    html = client.get(url).content.decode()
    assert (text in html) is present, (url, text)


def test_an_admin_save_shows_at_once_on_every_page(editor_client, brief):
    reader = Client()
    urls = ["/", brief.get_absolute_url(), "/tags/trade/", "/feeds/briefs.atom"]
    for url in urls:
        assert_fresh(reader, url, "Border trade reopens")

    data = form_data(editor_client, change_url(brief))
    data["change_kind"] = "minor"  # the brief is live: the form asks
    data["title"] = "Crossings open at dawn"
    assert_saved(editor_client.post(change_url(brief), data))

    for url in urls:
        assert_fresh(reader, url, "Crossings open at dawn")


def test_a_section_tag_edited_in_the_admin_shows_at_once(editor_client, brief):
    reader = Client()
    assert_fresh(reader, "/tags/", 'href="/tags/energy/"', present=False)
    assert reader.get("/tags/borders/").status_code == 200

    data = form_data(editor_client, change_url(brief))
    data["change_kind"] = "minor"  # the brief is live: the form asks
    prefix = next(key for key in data if key.endswith("-1-tags"))
    data[prefix] = "Energy, Trade"
    assert_saved(editor_client.post(change_url(brief), data))

    assert_fresh(reader, "/tags/", 'href="/tags/energy/"')
    assert reader.get("/tags/borders/").status_code == 404


def test_a_key_point_saved_shows_at_once(client, brief):
    assert_fresh(client, brief.get_absolute_url(), "Fresh key point", present=False)

    brief.key_points.create(text="Fresh key point", position=9)

    assert_fresh(client, brief.get_absolute_url(), "Fresh key point")


def test_an_import_shows_at_once(client, db):
    assert_fresh(client, "/", "Imported today", present=False)

    result = import_document(
        source_path="wire.txt",
        data=b"Title: Imported today\n\nGENEVA: Ministers met on Monday.\n",
    )

    assert result.outcome == "created"
    assert_fresh(client, "/", "Imported today")


def test_a_retag_shows_at_once(client, db):
    published_brief(
        sections=(("", "Talks between Pakistan and India resumed in Geneva.", ()),)
    )
    assert_fresh(client, "/tags/", ">Pakistan</a>", present=False)

    report = retag_briefs(briefs=Brief.objects.all())

    assert report.changed == 1
    assert_fresh(client, "/tags/", ">Pakistan</a>")


def test_a_status_change_shows_at_once(client, editor, brief):
    url = brief.get_absolute_url()
    assert client.get(url).status_code == 200
    assert_fresh(client, "/", "Border trade reopens")

    workflow.change_status(
        briefs=Brief.objects.filter(pk=brief.pk), to_status="draft", user=editor
    )

    assert client.get(url).status_code == 404
    assert_fresh(client, "/", "Border trade reopens", present=False)


def test_a_tag_merge_shows_at_once(client, brief):
    assert_fresh(client, "/tags/", 'href="/tags/borders/"')

    merge_tags(
        sources=[Tag.objects.get(name="Borders")], target=Tag.objects.get(name="Trade")
    )

    assert_fresh(client, "/tags/", 'href="/tags/borders/"', present=False)


def test_a_tag_renamed_or_given_another_kind_shows_at_once(client, brief):
    assert_fresh(client, "/tags/?kind=place", ">Borders</a>", present=False)

    tag = Tag.objects.get(name="Borders")
    tag.name, tag.kind = "Frontiers", Tag.Kind.PLACE
    tag.save()

    assert_fresh(client, "/tags/?kind=place", ">Frontiers</a>")
    assert_fresh(client, brief.get_absolute_url(), ">Frontiers</a>")


def test_a_deleted_brief_goes_at_once(client, editor_client, brief):
    reader = Client()
    assert_fresh(reader, "/", "Border trade reopens")

    response = editor_client.post(
        reverse("admin:briefs_brief_changelist"),
        {"action": "delete_selected", "_selected_action": [brief.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert_fresh(reader, "/", "Border trade reopens", present=False)


@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_before_the_commit_is_not_kept(
    client, brief, django_assert_num_queries
):
    """Another process may render from data not yet committed; that page must not stay."""
    with transaction.atomic():
        brief.title = "Retitled in a transaction"
        brief.save()
        client.get("/")
        with django_assert_num_queries(0):
            client.get("/")  # stored while the write was not yet committed

    count, response = queries_for(client, "/")

    assert count > 0
    assert "Retitled in a transaction" in response.content.decode()


# --- Time -----------------------------------------------------------------------


def next_midnight(moment: dt.datetime) -> dt.datetime:
    """The first local midnight after ``moment``."""
    day = timezone.localdate(moment) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def test_a_scheduled_brief_appears_when_due_with_no_save(
    client, time_machine, brief, django_assert_num_queries
):
    # Noon, and a brief due ten minutes later: well within a stored page's
    # lifetime and the day, so only the due brief can make the pages stale.
    time_machine.move_to(
        next_midnight(timezone.now()) + dt.timedelta(hours=12), tick=False
    )
    due = scheduled_brief(
        title="Embargoed brief",
        tags=("Customs",),
        published_at=timezone.now() + dt.timedelta(minutes=10),
    )
    for url in ("/", "/tags/customs/", "/feeds/briefs.atom", SITEMAP):
        assert_fresh(
            client, url, due.slug if url == SITEMAP else due.title, present=False
        )
    assert client.get(due.get_absolute_url()).status_code == 404
    with django_assert_num_queries(0):
        client.get("/")  # cached, and nothing will be saved

    time_machine.move_to(due.published_at + dt.timedelta(seconds=1), tick=False)

    for url in ("/", "/tags/customs/", "/feeds/briefs.atom", SITEMAP):
        assert_fresh(client, url, due.slug if url == SITEMAP else due.title)
    assert client.get(due.get_absolute_url()).status_code == 200


def test_browsers_never_keep_a_page_past_a_scheduled_publication(
    client, brief, settings, time_machine
):
    # At noon, so that midnight (which also ends a page's life) is far off.
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    time_machine.move_to(noon, tick=False)
    settings.NEWSROOM_PAGE_MAX_AGE = 3600
    assert client.get("/")["Cache-Control"] == "public, max-age=3600"

    make_brief(published_at=timezone.now() + dt.timedelta(minutes=10))
    max_age = int(client.get("/")["Cache-Control"].rsplit("=", 1)[1])

    assert 590 <= max_age <= 600


def test_the_citation_date_is_never_yesterdays(client, time_machine, brief):
    # A minute either side of midnight: well within a stored page's lifetime.
    midnight = next_midnight(timezone.now())
    url = brief.get_absolute_url()
    time_machine.move_to(midnight - dt.timedelta(minutes=1), tick=False)
    today = client.get(url).content.decode()

    time_machine.move_to(midnight + dt.timedelta(minutes=1), tick=False)
    tomorrow = client.get(url).content.decode()

    assert today != tomorrow
    # The brief's entry and its current version's: both accessed today.
    assert (
        re.findall(r"urldate = \{([^}]+)\}", tomorrow)
        == [timezone.localdate().isoformat()] * 2
    )


# --- Staff and readers never share a page ---------------------------------------


def test_staff_are_never_served_a_cached_page(client, editor_client, brief):
    reader = Client()
    reader.get("/")  # cached for readers

    count, response = queries_for(editor_client, "/")

    assert count > 0
    assert response["Cache-Control"] == "private, no-store"
    assert not response.has_header("ETag")


def test_readers_are_never_served_a_page_rendered_for_staff(editor_client, brief):
    editor_client.get("/")
    editor_client.get(brief.get_absolute_url())
    reader = Client()

    count, response = queries_for(reader, "/")

    assert count > 0  # nothing was stored for the editor
    assert response["Cache-Control"] == "public, max-age=0"


@pytest.mark.parametrize("make", [draft_brief, scheduled_brief])
def test_a_preview_is_never_cached_nor_shown_to_readers(editor_client, make):
    hidden = make(title="Not yet out")
    url = hidden.get_absolute_url()

    preview = editor_client.get(url)
    reader = Client().get(url)
    preview_again = editor_client.get(url)

    assert "Preview, not published." in preview.content.decode()
    assert preview["Cache-Control"] == "private, no-store"
    assert reader.status_code == 404
    assert "Not yet out" not in reader.content.decode()
    assert preview_again.status_code == 200


def test_a_logged_in_reader_who_is_not_staff_gets_the_readers_pages(
    editor, django_user_model, brief
):
    staff = Client()
    staff.force_login(editor)
    hidden = draft_brief(title="Not yet out")
    for url in ["/", hidden.get_absolute_url(), *public_urls(brief)]:
        staff.get(url)  # rendered for staff first
    member = Client()
    member.force_login(
        django_user_model.objects.create_user("reader", password="pw-123456-x")
    )
    reader = Client()

    for url in public_urls(brief):
        page, readers = member.get(url), reader.get(url)
        assert page.status_code == 200, url
        assert page.content == readers.content, url
        assert page["ETag"] == readers["ETag"], url
        assert page["Cache-Control"] == "public, max-age=0", url
        assert "Cookie" in page["Vary"], url
        again = member.get(url, headers={"if-none-match": page["ETag"]})
        assert again.status_code == 304, url
    assert member.get(hidden.get_absolute_url()).status_code == 404
    brief.title = "Seen by members at once"
    brief.save()
    assert_fresh(member, "/", "Seen by members at once")


# --- Releases --------------------------------------------------------------------


@pytest.fixture
def release(monkeypatch):
    """Sets the release as a deploy would (a new process): ``release("abc")``."""

    def deploy(name: str) -> None:
        # No setting_changed signal: a new release must be enough on its own.
        monkeypatch.setattr(django_settings, "NEWSROOM_RELEASE", name)
        caching.release_id.cache_clear()

    yield deploy
    caching.release_id.cache_clear()


def test_a_new_release_never_serves_the_old_ones_pages(
    client, brief, release, django_assert_num_queries
):
    url = brief.get_absolute_url()
    release("3f9c2e1")
    client.get(url)
    old_pages = stored_pages()

    release("8b0d4a7")
    count, response = queries_for(client, url)

    assert count > 0
    assert response.status_code == 200
    assert stored_pages() > old_pages  # a page of the new release's own
    release("3f9c2e1")  # rolled back: its pages are still good
    with django_assert_num_queries(0):
        client.get(url)


def project(root) -> None:
    for path, text in [
        ("briefs/views.py", "def index(): ...\n"),
        ("templates/base.html", "<main></main>\n"),
        ("static/site.css", "main {}\n"),
    ]:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def test_without_a_release_set_any_change_to_the_project_files_is_a_new_one(tmp_path):
    project(tmp_path)
    stamp = caching.source_stamp(tmp_path)
    views = tmp_path / "briefs" / "views.py"
    changes = [
        lambda: views.write_text("def index(): return 1\n"),
        lambda: os.utime(views, ns=(0, views.stat().st_mtime_ns + 1)),
        lambda: (tmp_path / "templates" / "new.html").write_text(""),
        lambda: views.rename(tmp_path / "briefs" / "pages.py"),
    ]
    stamps = [stamp]
    for change in changes:
        change()
        stamps.append(caching.source_stamp(tmp_path))

    assert len(set(stamps)) == len(stamps)
    (tmp_path / "briefs" / "__pycache__").mkdir()
    (tmp_path / "briefs" / "__pycache__" / "pages.pyc").write_bytes(b"x")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "001.txt").write_text("Title: not code")
    assert caching.source_stamp(tmp_path) == stamps[-1]


@pytest.mark.parametrize("name", ["", "3f9c2e1"], ids=["stamp", "set"])
def test_a_release_set_by_the_deploy_is_all_that_counts(
    tmp_path, monkeypatch, release, name
):
    project(tmp_path)
    monkeypatch.setattr(django_settings, "BASE_DIR", tmp_path)
    release(name)
    before = caching.release_id()

    (tmp_path / "templates" / "base.html").write_text("<main>New</main>\n")
    release(name)

    assert (caching.release_id() == before) is bool(name)


def test_settings_read_the_release_from_the_environment():
    result = settings_in({"NEWSROOM_RELEASE": " 3f9c2e1 \n"}, "s.NEWSROOM_RELEASE")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "'3f9c2e1'"


# --- Backends --------------------------------------------------------------------


REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_TEST_URL,
        "KEY_PREFIX": "newsroom-tests",
    }
}


def test_pages_are_cached_in_redis(client, brief, django_assert_num_queries):
    redis_or_skip(REDIS_TEST_URL)
    with override_settings(CACHES=REDIS):
        cache.clear()
        first = client.get(brief.get_absolute_url())
        with django_assert_num_queries(0):
            again = client.get(brief.get_absolute_url())
        assert again.content == first.content
        stored = redis.Redis.from_url(REDIS_TEST_URL).scan_iter("newsroom-tests:*")
        assert any(b":page:" in key for key in stored)

        brief.title = "Retitled in Redis"
        brief.save()

        assert_fresh(client, brief.get_absolute_url(), "Retitled in Redis")
        cache.clear()


def test_pages_are_still_served_when_the_cache_is_down(
    client, editor_client, brief, caplog
):
    down = {"default": {**REDIS["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    reader = Client()
    with override_settings(CACHES=down):
        response = reader.get(brief.get_absolute_url())
        brief.title = "Saved while the cache is down"
        brief.save()
        again = reader.get(brief.get_absolute_url())
        not_modified = reader.get(
            brief.get_absolute_url(), headers={"if-none-match": again["ETag"]}
        )
        staff = editor_client.get(brief.get_absolute_url())

    assert response.status_code == again.status_code == staff.status_code == 200
    assert "Saved while the cache is down" in again.content.decode()
    assert again["Cache-Control"] == "public, max-age=0"
    assert not_modified.status_code == 304
    assert staff["Cache-Control"] == "private, no-store"
    (warning,) = [r for r in caplog.records if r.name == "briefs.caching"]
    assert warning.levelname == "WARNING" and warning.exc_info is None
    assert warning.getMessage().startswith("The page cache is unreachable")


def test_settings_use_redis_when_redis_url_is_set():
    result = settings_in(
        {"REDIS_URL": "redis://cache.internal:6379/2"},
        "s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'], "
        "s.NEWSROOM_PAGE_CACHE_SECONDS",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "('django.core.cache.backends.redis.RedisCache', "
        "'redis://cache.internal:6379/2', 3600)"
    )


def test_settings_use_local_memory_without_redis_and_store_pages_only_in_one_process():
    development = settings_in(
        {"REDIS_URL": ""},
        "s.CACHES['default']['BACKEND'], s.NEWSROOM_PAGE_CACHE_SECONDS",
    )
    production = settings_in(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "a-test-secret-that-is-long-enough-for-anything",
            "REDIS_URL": "",
        },
        "s.CACHES['default']['BACKEND'], s.NEWSROOM_PAGE_CACHE_SECONDS",
    )
    assert development.returncode == production.returncode == 0
    locmem = "'django.core.cache.backends.locmem.LocMemCache'"
    assert development.stdout.strip() == f"({locmem}, 3600)"
    # Several gunicorn workers, each with its own memory, would not see each
    # other's edits: without Redis, production stores no pages.
    assert production.stdout.strip() == f"({locmem}, 0)"


def test_the_suite_never_clears_a_real_redis():
    # tests/settings.py: the suite empties the cache before every test.
    assert django_settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
