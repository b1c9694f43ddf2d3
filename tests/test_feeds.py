"""Atom and RSS feeds: the latest published briefs, and one of each per tag."""

from __future__ import annotations

import datetime as dt
import html

import feedparser
import pytest
from django.utils import timezone

from briefs import caching
from briefs.feeds import FEED_LENGTH
from briefs.models import Brief, Tag, TagRedirect
from tests.factories import draft_brief, published_brief, scheduled_brief

FEEDS = {
    "atom": ("/feeds/briefs.atom", "application/atom+xml; charset=utf-8"),
    "rss": ("/feeds/briefs.rss", "application/rss+xml; charset=utf-8"),
}


def parse(client, url: str) -> feedparser.FeedParserDict:
    """The feed at ``url``, which must be served and well formed."""
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


@pytest.fixture
def trade_brief(db) -> Brief:
    return published_brief(
        title="Border trade reopens",
        summary="Ministers agreed to reopen two crossings.",
        published_at=dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC),
        sections=(
            ("", "Opening.", ()),
            ("Trade", "Talks covered trade.", ("Trade", "Investment")),
        ),
        tags=("Borders",),
        byline="A. Analyst",
    )


@pytest.mark.parametrize("kind", FEEDS)
def test_feed_lists_published_briefs_with_their_details(client, trade_brief, kind):
    url, content_type = FEEDS[kind]

    response = client.get(url)
    feed = parse(client, url)

    assert response["Content-Type"] == content_type
    assert feed.feed.title == "Newsroom: latest briefs"
    assert feed.feed.link == "http://testserver/"
    [entry] = feed.entries
    assert entry.title == "Border trade reopens"
    assert entry.link == f"http://testserver{trade_brief.get_absolute_url()}"
    assert entry.summary == "Ministers agreed to reopen two crossings."
    assert entry.published_parsed[:6] == (2025, 6, 1, 12, 0, 0)
    assert entry.author == "A. Analyst"
    # Categories: the brief's tags and its sections' tags.
    assert sorted(tag.term for tag in entry.tags) == ["Borders", "Investment", "Trade"]
    # The id is the brief's own, not its address: it survives a change of slug.
    created = f"{trade_brief.created_at:%Y-%m-%d}"
    assert entry.id == f"tag:testserver,{created}:brief:{trade_brief.pk}"


def test_atom_entries_say_when_they_were_updated(client, trade_brief):
    # A minor edit (a later save) is not news: the entry keeps its date.
    Brief.objects.filter(pk=trade_brief.pk).update(
        updated_at=dt.datetime(2025, 6, 2, 8, 30, tzinfo=dt.UTC)
    )
    [entry] = parse(client, "/feeds/briefs.atom").entries
    assert entry.updated_parsed[:6] == (2025, 6, 1, 12, 0, 0)

    # An update or a correction made public is.
    Brief.objects.filter(pk=trade_brief.pk).update(
        revised_at=dt.datetime(2025, 6, 3, 8, 30, tzinfo=dt.UTC)
    )
    caching.content_changed()
    [entry] = parse(client, "/feeds/briefs.atom").entries

    assert entry.updated_parsed[:6] == (2025, 6, 3, 8, 30, 0)
    assert entry.published_parsed[:6] == (2025, 6, 1, 12, 0, 0)


@pytest.mark.parametrize("kind", FEEDS)
def test_id_stays_when_the_slug_changes(client, trade_brief, kind):
    url, _ = FEEDS[kind]
    before = parse(client, url).entries[0]

    trade_brief.slug = "renamed"
    trade_brief.save()
    after = parse(client, url).entries[0]

    assert after.link.endswith("/briefs/renamed/")
    assert after.id == before.id


@pytest.mark.parametrize("kind", FEEDS)
def test_description_falls_back_to_the_opening_paragraph_as_plain_text(
    client, db, kind
):
    published_brief(
        summary="", sections=(("", "The **opening** paragraph.\n\nSecond.", ()),)
    )

    [entry] = parse(client, FEEDS[kind][0]).entries

    assert entry.summary == "The opening paragraph."


@pytest.mark.parametrize("kind", FEEDS)
def test_only_published_briefs_newest_first(client, db, kind):
    now = timezone.now()
    published_brief(title="Older", published_at=now - dt.timedelta(days=2))
    published_brief(title="Newer", published_at=now - dt.timedelta(days=1))
    draft_brief(title="Draft only")
    scheduled_brief(title="Scheduled only")
    review = published_brief(title="In review only")
    Brief.objects.filter(pk=review.pk).update(status=Brief.Status.REVIEW)

    feed = parse(client, FEEDS[kind][0])

    assert [entry.title for entry in feed.entries] == ["Newer", "Older"]


def test_feed_holds_the_latest_few(client, db, settings):
    now = timezone.now()
    for n in range(FEED_LENGTH + 2):
        published_brief(title=f"Brief {n}", published_at=now - dt.timedelta(hours=n))

    feed = parse(client, "/feeds/briefs.atom")

    assert len(feed.entries) == FEED_LENGTH
    assert feed.entries[0].title == "Brief 0"


# No NUL: PostgreSQL refuses to store it at all.
HOSTILE = "<script>alert(1)</script> & AT&T </title> ]]> \x01\x08\x0b\x1f"


@pytest.mark.parametrize("kind", FEEDS)
def test_hostile_text_and_control_characters_stay_text(client, db, kind):
    published_brief(
        title=f"Title {HOSTILE}",
        summary=f"Summary {HOSTILE}",
        byline=f"Byline {HOSTILE}",
        tags=(f"Tag {HOSTILE}",),
        sections=(("", "Body.", ()),),
    )

    response = client.get(FEEDS[kind][0])
    feed = parse(client, FEEDS[kind][0])

    assert b"<script>" not in response.content
    visible = "<script>alert(1)</script> & AT&T </title> ]]>"
    [entry] = feed.entries
    assert entry.title == f"Title {visible}"
    # The description is HTML in both formats: the plain text, escaped once.
    assert html.unescape(entry.summary) == f"Summary {visible}"
    assert entry.author == f"Byline {visible}"
    assert [tag.term for tag in entry.tags] == [f"Tag {visible}".strip()]


@pytest.mark.parametrize("kind", FEEDS)
def test_unicode_survives(client, db, kind):
    published_brief(
        title="中国与巴基斯坦 — Ελλάδα, Côte d’Ivoire 🌍",
        summary="Résumé: ناقشت الأطراف",
        tags=("北京",),
        sections=(("", "Body.", ()),),
    )

    [entry] = parse(client, FEEDS[kind][0]).entries

    assert entry.title == "中国与巴基斯坦 — Ελλάδα, Côte d’Ivoire 🌍"
    assert entry.summary == "Résumé: ناقشت الأطراف"
    assert [tag.term for tag in entry.tags] == ["北京"]
    assert parse(client, f"/feeds/tags/{Tag.objects.get(name='北京').slug}.{kind}")


def test_site_url_setting_makes_every_address_absolute_on_it(
    client, trade_brief, settings
):
    settings.NEWSROOM_SITE_URL = "https://briefs.example.org"

    feed = parse(client, "/feeds/briefs.atom")

    assert feed.feed.link == "https://briefs.example.org/"
    assert {link.href for link in feed.feed.links} == {
        "https://briefs.example.org/",
        "https://briefs.example.org/feeds/briefs.atom",
    }
    assert feed.entries[0].link.startswith("https://briefs.example.org/briefs/")
    assert feed.entries[0].id.startswith("tag:briefs.example.org,")


# --- One tag -----------------------------------------------------------------


@pytest.fixture
def tagged(db) -> dict[str, Brief]:
    now = timezone.now()
    return {
        "on brief": published_brief(
            title="Tagged on the brief",
            tags=("Energy",),
            published_at=now - dt.timedelta(days=2),
        ),
        "on section": published_brief(
            title="Tagged on a section",
            sections=(("", "Opening.", ()), ("Grid", "Body.", ("Energy",))),
            published_at=now - dt.timedelta(days=1),
        ),
        "other": published_brief(title="Not tagged", tags=("Water",)),
        "draft": draft_brief(title="Draft tagged", tags=("Energy",)),
        "scheduled": scheduled_brief(title="Scheduled tagged", tags=("Energy",)),
    }


@pytest.mark.parametrize("kind", FEEDS)
def test_tag_feed_lists_published_briefs_tagged_on_the_brief_or_a_section(
    client, tagged, kind
):
    feed = parse(client, f"/feeds/tags/energy.{kind}")

    assert feed.feed.title == "Newsroom: briefs tagged Energy"
    assert feed.feed.link == "http://testserver/tags/energy/"
    assert [entry.title for entry in feed.entries] == [
        "Tagged on a section",
        "Tagged on the brief",
    ]


@pytest.mark.parametrize("kind", FEEDS)
@pytest.mark.parametrize(
    "make", [draft_brief, scheduled_brief], ids=["draft", "scheduled"]
)
def test_tag_used_only_on_unpublished_briefs_has_no_feed(client, db, make, kind):
    make(tags=("Secret plan",), sections=(("", "Body.", ("Embargoed",)),))
    Tag.objects.create(name="Unused")

    for slug in ("secret-plan", "embargoed", "unused", "never-existed"):
        response = client.get(f"/feeds/tags/{slug}.{kind}")
        assert response.status_code == 404, slug
        assert b"Secret plan" not in response.content


@pytest.mark.parametrize("kind", FEEDS)
def test_old_tag_address_redirects_to_the_new_feed_only_when_public(
    client, tagged, kind
):
    energy = Tag.objects.get(name="Energy")
    TagRedirect.objects.create(old_slug="power", tag=energy)
    hidden = draft_brief(tags=("Hidden",)).tags.get()
    TagRedirect.objects.create(old_slug="old-hidden", tag=hidden)

    response = client.get(f"/feeds/tags/power.{kind}")

    assert response.status_code == 301
    assert response["Location"] == f"/feeds/tags/energy.{kind}"
    assert client.get(f"/feeds/tags/old-hidden.{kind}").status_code == 404
