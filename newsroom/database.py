"""Requests against a database that can fail: one snapshot, one retry, a 503.

Snapshot: a public page or API answer reads several tables (the brief, its
key points, its sections and their tags). Under PostgreSQL's default READ
COMMITTED each query sees the newest commit, so a page rendered while an
editor saves could show the key points of one save beside the sections of
the next, a brief that never existed. Every GET and HEAD outside the admin
therefore runs in one transaction that reads one state of the database: READ
ONLY and REPEATABLE READ on PostgreSQL, DEFERRED on SQLite (whose IMMEDIATE
mode, right for writes, would make readers queue for the write lock).

Retry: ``CONN_HEALTH_CHECKS`` replaces a connection that died between
requests. One that dies during a GET or HEAD (a database restart, a
terminated backend), a reader's or an editor's, is closed, and the request
runs once more on a new one. A POST is not run again; the brief's change
form comes back with the editor's input instead (BriefAdmin.keeping_input).

Unavailable: a request that cannot reach the database gets a 503 with
``Retry-After``, the API its JSON error body, never a 500; the page cache
above answers readers with the last copy it holds where it has one. One
warning is logged when the database goes away and one when it is back, with
the number of requests answered 503 meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import Error, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

# How long clients are asked to wait before trying again.
RETRY_AFTER_SECONDS = 30
UNAVAILABLE_MESSAGE = (
    "The briefs cannot be read just now: the database is unavailable. "
    "Please try again in a minute."
)


def lost_connection(error: BaseException) -> bool:
    """Whether ``error`` means the database could not be reached or the
    connection was lost, rather than a query failing on a good one.

    The connection never opened (refused, or a SQLite file that cannot be
    opened); else, on PostgreSQL, an error psycopg raises itself (no SQLSTATE:
    the connection failed, was lost or is closed) or one of class 08
    (connection exception) or 57P01-57P03 (the server shutting down or
    starting up). A serialisation failure, a lock timeout or SQLite's
    "database is locked" is not one: trying again on a new connection would
    not be the answer.
    """
    if connection.connection is None:
        return True
    if connection.vendor != "postgresql":
        return False
    import psycopg

    cause = error.__cause__ or error
    if isinstance(cause, psycopg.InterfaceError):
        return True
    if not isinstance(cause, psycopg.OperationalError):
        return False
    sqlstate = cause.sqlstate or ""
    return not sqlstate or sqlstate.startswith("08") or sqlstate in _SHUTTING_DOWN


_SHUTTING_DOWN = frozenset({"57P01", "57P02", "57P03"})


def first_line(error: BaseException) -> str:
    """The first line of ``error``'s message, for a log line without its traceback."""
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


@contextlib.contextmanager
def reading_snapshot() -> Iterator[None]:
    """One transaction that reads one state of the database, for a reader.

    Inside a transaction already (a test's), that transaction is the snapshot.
    Raises a database error when the database cannot be reached.
    """
    if connection.in_atomic_block:
        yield
        return
    # CONN_HEALTH_CHECKS, as a request's first query would: a connection that
    # died since the last request is replaced before the snapshot begins.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with _postgresql_snapshot():
            yield
    elif connection.vendor == "sqlite":
        mode = connection.transaction_mode
        connection.transaction_mode = "DEFERRED"
        try:
            with transaction.atomic():
                yield
        finally:
            connection.transaction_mode = mode
    else:
        with transaction.atomic():
            yield


@contextlib.contextmanager
def _postgresql_snapshot() -> Iterator[None]:
    from psycopg import IsolationLevel

    raw = connection.connection
    level, read_only = raw.isolation_level, raw.read_only
    # psycopg starts the next transaction with these, in its BEGIN. Setting
    # them talks to a connection that may be lost: its errors as Django's.
    with connection.wrap_database_errors:
        raw.isolation_level, raw.read_only = IsolationLevel.REPEATABLE_READ, True
    try:
        with transaction.atomic():
            yield
    finally:
        try:
            raw.isolation_level, raw.read_only = level, read_only
        except Exception:
            # Lost meanwhile: never leave a read-only connection for the
            # next request (an editor's save) to meet.
            connection.close()


class _Outage:
    """This process's view of a database outage, for two log lines, not one a request."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.refused = 0

    def failed(self, error: BaseException) -> None:
        with self.lock:
            self.refused += 1
            first = self.refused == 1
        if first:
            logger.warning(
                "The database is unavailable (%s: %s); answering 503 until it is back.",
                type(error).__name__,
                first_line(error),
            )

    def answered(self) -> None:
        if not self.refused:
            return
        with self.lock:
            refused, self.refused = self.refused, 0
        if refused:
            logger.warning(
                "The database is back; %d request(s) were answered 503 meanwhile.",
                refused,
            )


outage = _Outage()


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 a request gets when the database cannot be reached."""
    if request.path_info.startswith("/api/"):
        from briefs.api import error_body, json_response

        response = json_response(request, error_body(UNAVAILABLE_MESSAGE), status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged once an outage (``outage``), not by django.request once a request.
    response._has_been_logged = True
    # The page cache answers with the last copy it holds instead, if any.
    response.database_unavailable = True
    return response


def is_reader_request(request: HttpRequest) -> bool:
    """A GET or HEAD of a public page, the API, a feed: anything but the admin."""
    return request.method in ("GET", "HEAD") and not request.path_info.startswith(
        "/" + settings.NEWSROOM_ADMIN_URL
    )


class DatabaseResilienceMiddleware:
    """Readers' requests in one snapshot; any GET or HEAD tried once more on
    a lost connection; a 503 (never a 500) for any request that cannot reach
    the database. A POST is not tried again: the admin's change form shows
    itself again with the editor's input (BriefAdmin.keeping_input).

    Place it last, so the snapshot holds only the view: sessions, which may
    write, are saved outside it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = self.get_response(request)
            if not getattr(response, "database_unavailable", False):
                outage.answered()
            return response
        for _attempt in (1, 2):  # the request, and once more
            response = self._attempt(request, snapshot=is_reader_request(request))
            if response is not None:
                outage.answered()
                return response
            # Throw the dead connection away: the next query opens a new one.
            connection.close()
        outage.failed(request.database_lost)
        return unavailable(request)

    def _attempt(self, request: HttpRequest, *, snapshot: bool) -> HttpResponse | None:
        """The view's answer, read in one snapshot for a reader; None when the
        database connection was lost on the way (``request.database_lost``)."""
        request.database_lost = None
        response = None
        try:
            with reading_snapshot() if snapshot else contextlib.nullcontext():
                response = self.get_response(request)
        except Error as error:
            if response is None:  # the snapshot could not begin
                if not lost_connection(error):
                    raise
                request.database_lost = error
            # Else the end of a read-only transaction failed (Django has
            # already opened a new connection): the answer stands unless the
            # view met the loss too.
        return None if request.database_lost else response

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        # Error, not only DatabaseError: psycopg's InterfaceError (a connection
        # left in a state it cannot use) is Django's InterfaceError, which is not one.
        if not isinstance(exception, Error) or not lost_connection(exception):
            return None
        if request.method in ("GET", "HEAD"):
            # Tried again by __call__ (this answer is never sent).
            request.database_lost = exception
            return HttpResponse(status=503)
        connection.close()
        outage.failed(exception)
        return unavailable(request)
