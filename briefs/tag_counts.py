"""Stored counts, kept by the database itself: tag use counts, the number
of published briefs, and each author's.

``Tag.published_brief_count`` and ``Tag.published_section_count`` say how
many tag rows of published briefs (scheduled ones included) and of their
sections name each tag. The tag index, tag pages, feeds and the sitemap read
them rather than counting every tag's uses over the archive
(``TagQuerySet.public()`` takes off the uses on briefs still scheduled).

Triggers keep them, not signals: tags change through many paths that send no
signal (bulk inserts by the importer and the tagger, ``update()`` by tag
merges and bulk status changes, deletes that cascade, restores of a revision),
and a trigger runs inside the very statement that writes, so the counts move
in the same transaction as the write or not at all. Each trigger keeps one
rule true: a tag's count is the number of its rows whose brief exists and is
published. So every table that rule reads has them: tag rows of briefs and of
sections (insert, update, delete), sections (insert, a move to another
brief, delete) and briefs (insert, a change in or out of "published",
delete). The order of writes within a transaction does not matter.

SQLite runs a trigger per row; PostgreSQL runs one per statement over its
transition tables, so a bulk insert of 1,000 rows updates each tag row once,
not 1,000 times. Write tag rows in bulk (``bulk_create``, as the importer
and the tagger do): on PostgreSQL, tens of thousands of one-row statements
in one transaction would update the same few tag rows as many times, each
update slower than the last until the transaction ends.

The number of published briefs (``ArchiveCount``, one row) is kept the same
way, by triggers on briefs alone (insert, delete, a change in or out of
"published"), scheduled briefs included: ``published_brief_count()`` takes
those off when read, so the home page, the sitemap and the API never count
the archive. A transaction that publishes or unpublishes holds the row until
it commits; one that saves a brief without changing whether it is published
does not touch it.

Each author's number of published briefs (``Author.published_brief_count``,
scheduled ones included, taken off when read) is kept by triggers on credits
(insert, update, delete) and briefs (as for the archive), so the author
index never counts an author's briefs over the archive.

On PostgreSQL, one advisory lock, held until the transaction ends, comes
before any count moves: every write path that may move one takes it first
(``lock_counts``), before it locks any row, and every trigger that moves one
takes it too (``COUNTS_LOCK``). Two transactions never move counts at once,
so they cannot lock count rows in opposite orders and deadlock. SQLite has
one writer at a time anyway.

On SQLite, Django rebuilds a table to alter it, which drops that table's
triggers; ``install_if_missing`` (run after every ``migrate``) puts them back
and counts again from scratch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection as default_connection
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count, F, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils import timezone

PREFIX = "briefs_tag_counts_"

# --- SQLite: one trigger per row ----------------------------------------------

_BRIEF_LIVE = "EXISTS (SELECT 1 FROM briefs_brief b WHERE b.id = {brief} AND b.status = 'published')"
_SECTION_LIVE = (
    "EXISTS (SELECT 1 FROM briefs_section s JOIN briefs_brief b ON b.id = s.brief_id "
    "WHERE s.id = {section} AND b.status = 'published')"
)


def _add(column: str, amount: str, tag: str, condition: str) -> str:
    return (
        f"UPDATE briefs_tag SET {column} = {column} + ({amount}) "
        f"WHERE id = {tag} AND {condition};"
    )


def _add_rows(column: str, sign: str, rows: str) -> str:
    """Add ``sign`` times each tag's number of ``rows`` (a FROM … WHERE
    clause over tag rows ``t``) to its count."""
    return (
        f"UPDATE briefs_tag SET {column} = {column} + ({sign}) * "
        f"(SELECT count(*) FROM {rows} AND t.tag_id = briefs_tag.id) "
        f"WHERE id IN (SELECT t.tag_id FROM {rows});"
    )


def _rows_of_brief(brief: str) -> str:
    return f"briefs_taggedbrief t WHERE t.content_object_id = {brief}"


def _section_rows_of_brief(brief: str) -> str:
    return (
        "briefs_taggedsection t JOIN briefs_section s ON s.id = t.content_object_id "
        f"WHERE s.brief_id = {brief}"
    )


def _section_rows(section: str) -> str:
    return f"briefs_taggedsection t WHERE t.content_object_id = {section}"


# +1 for a brief that went in to "published", -1 for one that went out.
_SIGN = "CASE WHEN new.status = 'published' THEN 1 ELSE -1 END"


def _tag_row_triggers(table: str, column: str, live: str) -> dict[str, tuple]:
    """The triggers of a table of tag rows (``briefs_<table>``): a row counts
    in its tag's ``column`` while ``live`` (a condition on its object's id,
    ``{object}``) holds."""

    def add(amount: str, row: str) -> str:
        condition = live.format(object=f"{row}.content_object_id")
        return _add(column, amount, f"{row}.tag_id", condition)

    return {
        f"{table}_insert": (f"AFTER INSERT ON briefs_{table}", add("1", "new")),
        f"{table}_delete": (f"AFTER DELETE ON briefs_{table}", add("-1", "old")),
        f"{table}_update": (
            f"AFTER UPDATE OF tag_id, content_object_id ON briefs_{table}",
            add("-1", "old") + add("1", "new"),
        ),
    }


def _sqlite_triggers() -> dict[str, str]:
    briefs, sections = "published_brief_count", "published_section_count"
    bodies = {
        # Tag rows of briefs and of sections.
        **_tag_row_triggers(
            "taggedbrief", briefs, _BRIEF_LIVE.format(brief="{object}")
        ),
        **_tag_row_triggers(
            "taggedsection", sections, _SECTION_LIVE.format(section="{object}")
        ),
        # Sections: their rows count while their brief is published.
        "section_insert": (
            "AFTER INSERT ON briefs_section WHEN "
            + _BRIEF_LIVE.format(brief="new.brief_id"),
            _add_rows(sections, "1", _section_rows("new.id")),
        ),
        "section_delete": (
            "AFTER DELETE ON briefs_section WHEN "
            + _BRIEF_LIVE.format(brief="old.brief_id"),
            _add_rows(sections, "-1", _section_rows("old.id")),
        ),
        "section_update": (
            "AFTER UPDATE OF brief_id ON briefs_section WHEN old.brief_id <> new.brief_id",
            _add_rows(
                sections,
                f"-({_BRIEF_LIVE.format(brief='old.brief_id')})",
                _section_rows("old.id"),
            )
            + _add_rows(
                sections,
                _BRIEF_LIVE.format(brief="new.brief_id"),
                _section_rows("new.id"),
            ),
        ),
        # Briefs: all their rows count or stop counting as they go in or
        # out of "published".
        "brief_insert": (
            "AFTER INSERT ON briefs_brief WHEN new.status = 'published'",
            _add_rows(briefs, "1", _rows_of_brief("new.id"))
            + _add_rows(sections, "1", _section_rows_of_brief("new.id")),
        ),
        "brief_delete": (
            "AFTER DELETE ON briefs_brief WHEN old.status = 'published'",
            _add_rows(briefs, "-1", _rows_of_brief("old.id"))
            + _add_rows(sections, "-1", _section_rows_of_brief("old.id")),
        ),
        "brief_update": (
            "AFTER UPDATE OF status ON briefs_brief "
            "WHEN (old.status = 'published') <> (new.status = 'published')",
            _add_rows(briefs, _SIGN, _rows_of_brief("new.id"))
            + _add_rows(sections, _SIGN, _section_rows_of_brief("new.id")),
        ),
    }
    statements = {}
    for name, (when, body) in bodies.items():
        trigger = PREFIX + name
        statements[trigger] = (
            f"CREATE TRIGGER IF NOT EXISTS {trigger} {when} BEGIN {body} END"
        )
    return statements


# --- PostgreSQL: one trigger per statement --------------------------------------

# Per tag, how many of a transition table's rows (``{rows}``) count: tag rows
# of a published brief, tag rows of a section of one, and the tag rows of
# sections (``{rows}`` being sections) of a published brief.
_POSTGRES_USES = {
    "taggedbrief": """
        SELECT r.tag_id, count(*) AS n FROM {rows} r
        JOIN briefs_brief b ON b.id = r.content_object_id AND b.status = 'published'
        GROUP BY r.tag_id
    """,
    "taggedsection": """
        SELECT r.tag_id, count(*) AS n FROM {rows} r
        JOIN briefs_section s ON s.id = r.content_object_id
        JOIN briefs_brief b ON b.id = s.brief_id AND b.status = 'published'
        GROUP BY r.tag_id
    """,
    "section": """
        SELECT t.tag_id, count(*) AS n FROM {rows} r
        JOIN briefs_taggedsection t ON t.content_object_id = r.id
        JOIN briefs_brief b ON b.id = r.brief_id AND b.status = 'published'
        {where}
        GROUP BY t.tag_id
    """,
}
# Which count each table's rows move.
_COLUMN = {
    "taggedbrief": "published_brief_count",
    "taggedsection": "published_section_count",
    "section": "published_section_count",
}
# Sections an update moved to another brief (only those change counts).
_SECTIONS_MOVED = (
    "SELECT o.id FROM old_rows o JOIN new_rows n "
    "ON n.id = o.id AND n.brief_id <> o.brief_id"
)
_MOVED = f"WHERE r.id IN ({_SECTIONS_MOVED})"


# The briefs a transition table's rows belong to.
_BRIEFS_OF = {
    "taggedbrief": "SELECT r.content_object_id FROM {rows} r",
    "taggedsection": (
        "SELECT s.brief_id FROM {rows} r JOIN briefs_section s ON s.id = r.content_object_id"
    ),
    "section": "SELECT r.brief_id FROM {rows} r",
}


def _apply(table: str, rows: str, sign: str, where: str = "") -> str:
    """Move the counts by the rows' uses. The briefs are locked first (FOR
    SHARE, in id order): a status change another transaction has not
    committed would otherwise be invisible to this count, and this
    transaction's rows to that change's, and both counts would miss them.
    Locked, the one waits for the other, and counts after its commit."""
    column = _COLUMN[table]
    uses = _POSTGRES_USES[table].format(rows=rows, where=where)
    briefs = _BRIEFS_OF[table].format(rows=rows)
    return (
        f"PERFORM 1 FROM briefs_brief WHERE id IN ({briefs}) ORDER BY id FOR SHARE;"
        f"UPDATE briefs_tag SET {column} = {column} {sign} d.n FROM ({uses}) d "
        "WHERE briefs_tag.id = d.tag_id;"
    )


def _apply_brief(changed: str) -> str:
    """Add each brief's sign (``changed``: rows of id and sign) times its
    rows and its sections' rows to their tags' counts."""
    return f"""
        UPDATE briefs_tag SET published_brief_count = published_brief_count + d.n
        FROM (SELECT t.tag_id, sum(c.sign) AS n FROM ({changed}) c
              JOIN briefs_taggedbrief t ON t.content_object_id = c.id
              GROUP BY t.tag_id) d
        WHERE briefs_tag.id = d.tag_id;
        UPDATE briefs_tag SET published_section_count = published_section_count + d.n
        FROM (SELECT t.tag_id, sum(c.sign) AS n FROM ({changed}) c
              JOIN briefs_section s ON s.brief_id = c.id
              JOIN briefs_taggedsection t ON t.content_object_id = s.id
              GROUP BY t.tag_id) d
        WHERE briefs_tag.id = d.tag_id;
    """


def _postgres_bodies() -> dict[tuple[str, str], str]:
    """(table, event): what its trigger does. A function reads only the
    transition tables its event has."""
    bodies = {}
    for table in _COLUMN:
        moved = _MOVED if table == "section" else ""
        bodies[table, "insert"] = _apply(table, "new_rows", "+")
        bodies[table, "delete"] = _apply(table, "old_rows", "-")
        bodies[table, "update"] = _apply(table, "old_rows", "-", moved) + _apply(
            table, "new_rows", "+", moved
        )
    # A brief's rows count while it is published: on insert and delete when
    # it is, on update when it went in or out.
    bodies["brief", "insert"] = _apply_brief(
        "SELECT id, 1 AS sign FROM new_rows WHERE status = 'published'"
    )
    bodies["brief", "delete"] = _apply_brief(
        "SELECT id, -1 AS sign FROM old_rows WHERE status = 'published'"
    )
    bodies["brief", "update"] = _apply_brief(
        "SELECT n.id, CASE WHEN n.status = 'published' THEN 1 ELSE -1 END AS sign "
        "FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE (n.status = 'published') <> (o.status = 'published')"
    )
    return bodies


_TABLES = {
    "taggedbrief": "briefs_taggedbrief",
    "taggedsection": "briefs_taggedsection",
    "section": "briefs_section",
    "brief": "briefs_brief",
}
_TRANSITIONS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


# One lock before any stored count moves, held to the end of the transaction
# (an advisory lock: it locks no row). A transaction touches count rows (tags,
# authors, the archive's) in the order its statements run, and no one order
# of statements and triggers fits every write path: deleting a brief moves
# its tags', then its authors', then its sections' tags' counts; publishing
# one moves its tags' and sections' tags', then its authors'. Two such
# transactions could each hold a row the other waits for. Taken first by
# every trigger that may move a count, this lock lets one transaction at a
# time move counts; the next waits for its commit before it locks any.
_TAKE_LOCK = "pg_advisory_xact_lock(hashtext('briefs.stored_counts'))"
COUNTS_LOCK = f"PERFORM {_TAKE_LOCK};"
# When a statement on briefs may move a count: it wrote a published brief,
# or changed whether one is published.
BRIEF_MOVES = {
    "insert": "EXISTS (SELECT 1 FROM new_rows WHERE status = 'published')",
    "delete": "EXISTS (SELECT 1 FROM old_rows WHERE status = 'published')",
    "update": (
        "EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE (n.status = 'published') <> (o.status = 'published'))"
    ),
}


def _lock_when(table: str, event: str, moved: str = "") -> str:
    """When a trigger on ``table`` after ``event`` takes the lock: a brief's
    as ``BRIEF_MOVES`` says, an update's when some row moved (``moved``: a
    query of the old rows that did), or always ("")."""
    if table == "brief":
        return BRIEF_MOVES[event]
    if event == "update" and moved:
        return f"EXISTS ({moved})"
    return ""


def _statement_trigger(
    name: str, table: str, event: str, body: str, moves: str = ""
) -> list[str]:
    """The statements that (re)create trigger ``name``, run once a statement
    on ``table`` after ``event`` with its transition tables, and its function.
    The function takes ``COUNTS_LOCK`` first: always, or only when the
    condition ``moves`` says the statement may move a count (an update that
    changes nothing counted takes no lock, so plain saves never wait)."""
    lock = f"IF {moves} THEN {COUNTS_LOCK} END IF;" if moves else COUNTS_LOCK
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN {lock} {body} RETURN NULL; END $$",
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} {_TRANSITIONS[event]} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def _postgres_statements() -> dict[str, list[str]]:
    """Trigger name: the statements that (re)create its function and it."""
    statements = {}
    for (function, event), body in _postgres_bodies().items():
        name = f"{PREFIX}{function}_{event}"
        moved = _SECTIONS_MOVED if function == "section" else ""
        statements[name] = _statement_trigger(
            name, _TABLES[function], event, body, _lock_when(function, event, moved)
        )
    return statements


# --- Published briefs: one row, one trigger per event ------------------------------

BRIEF_COUNT_PREFIX = "briefs_total_published_"
_BRIEF_COUNT = "UPDATE briefs_archivecount SET published_briefs = published_briefs + "


def _brief_count_sqlite_triggers() -> dict[str, str]:
    whens = {
        "insert": ("AFTER INSERT", "new.status = 'published'", "1"),
        "delete": ("AFTER DELETE", "old.status = 'published'", "-1"),
        "update": (
            "AFTER UPDATE OF status",
            "(old.status = 'published') <> (new.status = 'published')",
            _SIGN,
        ),
    }
    return {
        BRIEF_COUNT_PREFIX + event: (
            f"CREATE TRIGGER IF NOT EXISTS {BRIEF_COUNT_PREFIX}{event} {when} "
            f"ON briefs_brief WHEN {condition} BEGIN {_BRIEF_COUNT}({amount}); END"
        )
        for event, (when, condition, amount) in whens.items()
    }


def _brief_count_postgres_statements() -> dict[str, list[str]]:
    """As ``_postgres_statements``. The row is written only when the count
    moves, so that saving a brief that stays published (or a draft) does
    not wait on other transactions that publish."""
    changes = {
        "insert": "SELECT count(*) AS n FROM new_rows WHERE status = 'published'",
        "delete": "SELECT -count(*) AS n FROM old_rows WHERE status = 'published'",
        "update": (
            "SELECT sum(CASE WHEN n.status = 'published' THEN 1 ELSE -1 END) AS n "
            "FROM new_rows n JOIN old_rows o ON o.id = n.id "
            "WHERE (n.status = 'published') <> (o.status = 'published')"
        ),
    }
    statements = {}
    for event, change in changes.items():
        name = BRIEF_COUNT_PREFIX + event
        body = f"{_BRIEF_COUNT}d.n FROM ({change}) d WHERE d.n <> 0;"
        statements[name] = _statement_trigger(
            name, "briefs_brief", event, body, _lock_when("brief", event)
        )
    return statements


# --- Authors' published briefs: triggers on credits and briefs ------------------------

AUTHOR_COUNT_PREFIX = "briefs_tally_authors_"
_CREDIT_LIVE = "EXISTS (SELECT 1 FROM briefs_brief b WHERE b.id = {row}.brief_id AND b.status = 'published')"


def _author_add(amount: str, row: str) -> str:
    return (
        "UPDATE briefs_author SET published_brief_count = published_brief_count + "
        f"({amount}) WHERE id = {row}.author_id AND {_CREDIT_LIVE.format(row=row)};"
    )


def _author_add_credits(sign: str, brief: str) -> str:
    """Add ``sign`` times each author's number of credits on ``brief``."""
    credits = f"briefs_briefauthor c WHERE c.brief_id = {brief}"
    return (
        "UPDATE briefs_author SET published_brief_count = published_brief_count + "
        f"({sign}) * (SELECT count(*) FROM {credits} AND c.author_id = briefs_author.id) "
        f"WHERE id IN (SELECT c.author_id FROM {credits});"
    )


def _author_count_sqlite_triggers() -> dict[str, str]:
    bodies = {
        "briefauthor_insert": (
            "AFTER INSERT ON briefs_briefauthor",
            _author_add("1", "new"),
        ),
        "briefauthor_delete": (
            "AFTER DELETE ON briefs_briefauthor",
            _author_add("-1", "old"),
        ),
        "briefauthor_update": (
            "AFTER UPDATE OF author_id, brief_id ON briefs_briefauthor",
            _author_add("-1", "old") + _author_add("1", "new"),
        ),
        "brief_insert": (
            "AFTER INSERT ON briefs_brief WHEN new.status = 'published'",
            _author_add_credits("1", "new.id"),
        ),
        "brief_delete": (
            "AFTER DELETE ON briefs_brief WHEN old.status = 'published'",
            _author_add_credits("-1", "old.id"),
        ),
        "brief_update": (
            "AFTER UPDATE OF status ON briefs_brief "
            "WHEN (old.status = 'published') <> (new.status = 'published')",
            _author_add_credits(_SIGN, "new.id"),
        ),
    }
    return {
        AUTHOR_COUNT_PREFIX + name: (
            f"CREATE TRIGGER IF NOT EXISTS {AUTHOR_COUNT_PREFIX}{name} {when} "
            f"BEGIN {body} END"
        )
        for name, (when, body) in bodies.items()
    }


def _author_apply_credits(rows: str, sign: str, where: str = "") -> str:
    """Move each author's count by ``rows`` (credits) of published briefs,
    the briefs locked first, as ``_apply`` does for tag rows."""
    return (
        f"PERFORM 1 FROM briefs_brief WHERE id IN (SELECT r.brief_id FROM {rows} r {where}) "
        "ORDER BY id FOR SHARE;"
        "UPDATE briefs_author SET published_brief_count = published_brief_count "
        f"{sign} d.n FROM (SELECT r.author_id, count(*) AS n FROM {rows} r "
        "JOIN briefs_brief b ON b.id = r.brief_id AND b.status = 'published' "
        f"{where} GROUP BY r.author_id) d WHERE briefs_author.id = d.author_id;"
    )


def _author_apply_briefs(changed: str) -> str:
    """Add each brief's sign (``changed``: rows of id and sign) times its
    credits to their authors' counts."""
    return (
        "UPDATE briefs_author SET published_brief_count = published_brief_count + d.n "
        f"FROM (SELECT c.author_id, sum(x.sign) AS n FROM ({changed}) x "
        "JOIN briefs_briefauthor c ON c.brief_id = x.id GROUP BY c.author_id) d "
        "WHERE briefs_author.id = d.author_id;"
    )


# Each author's count from scratch.
_AUTHOR_RECOUNT = """
    UPDATE briefs_author SET published_brief_count = (
        SELECT count(*) FROM briefs_briefauthor c
        JOIN briefs_brief b ON b.id = c.brief_id
        WHERE c.author_id = briefs_author.id AND b.status = 'published'
    )
"""


def _author_count_postgres_statements() -> dict[str, list[str]]:
    """As ``_postgres_statements``. Reordering credits (their positions)
    moves no count and locks no author row."""
    credits_moved = (
        "SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id "
        "AND (n.author_id <> o.author_id OR n.brief_id <> o.brief_id)"
    )
    moved = f"WHERE r.id IN ({credits_moved})"
    bodies = {
        ("briefauthor", "insert"): _author_apply_credits("new_rows", "+"),
        ("briefauthor", "delete"): _author_apply_credits("old_rows", "-"),
        ("briefauthor", "update"): _author_apply_credits("old_rows", "-", moved)
        + _author_apply_credits("new_rows", "+", moved),
        ("brief", "insert"): _author_apply_briefs(
            "SELECT id, 1 AS sign FROM new_rows WHERE status = 'published'"
        ),
        ("brief", "delete"): _author_apply_briefs(
            "SELECT id, -1 AS sign FROM old_rows WHERE status = 'published'"
        ),
        ("brief", "update"): _author_apply_briefs(
            "SELECT n.id, CASE WHEN n.status = 'published' THEN 1 ELSE -1 END AS sign "
            "FROM new_rows n JOIN old_rows o ON o.id = n.id "
            "WHERE (n.status = 'published') <> (o.status = 'published')"
        ),
    }
    statements = {}
    for (table, event), body in bodies.items():
        name = f"{AUTHOR_COUNT_PREFIX}{table}_{event}"
        statements[name] = _statement_trigger(
            name,
            f"briefs_{table}",
            event,
            body,
            _lock_when(table, event, credits_moved),
        )
    return statements


def lock_counts(using: str = "default") -> None:
    """Take the counts' lock (``COUNTS_LOCK``) now, at the start of a write
    transaction, before it locks any row: a brief it reads for update, a tag
    or author it saves, a slug it inserts.

    The triggers take the lock only when a statement moves a count, which
    may come after such a row lock; and a transaction that holds the lock
    (an import batch, a re-tag) may then wait for that very row, while its
    holder waits for the lock. Taken first, on every write path that may
    move a count, there is one order: the lock, then rows. Re-entrant within
    a transaction; nothing on SQLite, where one writer holds the database."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {_TAKE_LOCK}")


def published_brief_count() -> int:
    """``Brief.objects.published().count()`` without counting the archive:
    the stored count less the briefs still scheduled (found by the index on
    status and publication time). One query."""
    from briefs.models import ArchiveCount, Brief

    scheduled = (
        Brief.objects.filter(
            status=Brief.Status.PUBLISHED, published_at__gt=timezone.now()
        )
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        ArchiveCount.objects.annotate(
            live=F("published_briefs") - Coalesce(Subquery(scheduled), 0)
        )
        .values_list("live", flat=True)
        .get()
    )


# --- Installing and counting -------------------------------------------------------


@dataclass(frozen=True)
class StoredCounts:
    """One kind of stored count: its triggers, how to count it from
    scratch, and the migration that added it."""

    prefix: str
    migration: str
    sqlite: Callable[[], dict[str, str]]  # trigger name: CREATE TRIGGER
    postgresql: Callable[[], dict[str, list[str]]]  # trigger name: statements
    recount: str
    # A query that returns a row when the counts' own rows are in place.
    rows_present: str = "SELECT 1"

    def trigger_names(
        self, connection: BaseDatabaseWrapper = default_connection
    ) -> set[str]:
        """The triggers these counts need on ``connection``'s database."""
        if connection.vendor == "sqlite":
            return set(self.sqlite())
        if connection.vendor == "postgresql":
            return set(self.postgresql())
        return set()

    def installed(
        self, connection: BaseDatabaseWrapper = default_connection
    ) -> set[str]:
        """Which of these counts' triggers the database has."""
        query = {
            "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            "postgresql": "SELECT tgname FROM pg_trigger WHERE tgname LIKE %s",
        }.get(connection.vendor)
        if query is None:
            return set()
        with connection.cursor() as cursor:
            cursor.execute(query, [self.prefix + "%"])
            return {name for (name,) in cursor.fetchall()}

    def in_place(self, connection: BaseDatabaseWrapper) -> bool:
        """Every trigger is there, as written now (on PostgreSQL, each
        function's source: an older version of it is replaced), and so are
        the rows they write."""
        if self.installed(connection) != self.trigger_names(connection):
            return False
        if connection.vendor == "postgresql" and self._functions(connection) != {
            name: statements[0].split("$$")[1]
            for name, statements in self.postgresql().items()
        }:
            return False
        with connection.cursor() as cursor:
            cursor.execute(self.rows_present)
            return cursor.fetchone() is not None

    def _functions(self, connection: BaseDatabaseWrapper) -> dict[str, str]:
        """Each of these counts' trigger functions: its source."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE %s",
                [self.prefix + "%"],
            )
            return dict(cursor.fetchall())

    def install(self, connection: BaseDatabaseWrapper = default_connection) -> None:
        """Create the triggers (again, where they exist) and count from
        scratch, so the counts start right."""
        if connection.vendor == "sqlite":
            statements = list(self.sqlite().values())
        elif connection.vendor == "postgresql":
            statements = [sql for group in self.postgresql().values() for sql in group]
        else:
            raise NotImplementedError(f"No count triggers for {connection.vendor}.")
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        # Counted under the counts' lock, in one transaction: a write that
        # moves a count meanwhile commits before the count starts, or waits
        # for it to end (counted without it, the count could read a snapshot
        # older than that write's and store a number it had already moved).
        with transaction.atomic(using=connection.alias):
            lock_counts(connection.alias)
            with connection.cursor() as cursor:
                cursor.execute(self.recount)

    def uninstall(self, connection: BaseDatabaseWrapper = default_connection) -> None:
        """Drop the triggers and their functions (a migration going backwards)."""
        with connection.cursor() as cursor:
            for name in self.installed(connection):
                if connection.vendor == "sqlite":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                else:
                    cursor.execute(f"DROP FUNCTION IF EXISTS {name}() CASCADE")


TAGS = StoredCounts(
    prefix=PREFIX,
    migration="0012_tag_use_counts",
    sqlite=_sqlite_triggers,
    postgresql=_postgres_statements,
    recount="""
    UPDATE briefs_tag SET
        published_brief_count = (
            SELECT count(*) FROM briefs_taggedbrief t
            JOIN briefs_brief b ON b.id = t.content_object_id
            WHERE t.tag_id = briefs_tag.id AND b.status = 'published'
        ),
        published_section_count = (
            SELECT count(*) FROM briefs_taggedsection t
            JOIN briefs_section s ON s.id = t.content_object_id
            JOIN briefs_brief b ON b.id = s.brief_id
            WHERE t.tag_id = briefs_tag.id AND b.status = 'published'
        )
    """,
)
BRIEFS = StoredCounts(
    prefix=BRIEF_COUNT_PREFIX,
    migration="0017_archive_count",
    sqlite=_brief_count_sqlite_triggers,
    postgresql=_brief_count_postgres_statements,
    # An upsert: the row may be missing (a test database's flush empties
    # every table).
    recount="""
    INSERT INTO briefs_archivecount (id, published_briefs)
    SELECT 1, count(*) FROM briefs_brief WHERE status = 'published'
    ON CONFLICT (id) DO UPDATE SET published_briefs = excluded.published_briefs
    """,
    rows_present="SELECT 1 FROM briefs_archivecount",
)
AUTHORS = StoredCounts(
    prefix=AUTHOR_COUNT_PREFIX,
    migration="0018_author_published_brief_count",
    sqlite=_author_count_sqlite_triggers,
    postgresql=_author_count_postgres_statements,
    recount=_AUTHOR_RECOUNT,
)

# Tag counts by their first names (migration 0012 and tests call these).
trigger_names = TAGS.trigger_names
installed = TAGS.installed
install = TAGS.install
uninstall = TAGS.uninstall


@receiver(post_migrate, dispatch_uid="briefs.tag_counts")
def install_if_missing(sender, using: str = "default", **kwargs) -> None:
    """After ``migrate`` (and a test database's flush, which sends the same
    signal): put back any trigger a table rebuild dropped, or the count row
    a flush deleted, and count again (writes since then went uncounted).
    Each kind of count waits for the migration that adds it."""
    if sender.label != "briefs":
        return
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    applied = MigrationRecorder(connection).applied_migrations()
    for counts in (TAGS, BRIEFS, AUTHORS):
        if ("briefs", counts.migration) in applied and not counts.in_place(connection):
            counts.install(connection)
