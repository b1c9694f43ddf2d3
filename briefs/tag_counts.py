"""Stored tag use counts, kept by the database itself.

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

On SQLite, Django rebuilds a table to alter it, which drops that table's
triggers; ``install_if_missing`` (run after every ``migrate``) puts them back
and counts again from scratch.
"""

from __future__ import annotations

from django.db import connection as default_connection
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate
from django.dispatch import receiver

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
    return {
        name: f"CREATE TRIGGER IF NOT EXISTS {PREFIX}{name} {when} BEGIN {body} END"
        for name, (when, body) in bodies.items()
    }


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
_MOVED = (
    "WHERE r.id IN (SELECT o.id FROM old_rows o JOIN new_rows n "
    "ON n.id = o.id AND n.brief_id <> o.brief_id)"
)


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


def _postgres_statements() -> dict[str, list[str]]:
    """Trigger name: the statements that (re)create its function and it."""
    statements = {}
    for (function, event), body in _postgres_bodies().items():
        name = f"{PREFIX}{function}_{event}"
        table = _TABLES[function]
        statements[name] = [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {body} RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} {_TRANSITIONS[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


# --- Installing and counting -------------------------------------------------------

RECOUNT = [
    """
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
    """
]


def trigger_names(connection: BaseDatabaseWrapper = default_connection) -> set[str]:
    """The triggers this module needs on ``connection``'s database."""
    if connection.vendor == "sqlite":
        return {PREFIX + name for name in _sqlite_triggers()}
    if connection.vendor == "postgresql":
        return set(_postgres_statements())
    return set()


def installed(connection: BaseDatabaseWrapper = default_connection) -> set[str]:
    """Which of this module's triggers the database has."""
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
        "postgresql": "SELECT tgname FROM pg_trigger WHERE tgname LIKE %s",
    }.get(connection.vendor)
    if query is None:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(query, [PREFIX + "%"])
        return {name for (name,) in cursor.fetchall()}


def install(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Create the triggers (again, where they exist) and count every tag's
    uses from scratch, so the counts start right."""
    if connection.vendor == "sqlite":
        statements = list(_sqlite_triggers().values())
    elif connection.vendor == "postgresql":
        statements = [sql for group in _postgres_statements().values() for sql in group]
    else:
        raise NotImplementedError(f"No tag count triggers for {connection.vendor}.")
    with connection.cursor() as cursor:
        for sql in statements + RECOUNT:
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Drop the triggers and their functions (a migration going backwards)."""
    with connection.cursor() as cursor:
        for name in installed(connection):
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            else:
                table = _TABLES[name.removeprefix(PREFIX).rsplit("_", 1)[0]]
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


@receiver(post_migrate, dispatch_uid="briefs.tag_counts")
def install_if_missing(sender, using: str = "default", **kwargs) -> None:
    """After ``migrate``: put back any trigger a table rebuild dropped, and
    count again (writes since then went uncounted). Does nothing before
    migration 0012 has added the counts."""
    if sender.label != "briefs":
        return
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    applied = MigrationRecorder(connection).applied_migrations()
    if ("briefs", "0012_tag_use_counts") not in applied:
        return
    if installed(connection) != trigger_names(connection):
        install(connection)
