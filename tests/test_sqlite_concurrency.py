"""The embedded SQLite default is set up for readers beside a writer.

Read from live connections to a database file, as the site opens them: WAL
(readers never wait for a writer), a busy timeout (writers queue instead of
failing), and IMMEDIATE transactions (a transaction takes the write lock when
it starts, so it never fails halfway on a lock upgrade).
"""

import pytest
from django.db import OperationalError, connections
from django.db.utils import ConnectionHandler

pytestmark = [
    pytest.mark.skipif(
        connections["default"].vendor != "sqlite",
        reason="the SQLite default's settings",
    ),
    # pytest-django guards every connection; these open their own to a file.
    pytest.mark.django_db,
]


@pytest.fixture
def file_database(tmp_path):
    """Two independent connections to one database file, with the project's options."""
    settings = dict(connections["default"].settings_dict)
    settings.update(NAME=str(tmp_path / "site.sqlite3"), TEST={})
    one = ConnectionHandler({"default": settings})["default"]
    two = ConnectionHandler({"default": dict(settings)})["default"]
    with one.cursor() as cursor:
        cursor.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
        cursor.execute("INSERT INTO note (text) VALUES ('first')")
    yield one, two
    one.close()
    two.close()


def pragma(connection, name: str):
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_live_connections_use_wal_a_busy_timeout_and_immediate_transactions(
    file_database,
):
    one, _ = file_database
    assert pragma(one, "journal_mode") == "wal"
    assert pragma(one, "busy_timeout") == 20_000
    assert pragma(one, "synchronous") == 1  # NORMAL: safe with WAL, no fsync per commit
    assert one.transaction_mode == "IMMEDIATE"


class open_transaction:
    """A transaction begun exactly as Django's atomic() begins one on SQLite."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        self.connection.set_autocommit(
            False, force_begin_transaction_with_broken_autocommit=True
        )
        return self.connection

    def __exit__(self, *exc):
        self.connection.commit()
        self.connection.set_autocommit(True)


def test_a_reader_is_not_blocked_by_an_open_write(file_database):
    writer, reader = file_database
    with open_transaction(writer):
        with writer.cursor() as cursor:
            cursor.execute("INSERT INTO note (text) VALUES ('second')")
        # The write is not committed; the reader sees the last committed state.
        with reader.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM note")
            assert cursor.fetchone()[0] == 1
    with reader.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM note")
        assert cursor.fetchone()[0] == 2


def test_a_transaction_takes_the_write_lock_when_it_starts(file_database):
    one, two = file_database
    # ``one`` begins but writes nothing, and already holds the write lock.
    with (
        pragma_timeout(two, 50),
        open_transaction(one),
        pytest.raises(OperationalError, match="locked"),
        two.cursor() as cursor,
    ):
        cursor.execute("INSERT INTO note (text) VALUES ('blocked')")


class pragma_timeout:
    """Shorten a connection's busy timeout for a block, to see a lock at once."""

    def __init__(self, connection, milliseconds: int):
        self.connection, self.milliseconds = connection, milliseconds

    def __enter__(self):
        self.previous = pragma(self.connection, "busy_timeout")
        pragma(self.connection, f"busy_timeout = {self.milliseconds}")
        return self

    def __exit__(self, *exc):
        pragma(self.connection, f"busy_timeout = {self.previous}")
