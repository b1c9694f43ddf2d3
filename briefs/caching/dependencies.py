"""What a cached page shows, and what a write changes, as dependency names.

A page records the names of what it shows while it renders; a write names
what it changed, and every stored page that recorded one of those names is
dropped (``briefs.caching.stores``). The names:

- ``brief:<id>``: anything about one brief (its fields, slug and status, key
  points, sections, tags, corrections, public versions). Recorded for every
  brief a page loads (``collect``, on ``post_init``), so a listing cannot
  forget a brief it shows.
- ``briefs``: which briefs are published and in what order (a brief
  published, unpublished, scheduled, re-dated, created or deleted). Declared
  by the pages that list the newest briefs (home pages, the latest feeds).
- ``tag:<id>``: one tag's name, slug, kind, and which briefs and sections
  carry it. Recorded for every tag a page loads: a tag's page and feeds, and
  a brief page's topics, whose related briefs are chosen by them.
- ``tags``: the tag index (which tags are public, and their counts).
- ``author:<id>``: one author's name and details. Recorded for every author
  a page loads.
- ``author-briefs:<id>``: which published briefs credit one author, in
  what order. Declared by the author's page and feeds.
- ``authors``: the author index (which authors are public, and their counts).
- ``*``: everything. Every page depends on it.
- ``write``: any write at all. Every write names it; a page whose view
  declares nothing with ``depends_on`` depends on it (the sitemap,
  robots.txt), so any write drops it.

A write with no names (``content_changed()``) changes everything: the safe
answer for bulk or unknown writes.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable

from django.http import HttpRequest

EVERYTHING = "*"
ANY_WRITE = "write"
PUBLISHED_SET = "briefs"
TAG_INDEX = "tags"
AUTHOR_INDEX = "authors"

# The names the page being rendered for readers has recorded, or None.
_collecting: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "page_dependencies", default=None
)


def brief(pk: int) -> str:
    return f"brief:{pk}"


def tag(pk: int) -> str:
    return f"tag:{pk}"


def author(pk: int) -> str:
    return f"author:{pk}"


def author_briefs(pk: int) -> str:
    return f"author-briefs:{pk}"


def ids_named(names: Iterable[str], kind: str) -> set[int]:
    """The ids ``names`` give for ``kind`` (``"brief"`` for ``brief(pk)``'s
    names, ``"author"`` for ``author(pk)``'s)."""
    prefix = f"{kind}:"
    return {int(name.removeprefix(prefix)) for name in names if name.startswith(prefix)}


def depends_on(request: HttpRequest, *names: str) -> None:
    """Declare that the page ``request`` is rendering shows ``names``.

    A view calls it for what no loaded row stands for (``"briefs"`` on a
    page of the newest briefs, ``"tags"`` on the tag index). Once a view has
    called it, the page depends on the declared and the collected names
    only; without a call, on everything.
    """
    declared = getattr(request, "page_dependencies", None)
    if declared is not None:
        declared.update(names)
        request.page_dependencies_declared = True


def record(*names: str) -> None:
    """Add ``names`` to the page being rendered, if one is (``post_init``)."""
    collected = _collecting.get()
    if collected is not None:
        collected.update(names)


class collecting:
    """Within it, the rows loaded for ``request`` are recorded on it:
    ``with collecting(request): response = view(request)``."""

    def __init__(self, request: HttpRequest):
        self.request = request
        request.page_dependencies = set()
        request.page_dependencies_declared = False

    def __enter__(self) -> None:
        self._token = _collecting.set(self.request.page_dependencies)

    def __exit__(self, *exc) -> None:
        _collecting.reset(self._token)


def page_dependencies(request: HttpRequest) -> frozenset[str]:
    """The names the page rendered for ``request`` depends on, ``*`` always
    among them; ``*`` and ``write`` when its view declared nothing."""
    if not getattr(request, "page_dependencies_declared", False):
        return frozenset({EVERYTHING, ANY_WRITE})
    return frozenset(request.page_dependencies | {EVERYTHING})


def widened(names: Iterable[str] | None) -> frozenset[str] | None:
    """``names`` as a set with ``write``, or None (everything) when it is
    None or says ``*``. No names at all stays empty: nothing was written."""
    if names is None:
        return None
    names = frozenset(names)
    if EVERYTHING in names:
        return None
    return names | {ANY_WRITE} if names else names
