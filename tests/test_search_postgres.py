"""PostgreSQL's side of search: the tsvector column, its GIN index, the config.

tests/test_search.py holds the behaviour and runs on both databases; these
check what only PostgreSQL has. ``make test-postgres`` runs them.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from briefs import search as text_search
from briefs.models import SearchEntry
from tests.factories import one_section, published_brief

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only; run with make test-postgres",
    ),
]


def scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_the_configuration_ignores_accents_and_stems():
    assert (
        scalar("SELECT to_tsvector('newsroom_search', 'Communiqués')::text")
        == "'communiqu':1"
    )


def test_the_document_column_follows_every_write():
    brief = published_brief(title="Tidal barrage", sections=(("", "Sluices.", ()),))
    entry = SearchEntry.objects.get(brief=brief)
    document = "SELECT document::text FROM briefs_searchentry WHERE id = %s"
    assert "'tidal':1A" in scalar(document, [entry.pk])
    SearchEntry.objects.filter(pk=entry.pk).update(title="Wave farm")
    assert "'wave':1A" in scalar(document, [entry.pk])
    assert "tidal" not in scalar(document, [entry.pk])


def test_matching_uses_the_gin_index():
    published_brief(title="Indexed")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM briefs_searchentry "
            "WHERE document @@ plainto_tsquery('newsroom_search', 'indexed')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "briefs_searchentry_document" in plan


def test_a_query_of_stop_words_only_is_a_clean_empty_page(client):
    published_brief(title="The and of")
    response = client.get(reverse("briefs:search"), {"q": "the and of"})
    assert response.status_code == 200
    assert "No briefs match “the and of”" in response.content.decode()


def test_angle_brackets_are_text_not_html_tags(client):
    published_brief(
        title="Markup", sections=(("", r"Never trust \<iframe> tags.", ()),)
    )
    response = client.get(reverse("briefs:search"), {"q": "iframe"})
    (hit,) = response.context["hits"]
    assert "&lt;<mark>iframe</mark>&gt; tags" in hit.snippet


# The latest entries first ---------------------------------------------------


def searched(word: str) -> tuple[list[str], bool]:
    results = text_search.search(word)
    return sorted(hit.brief.title for hit in results[:10]), results.latest_only


@pytest.mark.parametrize("recent", [1, 3, 5, 1000])
def test_the_window_is_the_latest_matches_however_far_back_they_go(monkeypatch, recent):
    """Two old matches, three entries without the word, two new matches: a
    window of 3 holds the two new and the newer old one, whether the latest
    ``recent`` entries hold a window of matches or the search must go on to
    all entries."""
    monkeypatch.setattr(text_search, "WINDOW", 3)
    monkeypatch.setattr(text_search, "PG_RECENT_ENTRIES", recent)
    one_section("Old 1", "Talks on cobalt.")
    one_section("Old 2", "Talks on cobalt.")
    for n in range(3):
        one_section(f"Copper {n}", "Talks on copper.")
    one_section("New 1", "Talks on cobalt.")
    one_section("New 2", "Talks on cobalt.")

    assert searched("cobalt") == (["New 1", "New 2", "Old 2"], True)
    assert searched("copper") == (["Copper 0", "Copper 1", "Copper 2"], True)


def all_entries_branch(word: str) -> str:
    """What EXPLAIN ANALYZE says of the search of all entries for ``word``
    (the second branch of the UNION in ``_PostgreSQL._hits``)."""
    backend = text_search._backend()
    sql, params = backend._hits(
        text_search.query_terms(word), text_search._allowed_entries(None)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (ANALYZE, COSTS OFF) {sql} SELECT COUNT(*) FROM allowed", params
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return plan.split('"*SELECT* 2"')[1]


def test_a_common_word_is_found_among_the_latest_entries_only(monkeypatch):
    """When the latest entries hold a window of matches, the search of all
    entries never runs; when they do not, it does."""
    monkeypatch.setattr(text_search, "WINDOW", 2)
    monkeypatch.setattr(text_search, "PG_RECENT_ENTRIES", 3)
    one_section("Old", "Talks on nickel.")
    for n in range(3):
        one_section(f"New {n}", "Talks on cobalt.")

    assert "(never executed)" in all_entries_branch("cobalt")
    # The one nickel entry is older than the latest three.
    assert "(never executed)" not in all_entries_branch("nickel")
    assert searched("nickel") == (["Old"], False)
