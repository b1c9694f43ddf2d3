"""Every page runs a fixed number of queries, however much it shows.

Each page is measured on a small site (2 briefs, 2 sections with 3 tags
each, 3 key points) and again after a large one is added (25 more briefs,
50 sections with 3 tags each, 30 key points), rendered by the view itself:
the page cache is off (briefs/caching.py adds nothing on a hit, and one
look-up per change of content on a miss; see tests/test_caching.py).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from briefs import search
from briefs.models import Brief, KeyPoint, Section, Tag, TaggedBrief, TaggedSection
from tests.admin_forms import assert_saved, change_url, form_data

pytestmark = pytest.mark.django_db

SMALL = {"briefs": 2, "sections": 2, "key_points": 3}
LARGE = {"briefs": 25, "sections": 50, "key_points": 30}
TAGS_PER_SECTION = 3
_site = itertools.count(1)


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0


def build_site(*, briefs: int, sections: int, key_points: int) -> list[Brief]:
    """Published briefs, newest first, every one tagged "Shared" on the brief
    and on a section, and with tags of its own; written in bulk."""
    site = next(_site)
    now = timezone.now().replace(microsecond=0)
    shared, _ = Tag.objects.get_or_create(name="Shared", slug="shared")
    made = Brief.objects.bulk_create(
        Brief(
            title=f"Site {site} brief {n} about tariffs",
            slug=f"site-{site}-brief-{n}",
            dateline="GENEVA",
            status=Brief.Status.PUBLISHED,
            published_at=now - dt.timedelta(days=site, minutes=n),
        )
        for n in range(briefs)
    )
    own = Tag.objects.bulk_create(
        Tag(name=f"Site {site} topic {n}", slug=f"site-{site}-topic-{n}")
        for n in range(TAGS_PER_SECTION * 2)
    )
    KeyPoint.objects.bulk_create(
        KeyPoint(brief=brief, text=f"Point {n} on tariffs", position=n)
        for brief in made
        for n in range(key_points)
    )
    made_sections = Section.objects.bulk_create(
        Section(
            brief=brief,
            position=n,
            heading=f"Part {n}" if n else "",
            anchor=f"part-{n}",
            body=f"Tariffs, part {n}.\n\nMore on trade.",
        )
        for brief in made
        for n in range(sections)
    )
    TaggedSection.objects.bulk_create(
        TaggedSection(content_object=section, tag=tag)
        for section in made_sections
        for tag in [shared, *own[section.position % 2 :: 2][: TAGS_PER_SECTION - 1]]
    )
    TaggedBrief.objects.bulk_create(
        TaggedBrief(content_object=brief, tag=tag)
        for brief in made
        for tag in (shared, own[0])
    )
    for brief in made:
        search.reindex_brief(brief.pk)
    return made


def detail(briefs: list[Brief]) -> str:
    return briefs[0].get_absolute_url()


PAGES = {
    "home": lambda briefs: "/",
    "brief": detail,
    "tag index": lambda briefs: "/tags/",
    "tag index of one kind": lambda briefs: "/tags/?kind=topic",
    "tag": lambda briefs: "/tags/shared/",
    "search": lambda briefs: "/search/?q=tariffs",
    "search with a tag": lambda briefs: "/search/?q=tariffs&tag=shared",
    "feed": lambda briefs: "/feeds/briefs.atom",
    "tag feed": lambda briefs: "/feeds/tags/shared.rss",
    "sitemap": lambda briefs: "/sitemap.xml",
    "api list": lambda briefs: "/api/briefs/",
    "api list of a tag": lambda briefs: "/api/briefs/?tag=shared",
    "api brief": lambda briefs: f"/api/briefs/{briefs[0].slug}/",
}


def count_queries(client, url: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content


@pytest.mark.parametrize("page", PAGES)
def test_public_pages_run_a_fixed_number_of_queries(client, page):
    url_for = PAGES[page]
    small = build_site(**SMALL)
    few, small_body = count_queries(client, url_for(small))

    large = build_site(**LARGE)
    many, large_body = count_queries(client, url_for(large))

    assert many == few, f"{page}: {few} queries small, {many} large"
    # The large page really does show more.
    assert len(large_body) > len(small_body)


def test_the_brief_admin_form_runs_a_fixed_number_of_queries(editor_client):
    small = build_site(**SMALL)
    large = build_site(**{**LARGE, "briefs": 1})
    editor_client.get(change_url(small[0]))  # the session, content types

    few, _ = count_queries(editor_client, change_url(small[0]))
    many, body = count_queries(editor_client, change_url(large[0]))

    assert many == few, f"{few} queries for 2 sections, {many} for 50"
    assert body.count(b'name="sections-') > 50 * 4


def test_saving_the_brief_admin_form_unchanged_does_not_query_per_section(
    editor_client,
):
    small = build_site(**SMALL)
    large = build_site(**{**LARGE, "briefs": 1})

    def save_unchanged(brief: Brief) -> int:
        data = form_data(editor_client, change_url(brief))
        data["change_kind"] = "minor"  # the brief is live: the form asks
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.post(change_url(brief), data)
        assert_saved(response)
        # The revision holds one version per key point, section and tag row,
        # inserted in as few batches as the database's parameter limit allows
        # (one on PostgreSQL, a few on SQLite): rows, not queries per row.
        return sum(
            not query["sql"].startswith('INSERT INTO "reversion_version"')
            for query in queries.captured_queries
        )

    save_unchanged(small[0])  # warm the session and content type caches
    few = save_unchanged(small[0])
    many = save_unchanged(large[0])

    # The revision follows every section's tag rows, fetched with the brief
    # (BriefAdmin.get_object); each submitted row's id is found among the
    # rows the formset loaded (LoadedRowsFormSet); unchanged sections are
    # neither written nor re-tagged.
    assert many == few, f"{few} queries for 2 sections, {many} for 50"


def test_the_change_list_and_tag_admin_run_a_fixed_number_of_queries(editor_client):
    build_site(**SMALL)
    url = reverse("admin:briefs_brief_changelist")
    tags = reverse("admin:briefs_tag_changelist")
    editor_client.get(url)
    few = count_queries(editor_client, url)[0], count_queries(editor_client, tags)[0]

    build_site(**LARGE)
    many = count_queries(editor_client, url)[0], count_queries(editor_client, tags)[0]

    assert many == few
