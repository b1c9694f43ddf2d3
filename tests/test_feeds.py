"""Atom and RSS feeds: the latest published briefs, one of each per tag and
one of each per author; what readers and the W3C feed validator ask of them."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
from urllib.parse import urlsplit

import feedparser
import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from lxml import etree

from briefs import caching
from briefs.feeds import FEED_LENGTH
from briefs.models import Author, Brief, BriefAuthor, Tag, TagRedirect
from tests.factories import draft_brief, published_brief, scheduled_brief

# Served as XML so that browsers apply the feed's stylesheet (briefs/feeds.py).
FEEDS = {
    "atom": ("/feeds/briefs.atom", "application/xml; charset=utf-8"),
    "rss": ("/feeds/briefs.rss", "application/xml; charset=utf-8"),
}
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"


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


# --- Whole content, authors, language ------------------------------------------


def credit(brief: Brief, *names: str) -> list[Author]:
    """Credit ``names`` on ``brief`` in order, making the authors not yet known."""
    authors = []
    for position, name in enumerate(names):
        author = Author.objects.filter(name=name).first() or Author.objects.create(
            name=name
        )
        BriefAuthor.objects.create(brief=brief, author=author, position=position)
        authors.append(author)
    return authors


@pytest.fixture
def full_trade_brief(db) -> Brief:
    brief = published_brief(
        title="Border trade reopens",
        summary="Ministers agreed to reopen two crossings.",
        key_points=("Two crossings reopen", "Tariffs <unchanged> & stable"),
        sections=(
            ("", "Opening, see [the ports brief](/briefs/ports/).", ()),
            ("Trade & transit", "Talks covered *trade* ([below](#next)).", ()),
        ),
        byline="Desk staff",
    )
    credit(brief, "Amina Qureshi", "Tom Ellis")
    return brief


@pytest.mark.parametrize("kind", FEEDS)
def test_entries_carry_the_whole_brief_as_html(client, full_trade_brief, kind):
    [entry] = parse(client, FEEDS[kind][0]).entries

    [content] = entry.content
    assert content.type == "text/html"
    body = content.value
    assert body.startswith("<p>Ministers agreed to reopen two crossings.</p>")
    assert "<h2>Key points</h2>" in body
    assert "<li>Tariffs &lt;unchanged&gt; &amp; stable</li>" in body
    assert "<h2>Trade &amp; transit</h2>" in body
    assert "Talks covered <em>trade</em>" in body
    # Links made absolute: a reader shows the entry away from the site.
    assert '<a href="http://testserver/briefs/ports/">the ports brief</a>' in body
    page = f"http://testserver{full_trade_brief.get_absolute_url()}"
    assert f'<a href="{page}#next">below</a>' in body
    # The summary stays the summary.
    assert entry.summary == "Ministers agreed to reopen two crossings."


@pytest.mark.parametrize("kind", FEEDS)
def test_entries_credit_each_author_in_order(client, full_trade_brief, kind):
    [entry] = parse(client, FEEDS[kind][0]).entries

    assert [author.name for author in entry.authors] == ["Amina Qureshi", "Tom Ellis"]


def test_atom_has_one_author_element_per_author(client, full_trade_brief):
    root = etree.fromstring(client.get("/feeds/briefs.atom").content)
    [entry] = root.iter(f"{ATOM}entry")

    authors = [
        [(child.tag.removeprefix(ATOM), child.text) for child in author]
        for author in entry.iter(f"{ATOM}author")
    ]
    assert authors == [
        [
            ("name", "Amina Qureshi"),
            ("uri", "http://testserver/authors/amina-qureshi/"),
        ],
        [("name", "Tom Ellis"), ("uri", "http://testserver/authors/tom-ellis/")],
    ]


def test_rss_names_authors_with_dublin_core_not_its_email_author(
    client, full_trade_brief
):
    root = etree.fromstring(client.get("/feeds/briefs.rss").content)
    [item] = root.iter("item")

    # RSS's <author> must be an email address; the authors have none.
    assert item.find("author") is None
    assert [creator.text for creator in item.iter(f"{{{DC}}}creator")] == [
        "Amina Qureshi",
        "Tom Ellis",
    ]


@pytest.mark.parametrize("kind", FEEDS)
def test_byline_stands_in_for_authors_and_nothing_for_neither(client, db, kind):
    published_brief(title="Bylined", byline="The Asia desk")
    published_brief(title="Anonymous", byline="")

    feed = parse(client, FEEDS[kind][0])

    authors = {
        entry.title: [author.get("name") for author in entry.get("authors", [])]
        for entry in feed.entries
    }
    assert authors["Bylined"] == ["The Asia desk"]
    assert authors["Anonymous"] == []
    if kind == "atom":
        # Atom wants an author for each entry: the feed's, the publisher,
        # stands for one that has none.
        assert feed.feed.author == "Newsroom"


@pytest.mark.parametrize("kind", FEEDS)
def test_feed_language_is_the_site_language(client, trade_brief, kind, settings):
    assert parse(client, FEEDS[kind][0]).feed.language == "en-GB"

    settings.NEWSROOM_LANGUAGE = "fr"

    assert parse(client, FEEDS[kind][0]).feed.language == "fr"


# --- What the W3C feed validator checks ------------------------------------------

RFC_3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def atom_problems(root) -> list[str]:
    """What the validator would report of an Atom feed, for the rules we meet."""
    problems = []

    def one(parent, name: str, where: str):
        found = parent.findall(f"{ATOM}{name}")
        if len(found) != 1:
            problems.append(f"{where}: {len(found)} <{name}>")
        return found[0] if found else None

    if root.tag != f"{ATOM}feed":
        return [f"root is {root.tag}"]
    for name in ("id", "title", "updated"):
        one(root, name, "feed")
    if not RFC_3339.match(root.findtext(f"{ATOM}updated") or ""):
        problems.append("feed: <updated> is not RFC 3339")
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    if not (absolute(links.get("self")) and absolute(links.get("alternate"))):
        problems.append(f"feed: self and alternate links must be absolute: {links}")
    feed_author = root.find(f"{ATOM}author") is not None
    ids = []
    for n, entry in enumerate(root.findall(f"{ATOM}entry")):
        where = f"entry {n}"
        ids.append(entry.findtext(f"{ATOM}id"))
        one(entry, "id", where)
        one(entry, "title", where)
        for name in ("updated", "published"):
            if not RFC_3339.match(entry.findtext(f"{ATOM}{name}") or ""):
                problems.append(f"{where}: <{name}> is not RFC 3339")
        alternates = [
            link.get("href")
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        if len(alternates) != 1 or not absolute(alternates[0]):
            problems.append(f"{where}: alternate links {alternates}")
        authors = entry.findall(f"{ATOM}author")
        if not authors and not feed_author:
            problems.append(f"{where}: no author")
        for author in authors:
            one(author, "name", f"{where} author")
            uri = author.findtext(f"{ATOM}uri")
            if uri is not None and not absolute(uri):
                problems.append(f"{where}: author uri {uri}")
        for name in ("summary", "content"):
            element = entry.find(f"{ATOM}{name}")
            if element is not None and element.get("type") not in ("text", "html"):
                problems.append(f"{where}: <{name}> type {element.get('type')}")
        one(entry, "content", where)
    if len(set(ids)) != len(ids):
        problems.append(f"duplicate entry ids: {ids}")
    if not all(re.match(r"(tag|https?):", id_ or "") for id_ in ids):
        problems.append(f"entry ids must be URIs: {ids}")
    return problems


def rss_problems(root) -> list[str]:
    """What the validator would report of an RSS 2.0 feed, for the rules we meet."""
    problems = []
    if root.tag != "rss" or root.get("version") != "2.0":
        return [f"root is {root.tag} {root.get('version')}"]
    # Namespaces declared once, on the root, as the validator recommends.
    for prefix, uri in (("content", CONTENT), ("dc", DC)):
        if root.nsmap.get(prefix) != uri:
            problems.append(f"xmlns:{prefix} is not declared on <rss>")
    if any(element.nsmap != root.nsmap for element in root.iter()):
        problems.append("a namespace is declared below <rss>")
    [channel] = root.findall("channel")
    for name in ("title", "link", "description", "language"):
        if len(channel.findall(name)) != 1:
            problems.append(f"channel: {len(channel.findall(name))} <{name}>")
    if not absolute(channel.findtext("link")):
        problems.append("channel: <link> is not absolute")
    selfs = [
        link.get("href")
        for link in channel.findall(f"{ATOM}link")
        if link.get("rel") == "self"
    ]
    if len(selfs) != 1 or not absolute(selfs[0]):
        problems.append(f"channel: atom:link rel=self {selfs}")
    guids = []
    for n, item in enumerate(channel.findall("item")):
        where = f"item {n}"
        for name in ("title", "link", "guid", "pubDate", "description"):
            if len(item.findall(name)) != 1:
                problems.append(f"{where}: {len(item.findall(name))} <{name}>")
        if not absolute(item.findtext("link")):
            problems.append(f"{where}: <link> is not absolute")
        guid = item.find("guid")
        if guid is not None:
            guids.append(guid.text)
            if guid.get("isPermaLink") != "false" and not absolute(guid.text):
                problems.append(f"{where}: a permalink guid must be a URL")
        date = item.findtext("pubDate") or ""
        if not re.match(
            r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$",
            date,
        ):
            problems.append(f"{where}: <pubDate> {date!r} is not RFC 822")
        else:
            email.utils.parsedate_to_datetime(date)
        author = item.findtext("author")
        if author is not None and "@" not in author:
            problems.append(f"{where}: <author> must be an email address")
        if len(item.findall(f"{{{CONTENT}}}encoded")) != 1:
            problems.append(f"{where}: no content:encoded")
    if len(set(guids)) != len(guids):
        problems.append(f"duplicate guids: {guids}")
    return problems


def feed_problems(body: bytes) -> list[str]:
    root = etree.fromstring(body)
    return atom_problems(root) if root.tag.startswith(ATOM) else rss_problems(root)


def test_the_validator_rules_here_catch_what_they_claim_to():
    """A checker that passes everything would make the tests below pass too."""
    bad_atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>t</title>'
        b"<updated>2025-06-01</updated>"
        b'<link rel="self" href="/feed"/><link rel="alternate" href="http://e/"/>'
        b"<entry><id>x</id><title>a</title><updated>2025-06-01T00:00:00Z</updated>"
        b'<published>2025-06-01T00:00:00Z</published><link href="http://e/a"/>'
        b"<author><name>A</name><name>B</name></author>"
        b'<content type="html">c</content></entry>'
        b"<entry><id>x</id><title>b</title><updated>2025-06-01T00:00:00Z</updated>"
        b'<published>2025-06-01T00:00:00Z</published><link href="http://e/b"/>'
        b'<content type="html">c</content></entry></feed>'
    )
    assert {problem.split(":")[0] for problem in feed_problems(bad_atom)} == {
        "feed",
        "entry 0 author",
        "entry 1",
        "duplicate entry ids",
        "entry ids must be URIs",
    }
    bad_rss = (
        b'<rss version="2.0"><channel><title>t</title><link>/</link>'
        b"<description>d</description><language>en</language><item><title>a</title>"
        b"<link>http://e/a</link><guid>http://e/a</guid>"
        b"<pubDate>2025-06-01T00:00:00Z</pubDate><description>d</description>"
        b'<author>A</author><dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"A</dc:creator></item></channel></rss>"
    )
    problems = feed_problems(bad_rss)
    assert "xmlns:content is not declared on <rss>" in problems
    assert "a namespace is declared below <rss>" in problems
    assert "channel: <link> is not absolute" in problems
    assert "item 0: <author> must be an email address" in problems
    assert "item 0: no content:encoded" in problems
    assert any("is not RFC 822" in problem for problem in problems)


@pytest.fixture
def varied_briefs(db) -> list[Brief]:
    """Briefs with and without authors, notes, key points, headings and tags."""
    now = timezone.now().replace(microsecond=0)
    credited = published_brief(
        title="Credited",
        published_at=now - dt.timedelta(days=1),
        tags=("Energy",),
    )
    credit(credited, "Amina Qureshi", "Tom Ellis", "Li Wei")
    return [
        credited,
        published_brief(
            title="Bylined", byline="A. Analyst", key_points=(), summary=""
        ),
        published_brief(title="Nobody", byline="", sections=(("", "Only.", ()),)),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/briefs.atom",
        "/feeds/briefs.rss",
        "/feeds/tags/energy.atom",
        "/feeds/tags/energy.rss",
        "/feeds/authors/amina-qureshi.atom",
        "/feeds/authors/amina-qureshi.rss",
    ],
)
def test_every_feed_meets_the_validator_rules(client, varied_briefs, url):
    response = client.get(url)

    assert response.status_code == 200
    assert feed_problems(response.content) == []
    parse(client, url)


# --- For a person opening a feed in a browser ---------------------------------------


@pytest.mark.parametrize("kind", FEEDS)
def test_feed_points_browsers_to_its_stylesheet(client, trade_brief, kind):
    body = client.get(FEEDS[kind][0]).content.decode()

    # After the XML declaration, before the root element: the page, and the
    # plain styles for a browser without XSLT.
    assert body.startswith(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<?xml-stylesheet href="/static/briefs/feed.xsl" media="screen"'
        ' type="text/xsl"?>'
        '<?xml-stylesheet href="/static/briefs/feed-fallback.css" media="screen"'
        ' type="text/css"?><'
    )
    assert finders.find("briefs/feed.xsl")
    assert finders.find("briefs/feed-fallback.css")


# --- One author ---------------------------------------------------------------------


@pytest.fixture
def authored(db) -> dict[str, Brief]:
    now = timezone.now()
    briefs = {
        "first": published_brief(
            title="First by Amina", published_at=now - dt.timedelta(days=2)
        ),
        "second": published_brief(
            title="Second, with Tom", published_at=now - dt.timedelta(days=1)
        ),
        "other": published_brief(title="Only Tom's"),
        "draft": draft_brief(title="Amina's draft"),
        "scheduled": scheduled_brief(title="Amina's scheduled"),
    }
    credit(briefs["first"], "Amina Qureshi")
    credit(briefs["second"], "Tom Ellis", "Amina Qureshi")
    credit(briefs["other"], "Tom Ellis")
    credit(briefs["draft"], "Amina Qureshi", "Drafts Only")
    credit(briefs["scheduled"], "Amina Qureshi", "Scheduled Only")
    return briefs


@pytest.mark.parametrize("kind", FEEDS)
def test_author_feed_lists_their_published_briefs_newest_first(client, authored, kind):
    feed = parse(client, f"/feeds/authors/amina-qureshi.{kind}")

    assert feed.feed.title == "Newsroom: briefs by Amina Qureshi"
    assert feed.feed.subtitle == "Policy briefs by Amina Qureshi, from Newsroom."
    assert feed.feed.link == "http://testserver/authors/amina-qureshi/"
    assert [entry.title for entry in feed.entries] == [
        "Second, with Tom",
        "First by Amina",
    ]
    # Every author of each brief, not only this one.
    assert [author.name for author in feed.entries[0].authors] == [
        "Tom Ellis",
        "Amina Qureshi",
    ]


@pytest.mark.parametrize("kind", FEEDS)
def test_author_of_unpublished_briefs_only_has_no_feed(client, authored, kind):
    for slug in ("drafts-only", "scheduled-only", "nobody-at-all"):
        response = client.get(f"/feeds/authors/{slug}.{kind}")
        assert response.status_code == 404, slug
        assert b"Only" not in response.content


@pytest.mark.parametrize("kind", FEEDS)
def test_author_feed_follows_a_new_brief_and_a_withdrawn_one(client, authored, kind):
    url = f"/feeds/authors/amina-qureshi.{kind}"
    parse(client, url)

    newest = published_brief(title="Third by Amina", published_at=timezone.now())
    credit(newest, "Amina Qureshi")
    # Withdrawn as the bulk actions do it, naming what changed.
    Brief.objects.filter(pk=authored["first"].pk).touch(status=Brief.Status.DRAFT)

    assert [entry.title for entry in parse(client, url).entries] == [
        "Third by Amina",
        "Second, with Tom",
    ]


@pytest.mark.parametrize("kind", FEEDS)
def test_no_draft_in_any_feed(client, authored, kind):
    urls = [
        f"/feeds/briefs.{kind}",
        f"/feeds/authors/amina-qureshi.{kind}",
        f"/feeds/authors/tom-ellis.{kind}",
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert "draft" not in body.lower(), url
        assert "scheduled" not in body.lower(), url


@pytest.mark.parametrize("kind", FEEDS)
def test_hostile_author_names_stay_text(client, db, kind):
    brief = published_brief(title="Plain", sections=(("", "Body.", ()),))
    [author] = credit(brief, f"Name {HOSTILE}")

    response = client.get(FEEDS[kind][0])
    [entry] = parse(client, FEEDS[kind][0]).entries

    assert b"<script>" not in response.content
    assert [a.name for a in entry.authors] == [
        "Name <script>alert(1)</script> & AT&T </title> ]]>"
    ]
    assert parse(client, f"/feeds/authors/{author.slug}.{kind}").feed.title == (
        "Newsroom: briefs by Name <script>alert(1)</script> & AT&T </title> ]]>"
    )


@pytest.mark.parametrize("kind", FEEDS)
def test_author_feed_queries_do_not_grow_with_its_briefs(
    client, authored, kind, django_assert_num_queries
):
    # The page cache's next scheduled publication; the author; the briefs;
    # their tags, key points, sections, section tags, corrections and
    # credits with their authors.
    url = f"/feeds/authors/amina-qureshi.{kind}"
    with django_assert_num_queries(9):
        few = client.get(url)
    for n in range(3):
        credit(published_brief(title=f"More {n}", tags=(f"Tag {n}",)), "Amina Qureshi")
    caching.content_changed()

    with django_assert_num_queries(9):
        more = client.get(url)

    assert more.content.count(b"<title>More") == 3 > few.content.count(b"<title>More")


@pytest.mark.parametrize("kind", FEEDS)
def test_a_renamed_author_shows_at_once_in_every_feed(client, authored, kind):
    urls = [f"/feeds/briefs.{kind}", f"/feeds/authors/amina-qureshi.{kind}"]
    for url in urls:
        parse(client, url)  # now in the page cache

    author = Author.objects.get(slug="amina-qureshi")
    author.name = "Amina Q. Qureshi"
    author.save()

    for url in urls:
        names = {a.name for entry in parse(client, url).entries for a in entry.authors}
        assert "Amina Q. Qureshi" in names, url
        assert "Amina Qureshi" not in names, url
