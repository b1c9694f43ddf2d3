"""A database that drops, refuses or changes under a reader (newsroom/database.py).

Real PostgreSQL faults, made from a second connection while a request runs:
the site's backend terminated in the middle of a page or a save, and an
editor's commit landing between two queries of one page. The database
refusing connections is a real refused connection (a closed port).
``make test-postgres`` runs these; tests/test_faults.py makes the same
faults under load against gunicorn, on both databases.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable, Iterator

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from briefs.models import Brief
from newsroom import database
from tests.admin_forms import change_url, form_data
from tests.factories import published_brief

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only; run with make test-postgres",
    ),
]


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Every request reaches the database: the page cache's side of an
    outage is tested with it (tests/test_cache_faults.py)."""
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def no_outage_yet():
    """Each test starts with the database reachable, as far as the site knows."""
    database.outage.refused = 0


def other_connection() -> psycopg.Connection:
    """A connection of its own to the test database: another process, as it were."""
    params = connection.get_connection_params()
    return psycopg.connect(
        **{key: value for key, value in params.items() if key != "cursor_factory"},
        autocommit=True,
    )


@contextlib.contextmanager
def on_query(matches: Callable[[str], bool], act: Callable[[], None]) -> Iterator[list]:
    """Run ``act`` once, just before the site's first query that ``matches``;
    yields the list of the statements it was run before (at most one)."""
    done: list[str] = []

    def wrapper(execute, sql, params, many, context):
        if not done and matches(sql):
            done.append(sql)
            act()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield done


def terminate_site_backend() -> None:
    """Terminate the site's own connection on the server, as a restart or
    an operator's pg_terminate_backend would."""
    pid = connection.connection.info.backend_pid
    with other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_reader_whose_connection_drops_mid_page_gets_the_page(client):
    brief = published_brief(title="Harbour dues")
    with on_query(lambda sql: "briefs_section" in sql, terminate_site_backend) as done:
        response = client.get(brief.get_absolute_url())
    assert done, "the site's connection was never terminated"
    assert response.status_code == 200
    assert "Harbour dues" in response.text


def test_an_api_reader_whose_connection_drops_gets_the_answer(client):
    brief = published_brief(title="Grain corridor")
    url = reverse("briefs:api-brief", args=[brief.slug])
    with on_query(lambda sql: "briefs_keypoint" in sql, terminate_site_backend) as done:
        response = client.get(url)
    assert done
    assert response.status_code == 200
    assert response.json()["title"] == "Grain corridor"


def test_a_page_is_one_snapshot_though_a_save_commits_while_it_renders(client):
    """An editor's commit between the page's first query and its sections
    query changes nothing the page shows: it reads one state throughout."""
    brief = published_brief(
        title="Fisheries accord",
        key_points=("Old point",),
        sections=(("Old heading", "Old body.", ()),),
    )

    def editor_saves() -> None:
        with other_connection() as other, other.transaction():
            other.execute(
                "UPDATE briefs_section SET heading = 'New heading' WHERE brief_id = %s",
                [brief.pk],
            )
            other.execute(
                "UPDATE briefs_keypoint SET text = 'New point' WHERE brief_id = %s",
                [brief.pk],
            )

    with on_query(lambda sql: "briefs_keypoint" in sql, editor_saves) as done:
        response = client.get(brief.get_absolute_url())
    assert done
    assert response.status_code == 200
    # The first query (the brief) came before the commit: so do all the others.
    assert "Old point" in response.text and "Old heading" in response.text
    assert "New heading" not in response.text and "New point" not in response.text
    # And the next reader sees the commit whole.
    page = client.get(brief.get_absolute_url()).text
    assert "New point" in page and "New heading" in page


def test_the_snapshot_is_read_only_and_left_behind_by_the_request(client):
    brief = published_brief()
    seen: list[tuple] = []

    def look() -> None:
        raw = connection.connection
        seen.append((raw.isolation_level, raw.read_only))

    with on_query(lambda sql: "briefs_section" in sql, look):
        assert client.get(brief.get_absolute_url()).status_code == 200
    assert seen == [(psycopg.IsolationLevel.REPEATABLE_READ, True)]
    # The admin, and anything after the request, write as usual.
    raw = connection.connection
    assert (raw.isolation_level, raw.read_only) == (None, None)
    Brief.objects.filter(pk=brief.pk).update(title="Renamed")


def test_an_editor_whose_save_loses_its_connection_gets_the_form_back(editor_client):
    brief = published_brief(title="Port strike")
    url = change_url(brief)
    data = form_data(editor_client, url)
    data.update(title="Port strike ends", change_kind="minor")
    with on_query(
        lambda sql: sql.lstrip().startswith("UPDATE") and "briefs_brief" in sql,
        terminate_site_backend,
    ) as done:
        response = editor_client.post(url, data)
    assert done
    assert response.status_code == 200
    assert "The connection to the database was lost while saving" in response.text
    assert 'value="Port strike ends"' in response.text
    assert Brief.objects.get(pk=brief.pk).title == "Port strike"
    # Saving again, from the form as it came back, saves.
    again = editor_client.post(url, data)
    assert again.status_code == 302
    assert Brief.objects.get(pk=brief.pk).title == "Port strike ends"


def connection_left_unusable() -> None:
    """The site's backend terminated, and the next use of the connection
    failing as psycopg fails on a connection in a state it cannot use: with
    its InterfaceError, which Django raises as its InterfaceError (not a
    DatabaseError)."""
    terminate_site_backend()
    with connection.wrap_database_errors:
        raise psycopg.InterfaceError(
            "cannot execute operations: the connection is in status 2"
        )


def get_left_unusable(browser, url: str, matches: Callable[[str], bool]):
    """``browser``'s GET of ``url``, its connection left unusable just before
    the first query that ``matches``."""
    with on_query(matches, connection_left_unusable) as done:
        response = browser.get(url)
    assert done, "the connection was never made unusable"
    return response


@pytest.mark.parametrize("who", ["reader", "editor"])
def test_a_get_whose_connection_is_left_unusable_is_tried_again(
    who, client, editor_client
):
    brief = published_brief(title="Tanker seized")
    if who == "reader":
        url, browser = brief.get_absolute_url(), client
    else:
        url, browser = change_url(brief), editor_client
    response = get_left_unusable(browser, url, lambda sql: "briefs_keypoint" in sql)
    assert response.status_code == 200
    assert "Tanker seized" in response.text


def test_a_reader_whose_connection_is_left_unusable_before_the_view_gets_the_page(
    client, settings
):
    """The page cache looks up the next scheduled change before the view
    runs, above the middleware that tries a request again."""
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 3600
    brief = published_brief(title="Ferry strike")
    response = get_left_unusable(
        client, brief.get_absolute_url(), lambda sql: "MIN(" in sql
    )
    assert response.status_code == 200
    assert "Ferry strike" in response.text


def test_the_health_check_says_so_when_the_connection_is_left_unusable(client):
    try:
        response = get_left_unusable(client, "/healthz", lambda sql: "SELECT 1" in sql)
    finally:
        connection.close()  # the test's own, dead: the next test opens a new one
    assert response.status_code == 503
    assert response.json()["database"] == "InterfaceError"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_refusing(db):
    """The site's database at a port where nothing listens, then back."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port()
    yield
    connection.close()
    connection.settings_dict["PORT"] = port


def test_readers_get_a_503_with_retry_after_when_the_database_refuses(
    client, database_refusing, caplog
):
    with caplog.at_level(logging.WARNING, logger="newsroom.database"):
        page = client.get(reverse("briefs:index"))
        api = client.get(reverse("briefs:api-briefs"))
        tags = client.get(reverse("briefs:tags"))
    assert page.status_code == api.status_code == tags.status_code == 503
    assert page["Retry-After"] == api["Retry-After"] == "30"
    assert "Briefly unavailable" in page.text
    assert api.json()["error"]["message"].startswith("The briefs cannot be read")
    # One warning for the outage, not one a request, and no traceback.
    warnings = [r for r in caplog.records if r.name == "newsroom.database"]
    assert len(warnings) == 1 and warnings[0].exc_info is None


def test_the_admin_gets_a_503_not_a_500_when_the_database_refuses(
    editor_client, database_refusing
):
    response = editor_client.get(reverse("admin:briefs_brief_changelist"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_the_warning_that_the_database_is_back_counts_the_503s(client, caplog):
    brief = published_brief()
    port = connection.settings_dict["PORT"]
    with caplog.at_level(logging.WARNING, logger="newsroom.database"):
        connection.close()
        connection.settings_dict["PORT"] = closed_port()
        try:
            for _ in range(3):
                assert client.get(brief.get_absolute_url()).status_code == 503
        finally:
            connection.close()
            connection.settings_dict["PORT"] = port
        assert client.get(brief.get_absolute_url()).status_code == 200
    messages = [r.getMessage() for r in caplog.records if r.name == "newsroom.database"]
    assert len(messages) == 2
    assert "3 request(s) were answered 503" in messages[1]


def test_readers_get_the_last_cached_copy_marked_stale_while_the_database_refuses(
    client, settings
):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 3600
    brief = published_brief(title="Canal tolls")
    never_seen = published_brief(title="Lock keepers")
    assert client.get(brief.get_absolute_url())["X-Cache"] == "miss"
    # An edit drops the page; its last copy is still what readers can have.
    brief.title = "Canal fees"
    brief.save()
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port()
    try:
        stale = client.get(brief.get_absolute_url())
        unseen = client.get(never_seen.get_absolute_url())
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert stale.status_code == 200
    assert stale["X-Cache"] == "stale"
    assert "no-store" in stale["Cache-Control"]
    assert "Canal tolls" in stale.text
    assert unseen.status_code == 503
    # Back: the brief is rendered afresh, not the stale copy.
    fresh = client.get(brief.get_absolute_url())
    assert fresh.status_code == 200 and fresh["X-Cache"] == "miss"


def test_a_withdrawn_brief_has_no_last_copy_for_readers_while_the_database_refuses(
    client, settings
):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 3600
    brief = published_brief(title="Pulled story")
    assert client.get(brief.get_absolute_url())["X-Cache"] == "miss"
    brief.title = "Pulled story, revised"
    brief.save()  # an edit: the last copy is kept
    brief.status = Brief.Status.DRAFT
    brief.save()  # withdrawn: no copy of it may be served again
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port()
    try:
        response = client.get(brief.get_absolute_url())
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503
    assert "Pulled story" not in response.text
