"""Every write path that may move a stored count takes the counts' lock
first, before it locks any row (``briefs.tag_counts.lock_counts``).

PostgreSQL only: SQLite has one writer at a time. Each test holds the lock
in a connection of its own, starts the write in a thread, and waits until
that write waits for the lock. At that moment the write must hold no lock
on the brief, tag or author it is about to change: the test locks that row
itself, without waiting (NOWAIT). A write that locked the row first, and
the lock after it, could deadlock with an import batch or a re-tag that
holds the lock and needs the row. Then the test lets go, and the write
must finish.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client

from briefs.editorial.workflow import change_status
from briefs.models import Author, Brief, Tag
from briefs.tag_counts import _TAKE_LOCK
from tests.admin_forms import change_url, form_data
from tests.factories import draft_brief, published_brief

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only; run with make test-postgres",
    ),
]


def psycopg_params() -> dict:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    return params


def waits_for_the_lock(observer, pid: int, limit: float = 10.0) -> bool:
    """Whether backend ``pid`` comes to wait for an advisory lock."""
    ends = time.monotonic() + limit
    while time.monotonic() < ends:
        waiting = observer.execute(
            "SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'advisory' "
            "AND NOT granted",
            [pid],
        ).fetchone()[0]
        if waiting:
            return True
        time.sleep(0.02)
    return False


def assert_locks_counts_first(write: Callable[[], object], table: str, pk: int):
    """Run ``write`` in a thread while the counts' lock is held: it waits for
    the lock holding no lock on row ``pk`` of ``table``, then finishes."""
    import psycopg

    outcome: dict = {}

    def run() -> None:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            outcome["pid"] = cursor.fetchone()[0]
        try:
            outcome["result"] = write()
        except BaseException as error:  # reported below, in the test's thread
            outcome["error"] = error
        finally:
            connections["default"].close()

    params = psycopg_params()
    with (
        psycopg.connect(**params) as holder,
        psycopg.connect(**params, autocommit=True) as observer,
    ):
        holder.execute(f"SELECT {_TAKE_LOCK}")
        writing = threading.Thread(target=run)
        writing.start()
        while "pid" not in outcome and writing.is_alive():
            time.sleep(0.01)
        waited = waits_for_the_lock(observer, outcome.get("pid", -1))
        # The row is free: the write has not locked it before the counts' lock.
        holder.execute(
            f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk]
        ).fetchall()
        holder.commit()
        writing.join(timeout=30)

    assert not writing.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert waited, "the write never waited for the counts' lock"
    return outcome["result"]


def editor_client() -> Client:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("edith", "e@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_save_of_a_brief():
    brief = published_brief(title="Before")
    client = editor_client()
    data = {**form_data(client, change_url(brief)), "title": "After"}
    data["change_kind"] = "minor"

    response = assert_locks_counts_first(
        lambda: client.post(change_url(brief), data), "briefs_brief", brief.pk
    )

    assert response.status_code == 302
    assert Brief.objects.get(pk=brief.pk).title == "After"


def test_an_admin_delete_of_a_brief():
    brief = published_brief()
    client = editor_client()
    url = f"/admin/briefs/brief/{brief.pk}/delete/"

    response = assert_locks_counts_first(
        lambda: client.post(url, {"post": "yes"}), "briefs_brief", brief.pk
    )

    assert response.status_code == 302
    assert not Brief.objects.filter(pk=brief.pk).exists()


def test_publishing_from_the_workflow():
    brief = draft_brief()
    client = editor_client()  # the user the change is recorded for
    user = client.session["_auth_user_id"]
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.get(pk=user)

    assert_locks_counts_first(
        lambda: change_status(
            briefs=Brief.objects.filter(pk=brief.pk), to_status="published", user=editor
        ),
        "briefs_brief",
        brief.pk,
    )

    assert Brief.objects.get(pk=brief.pk).status == "published"


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [(Tag, "name", "Fishing"), (Author, "role", "Correspondent")],
    ids=["a tag renamed", "an author changed"],
)
def test_an_admin_save_of_a_counted_row(model, field, value):
    """Tags and authors carry stored counts: saving one locks its row."""
    published_brief(tags=("Fisheries",), authors=("Ana Ruiz",))
    row = model.objects.get(name__in=["Fisheries", "Ana Ruiz"])
    client = editor_client()
    url = f"/admin/briefs/{model._meta.model_name}/{row.pk}/change/"
    data = {**form_data(client, url), field: value}

    response = assert_locks_counts_first(
        lambda: client.post(url, data), model._meta.db_table, row.pk
    )

    assert response.status_code == 302
    assert getattr(model.objects.get(pk=row.pk), field) == value


def test_migrate_replaces_trigger_functions_written_before_the_lock():
    """A database whose triggers were made by an earlier version of a
    migration (the same names, bodies without the lock) gets today's on the
    next ``migrate``, which checks each function's source, not only its name."""
    from django.apps import apps

    from briefs import tag_counts

    name = tag_counts.AUTHOR_COUNT_PREFIX + "brief_update"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN NULL; END $$"
        )
    assert not tag_counts.AUTHORS.in_place(connection)

    tag_counts.install_if_missing(sender=apps.get_app_config("briefs"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [name])
        assert "pg_advisory_xact_lock" in cursor.fetchone()[0]
    assert tag_counts.AUTHORS.in_place(connection)


def test_counting_again_after_a_migration():
    """``migrate`` counts from scratch when it puts triggers back: under the
    lock, so that no write moves a count between the snapshot the count reads
    and the number it stores."""
    from briefs import tag_counts

    published_brief(tags=("Fisheries",))
    tag = Tag.objects.get(name="Fisheries")

    assert_locks_counts_first(
        lambda: tag_counts.TAGS.install(connections["default"]), "briefs_tag", tag.pk
    )

    assert Tag.objects.get(pk=tag.pk).published_brief_count == 1
