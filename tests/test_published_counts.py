"""The stored number of published briefs stays equal to a fresh count after
every kind of write, and the pages that show it read it.

``ArchiveCount.published_briefs`` is kept by database triggers
(``briefs.tag_counts``). After each write below it is compared with the
briefs counted from scratch, and ``published_brief_count()`` (what the home
page, the sitemap index and the API show) with
``Brief.objects.published().count()``.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from reversion.models import Version

from briefs import sitemaps, tag_counts
from briefs.editorial.restoring import restore_brief
from briefs.editorial.workflow import change_status
from briefs.ingest.importing import import_document
from briefs.models import ArchiveCount, Brief
from tests.factories import draft_brief, published_brief, scheduled_brief

pytestmark = pytest.mark.django_db

PUBLISHED = Brief.Status.PUBLISHED


def stored() -> int:
    return ArchiveCount.objects.get().published_briefs


def assert_count_right() -> None:
    assert stored() == Brief.objects.filter(status=PUBLISHED).count()
    assert tag_counts.published_brief_count() == Brief.objects.published().count()


def test_creating_briefs_counts_the_published_ones():
    published_brief()
    published_brief()
    draft_brief()

    assert_count_right()
    assert tag_counts.published_brief_count() == 2


def test_publishing_and_unpublishing_a_brief_by_saving_it():
    brief = draft_brief()
    assert tag_counts.published_brief_count() == 0

    brief.status = PUBLISHED
    brief.save()
    assert_count_right()
    assert tag_counts.published_brief_count() == 1

    brief.status = Brief.Status.DRAFT
    brief.save()
    assert_count_right()
    assert tag_counts.published_brief_count() == 0


def test_saving_a_published_brief_leaves_the_count_alone():
    brief = published_brief()

    brief.title = "Retitled"
    brief.save()

    assert_count_right()
    assert tag_counts.published_brief_count() == 1


def test_bulk_status_changes(editor):
    ids = [published_brief().pk, published_brief().pk, draft_brief().pk]

    change_status(
        briefs=Brief.objects.filter(pk__in=ids),
        to_status=Brief.Status.ARCHIVED,
        user=editor,
    )
    assert_count_right()
    assert tag_counts.published_brief_count() == 0

    change_status(
        briefs=Brief.objects.filter(pk__in=ids), to_status=PUBLISHED, user=editor
    )
    assert_count_right()
    assert tag_counts.published_brief_count() == 3

    Brief.objects.filter(pk__in=ids[:2]).update(status=Brief.Status.DRAFT)
    assert_count_right()
    assert tag_counts.published_brief_count() == 1


def test_a_scheduled_brief_counts_when_its_time_comes_with_no_write():
    moment = timezone.now().replace(microsecond=0) + dt.timedelta(hours=2)
    scheduled_brief(published_at=moment)
    published_brief()

    # Stored with the scheduled brief; readers count only the live one.
    assert stored() == 2
    assert_count_right()
    assert tag_counts.published_brief_count() == 1

    with time_machine.travel(moment + dt.timedelta(seconds=1), tick=False):
        assert_count_right()
        assert tag_counts.published_brief_count() == 2


def test_deleting_briefs_one_and_many():
    first, second, third = published_brief(), published_brief(), published_brief()
    draft = draft_brief()

    first.delete()
    assert_count_right()
    Brief.objects.filter(pk__in=[second.pk, third.pk, draft.pk]).delete()
    assert_count_right()
    assert tag_counts.published_brief_count() == 0


def test_bulk_inserts():
    now = timezone.now()
    Brief.objects.bulk_create(
        [
            Brief(title=f"Bulk {n}", slug=f"bulk-{n}", status=status, published_at=now)
            for n, status in enumerate([PUBLISHED, PUBLISHED, Brief.Status.DRAFT])
        ]
    )

    assert_count_right()
    assert tag_counts.published_brief_count() == 2


def test_importing_a_document_then_publishing_it(seed_copy, editor):
    call_command("load_vocabulary", stdout=io.StringIO())
    result = import_document(
        source_path=str(seed_copy), data=seed_copy.read_bytes(), name="wire.txt"
    )
    assert_count_right()

    change_status(
        briefs=Brief.objects.filter(slug=result.slug), to_status=PUBLISHED, user=editor
    )
    assert_count_right()
    assert tag_counts.published_brief_count() == 1


def test_restoring_a_revision_of_a_published_brief():
    import reversion

    with reversion.create_revision():
        brief = published_brief()
    brief.status = Brief.Status.DRAFT
    brief.save()
    assert tag_counts.published_brief_count() == 0

    with reversion.create_revision():
        restore_brief(Version.objects.get_for_object(brief).first())

    assert_count_right()


def drop_a_trigger(counts: tag_counts.StoredCounts) -> None:
    """Drop one of ``counts``' triggers (its function too, on PostgreSQL), as
    a table rebuild does on SQLite."""
    name = sorted(counts.installed())[0]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute(f"DROP FUNCTION {name}() CASCADE")


def test_migrate_puts_back_the_row_and_the_triggers():
    published_brief()
    drop_a_trigger(tag_counts.BRIEFS)
    ArchiveCount.objects.all().delete()

    tag_counts.install_if_missing(sender=apps.get_app_config("briefs"))

    assert tag_counts.BRIEFS.installed() == tag_counts.BRIEFS.trigger_names()
    assert_count_right()
    published_brief()
    assert_count_right()


def test_there_is_only_ever_one_row():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        ArchiveCount.objects.create(pk=2)


# --- The pages that show it -------------------------------------------------------


def test_the_home_page_and_the_api_show_the_live_count(client, settings):
    settings.NEWSROOM_BRIEFS_PER_PAGE = 2
    for _ in range(4):
        published_brief()
    scheduled_brief()
    draft_brief()
    assert stored() == 5  # the scheduled brief is in it, and must not show

    home = client.get("/").content.decode()

    assert "Page 1 of 2" in home
    assert client.get("/?page=2").status_code == 200
    assert client.get("/?page=3").status_code == 404
    assert client.get("/api/briefs/").json()["count"] == 4


def test_the_sitemap_index_names_a_page_per_limit_of_live_briefs(client, monkeypatch):
    monkeypatch.setattr(sitemaps.SiteSitemap, "limit", 2)
    for _ in range(4):
        published_brief()
    scheduled_brief()

    index = client.get("/sitemap.xml").content.decode()
    second = client.get("/sitemap-briefs.xml?p=2").content.decode()

    assert "/sitemap-briefs.xml?p=2<" in index
    assert "/sitemap-briefs.xml?p=3<" not in index
    assert second.count("<url>") == 2
    assert client.get("/sitemap-briefs.xml?p=3").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only; run with make test-postgres",
)
def test_two_transactions_publishing_at_once_are_both_counted():
    """Each waits for the other's hold on the row, then adds to the value
    the other committed."""
    import threading

    import psycopg

    first, second = draft_brief(sections=()), draft_brief(sections=())
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    publish = (
        "UPDATE briefs_brief SET status = 'published', published_at = now() "
        "WHERE id = %s"
    )
    with psycopg.connect(**params) as publisher:
        publisher.execute(publish, [first.pk])

        def publish_second() -> None:
            with psycopg.connect(**params, autocommit=True) as other:
                other.execute(publish, [second.pk])

        publishing = threading.Thread(target=publish_second)
        publishing.start()
        publishing.join(timeout=1.0)  # waits for the first's uncommitted count
        publisher.commit()
        publishing.join(timeout=10)
        assert not publishing.is_alive()
    assert_count_right()
    assert tag_counts.published_brief_count() == 2
