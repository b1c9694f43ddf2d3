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
import threading
import time

import pytest
import time_machine
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from briefs import tag_counts
from briefs.editorial.workflow import change_status
from briefs.models import Author, Brief, BriefAuthor, Tag, TaggedBrief
from tests.factories import draft_brief, make_author, published_brief, scheduled_brief
from tests.test_published_counts import drop_a_trigger

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
    drop_a_trigger(tag_counts.AUTHORS)
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


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only; run with make test-postgres",
)
def test_deleting_one_brief_while_publishing_another_cannot_deadlock():
    """Deleting a brief moves its tags' counts, then its authors', then its
    sections' tags' (Django deletes tag rows, credits, sections' tag rows,
    then the brief); publishing another moves its sections' tags' counts,
    then its authors'. Here the two share an author and a section's tag, and
    the publisher arrives between the deleter's second and third statements:
    without one lock taken first by every count trigger, each would hold a
    count row the other needs, and PostgreSQL would abort one of them."""
    import psycopg

    deleted = published_brief(
        sections=(("", "Talks.", ("Fisheries",)),),
        tags=("Customs",),
        authors=("Ana Ruiz",),
    )
    published = draft_brief(
        sections=(("", "Talks.", ("Fisheries",)),), authors=("Ana Ruiz",)
    )
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    failures: list[Exception] = []
    pids: list[int] = []

    def publish() -> None:
        try:
            with psycopg.connect(**params, autocommit=True) as publisher:
                pids.append(publisher.info.backend_pid)
                publisher.execute(
                    "UPDATE briefs_brief SET status = 'published', published_at = now() "
                    "WHERE id = %s",
                    [published.pk],
                )
        except psycopg.Error as error:
            failures.append(error)

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL deadlock_timeout = '100ms'")
            TaggedBrief.objects.filter(content_object=deleted).delete()
            BriefAuthor.objects.filter(brief=deleted).delete()
            publishing = threading.Thread(target=publish)
            publishing.start()
            waited = wait_until_waiting(params, pids, publishing)
            deleted.delete()  # its sections' tag rows, its sections, the brief
    except DatabaseError as error:
        failures.append(error)
    publishing.join(timeout=10)

    assert failures == []
    assert waited, "the publisher never waited for the deleter"
    assert not publishing.is_alive()
    assert counts() == {"Ana Ruiz": 1}
    assert_counts_right()
    assert Tag.objects.get(name="Fisheries").published_section_count == 1
    assert tag_counts.published_brief_count() == 1


def wait_until_waiting(params: dict, pids: list[int], thread, limit=10.0) -> bool:
    """Whether ``thread``'s connection (its backend's pid, once in ``pids``)
    comes to wait for a lock while ``thread`` runs."""
    import psycopg

    ends = time.monotonic() + limit
    with psycopg.connect(**params, autocommit=True) as observer:
        while thread.is_alive() and time.monotonic() < ends:
            if (
                pids
                and observer.execute(
                    "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted",
                    [pids[0]],
                ).fetchone()[0]
            ):
                return True
            time.sleep(0.02)
    return False
