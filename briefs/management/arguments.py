"""Command-line arguments that more than one management command declares.

Declared here, so that a PATH and ``--dry-run`` read and behave the same in
every command that takes them. (Not in ``commands/``: Django takes every
module there for a command.)
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandParser


def add_paths(parser: CommandParser, *, many: bool) -> None:
    """Declare the PATH argument, a Path: any number of them, as ``paths``,
    when ``many``; else at most one, as ``path`` (None when not given)."""
    parser.add_argument(
        "paths" if many else "path",
        nargs="*" if many else "?",
        type=Path,
        metavar="PATH",
    )


def add_dry_run(parser: CommandParser, *, reports: str) -> None:
    """Declare ``--dry-run``: the command reports what it would do and writes
    nothing. ``reports`` ends the help's "Report what would …"."""
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help=f"Report what would {reports}; write nothing.",
    )
