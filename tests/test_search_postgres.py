"""PostgreSQL's side of search: the tsvector column, its GIN index, the config.

tests/test_search.py holds the behaviour and runs on both databases; these
check what only PostgreSQL has. ``make test-postgres`` runs them.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from briefs.models import SearchEntry
from tests.factories import published_brief

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
