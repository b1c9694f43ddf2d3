"""Each author's stored number of published briefs stays equal to a fresh
count after every kind of write, and the author index reads it.

``Author.published_brief_count`` is kept by database triggers
(``briefs.tag_counts``), on SQLite and PostgreSQL. After each write below it
is compared with the credits counted from scratch, and
``with_brief_counts()`` (what the author index shows) with the published
briefs crediting each author.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.utils import timezone

from briefs import tag_counts
from briefs.editorial.workflow import change_status
from briefs.models import Author, Brief, BriefAuthor, Tag
from tests.factories import draft_brief, make_author, published_brief, scheduled_brief

pytestmark = pytest.mark.django_db

PUBLISHED = Brief.Status.PUBLISHED


def assert_counts_right() -> None:
    for author in Author.objects.with_brief_counts():
        credits = BriefAuthor.objects.filter(author=author)
        assert author.published_brief_count == (
            credits.filter(brief__status=PUBLISHED).count()
        ), author.name
        assert author.brief_count == (
            Brief.objects.published().filter(credits__author=author).count()
        ), author.name


def counts() -> dict[str, int]:
    return dict(Author.objects.with_brief_counts().values_list("name", "brief_count"))


def test_credits_on_published_briefs_count_and_on_drafts_do_not():
    published_brief(authors=("Ana Ruiz", "Ben Okafor"))
    published_brief(authors=("Ana Ruiz",))
    draft_brief(authors=("Ana Ruiz", "Cleo Hart"))

    assert_counts_right()
    assert counts() == {"Ana Ruiz": 2, "Ben Okafor": 1, "Cleo Hart": 0}


def test_publishing_unpublishing_and_bulk_status_changes(editor):
    first = draft_brief(authors=("Ana Ruiz",))
    second = draft_brief(authors=("Ana Ruiz", "Ben Okafor"))

    first.status = PUBLISHED
    first.save()
    assert counts()["Ana Ruiz"] == 1

    change_status(
        briefs=Brief.objects.filter(pk__in=[first.pk, second.pk]),
        to_status=PUBLISHED,
        user=editor,
    )
    assert_counts_right()
    assert counts() == {"Ana Ruiz": 2, "Ben Okafor": 1}

    Brief.objects.filter(pk=second.pk).update(status=Brief.Status.ARCHIVED)
    assert_counts_right()
    assert counts() == {"Ana Ruiz": 1, "Ben Okafor": 0}


def test_adding_moving_reordering_and_removing_credits():
    brief = published_brief(authors=("Ana Ruiz", "Ben Okafor"))
    cleo = make_author("Cleo Hart")
    ana, ben = brief.credits.order_by("position")

    BriefAuthor.objects.filter(pk=ben.pk).update(author=cleo)
    assert counts() == {"Ana Ruiz": 1, "Ben Okafor": 0, "Cleo Hart": 1}

    BriefAuthor.objects.filter(pk=ana.pk).update(position=5)
    assert counts() == {"Ana Ruiz": 1, "Ben Okafor": 0, "Cleo Hart": 1}

    ana.delete()
    BriefAuthor.objects.bulk_create(
        [BriefAuthor(brief=published_brief(), author=cleo, position=0)]
    )
    assert_counts_right()
    assert counts() == {"Ana Ruiz": 0, "Ben Okafor": 0, "Cleo Hart": 2}


def test_deleting_briefs_one_and_many():
    first = published_brief(authors=("Ana Ruiz",))
    second = published_brief(authors=("Ana Ruiz", "Ben Okafor"))
    draft = draft_brief(authors=("Ben Okafor",))

    first.delete()
    assert counts() == {"Ana Ruiz": 1, "Ben Okafor": 1}
    Brief.objects.filter(pk__in=[second.pk, draft.pk]).delete()
    assert_counts_right()
    assert counts() == {"Ana Ruiz": 0, "Ben Okafor": 0}


def test_a_scheduled_brief_counts_when_its_time_comes_with_no_write():
    moment = timezone.now().replace(microsecond=0) + dt.timedelta(hours=2)
    scheduled_brief(published_at=moment, authors=("Ana Ruiz",))
    published_brief(authors=("Ana Ruiz",))

    assert Author.objects.get().published_brief_count == 2
    assert counts() == {"Ana Ruiz": 1}
    with time_machine.travel(moment + dt.timedelta(seconds=1), tick=False):
        assert_counts_right()
        assert counts() == {"Ana Ruiz": 2}


def test_saving_an_author_never_writes_an_old_count():
    brief = draft_brief(authors=("Ana Ruiz",))
    author = Author.objects.get()  # its count: 0

    brief.status = PUBLISHED
    brief.save()
    author.role = "Senior fellow"
    author.save()

    author.refresh_from_db()
    assert author.published_brief_count == 1
    assert author.role == "Senior fellow"


def test_migrate_puts_back_the_triggers_and_counts_again():
    published_brief(authors=("Ana Ruiz",))
    name = sorted(tag_counts.AUTHORS.installed())[0]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute(f"DROP FUNCTION {name}() CASCADE")
    Author.objects.update(published_brief_count=0)

    tag_counts.install_if_missing(sender=apps.get_app_config("briefs"))

    assert tag_counts.AUTHORS.installed() == tag_counts.AUTHORS.trigger_names()
    assert_counts_right()
    published_brief(authors=("Ana Ruiz",))
    assert counts() == {"Ana Ruiz": 2}


def test_the_author_index_shows_the_live_count(client):
    published_brief(authors=("Ana Ruiz",))
    published_brief(authors=("Ana Ruiz",))
    scheduled_brief(authors=("Ana Ruiz",))
    draft_brief(authors=("Ben Okafor",))

    page = client.get("/authors/").content.decode()

    assert "Ana Ruiz" in page and "2 briefs" in page
    assert "Ben Okafor" not in page


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only; run with make test-postgres",
)
def test_publishing_locks_tags_then_authors_then_the_archive_count():
    """PostgreSQL fires a table's triggers in name order; deleting a brief
    deletes its tag rows, then its credits, then the brief, so publishing
    must move the counts in that order too, or the two can deadlock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'briefs_brief'::regclass "
            "AND tgname LIKE 'briefs_%%' AND tgname LIKE '%%update' ORDER BY tgname"
        )
        order = [name for (name,) in cursor.fetchall()]
    assert order == [
        tag_counts.PREFIX + "brief_update",
        tag_counts.AUTHOR_COUNT_PREFIX + "brief_update",
        tag_counts.BRIEF_COUNT_PREFIX + "update",
    ]


def test_deleting_a_brief_removes_its_tag_rows_before_its_credits():
    """The other half of the order above, as Django deletes on any database."""
    from django.test.utils import CaptureQueriesContext

    brief = published_brief(authors=("Ana Ruiz",))
    brief.tags.add(Tag.objects.create(name="Fisheries"))
    with CaptureQueriesContext(connection) as queries:
        brief.delete()
    deleted = [
        query["sql"].split('"')[1]
        for query in queries.captured_queries
        if query["sql"].startswith("DELETE FROM")
    ]

    assert deleted.index("briefs_taggedbrief") < deleted.index("briefs_briefauthor")
    assert deleted[-1] == "briefs_brief"
