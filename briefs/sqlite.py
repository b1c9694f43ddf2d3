"""Unicode-aware case folding for SQLite, which folds ASCII letters only.

Tags are case-insensitive: "Україна" and "УКРАЇНА" are one tag. PostgreSQL's
lower() and UPPER-based iexact already know that; SQLite's built-in lower(),
upper() and LIKE do not. Each new SQLite connection gets Python's versions,
so taggit's ``name__iexact`` lookups, admin searches and the unique
``Lower("name")`` index on tags agree with Python's ``str.casefold``.
"""

from __future__ import annotations

import re
from functools import lru_cache


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _upper(value):
    return value.upper() if isinstance(value, str) else value


@lru_cache(maxsize=512)
def _like_pattern(pattern: str, escape: str | None) -> re.Pattern[str]:
    parts, chars = [], iter(pattern)
    for char in chars:
        if escape and char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _like(pattern, value, escape=None):
    """SQL LIKE, case-insensitive for every script (SQLite's is ASCII-only)."""
    if pattern is None or value is None:
        return None
    return _like_pattern(str(pattern), escape).fullmatch(str(value)) is not None


def register_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: install the functions on SQLite connections."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("lower", 1, _lower, deterministic=True)
    raw.create_function("upper", 1, _upper, deterministic=True)
    raw.create_function("like", 2, _like, deterministic=True)
    raw.create_function("like", 3, _like, deterministic=True)
