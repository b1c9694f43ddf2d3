"""The brief page's article, rendered when the brief is saved and stored.

Most of a brief page shows the brief alone: its header, key points,
contents, sections with their tags, corrections and tags
(``templates/briefs/brief_article.html``). That part is rendered once, when
a write that changed it commits, and stored (``StoredArticle``) with the few
facts the page's metadata needs from the same rows (the description, the
section headings, the corrections, the authors). The page then reads it
in one small query, and its topics in another, in place of five (its tags,
key points, sections, authors and corrections) and most of its template. What
depends on other briefs or on the request is still made on every render:
related briefs, the citation, share links and the page's metadata. The page
address the article prints (for paper) is put in on each render.

How it stays right:

- **Stale at once.** Every write readers could see goes through
  ``briefs.caching.content_changed``, which calls ``stale()`` with the names
  it changed (``briefs.caching.dependencies``): the articles of the briefs
  named (``brief:<id>``) and of the briefs an author named
  (``author:<id>``, a change to the author) credits, or every article (no
  names), lose their HTML in the write's own transaction. A tag's own
  change (a new name or address) makes its briefs' articles stale from
  ``briefs.signals``. So no reader ever sees an article older than a
  write: until it is rendered again, the page renders it from the rows.
- **Never stored late.** A stored article carries a generation that each of
  those writes moves on. ``render_stored()`` reads the generation before
  the rows it renders, and stores the article only if the generation is
  still the one it read: a rendering that read the rows before a write is
  never stored after it, whichever commits first.
- **Rendered again** after the commit of a transaction that changed at
  most ``RENDERED_AT_COMMIT`` briefs (an editor's save, a correction);
  ``manage.py render_articles`` renders every article missing or stale
  (after an import, a tag's rename, a new release).
- **One release.** An article's ``format`` names the release and settings it
  was rendered with (``release_id``, the NEWSROOM_*, STATIC*, MEDIA*,
  STORAGES and AWS_* settings, the time zone, the language and the script
  prefix); a page shows only an article of its own format.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.db import Error, IntegrityError, connection, transaction
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from briefs.caching import dependencies
from briefs.caching.pages import release_id
from briefs.models import (
    CREDITS,
    Brief,
    Correction,
    StoredArticle,
    Tag,
)
from briefs.reading.metadata import person_with_path
from briefs.reading.related import Topic, brief_topics, by_name, reading_minutes
from newsroom import database

logger = logging.getLogger(__name__)

TEMPLATE = "briefs/brief_article.html"
# After a write that changed at most this many briefs, their articles are
# rendered again at once; after a larger one (an import, a tag's rename),
# by ``manage.py render_articles``.
RENDERED_AT_COMMIT = 4
# Ids to a statement when articles are made stale by id (bind parameters
# are limited: 65,535 on PostgreSQL).
MARKED_AT_ONCE = 1000
# Where the article prints the page's address: an HTML comment, which no
# escaped text or rendered Markdown (raw HTML off) can contain, and which
# comes before any of them.
ADDRESS = "<!--newsroom:address-->"


@dataclass(frozen=True)
class Article:
    """A brief's article (``html``, with ``ADDRESS`` where the page's address
    goes) and what the page's metadata takes from the same rows."""

    html: str
    description: str
    headings: list[str]
    corrections: list[dict]
    # Its authors, as ``metadata.person_with_path`` gives them, and their ids.
    authors: list[dict]
    author_ids: list[int]

    def at(self, url: str) -> SafeString:
        """The article, printing ``url`` as the page's address."""
        return mark_safe(self.html.replace(ADDRESS, escape(url), 1))

    @property
    def facts(self) -> dict:
        return {
            "description": self.description,
            "headings": self.headings,
            "corrections": self.corrections,
            "authors": self.authors,
            "author_ids": self.author_ids,
        }

    @property
    def author_names(self) -> list[str]:
        return [author["name"] for author in self.authors]


def article_format() -> str:
    """What an article rendered now depends on beyond its rows."""
    return _format(get_script_prefix())


@functools.cache
def _format(script_prefix: str) -> str:
    """The release (its files, once per process), the settings an article
    may show (read again when a test changes one: the storage settings
    among them, which make the lead image's addresses) and ``script_prefix``."""
    names = sorted(
        name
        for name in dir(settings)
        if name.startswith(("NEWSROOM_", "STATIC", "MEDIA", "AWS_"))
        or name in ("TIME_ZONE", "USE_TZ", "LANGUAGE_CODE", "STORAGES")
    )
    identity = [release_id(), script_prefix]
    identity += [f"{name}={getattr(settings, name)!r}" for name in names]
    return hashlib.sha256("\0".join(identity).encode()).hexdigest()[:32]


setting_changed.connect(
    lambda **kwargs: _format.cache_clear(),
    weak=False,
    dispatch_uid="briefs.reading.articles.format",
)


def stored(brief: Brief) -> Article | None:
    """``brief``'s stored article, when it has one of this format; one query,
    of our own SQL (the ORM took ten times as long to build it as the
    database to answer). The page being rendered depends on its authors
    (``author:<id>``), as if it had loaded them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT html, facts FROM briefs_storedarticle "
            "WHERE brief_id = %s AND format = %s AND html IS NOT NULL",
            [brief.pk, article_format()],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    html, facts = row
    try:
        article = Article(html=html, **json.loads(facts))
    except (TypeError, ValueError):  # facts of another shape: another release's
        return None
    # The page shows its authors, though it loads none of them.
    dependencies.record(*(dependencies.author(pk) for pk in article.author_ids))
    return article


def topics(brief: Brief) -> list[Topic]:
    """``brief``'s own and its sections' tags, once each, by name, as
    ``related.brief_topics`` gives them; one query, and no tags loaded:
    the page depends on each (``tag:<id>``) all the same."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id, name, published_brief_count, published_section_count
            FROM briefs_tag WHERE id IN (
                SELECT tag_id FROM briefs_taggedbrief WHERE content_object_id = %s
                UNION
                SELECT tagged.tag_id FROM briefs_taggedsection tagged
                JOIN briefs_section section ON section.id = tagged.content_object_id
                WHERE section.brief_id = %s
            )
            ORDER BY id
            """,
            [brief.pk, brief.pk],
        )
        found = [Topic(*row) for row in cursor.fetchall()]
    dependencies.record(*(dependencies.tag(topic.pk) for topic in found))
    return sorted(found, key=by_name)


def tags_of(brief: Brief) -> tuple[list[Tag], dict[int, list[Tag]]]:
    """``brief``'s own tags, and the tags of each of its sections by section
    id; one query.

    Oldest tag first, as the page has always shown them. Both kinds of tag
    row in one UNION: the ORM would make it two queries, each costing more
    to build than the database takes to answer it.
    """
    # The primary key first: "ORDER BY 1" sorts both kinds of row by it.
    fields = [
        Tag._meta.pk,
        *(f for f in Tag._meta.concrete_fields if not f.primary_key),
    ]
    columns = ", ".join(f"tag.{field.column}" for field in fields)
    rows = Tag.objects.raw(
        f"""
        SELECT {columns}, NULL AS section_id
        FROM briefs_tag tag JOIN briefs_taggedbrief tagged ON tagged.tag_id = tag.id
        WHERE tagged.content_object_id = %s
        UNION ALL
        SELECT {columns}, section.id AS section_id
        FROM briefs_tag tag JOIN briefs_taggedsection tagged ON tagged.tag_id = tag.id
        JOIN briefs_section section ON section.id = tagged.content_object_id
        WHERE section.brief_id = %s
        ORDER BY 1
        """,
        [brief.pk, brief.pk],
    )
    own: list[Tag] = []
    by_section: dict[int, list[Tag]] = {}
    for tag in rows:
        if tag.section_id is None:
            own.append(tag)
        else:
            by_section.setdefault(tag.section_id, []).append(tag)
    return own, by_section


def topics_of(tags: tuple[list[Tag], dict[int, list[Tag]]]) -> list[Tag]:
    """``topics()`` from the tags ``tags_of`` read already."""
    brief_tags, section_tags = tags
    return brief_topics([*brief_tags, *itertools.chain(*section_tags.values())])


def render(
    brief: Brief,
    *,
    tags: tuple[list[Tag], dict[int, list[Tag]]],
    version: int | None,
) -> Article:
    """``brief``'s article from its rows: four queries (key points, and its
    sections and authors unless prefetched, and corrections). ``tags`` are
    ``tags_of(brief)``; ``version``, the public version the page shows
    (None for a preview)."""
    brief_tags, section_tags = tags
    key_points = list(brief.key_points.all())
    # Held on the brief: its description and byline read them too.
    prefetch_related_objects([brief], "sections", CREDITS)
    sections = list(brief.sections.all())
    authors = brief.author_list
    # Oldest first: the record reads in order.
    notes = list(brief.corrections.order_by("created_at", "pk"))
    html = render_to_string(
        TEMPLATE,
        {
            "brief": brief,
            "authors": authors,
            "key_points": key_points,
            "brief_tags": brief_tags,
            # Each section with its tags.
            "sections": [
                (section, section_tags.get(section.pk, [])) for section in sections
            ],
            # The opening section has no heading, so it has no entry in the contents.
            "outline": [section for section in sections if section.heading],
            "url": mark_safe(ADDRESS),
            "minutes": reading_minutes(brief, key_points, sections),
            "version": version,
            "notes": notes,
            "latest_correction": next(
                (n for n in reversed(notes) if n.kind == Correction.Kind.CORRECTION),
                None,
            ),
        },
    )
    return Article(
        html=html,
        description=brief.description,
        headings=[section.heading for section in sections if section.heading],
        corrections=[
            {"text": note.note, "datePublished": note.created_at.isoformat()}
            for note in notes
            if note.kind == Correction.Kind.CORRECTION
        ],
        authors=[person_with_path(author) for author in authors],
        author_ids=[author.pk for author in authors],
    )


def reader_version(brief: Brief) -> int | None:
    """The public version a reader's page of ``brief`` shows."""
    return brief.public_version or None


# Writes: stale at once, rendered again after the commit.


def stale(names: Iterable[str] | None) -> None:
    """Make stale the articles that show what ``names`` say changed
    (``briefs.caching.dependencies``; None: every article), in the current
    transaction, and render the articles of a few named briefs again once
    it commits. Called by ``briefs.caching.content_changed``."""
    if names is None:
        # A row for every brief, those without one too: a rendering under
        # way for one of them would otherwise store what it read before
        # this write (its first INSERT waits for this one's instead).
        _mark_stale_where("1 = 1", [])
        return
    author_ids = sorted(dependencies.ids_named(names, "author"))
    if author_ids:
        _stale_among(
            "SELECT brief_id FROM briefs_briefauthor "
            f"WHERE author_id IN ({_placeholders(author_ids)})",
            author_ids,
        )
    briefs_stale(dependencies.ids_named(names, "brief"))


def deleted(brief_id: int) -> None:
    """Brief ``brief_id`` was deleted: its article goes too. Its parts went
    first, and each made the article stale again (a row for it), after the
    cascade had deleted it."""
    StoredArticle.objects.filter(brief_id=brief_id).delete()


def tag_stale(tag_pk: int) -> None:
    """Make stale the articles of the briefs that show tag ``tag_pk``: its
    name or address changed."""
    _stale_among(
        """
        SELECT content_object_id FROM briefs_taggedbrief WHERE tag_id = %s
        UNION
        SELECT section.brief_id FROM briefs_taggedsection tagged
        JOIN briefs_section section ON section.id = tagged.content_object_id
        WHERE tagged.tag_id = %s
        """,
        [tag_pk, tag_pk],
    )


def hold_authors(author_ids: list[int]) -> None:
    """Keep ``author_ids`` from changing until the current transaction,
    which credits them, commits (PostgreSQL; SQLite has one writer anyway).

    A change to an author makes stale the articles of the briefs it finds
    crediting them: a credit not yet committed is not among them, and the
    rendering after its commit could read the author as they were. With
    the rows held, the change waits for the credit, or the credit for the
    change."""
    if author_ids and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM briefs_author "
                f"WHERE id IN ({_placeholders(author_ids)}) FOR SHARE",
                list(author_ids),
            )


def _stale_among(brief_ids_sql: str, params: list) -> None:
    """Make stale the articles of the briefs ``brief_ids_sql`` lists: by
    their ids, to be rendered again at the commit, when they are few;
    otherwise in one statement, however many (a popular tag's)."""
    limit = RENDERED_AT_COMMIT + 1
    with connection.cursor() as cursor:
        cursor.execute(f"{brief_ids_sql} LIMIT {limit}", params)
        found = {row[0] for row in cursor.fetchall()}
    if len(found) < limit:
        briefs_stale(found)
    else:
        _mark_stale_where(f"id IN ({brief_ids_sql})", params)


def briefs_stale(brief_ids: set[int]) -> None:
    """Make stale the articles of ``brief_ids`` in the current transaction
    (once a transaction each), and render them again once it commits; out
    of a transaction, only make them stale."""
    if not brief_ids:
        return
    if not connection.in_atomic_block:
        # Not rendered again here: the writer may have more to write that
        # says nothing (an update()), and no commit tells when it is done.
        _mark_stale(brief_ids)
        return
    fresh = brief_ids - _marked_here()
    if fresh:
        _mark_stale(fresh)
        _pending().add(fresh)


def _mark_stale(brief_ids: set[int]) -> None:
    ids = sorted(brief_ids)
    for start in range(0, len(ids), MARKED_AT_ONCE):
        chunk = ids[start : start + MARKED_AT_ONCE]
        _mark_stale_where(f"id IN ({_placeholders(chunk)})", chunk)


def _placeholders(values: list) -> str:
    """One bind parameter for each of ``values``, for an ``IN (...)``."""
    return ", ".join(["%s"] * len(values))


def _mark_stale_where(condition: str, params: list) -> None:
    """Every brief that meets ``condition`` gets a row whose HTML is gone
    and whose generation has moved on. Briefs deleted meanwhile are left
    out (``FROM briefs_brief``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO briefs_storedarticle (brief_id, generation, format, html, facts)
            SELECT id, 1, '', NULL, NULL FROM briefs_brief WHERE {condition}
            ON CONFLICT (brief_id) DO UPDATE
            SET html = NULL, generation = briefs_storedarticle.generation + 1
            """,
            params,
        )


# The memory of which briefs a transaction made stale lives in the commit
# callbacks Django keeps for it (``connection.run_on_commit``, a list of
# (savepoint ids, callback, robust) that Django trims when a savepoint rolls
# back), as the page cache's does (``briefs.caching._AtCommit``): Django's
# own record of what still stands, not one of ours to keep in step with it.


class _Pending:
    """The briefs made stale in one savepoint of a transaction (or in the
    transaction itself), and ``together``, those of the whole transaction,
    rendered again when it commits.

    Registered with ``transaction.on_commit`` in its savepoint: should that
    savepoint roll back, Django drops it, and with it the memory that those
    briefs were made stale (they are made stale again on the next write).
    """

    def __init__(self, together: _Together):
        self.together = together
        self.brief_ids: set[int] = set()

    def add(self, brief_ids: set[int]) -> None:
        self.brief_ids |= brief_ids
        self.together.brief_ids |= brief_ids

    def __call__(self) -> None:
        self.together.render()


class _Together:
    """The briefs one transaction made stale (a rolled-back savepoint's
    too: rendering one more is harmless), rendered once it commits when
    there are at most RENDERED_AT_COMMIT of them."""

    def __init__(self) -> None:
        self.brief_ids: set[int] = set()
        self.done = False

    def render(self) -> None:
        if self.done:
            return
        self.done = True
        if len(self.brief_ids) <= RENDERED_AT_COMMIT:
            _render_after(self.brief_ids)


def _pending() -> _Pending:
    """The current savepoint's ``_Pending``, registered if new."""
    active = frozenset(connection.savepoint_ids)
    together = None
    for sids, callback, _ in connection.run_on_commit:
        if isinstance(callback, _Pending):
            if sids == active:
                return callback
            together = callback.together
    pending = _Pending(together or _Together())
    transaction.on_commit(pending)
    return pending


def _marked_here() -> set[int]:
    """The briefs made stale in the current savepoint or those around it:
    still so, whatever commits or rolls back after."""
    active = set(connection.savepoint_ids)
    marked: set[int] = set()
    for sids, callback, _ in connection.run_on_commit:
        if isinstance(callback, _Pending) and sids <= active:
            marked |= callback.brief_ids
    return marked


def _render_after(brief_ids: set[int]) -> None:
    """Render and store the articles of ``brief_ids`` after a write has
    committed. A failure is logged, never raised: the write stands (an
    editor must not be told it failed), and the page renders the article
    from the rows meanwhile. A connection lost since the commit is replaced
    once."""
    for brief_id in sorted(brief_ids):
        try:
            _render_on_a_live_connection(brief_id)
        except Exception as error:
            # The database gone (each request reports that itself): one
            # line, no traceback. Anything else is a fault to look into.
            lost = isinstance(error, Error) and database.lost_connection(error)
            reason = f" ({type(error).__name__}: {database.first_line(error)})"
            logger.log(
                logging.WARNING if lost else logging.ERROR,
                "Could not store the article of brief %s%s; its page renders it "
                "until `manage.py render_articles` does.",
                brief_id,
                reason if lost else "",
                exc_info=not lost,
            )


def _render_on_a_live_connection(brief_id: int) -> None:
    """``render_stored``, once more on a new connection if the one the write
    committed on was lost since (a terminated backend, a restart)."""
    try:
        render_stored(brief_id)
    except Error as error:
        if connection.in_atomic_block or not database.lost_connection(error):
            raise
        connection.close()
        render_stored(brief_id)


def render_stored(brief_id: int) -> bool:
    """Render brief ``brief_id``'s article and store it, unless a write
    made it stale since its rows were read. True when stored."""
    # A row to hold the generation, for a brief that had none. A brief
    # deleted meanwhile fails the row's foreign key (PostgreSQL), or is
    # not found: either way there is nothing to store.
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO briefs_storedarticle "
                "(brief_id, generation, format, html, facts) "
                "SELECT id, 0, '', NULL, NULL FROM briefs_brief WHERE id = %s "
                "ON CONFLICT (brief_id) DO NOTHING",
                [brief_id],
            )
    except IntegrityError:
        return False
    # The generation first, then the rows: a write that commits between
    # them moves the generation on, and the article is not stored.
    generation = (
        StoredArticle.objects.filter(brief_id=brief_id)
        .values_list("generation", flat=True)
        .first()
    )
    brief = Brief.objects.filter(pk=brief_id).first()
    if generation is None or brief is None:
        return False
    article = render(brief, tags=tags_of(brief), version=reader_version(brief))
    stored_now = StoredArticle.objects.filter(
        brief_id=brief_id, generation=generation
    ).update(
        html=article.html,
        facts=json.dumps(article.facts, ensure_ascii=False),
        format=article_format(),
    )
    # Inside a transaction that made it stale before, the next write in it
    # must make it stale again.
    for _, callback, _ in connection.run_on_commit:
        if isinstance(callback, _Pending):
            callback.brief_ids.discard(brief_id)
    return bool(stored_now)


def missing() -> Iterable[int]:
    """The ids of the briefs whose article is not stored in this format."""
    current = article_format()
    return (
        Brief.objects.exclude(
            pk__in=StoredArticle.objects.filter(
                html__isnull=False, format=current
            ).values("brief_id")
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .iterator()
    )
