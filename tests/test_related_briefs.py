"""Related briefs as the brief page ranks them, through its own SQL.

tests/test_metadata.py has the ranking itself (most shared tags, then the
newest; drafts and scheduled briefs never). These pin what that test does
not reach: the window of newest candidates, many topics at once, tags that
only a candidate's sections carry, and the same answers from both ways of
finding candidates. They run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from briefs.models import Brief, Tag
from briefs.reading import related
from tests.factories import draft_brief, published_brief, scheduled_brief

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Every request renders: one test asks for the same page under two windows."""
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True, params=["rare topics", "common topics"])
def plan(request, monkeypatch):
    """Every test twice: candidates found from the topics' tag rows, and by
    reading the newest briefs (as for topics used over RARE_TOPIC_USES times)."""
    threshold = 10**9 if request.param == "rare topics" else -1
    monkeypatch.setattr(related, "RARE_TOPIC_USES", threshold)


def related_titles(client, brief: Brief) -> list[str]:
    html = client.get(brief.get_absolute_url()).content.decode()
    block = re.search(r'<aside class="related".*?</aside>', html, re.S)
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', block.group(0)) if block else []


def other(title: str, days_ago: int, *, tags=(), section_tags=()) -> Brief:
    return published_brief(
        title=title,
        published_at=timezone.now() - dt.timedelta(days=days_ago),
        tags=tags,
        sections=(("", "Opening.", section_tags),),
    )


def test_only_the_newest_candidates_are_ranked(client, monkeypatch):
    this = published_brief(title="This", tags=("Trade", "Energy", "Water"))
    other("Old, shares all three", 30, tags=("Trade", "Energy", "Water"))
    other("Newer, shares one", 2, tags=("Trade",))
    other("Newest, shares one", 1, section_tags=("Water",))

    monkeypatch.setattr(related, "RELATED_CANDIDATES", 3)
    assert related_titles(client, this) == [
        "Old, shares all three",
        "Newest, shares one",
        "Newer, shares one",
    ]
    # With a window of two, the old brief is never a candidate at all.
    monkeypatch.setattr(related, "RELATED_CANDIDATES", 2)
    assert related_titles(client, this) == ["Newest, shares one", "Newer, shares one"]


def test_a_tag_counts_once_however_many_sections_carry_it(client):
    this = published_brief(title="This", tags=("Trade", "Energy"))
    published_brief(
        title="Trade in every section",
        published_at=timezone.now() - dt.timedelta(days=1),
        tags=("Trade",),
        sections=(("", "One.", ("Trade",)), ("Two", "Two.", ("Trade",))),
    )
    other("Trade and energy, older", 5, tags=("Energy",), section_tags=("Trade",))

    assert related_titles(client, this) == [
        "Trade and energy, older",
        "Trade in every section",
    ]


def test_the_brief_itself_and_briefs_sharing_nothing_are_left_out(client):
    this = published_brief(
        title="This", sections=(("", "One.", ("Trade",)), ("Two", "x", ("Water",)))
    )
    other("Shares a section tag", 3, section_tags=("Water",))
    other("Shares nothing", 1, tags=("Fisheries",), section_tags=("Energy",))

    assert related_titles(client, this) == ["Shares a section tag"]


def test_many_topics_at_once(client):
    names = [f"Topic {n:02d}" for n in range(40)]
    this = published_brief(
        title="This",
        tags=tuple(names[:20]),
        sections=(("", "One.", tuple(names[20:])),),
    )
    other("Shares three", 4, tags=(names[0], names[25]), section_tags=(names[39],))
    other("Shares two", 1, section_tags=(names[5], names[30]))
    other("Shares one", 0, tags=(names[19],))

    assert related_titles(client, this) == ["Shares three", "Shares two", "Shares one"]


def test_related_briefs_show_their_own_title_address_and_date(client):
    this = published_brief(title="This", tags=("Trade",))
    shown = other("Tariffs & <quotas>", 3, tags=("Trade",))

    html = client.get(this.get_absolute_url()).content.decode()
    block = re.search(r'<aside class="related".*?</aside>', html, re.S).group(0)

    assert (
        f'<a href="{shown.get_absolute_url()}">Tariffs &amp; &lt;quotas&gt;</a>'
        in block
    )
    assert f'<time datetime="{shown.published_at.isoformat()}">' in block


def test_one_query_however_many_candidates_and_topics(django_assert_num_queries):
    names = [f"Topic {n:02d}" for n in range(30)]
    this = published_brief(title="This", tags=tuple(names))
    for n in range(12):
        other(f"Other {n}", n + 1, tags=tuple(names[n : n + 3]))
    topics = list(Tag.objects.filter(brief_items__content_object=this))

    with django_assert_num_queries(1):
        found = related.related_briefs(this, topics)
    with django_assert_num_queries(0):
        assert related.related_briefs(this, []) == []

    assert len(found) == related.RELATED_BRIEFS


def test_drafts_and_scheduled_briefs_are_never_candidates(client):
    this = published_brief(title="This", tags=("Trade",))
    draft_brief(title="Draft", tags=("Trade",))
    scheduled_brief(title="Scheduled", tags=("Trade",))
    other("Published", 3, section_tags=("Trade",))

    assert related_titles(client, this) == ["Published"]
