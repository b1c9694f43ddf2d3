"""The brief page's stored article (briefs.reading.articles): the same page
as one rendered from the rows, never older than the last write, and never
stored from rows read before one."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from briefs import caching
from briefs.caching import stores
from briefs.editorial import versions
from briefs.models import (
    Author,
    Brief,
    BriefAuthor,
    KeyPoint,
    Section,
    StoredArticle,
    Tag,
)
from briefs.reading import articles
from briefs.tagging.merging import merge_tags
from tests.factories import draft_brief, make_author, published_brief
from tests.people import client_for, member

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only; run with make test-postgres",
)


def rich_brief() -> Brief:
    """Every part of an article: key points, a contents, section and brief
    tags, an author, a correction and an update, a source."""
    brief = published_brief(
        title="Border trade reopens",
        summary="",
        key_points=("Two crossings reopen", "Tariffs unchanged"),
        sections=(
            ("", "Opening paragraph, with *emphasis*.", ("Trade",)),
            ("Next steps", "A second round in July.", ("Trade", "Borders")),
        ),
        tags=("Customs",),
        authors=("Ana Analyst",),
        source_name="Ministry of Trade",
        source_url="https://example.org/statement",
    )
    brief = Brief.objects.with_authors().get(pk=brief.pk)
    versions.record_public_change(brief, kind="update", note="New figures added.")
    versions.record_public_change(brief, kind="correction", note="The date was wrong.")
    return Brief.objects.get(pk=brief.pk)


def stored(brief: Brief) -> StoredArticle | None:
    return StoredArticle.objects.filter(brief=brief).first()


def page(client, brief: Brief, **headers) -> bytes:
    """The brief's page, rendered now (not from the page cache)."""
    stores.invalidate(stores.store_for(), None)
    response = client.get(brief.get_absolute_url(), headers=headers)
    assert response.status_code == 200
    return response.content


def test_a_page_with_its_stored_article_is_the_page_rendered_from_the_rows(client):
    brief = rich_brief()
    # Related briefs, chosen by the topics each way of rendering reads.
    published_brief(title="Crossings and customs", tags=("Customs", "Trade"))
    published_brief(title="Border posts", sections=(("", "Text.", ("Borders",)),))
    assert articles.stored(brief) is None
    from_rows = page(client, brief)

    assert articles.render_stored(brief.pk)
    with CaptureQueriesContext(connection) as queries:
        from_store = page(client, brief)

    assert from_store == from_rows
    # Each part is there, the related briefs, and the page's address where
    # paper prints it.
    for text in (
        b"Two crossings reopen",
        b"<em>emphasis</em>",
        b"Ana Analyst",
        b"The date was wrong.",
        b"Version 3",
        b"Crossings and customs</a>",
        b"Border posts</a>",
        b'<p class="print-only">http://testserver/briefs/',
    ):
        assert text in from_store
    # The brief, its stored article, its topics and related briefs (and the
    # page cache's look for the next brief to come out, on a miss): not its
    # key points, sections, authors or corrections.
    assert len(queries.captured_queries) == 5


def test_the_page_shows_what_is_stored_and_its_own_address(client):
    brief = published_brief(title="Border trade reopens")
    articles.render_stored(brief.pk)
    StoredArticle.objects.filter(brief=brief).update(
        html=f"<p>Stored.</p>{articles.ADDRESS}<p>&lt;!--</p>"
    )

    content = page(client, brief).decode()

    assert (
        '<article class="brief">\n  <p>Stored.</p>http://testserver/briefs/' in content
    )
    other_host = page(client, brief, host="localhost").decode()
    assert "<p>Stored.</p>http://localhost/briefs/" in other_host


def test_an_article_of_another_format_is_not_shown(client, settings):
    brief = published_brief(title="Border trade reopens")
    articles.render_stored(brief.pk)
    StoredArticle.objects.filter(brief=brief).update(html="<p>Old release.</p>")
    assert b"Old release." in page(client, brief)

    StoredArticle.objects.filter(brief=brief).update(format="another")
    assert b"Old release." not in page(client, brief)
    assert b"Border trade reopens" in page(client, brief)

    # A setting the article may show makes a new format too.
    StoredArticle.objects.filter(brief=brief).update(format=articles.article_format())
    settings.TIME_ZONE = "Asia/Karachi"
    assert b"Old release." not in page(client, brief)


def test_a_preview_never_shows_a_stored_article(editor):
    brief = draft_brief(title="Border trade reopens")
    articles.render_stored(brief.pk)
    StoredArticle.objects.filter(brief=brief).update(html="<p>Stored.</p>")

    content = page(client_for(editor), brief)

    assert b"Preview, not published." in content
    assert b"Stored." not in content


# --- Stale at once, in the write's transaction ---------------------------------


def _renamed_author(brief: Brief) -> None:
    author = Author.objects.get(name="Ana Analyst")
    author.name = "Ana Renamed"
    author.save()


def _renamed_tag(brief: Brief) -> None:
    tag = Tag.objects.get(name="Borders")
    tag.name = "Frontiers"
    tag.save()


def _saved_brief(brief: Brief) -> None:
    brief = Brief.objects.get(pk=brief.pk)
    brief.title = "Border trade reopens in July"
    brief.save()


def _edited_section(brief: Brief) -> None:
    section = Section.objects.filter(brief=brief, heading="Next steps").get()
    section.heading = "What comes next"
    section.save()


# Each kind of write that changes what an article shows.
WRITES = {
    "the brief saved": _saved_brief,
    "a section edited": _edited_section,
    "a key point added": lambda brief: KeyPoint.objects.create(
        brief=brief, text="A third point", position=9
    ),
    "a correction": lambda brief: versions.record_public_change(
        Brief.objects.with_authors().get(pk=brief.pk),
        kind="correction",
        note="A figure was wrong.",
    ),
    "a tag added": lambda brief: Brief.objects.get(pk=brief.pk).tags.add("Ports"),
    "a section's tag removed": lambda brief: Section.objects.get(
        brief=brief, heading="Next steps"
    ).tags.remove(Tag.objects.get(name="Borders")),
    "a tag renamed": _renamed_tag,
    "tags merged": lambda brief: merge_tags(
        sources=[Tag.objects.get(name="Borders")],
        target=Tag.objects.get(name="Customs"),
    ),
    "an author renamed": _renamed_author,
    "an author credited": lambda brief: BriefAuthor.objects.create(
        brief=brief, author=make_author("Second Author"), position=5
    ),
    "a credit removed": lambda brief: BriefAuthor.objects.filter(brief=brief).delete(),
    "touched in bulk": lambda brief: Brief.objects.filter(pk=brief.pk).touch(
        dateline="KARACHI"
    ),
    "an unknown write": lambda brief: caching.content_changed(),
}
# Writes that say every article may have changed.
EVERY_ARTICLE = {"an unknown write"}


@pytest.mark.parametrize("write", WRITES)
def test_every_write_that_changes_an_article_makes_it_stale_in_its_transaction(
    write, client, django_capture_on_commit_callbacks
):
    brief = rich_brief()
    other = published_brief(title="Unrelated brief", sections=(("", "Text.", ()),))
    articles.render_stored(brief.pk)
    articles.render_stored(other.pk)
    before = page(client, brief)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        WRITES[write](brief)
        # Already gone for the writer and for every reader after the commit;
        # another brief's left alone, but by a write that names none.
        assert stored(brief).html is None
        assert (stored(other).html is None) == (write in EVERY_ARTICLE)

    # Rendered again once the transaction committed (it named this brief),
    # and the same as the page rendered from the rows now.
    row = stored(brief)
    assert (row.html is None) == (write == "an unknown write")
    after = page(client, brief)
    if row.html is not None:
        assert row.format == articles.article_format()
        StoredArticle.objects.filter(brief=brief).update(html=None)
        assert after == page(client, brief)
    assert (after == before) == (write == "an unknown write")


@pytest.mark.django_db(transaction=True)
def test_a_write_out_of_a_transaction_makes_the_article_stale_and_leaves_it():
    brief = rich_brief()
    articles.render_stored(brief.pk)
    generation = stored(brief).generation
    _saved_brief(brief)

    assert stored(brief).html is None
    assert stored(brief).generation > generation


@pytest.mark.django_db(transaction=True)
def test_a_rendering_that_read_the_rows_before_a_write_is_not_stored(monkeypatch):
    brief = published_brief(title="Border trade reopens")
    real_render = articles.render

    def render_then_a_write_commits(*args, **kwargs):
        article = real_render(*args, **kwargs)
        monkeypatch.setattr(articles, "render", real_render)
        # Committed (and its article rendered again after it, from the new
        # rows) before this rendering of the old ones is stored.
        with transaction.atomic():
            Brief.objects.filter(pk=brief.pk).update(title="Border trade closes")
            caching.content_changed({f"brief:{brief.pk}"})
        StoredArticle.objects.filter(brief=brief).update(html=None)
        return article

    monkeypatch.setattr(articles, "render", render_then_a_write_commits)
    assert not articles.render_stored(brief.pk)
    assert stored(brief).html is None

    assert articles.render_stored(brief.pk)
    assert "Border trade closes" in stored(brief).html


def test_a_savepoint_rolled_back_does_not_take_the_stale_mark_with_it():
    brief = published_brief(title="Border trade reopens")
    articles.render_stored(brief.pk)
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            caching.content_changed({f"brief:{brief.pk}"})
            raise RuntimeError("the savepoint rolls back")
        assert stored(brief).html is not None
        # The same brief again, after the rollback: made stale again.
        caching.content_changed({f"brief:{brief.pk}"})
        assert stored(brief).html is None


@pytest.mark.django_db(transaction=True)
def test_a_brief_made_stale_twice_in_a_transaction_is_written_once(
    django_capture_on_commit_callbacks,
):
    brief = published_brief(title="Border trade reopens")
    with (
        transaction.atomic(),
        django_capture_on_commit_callbacks() as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        caching.content_changed({f"brief:{brief.pk}"})
        caching.content_changed({f"brief:{brief.pk}", "tags"})
    marks = [q for q in queries.captured_queries if "briefs_storedarticle" in q["sql"]]
    assert len(marks) == 1
    assert len(callbacks) == 2  # the page cache's and the articles'


def test_a_large_write_leaves_its_articles_to_render_articles(
    django_capture_on_commit_callbacks,
):
    briefs = [published_brief() for _ in range(articles.RENDERED_AT_COMMIT + 1)]
    for brief in briefs:
        articles.render_stored(brief.pk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Brief.objects.filter(pk__in=[b.pk for b in briefs]).touch()
    assert not StoredArticle.objects.filter(html__isnull=False).exists()

    out = io.StringIO()
    call_command("render_articles", stdout=out)
    assert out.getvalue().strip() == f"Stored {len(briefs)} articles."
    assert StoredArticle.objects.filter(html__isnull=False).count() == len(briefs)
    out = io.StringIO()
    call_command("render_articles", stdout=out)
    assert out.getvalue().strip() == "Stored 0 articles."


def test_a_deleted_brief_leaves_no_article(django_capture_on_commit_callbacks):
    brief = rich_brief()
    articles.render_stored(brief.pk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Brief.objects.get(pk=brief.pk).delete()
    assert not StoredArticle.objects.exists()
    # The foreign keys hold (SQLite checks them at the commit).
    connection.check_constraints()


def test_an_editors_save_in_the_admin_is_stored_at_once(
    client, django_capture_on_commit_callbacks
):
    from tests.admin_forms import assert_saved, change_url, form_data

    brief = rich_brief()
    articles.render_stored(brief.pk)
    editor_client = member("Editors", "stored-article-editor")
    data = form_data(editor_client, change_url(brief))
    data["title"] = "Border trade reopens, with a new title"
    data["change_kind"] = "minor"  # the brief is live: the form asks
    with django_capture_on_commit_callbacks(execute=True):
        assert_saved(editor_client.post(change_url(brief), data))

    assert "with a new title" in stored(brief).html
    assert b"with a new title" in page(client, brief)


def test_a_failure_to_store_after_the_commit_leaves_the_save_and_says_so(
    client, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    brief = published_brief(title="Border trade reopens")
    articles.render_stored(brief.pk)

    def broken(*args, **kwargs):
        raise RuntimeError("the template is broken")

    monkeypatch.setattr(articles, "render", broken)
    with (
        caplog.at_level(logging.ERROR, logger="briefs.reading.articles"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        _saved_brief(brief)

    assert Brief.objects.get(pk=brief.pk).title == "Border trade reopens in July"
    assert stored(brief).html is None
    assert f"Could not store the article of brief {brief.pk}" in caplog.text
    monkeypatch.undo()
    assert b"Border trade reopens in July" in page(client, brief)


def test_a_cached_page_with_a_stored_article_goes_when_its_author_changes(
    client, django_capture_on_commit_callbacks
):
    brief = rich_brief()
    articles.render_stored(brief.pk)
    url = brief.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _renamed_author(brief)

    response = client.get(url)
    assert response["X-Cache"] != "hit"
    assert b"Ana Renamed" in response.content


def test_a_write_to_every_article_gives_every_brief_a_stale_row():
    with_row, without_row = published_brief(), published_brief()
    articles.render_stored(with_row.pk)
    StoredArticle.objects.filter(brief=without_row).delete()

    caching.content_changed()

    rows = {row.brief_id: row for row in StoredArticle.objects.all()}
    assert set(rows) == {with_row.pk, without_row.pk}
    assert all(row.html is None and row.generation >= 1 for row in rows.values())


def test_a_popular_tag_renamed_makes_every_one_of_its_articles_stale_at_once(
    django_capture_on_commit_callbacks,
):
    many = articles.RENDERED_AT_COMMIT + 2
    carriers = [
        published_brief(sections=(("", "Text.", ("Borders",)),))
        for _ in range(many // 2)
    ] + [published_brief(tags=("Borders",)) for _ in range(many - many // 2)]
    bystander = published_brief(tags=("Customs",))
    for brief in [*carriers, bystander]:
        articles.render_stored(brief.pk)

    with (
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        CaptureQueriesContext(connection) as queries,
    ):
        tag = Tag.objects.get(name="Borders")
        tag.name = "Frontiers"
        tag.save()

    assert_made_stale_in_one_statement(
        queries, finding_them_in="briefs_taggedbrief", stale=carriers, kept=bystander
    )


def assert_made_stale_in_one_statement(
    queries, *, finding_them_in: str, stale: list[Brief], kept: Brief
) -> None:
    """One statement made the articles of ``stale`` stale, finding the
    briefs itself in ``finding_them_in`` (no bind parameter for each
    brief), and left ``kept``'s."""
    [mark] = [
        query["sql"]
        for query in queries.captured_queries
        if "INSERT INTO briefs_storedarticle" in query["sql"]
    ]
    assert f"FROM {finding_them_in}" in mark
    assert not StoredArticle.objects.filter(
        brief__in=stale, html__isnull=False
    ).exists()
    assert stored(kept).html is not None


def test_a_deleted_brief_has_no_article_to_store():
    brief = published_brief()
    brief_id = brief.pk
    brief.delete()
    assert not articles.render_stored(brief_id)
    assert not StoredArticle.objects.exists()


def test_an_article_stored_under_other_storage_settings_is_not_shown(client, settings):
    brief = published_brief(title="Border trade reopens")
    articles.render_stored(brief.pk)
    StoredArticle.objects.filter(brief=brief).update(html="<p>Old storage.</p>")
    assert b"Old storage." in page(client, brief)

    # The lead image's addresses come from the storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"base_url": "https://media.example.org/"},
        },
    }
    assert b"Old storage." not in page(client, brief)


def test_an_authors_many_briefs_are_made_stale_in_one_statement():
    author = make_author("Ana Analyst")
    credited = [
        published_brief(authors=("Ana Analyst",))
        for _ in range(articles.RENDERED_AT_COMMIT + 2)
    ]
    bystander = published_brief(authors=("Somebody Else",))
    for brief in [*credited, bystander]:
        articles.render_stored(brief.pk)

    with CaptureQueriesContext(connection) as queries:
        author.role = "Director"
        author.save()

    assert_made_stale_in_one_statement(
        queries, finding_them_in="briefs_briefauthor", stale=credited, kept=bystander
    )


def test_a_tag_merge_leaves_the_articles_of_briefs_without_the_tags(
    django_capture_on_commit_callbacks,
):
    carrier = published_brief(tags=("Borders",))
    bystander = published_brief(tags=("Customs",))
    for brief in (carrier, bystander):
        articles.render_stored(brief.pk)
    generation = stored(bystander).generation

    with django_capture_on_commit_callbacks(execute=True):
        merge_tags(
            sources=[Tag.objects.get(name="Borders")],
            target=Tag.objects.get(name="Customs"),
        )

    # Rendered again after the merge, with the tag it carries now.
    assert 'href="/tags/customs/"' in stored(carrier).html
    assert stored(bystander).html is not None
    assert stored(bystander).generation == generation


@pytest.mark.django_db(transaction=True)
@postgresql_only
def test_a_credit_holds_its_author_until_it_commits():
    import psycopg

    author = make_author("Ana Analyst")
    # A draft: crediting a published brief moves the author's stored count,
    # which holds their row anyway.
    brief = draft_brief(title="Border trade reopens")
    with transaction.atomic(), _another_connection() as other:
        BriefAuthor.objects.create(brief=brief, author=author, position=0)
        other.execute("SET lock_timeout = '200ms'")
        # A change to the author waits: the brief's article, rendered after
        # the credit commits, could otherwise read them as they were.
        with pytest.raises(psycopg.errors.LockNotAvailable):
            # The role: no unique index has it, so nothing else would wait.
            other.execute(
                "UPDATE briefs_author SET role = 'Director' WHERE id = %s",
                [author.pk],
            )


def _another_connection():
    """A psycopg connection of its own to the test database, in autocommit."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    return psycopg.connect(**params, autocommit=True)


def _terminate_own_backend() -> None:
    """End this connection's server process from another connection, as an
    operator's ``pg_terminate_backend`` or a database restart would."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    with _another_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
@postgresql_only
def test_a_connection_lost_after_the_commit_is_replaced_and_the_article_stored(caplog):
    brief = published_brief(title="Border trade reopens")
    articles.render_stored(brief.pk)
    with (
        caplog.at_level(logging.WARNING, logger="briefs.reading.articles"),
        transaction.atomic(),
    ):
        # Runs first once the save commits, before the article is rendered.
        transaction.on_commit(_terminate_own_backend)
        _saved_brief(brief)

    assert "Border trade reopens in July" in stored(brief).html
    assert caplog.records == []


@pytest.mark.django_db(transaction=True)
@postgresql_only
def test_a_database_gone_after_the_commit_leaves_the_save_and_one_line(
    client, monkeypatch, caplog
):
    brief = published_brief(title="Border trade reopens")
    articles.render_stored(brief.pk)
    render_stored = articles.render_stored

    def on_a_connection_that_is_lost(brief_id: int) -> bool:
        _terminate_own_backend()
        return render_stored(brief_id)

    monkeypatch.setattr(articles, "render_stored", on_a_connection_that_is_lost)
    with (
        caplog.at_level(logging.WARNING, logger="briefs.reading.articles"),
        transaction.atomic(),
    ):
        _saved_brief(brief)

    assert Brief.objects.get(pk=brief.pk).title == "Border trade reopens in July"
    assert stored(brief).html is None
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert not record.exc_info
    assert f"Could not store the article of brief {brief.pk} (" in record.getMessage()
    monkeypatch.undo()
    assert b"Border trade reopens in July" in page(client, brief)
