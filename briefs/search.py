"""Full-text search over published briefs, on SQLite (FTS5) and PostgreSQL.

One interface for both databases: ``search(query, tag=…)`` returns the
matching published briefs, best first, each with the section that matches
best, its anchor, and snippets highlighted with ``<mark>``. The text lives in
``SearchEntry`` rows (one per section, repeating the brief's title and key
points), written here and nowhere else: ``reindex_brief`` after any change
to a brief (``briefs.signals`` calls it on every save and delete, and for
bulk writes on ``briefs_touched``), ``reindex_all`` to rebuild everything.

The index itself is each database's own, created by migration 0005:

- SQLite: an external-content FTS5 table over the entries, kept in step by
  triggers, tokenizer ``porter unicode61 remove_diacritics 2``, ranked with
  ``bm25()``, snippets from ``snippet()`` and ``highlight()``.
- PostgreSQL: a generated, weighted ``tsvector`` column with a GIN index,
  text search configuration ``newsroom_search`` (English stemming after
  ``unaccent``), ranked with ``ts_rank_cd``, snippets from ``ts_headline``.

A common word can match a tenth of the archive, and scoring every match
would make its search grow with the archive: only the latest ``WINDOW``
matching entries are scored and ranked, and the results page then says
that many briefs match and it shows the most recent, best first. Fewer
matches, as for any rare word or several words together, are all ranked.

Readers' words never reach either database as query syntax: the query is cut
to words here (``query_terms``), and each word is passed as a quoted FTS5
string or as plain text to ``plainto_tsquery``. Every word must match.
Status and tags are not indexed; each search joins
``Brief.objects.published()`` and the live tag rows, so publishing,
unpublishing, re-tagging and merging tags need no re-indexing.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property

from django.db import NotSupportedError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.safestring import SafeString, mark_safe

from briefs.control_chars import CONTROL
from briefs.markdown import render_markdown
from briefs.models import (
    Brief,
    KeyPoint,
    SearchEntry,
    Section,
    Tag,
    TaggedBrief,
    TaggedSection,
    of_published,
)
from briefs.tag_counts import lock_counts

# A query is cut to this many characters, then to this many words of at most
# this length: enough for any real search, and a 10,000-character query
# costs no more than a short one.
MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_TERM_CHARS = 64

# Private-use characters the databases put around matches. Indexed text never
# contains them (``clean_text`` drops them), so after HTML-escaping a snippet
# they are the only places where <mark> may go.
OPEN, CLOSE = "\ue000", "\ue001"
# What "<" is on its way through PostgreSQL's parser (see migration 0005).
LESS_THAN = "\ue002"
ELLIPSIS = "…"
KEY_POINT_SEPARATOR = " · "

FTS_TABLE = "briefs_searchentry_fts"
PG_CONFIG = "newsroom_search"
# Column weights: a word in the title counts most, then the section heading,
# then a key point, then the body.
SQLITE_WEIGHTS = "10.0, 4.0, 5.0, 1.0"  # title, key_points, heading, body
SNIPPET_TOKENS = 32
# How many matching entries a search ranks at most: the latest written (the
# highest ids). Ranking costs per match, so a word found in a tenth of an
# archive of 100,000 briefs would cost ten thousand scores; a window of the
# latest matches costs the same at any size. A search with fewer matches
# (any rare word, most searches of two words) ranks them all. 500, not
# 1,000: on SQLite each entry in the window costs about 10 µs, and the
# 100,000-brief search stays within twice the 10-brief one with 500.
WINDOW = 500
# On PostgreSQL, matches are looked for first among the latest this many
# entries, then among all if fewer than WINDOW are found there (see
# ``_PostgreSQL._hits``): the GIN index finds every match of a word, and
# reading each one to keep the latest costs per match. A word found in one
# entry in 40 or more fills the window from these.
PG_RECENT_ENTRIES = WINDOW * 40
PG_SNIPPET_OPTIONS = (
    f"StartSel={OPEN}, StopSel={CLOSE}, MaxWords=35, MinWords=15, "
    f'MaxFragments=2, FragmentDelimiter=" {ELLIPSIS} "'
)
PG_HIGHLIGHT_OPTIONS = f"StartSel={OPEN}, StopSel={CLOSE}, HighlightAll=true"

_UNWANTED = re.compile(f"{CONTROL.pattern}|[{OPEN}{CLOSE}{LESS_THAN}]")
_TAG = re.compile(r"<[^>]*>")
_MARKED = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]+){CLOSE}")


# Text -------------------------------------------------------------------


def query_terms(query: str) -> list[str]:
    """The words of a reader's query, lower-cased, each once, in order.

    A word is a run of letters, digits and combining marks (as SQLite's
    unicode61 tokenizer sees words); everything else (quotes, operators,
    punctuation, control characters, emoji) only separates words. Never
    raises; returns [] when nothing searchable is left.
    """
    text = unicodedata.normalize("NFKC", query[:MAX_QUERY_CHARS])
    words: list[str] = []
    current: list[str] = []
    for char in [*text, " "]:
        if unicodedata.category(char)[0] in "LNM":
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    terms: list[str] = []
    for word in words:
        term = word.lower()[:MAX_TERM_CHARS]
        # A run of combining marks alone is no word to either database.
        if term not in terms and any(unicodedata.category(c)[0] in "LN" for c in term):
            terms.append(term)
    return terms[:MAX_TERMS]


def clean_text(text: str) -> str:
    """``text`` on one line, without the match markers or control characters."""
    # Vertical tab and form feed separate words like any other space, so they
    # become spaces before ``CONTROL`` would drop them and join the words.
    # replace() and split(), not translate() and a regular expression: on
    # text that is not ASCII those take ten times as long, and an import
    # cleans every section's text. split() splits at the characters ``\s``
    # matches (str.isspace()), so it collapses the same runs.
    text = text.replace("\v", " ").replace("\f", " ")
    return " ".join(_UNWANTED.sub("", text).split())


def html_text(rendered: str) -> str:
    """The words a reader sees in HTML that ``render_markdown`` rendered, as
    plain text on one line."""
    # Not strip_tags(), which parses the HTML and takes as long as rendering
    # it did: the renderer escapes every "<" and ">" that is not part of a
    # tag (in text and in attributes alike), so each tag is a "<" up to the
    # next ">". tests/test_import_index_text.py holds the two to agree.
    return clean_text(html.unescape(_TAG.sub("", rendered)))


def plain_text(markdown: str) -> str:
    """The words a reader sees in a Markdown body, as plain text on one line
    (for text with no stored HTML: sections keep theirs in ``body_html``)."""
    return html_text(render_markdown(markdown))


def marked_html(text: str) -> SafeString:
    """``text`` from the database, HTML-escaped, with its matches in <mark>.

    Only well-formed marker pairs become <mark>; any other marker is dropped,
    so the result is always balanced, safe HTML.
    """
    escaped = html.escape(text, quote=False)
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(OPEN, "").replace(CLOSE, ""))


# Results ----------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One matching brief and the section of it that matches best."""

    brief: Brief
    section: Section | None  # None for a brief without sections
    rank: float  # higher is better; comparable within one search only
    title: SafeString  # the brief's title, matches in <mark>
    heading: SafeString  # the section's heading, matches in <mark>
    snippet: SafeString  # a passage of the section (or the key points)

    @property
    def url(self) -> str:
        """The brief's address, at the matching section's anchor."""
        url = self.brief.get_absolute_url()
        return f"{url}#{self.section.anchor}" if self.section else url


class SearchResults:
    """The hits for one search, best first, one per brief.

    Behaves as a Paginator wants: ``count()`` runs the one query that ranks
    the matches, and a slice then runs two more for that slice only,
    however many hits. Only the latest ``WINDOW`` matching entries are
    ranked: ``count()`` is the number of briefs among them, and
    ``latest_only`` says whether the window was full.
    """

    def __init__(self, *, terms: list[str], tag: Tag | None) -> None:
        self.terms = terms
        self.tag = tag
        self._backend = _backend() if terms else None

    def count(self) -> int:
        return len(self._ranking[0])

    @property
    def latest_only(self) -> bool:
        """Whether ``WINDOW`` entries matched: older matches, if any, are
        left out, and the results are the latest matches, best first."""
        return self._ranking[1]

    @cached_property
    def _ranking(self) -> tuple[list[tuple[int, float]], bool]:
        if self._backend is None:
            return [], False
        return self._backend.ranking(self.terms, _allowed_entries(self.tag))

    def __getitem__(self, item: slice) -> list[Hit]:
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("Search results are read a page (a slice) at a time.")
        ranked = self._ranking[0][item]
        if not ranked:
            return []
        ids = [entry_id for entry_id, _ in ranked]
        marked = self._backend.snippets(self.terms, ids)
        entries = {
            entry.pk: entry
            for entry in SearchEntry.objects.filter(
                Exists(Brief.objects.published().filter(pk=OuterRef("brief"))),
                pk__in=ids,
            )
            .select_related("brief", "section")
            .defer("title", "key_points", "heading", "body", "section__body")
        }
        hits = []
        for entry_id, rank in ranked:
            entry = entries.get(entry_id)
            if entry is None:  # unpublished since the ranking query
                continue
            title, heading, body, key_points = marked.get(entry_id, ("",) * 4)
            hits.append(
                Hit(
                    brief=entry.brief,
                    section=entry.section,
                    rank=rank,
                    title=marked_html(title or entry.brief.title),
                    heading=marked_html(heading),
                    snippet=marked_html(_best_snippet(body, key_points)),
                )
            )
        return hits


def _best_snippet(body: str, key_points: str) -> str:
    """The body's passage if it has a match, else the key points' if they do."""
    if OPEN in body or not key_points:
        return body
    if OPEN in key_points or not body:
        return key_points
    return body


def search(query: str, *, tag: Tag | None = None) -> SearchResults:
    """Published briefs matching every word of ``query``, best first.

    With ``tag``, only sections carrying the tag, or any section of a brief
    carrying it. Any string is a valid query; one with no words matches
    nothing. Reads happen when the results are counted or sliced.
    """
    return SearchResults(terms=query_terms(query), tag=tag)


def _allowed_entries(tag: Tag | None) -> tuple[str, tuple]:
    """SQL (and params) for "readers may see this entry", tag applied.

    A condition on a row of ``briefs_searchentry``, which the backends' SQL
    must therefore name by its table name, not an alias. Correlated EXISTS
    looked up by primary key (and the tag rows' indexes), so each matching
    entry costs the same however many briefs there are. An ``id IN (every
    visible entry)`` would build the list of all published entries on every
    search.
    """
    condition = of_published("brief")
    if tag is not None:
        # Entry by entry, not brief by brief as Brief.objects.tagged() (the
        # brief or any of its sections): a hit links to its best-matching
        # section, and with a tag asked for, that section must be one about
        # the tag. So the words must be found in a section carrying the tag,
        # or anywhere in a brief carrying it as a whole, and the link goes to
        # that section rather than to a better match elsewhere in the brief.
        condition &= Exists(
            TaggedBrief.objects.filter(content_object=OuterRef("brief"), tag=tag)
        ) | Exists(
            TaggedSection.objects.filter(content_object=OuterRef("section"), tag=tag)
        )
    # Only the condition is wanted: compile the WHERE clause on its own.
    query = SearchEntry.objects.filter(condition).order_by().values("pk").query
    compiler = query.get_compiler(connection=connection)
    return query.where.as_sql(compiler, connection)


# Backends ---------------------------------------------------------------


class _Backend:
    """What both backends share: ``_hits`` builds an ``allowed`` CTE of the
    latest WINDOW matching entries (entry_id, brief_id, position, score),
    from ``briefs_searchentry`` unaliased (see ``_allowed_entries``)."""

    # Whether the database's score grows with relevance (ts_rank) or shrinks (bm25).
    HIGHER_IS_BETTER: bool

    def _hits(self, terms: list[str], allowed: tuple[str, tuple]) -> tuple[str, list]:
        """The ``allowed`` CTE (see the class) and its parameters."""
        raise NotImplementedError

    def ranking(
        self, terms: list[str], allowed: tuple[str, tuple]
    ) -> tuple[list[tuple[int, float]], bool]:
        """(entry id, rank) of each brief's best entry in the window, best
        first (higher rank is better); and whether the window was full."""
        sql, params = self._hits(terms, allowed)
        best_first = "score DESC" if self.HIGHER_IS_BETTER else "score"
        sql += f"""
            , best AS (
                SELECT entry_id, brief_id, score, ROW_NUMBER() OVER (
                    PARTITION BY brief_id ORDER BY {best_first}, position, entry_id
                ) AS n, COUNT(*) OVER () AS matched
                FROM allowed
            )
            SELECT best.entry_id, best.score, best.matched
            FROM best JOIN briefs_brief b ON b.id = best.brief_id
            WHERE best.n = 1
            ORDER BY best.{best_first}, b.published_at DESC, b.id DESC
        """
        sign = 1 if self.HIGHER_IS_BETTER else -1
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        ranked = [(entry_id, sign * float(score)) for entry_id, score, _ in rows]
        return ranked, bool(rows) and rows[0][2] >= WINDOW


class _SQLite(_Backend):
    """FTS5: a quoted string per word, implicit AND; bm25 (lower is better)."""

    HIGHER_IS_BETTER = False

    @staticmethod
    def match(terms: list[str]) -> str:
        return " ".join('"' + term.replace('"', '""') + '"' for term in terms)

    def _hits(self, terms: list[str], allowed: tuple[str, tuple]) -> tuple[str, list]:
        allowed_sql, allowed_params = allowed
        # FTS5 yields matches latest first (ORDER BY rowid DESC), so the scan
        # stops, and bm25 is computed, at the window's end.
        sql = f"""
            WITH allowed AS (
                SELECT {FTS_TABLE}.rowid AS entry_id, briefs_searchentry.brief_id,
                    briefs_searchentry.position,
                    bm25({FTS_TABLE}, {SQLITE_WEIGHTS}) AS score
                FROM {FTS_TABLE} JOIN briefs_searchentry
                    ON briefs_searchentry.id = {FTS_TABLE}.rowid
                WHERE {FTS_TABLE} MATCH %s AND {allowed_sql}
                ORDER BY {FTS_TABLE}.rowid DESC
                LIMIT %s
            )
        """
        return sql, [self.match(terms), *allowed_params, WINDOW]

    def snippets(
        self, terms: list[str], ids: list[int]
    ) -> dict[int, tuple[str, str, str, str]]:
        marks = [OPEN, CLOSE]
        placeholders = ", ".join(["%s"] * len(ids))
        sql = f"""
            SELECT rowid,
                highlight({FTS_TABLE}, 0, %s, %s),
                highlight({FTS_TABLE}, 2, %s, %s),
                snippet({FTS_TABLE}, 3, %s, %s, %s, {SNIPPET_TOKENS}),
                snippet({FTS_TABLE}, 1, %s, %s, %s, {SNIPPET_TOKENS})
            FROM {FTS_TABLE}
            WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders})
        """
        params = [*marks, *marks, *marks, ELLIPSIS, *marks, ELLIPSIS]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, self.match(terms), *ids])
            return {row[0]: tuple(value or "" for value in row[1:]) for row in cursor}


class _PostgreSQL(_Backend):
    """A weighted tsvector per entry; plainto_tsquery ANDs the words."""

    HIGHER_IS_BETTER = True

    TSQUERY = f"plainto_tsquery('{PG_CONFIG}'::regconfig, %s)"

    def _hits(self, terms: list[str], allowed: tuple[str, tuple]) -> tuple[str, list]:
        allowed_sql, allowed_params = allowed
        words = " ".join(terms)
        # The GIN index finds the matches, which are sorted latest first;
        # only the window's are scored. "id + 0", not "id": by the primary
        # key's order, PostgreSQL would read entries latest first and test
        # each one's tsvector (for a common word at 100,000 briefs, 30,000
        # of them, twenty times as long). The latest PG_RECENT_ENTRIES are
        # searched first, and all entries only when they hold fewer than a
        # window of matches: the range on the primary key limits the rows
        # read to the matches among the latest entries, so a common word
        # costs the same at any size. The second branch runs only when
        # its one-time condition holds. Both give the same window: the
        # latest WINDOW matches.
        matching = f"""
            SELECT id AS entry_id, brief_id, position, document
            FROM briefs_searchentry
            WHERE document @@ {self.TSQUERY} AND {allowed_sql}
        """
        sql = f"""
            WITH recent AS (
                {matching}
                    AND id > (SELECT MAX(id) FROM briefs_searchentry) - %s
                ORDER BY id + 0 DESC
                LIMIT %s
            ), latest AS (
                SELECT * FROM recent WHERE (SELECT COUNT(*) FROM recent) >= %s
                UNION ALL (
                    {matching} AND (SELECT COUNT(*) FROM recent) < %s
                    ORDER BY id + 0 DESC
                    LIMIT %s
                )
            ), allowed AS (
                SELECT entry_id, brief_id, position,
                    ts_rank_cd(document, {self.TSQUERY}, 1) AS score
                FROM latest
            )
        """
        return sql, [
            *(words, *allowed_params, PG_RECENT_ENTRIES, WINDOW),
            WINDOW,
            *(words, *allowed_params, WINDOW, WINDOW),
            words,
        ]

    def snippets(
        self, terms: list[str], ids: list[int]
    ) -> dict[int, tuple[str, str, str, str]]:
        headline = (
            f"ts_headline('{PG_CONFIG}'::regconfig, "
            f"replace(e.{{}}, '<', U&'\\E002'), q.query, %s)"
        )
        sql = f"""
            SELECT e.id, {headline.format("title")}, {headline.format("heading")},
                {headline.format("body")}, {headline.format("key_points")}
            FROM briefs_searchentry e, (SELECT {self.TSQUERY} AS query) q
            WHERE e.id = ANY(%s)
        """
        params = [
            PG_HIGHLIGHT_OPTIONS,
            PG_HIGHLIGHT_OPTIONS,
            PG_SNIPPET_OPTIONS,
            PG_SNIPPET_OPTIONS,
            " ".join(terms),
            ids,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {
                row[0]: tuple(
                    (value or "").replace(LESS_THAN, "<") for value in row[1:]
                )
                for row in cursor
            }


def _backend() -> _SQLite | _PostgreSQL:
    if connection.vendor == "sqlite":
        return _SQLite()
    if connection.vendor == "postgresql":
        return _PostgreSQL()
    raise NotSupportedError(
        f"Search needs SQLite or PostgreSQL, not {connection.vendor}."
    )


# Keeping the index in step ----------------------------------------------

# Brief ids to re-index when the outermost ``batch()`` ends; None outside one.
_pending: ContextVar[set[int] | None] = ContextVar("search_pending", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """Re-index each brief changed inside the block once, when the block ends
    (all of them together, in ``reindex_briefs``'s five queries).

    For code that saves a brief and many of its parts (the admin's inlines,
    an import): each save would otherwise re-index the whole brief. Nested
    batches join the outermost. Nothing is re-indexed if the block raises;
    use inside the transaction that makes the changes.
    """
    if _pending.get() is not None:
        yield
        return
    pending: set[int] = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        reindex_briefs(pending)


def brief_changed(brief_id: int) -> None:
    """Re-index the brief now, or at the end of the current ``batch()``."""
    pending = _pending.get()
    if pending is None:
        reindex_brief(brief_id)
    else:
        pending.add(brief_id)


def reindex_brief(brief_id: int) -> None:
    """Rewrite the brief's entries from its current text (five queries).

    A brief that no longer exists loses its entries. Safe in any
    transaction; cheap enough to call after every change to one brief.
    """
    reindex_briefs([brief_id])


def reindex_briefs(brief_ids: Iterable[int]) -> None:
    """Rewrite the entries of several briefs at once, in five queries however
    many there are (an import's batch of documents); as ``reindex_brief``."""
    brief_ids = sorted(set(brief_ids))
    pending = _pending.get()
    if pending is not None:
        pending.difference_update(brief_ids)
    with transaction.atomic(savepoint=False):
        # A section that moved from another brief takes its entry along.
        SearchEntry.objects.filter(
            Q(brief_id__in=brief_ids)
            | Q(section__in=Section.objects.filter(brief_id__in=brief_ids).values("pk"))
        ).delete()
        SearchEntry.objects.bulk_create(_entries(brief_ids))


def reindex_all(*, batch_size: int = 200) -> tuple[int, int]:
    """Rebuild every entry in one transaction; returns (briefs, entries)."""
    briefs = entries = 0
    with transaction.atomic():
        # Every entry, locked in one order with the writes that move counts
        # (an import re-indexes the briefs it writes under the same lock).
        lock_counts()
        SearchEntry.objects.all().delete()
        ids = list(Brief.objects.order_by("pk").values_list("pk", flat=True))
        for offset in range(0, len(ids), batch_size):
            chunk = _entries(ids[offset : offset + batch_size])
            SearchEntry.objects.bulk_create(chunk, batch_size=500)
            entries += len(chunk)
        briefs = len(ids)
    return briefs, entries


def _entries(brief_ids: Iterable[int]) -> list[SearchEntry]:
    """Unsaved entries for the given briefs, from three queries."""
    brief_ids = list(brief_ids)
    titles = dict(
        Brief.objects.filter(pk__in=brief_ids).values_list("pk", "title").order_by("pk")
    )
    points: dict[int, list[str]] = {}
    for brief_id, text in KeyPoint.objects.filter(brief_id__in=titles).values_list(
        "brief_id", "text"
    ):
        points.setdefault(brief_id, []).append(clean_text(text))
    sections: dict[int, list[tuple[int, int, str, str]]] = {}
    for brief_id, *section in Section.objects.filter(brief_id__in=titles).values_list(
        "brief_id", "pk", "position", "heading", "body_html"
    ):
        sections.setdefault(brief_id, []).append(tuple(section))
    entries = []
    for brief_id, title in titles.items():
        common = {
            "brief_id": brief_id,
            "title": clean_text(title),
            "key_points": KEY_POINT_SEPARATOR.join(points.get(brief_id, [])),
        }
        parts = sections.get(brief_id)
        if not parts:
            entries.append(SearchEntry(**common))
            continue
        entries.extend(
            SearchEntry(
                **common,
                section_id=pk,
                position=position,
                heading=clean_text(heading),
                # The HTML the section's save rendered: no second render.
                body=html_text(body_html),
            )
            for pk, position, heading, body_html in parts
        )
    return entries
