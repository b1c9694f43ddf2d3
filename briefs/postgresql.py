"""What each PostgreSQL connection is told when it opens.

No JIT compilation: every query the site runs is short, but PostgreSQL's
cost estimate for a correlated subquery can pass ``jit_above_cost``, and
compiling then took 77 ms of an 84 ms query (the tags' sitemap at 100,000
briefs). A ``SET`` for the session rather than ``-c jit=off`` in the
connection's options, which PgBouncer refuses (``unsupported startup
parameter``) or drops.
"""

from __future__ import annotations


def configure_session(sender, connection, **kwargs) -> None:
    """connection_created receiver: the session's settings on PostgreSQL."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    # Kept for the session however the connection is set up (Django commits
    # its own settings the same way when autocommit is off).
    if not connection.get_autocommit():
        connection.commit()
