"""Every page runs a fixed number of queries, however much it shows.

Each public page is measured on a small site (2 briefs, each with 2
sections of 3 tags, 3 key points, an update and a correction) and again
after a large one is added (12 more briefs, each with 20 sections of 3 tags,
12 key points and 5 updates and corrections): it runs the number of
queries stated here both times, on SQLite and PostgreSQL alike (a write on
PostgreSQL runs one statement more: the stored counts' lock). Pages that
show no briefs (an old tag address, search with no query or one cut short,
the health check) run a stated number too. So do the admin's brief form,
its save and its change lists, re-indexing a brief for search and
re-tagging briefs that have not changed, each measured small and large.

The page cache is off, so the counts are the views' own. What the cache
adds is tested in tests/test_caching.py: nothing on a hit (the
``django_assert_num_queries(0)`` there and in tests/test_security_cache.py
are about serving from the cache, not budgets), at most one query on a
miss. A request refused for a NUL or bytes that are not UTF-8 queries
nothing at all (tests/test_security_http.py).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from briefs import search
from briefs.editorial import versions
from briefs.ingest.importing import ImportResult, Outcome
from briefs.ingest.records import record_import
from briefs.models import (
    Author,
    Brief,
    BriefAuthor,
    Correction,
    KeyPoint,
    PublicVersion,
    SearchEntry,
    Section,
    Tag,
    TaggedBrief,
    TaggedSection,
    TagRedirect,
)
from briefs.tagging.retagging import retag_briefs
from tests.admin_forms import assert_saved, change_url, form_data

pytestmark = pytest.mark.django_db

SMALL = {"briefs": 2, "sections": 2, "key_points": 3, "notes": 2}
LARGE = {"briefs": 12, "sections": 20, "key_points": 12, "notes": 5}
TAGS_PER_SECTION = 3
# The statement that takes the stored counts' lock at the start of a write
# transaction: PostgreSQL's alone (briefs.tag_counts.lock_counts).
COUNTS_LOCK = int(connection.vendor == "postgresql")
_site = itertools.count(1)


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0


def build_site(
    *, briefs: int, sections: int, key_points: int, notes: int
) -> list[Brief]:
    """Published briefs, newest first, every one tagged "Shared" on the brief
    and on a section, with tags of its own, credited to "Shared Author" and
    an author of its site, and ``notes`` public notes
    (updates and corrections, each a public version); written in bulk."""
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
    unsaved = [
        Section(
            brief=brief,
            position=n,
            heading=f"Part {n}" if n else "",
            anchor=f"part-{n}",
            body=f"Tariffs, part {n}.\n\nMore on trade.",
        )
        for brief in made
        for n in range(sections)
    ]
    for section in unsaved:
        section.render()  # as a save does; bulk_create sends no pre_save
    made_sections = Section.objects.bulk_create(unsaved)
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
    authors = [
        Author.objects.get_or_create(name="Shared Author", slug="shared-author")[0],
        Author.objects.create(name=f"Site {site} author", slug=f"site-{site}-author"),
    ]
    BriefAuthor.objects.bulk_create(
        BriefAuthor(brief=brief, author=author, position=n)
        for brief in made
        for n, author in enumerate(authors)
    )
    for brief in made:
        search.reindex_brief(brief.pk)
        add_notes(brief, notes)
    return made


def add_notes(brief: Brief, notes: int) -> None:
    """The brief's first public version, then ``notes`` updates and corrections
    as ``versions.record_public_change`` writes them, in bulk."""
    first = versions.record_publication(brief)
    kinds = itertools.cycle([Correction.Kind.UPDATE, Correction.Kind.CORRECTION])
    made = Correction.objects.bulk_create(
        Correction(
            brief=brief,
            kind=next(kinds),
            note=f"Note {n} on the figures.",
            created_at=brief.published_at + dt.timedelta(seconds=n + 1),
        )
        for n in range(notes)
    )
    PublicVersion.objects.bulk_create(
        PublicVersion(
            brief=brief,
            number=first.number + n,
            kind=correction.kind,
            correction=correction,
            published_at=correction.created_at,
            snapshot=first.snapshot,
        )
        for n, correction in enumerate(made, start=1)
    )
    Brief.objects.filter(pk=brief.pk).update(
        public_version=first.number + notes, revised_at=made[-1].created_at
    )


def count_queries(client, url: str, status: int = 200) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == status, url
    return len(queries), response.content


# --- Public pages -------------------------------------------------------------

Address = Callable[[list[Brief]], str]


def first(path: str = "") -> Address:
    """The address of the site's newest brief, and ``path`` under it."""
    return lambda briefs: f"{briefs[0].get_absolute_url()}{path}"


def fixed(url: str) -> Address:
    return lambda briefs: url


# page: (its address on a site of these briefs, the queries it runs)
PAGES: dict[str, tuple[Address, int]] = {
    # The count, the briefs, their sections, tags and authors; the lead
    # brief's key points.
    "home": (fixed("/"), 6),
    # Its article not stored (briefs.reading.articles): the brief, the look
    # for its stored article, its own and its sections' tags (one query), key
    # points, sections, authors, corrections; related briefs. Stored:
    # test_a_brief_page_with_its_article_stored_runs_four_queries.
    "brief": (first(), 8),
    # The brief; its versions (with their notes), or the one shown.
    "versions": (first("versions/"), 2),
    "version": (first("versions/1/"), 2),
    # The tags, counted.
    "tag index": (fixed("/tags/"), 1),
    "tag index of one kind": (fixed("/tags/?kind=topic"), 1),
    # The tag, its sections, its briefs.
    "tag": (fixed("/tags/shared/"), 3),
    # The hits ranked (and so counted), their highlights, their briefs,
    # the tags to narrow by; and the tag.
    "search": (fixed("/search/?q=tariffs"), 4),
    "search with a tag": (fixed("/search/?q=tariffs&tag=shared"), 5),
    # The briefs, their tags, sections, section tags, corrections, key points
    # and authors (the entries' content); and the tag.
    "feed": (fixed("/feeds/briefs.atom"), 7),
    "feed (RSS)": (fixed("/feeds/briefs.rss"), 7),
    "tag feed": (fixed("/feeds/tags/shared.rss"), 8),
    "tag feed (Atom)": (fixed("/feeds/tags/shared.atom"), 8),
    # The author, and as for the tag feeds.
    "author feed": (fixed("/feeds/authors/shared-author.atom"), 8),
    # The authors with their counts.
    "author index": (fixed("/authors/"), 1),
    # The author with its stored count, the briefs, their sections, tags and authors.
    "author": (fixed("/authors/shared-author/"), 5),
    # The briefs or the tags, counted and listed (a page of each sitemap).
    "sitemap of briefs": (fixed("/sitemap-briefs.xml"), 2),
    "sitemap of tags": (fixed("/sitemap-tags.xml"), 2),
    # The count, the briefs, key points, sections, section tags, brief tags,
    # corrections and authors.
    "api list": (fixed("/api/briefs/"), 8),
    # The same, after the tag itself.
    "api list of a tag": (
        fixed("/api/briefs/?tag=shared&updated_since=2000-01-01"),
        9,
    ),
    # The brief, key points, sections, section tags, brief tags, corrections,
    # authors.
    "api brief": (lambda briefs: f"/api/briefs/{briefs[0].slug}/", 7),
}


def test_a_brief_page_with_its_article_stored_runs_four_queries(client):
    # The brief, its stored article, its topics, related briefs.
    counted = []
    for size in (SMALL, LARGE):
        briefs = build_site(**size)
        call_command("render_articles", stdout=io.StringIO())
        counted.append(count_queries(client, briefs[0].get_absolute_url()))
    assert [queries for queries, _ in counted] == [4, 4]
    assert len(counted[1][1]) > len(counted[0][1])


def test_public_pages_run_a_fixed_number_of_queries(client):
    # Every page on one pair of sites: building them is most of the cost.
    small = build_site(**SMALL)
    on_small = {
        page: count_queries(client, url(small)) for page, (url, _) in PAGES.items()
    }
    large = build_site(**LARGE)
    on_large = {
        page: count_queries(client, url(large)) for page, (url, _) in PAGES.items()
    }

    measured = {page: (on_small[page][0], on_large[page][0]) for page in PAGES}
    assert measured == {page: (budget, budget) for page, (_, budget) in PAGES.items()}
    # Each large page really does show more.
    assert [
        page for page in PAGES if len(on_large[page][1]) <= len(on_small[page][1])
    ] == []


# page: (its address, its status, the queries it runs)
PLAIN_PAGES: dict[str, tuple[str, int, int]] = {
    # No such tag; the tag the address now leads to.
    "old tag address": ("/tags/site-old-7/", 301, 2),
    # The tags to narrow by, and no search.
    "search with no query": ("/search/?q=++", 200, 1),
    # Cut to briefs.search.MAX_QUERY_CHARS: one search, finding nothing; the tags.
    "search with a very long query": (f"/search/?q=tariffs+{'x' * 10_000}", 200, 2),
    # One round trip, to say the database answers.
    "health check": ("/healthz", 200, 1),
    # The latest change (for the listings and the briefs), two counts: the
    # sitemap index names the same sitemaps however many briefs there are.
    "sitemap index": ("/sitemap.xml", 200, 4),
    # The latest change, once for all three listings.
    "sitemap of listings": ("/sitemap-pages.xml", 200, 1),
}


@pytest.mark.parametrize("page", PLAIN_PAGES)
def test_pages_that_show_no_briefs_run_a_fixed_number_of_queries(client, page):
    url, status, budget = PLAIN_PAGES[page]
    build_site(**SMALL)
    shared = Tag.objects.get(slug="shared")
    TagRedirect.objects.bulk_create(
        TagRedirect(old_slug=f"site-old-{n}", tag=shared) for n in range(15)
    )

    assert count_queries(client, url, status)[0] == budget


# --- Editors' pages -------------------------------------------------------------


def test_the_brief_admin_form_runs_a_fixed_number_of_queries(editor_client):
    small = build_site(**SMALL)
    large = build_site(**{**LARGE, "briefs": 1})
    editor_client.get(change_url(small[0]))  # the session, content types

    few, _ = count_queries(editor_client, change_url(small[0]))
    many, body = count_queries(editor_client, change_url(large[0]))

    # Two of them name the brief's two authors, one each, in their choosers.
    assert (few, many) == (16, 16), f"{few} queries small, {many} large"
    assert body.count(b'name="sections-') > LARGE["sections"] * 4


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

    # The revision follows every section's tag rows and the credits, fetched with the brief
    # (BriefAdmin.get_object); each submitted row's id is found among the
    # rows the formset loaded (LoadedRowsFormSet); unchanged sections are
    # neither written nor re-tagged.
    # Each of the brief's two credits is checked (its author, its row and
    # its uniqueness): a few queries per author, none per section.
    # On PostgreSQL, one more: the stored counts' lock (tag_counts.lock_counts).
    budget = 58 + COUNTS_LOCK
    assert (few, many) == (budget, budget), f"{few} queries small, {many} large"


def test_the_change_list_and_tag_admin_run_a_fixed_number_of_queries(editor_client):
    build_site(**SMALL)
    url = reverse("admin:briefs_brief_changelist")
    tags = reverse("admin:briefs_tag_changelist")
    editor_client.get(url)
    few = count_queries(editor_client, url)[0], count_queries(editor_client, tags)[0]

    build_site(**LARGE)
    many = count_queries(editor_client, url)[0], count_queries(editor_client, tags)[0]

    # The brief list: the session, the user, two counts (the list as filtered,
    # and every brief) and the page of briefs, their section counts and
    # writers joined in. No filter lists rows: the tag filter is a text box.
    assert few == many == (5, 5)


# --- Writes that follow every change -------------------------------------------


def test_reindexing_a_brief_runs_a_fixed_number_of_queries():
    small = build_site(**SMALL)
    large = build_site(**{**LARGE, "briefs": 1})

    def reindex(brief: Brief) -> int:
        with CaptureQueriesContext(connection) as queries:
            search.reindex_brief(brief.pk)
        return len(queries)

    assert (reindex(small[0]), reindex(large[0])) == (5, 5)
    assert SearchEntry.objects.filter(brief=large[0]).count() == LARGE["sections"]


def test_retagging_unchanged_briefs_runs_a_fixed_number_of_queries():
    call_command("load_vocabulary", stdout=io.StringIO())

    def retag_unchanged() -> int:
        # The first run proposes "Trade" for every brief and section
        # ("tariffs", "trade"); the second finds nothing to change.
        assert retag_briefs(briefs=Brief.objects.all()).changed > 0
        with CaptureQueriesContext(connection) as queries:
            assert retag_briefs(briefs=Brief.objects.all()).changed == 0
        return len(queries)

    build_site(**SMALL)
    few = retag_unchanged()
    # Five more briefs, not 25: each first run writes every brief it changes.
    build_site(**{**LARGE, "briefs": 5})
    many = retag_unchanged()

    assert (few, many) == (13, 13)


def fill_desk(user, briefs: list[Brief], n: int) -> None:
    """``n`` drafts of ``user``'s, ``n`` briefs in review, ``n`` scheduled
    briefs, and ``n`` imports, each with a conflict on ``n`` of ``briefs``."""
    later = timezone.now() + dt.timedelta(days=1)
    for kind in range(n):
        Brief.objects.create(title=f"Draft {kind}", created_by=user)
        Brief.objects.create(title=f"Review {kind}", status=Brief.Status.REVIEW)
        Brief.objects.create(
            title=f"Scheduled {kind}",
            status=Brief.Status.PUBLISHED,
            published_at=later + dt.timedelta(hours=kind),
        )
        conflicts = [
            ImportResult(f"seeds/{brief.slug}.txt", Outcome.CONFLICT, slug=brief.slug)
            for brief in briefs[:n]
        ]
        record_import(conflicts, via="command")


def test_the_desk_home_runs_a_fixed_number_of_queries(chief):
    url = reverse("admin:index")
    fill_desk(chief.user, build_site(**SMALL), 2)
    chief.get(url)  # the session, content types
    few, small = count_queries(chief, url)

    fill_desk(chief.user, build_site(**LARGE), 20)
    many, large = count_queries(chief, url)

    # The session, the user, their permissions and their groups'; the piles
    # counted together, then each pile's first briefs (4); the last imports,
    # their first problems, and the briefs those name.
    assert (few, many) == (12, 12), f"{few} queries small, {many} large"
    assert large.count(b"seeds/site-") > small.count(b"seeds/site-")


def test_importing_new_documents_runs_a_fixed_number_of_queries(tmp_path, monkeypatch):
    # One batch per run, however busy the machine (a batch also ends on time).
    monkeypatch.setattr("briefs.ingest.importing.BATCH_SECONDS", 600)
    seed = (
        Path(__file__).parent.parent / "seeds" / "000_a6517fdfc5b60d0c.txt"
    ).read_text()
    runs = itertools.count(1)

    def import_queries(documents: int) -> int:
        folder = tmp_path / str(next(runs))
        folder.mkdir()
        for n in range(documents):
            title = f"Run {folder.name} document {n}: seventh foreign"
            (folder / f"{n}.txt").write_text(seed.replace("Seventh foreign", title))
        with CaptureQueriesContext(connection) as queries:
            call_command("import_seeds", str(folder), stdout=io.StringIO())
        return len(queries)

    import_queries(1)  # the starter vocabulary and the seed's new tags
    two, four, six = import_queries(2), import_queries(4), import_queries(6)
    # A batch's new briefs are written together, their parts, tags,
    # revisions, public versions and search entries included, each table in
    # one insert: however many documents, the same queries (was 23 more for
    # each document).
    # On PostgreSQL, two more: the stored counts' lock (tag_counts.lock_counts),
    # for the batch and again in its new briefs' savepoint (which a single
    # document, from the import page, writes as a transaction of its own).
    # One of them makes the new briefs' stored articles stale (a row for
    # each, briefs.reading.articles), in the batch's transaction.
    assert two == four == six == 32 + 2 * COUNTS_LOCK, (two, four, six)
