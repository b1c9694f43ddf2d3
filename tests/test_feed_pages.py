"""A feed opened in a browser reads as a page (static/briefs/feed.xsl).

The stylesheet is applied by libxslt, the XSLT engine Chromium uses, here
through lxml (fast, no browser), and then by headless Chromium itself on
the live site: the page it shows, that it loads nothing from another host,
that text holding markup stays text, and why feeds are served as
``application/xml``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from lxml import etree, html

from briefs.editorial import versions
from briefs.feeds import AtomFeed
from briefs.models import Brief
from tests.browser import CHROMIUM, LAUNCH_ARGS, axe_violations
from tests.factories import draft_brief, published_brief
from tests.test_feeds import credit

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"> & AT&T'

FEEDS = [
    "/feeds/briefs.atom",
    "/feeds/briefs.rss",
    "/feeds/authors/amina-qureshi.atom",
    "/feeds/authors/amina-qureshi.rss",
]


def make_briefs() -> dict[str, Brief]:
    """Two published briefs by credited authors (one with a correction), a
    bylined one, and a draft that no feed may show."""
    briefs = {
        "lead": published_brief(
            title="Border trade reopens",
            summary="Ministers agreed to reopen two crossings & cut queues.",
            published_at=dt.datetime(2025, 6, 3, 9, 0, tzinfo=dt.UTC),
        ),
        "second": published_brief(
            title="Grid upgrade approved",
            summary="The regulator approved a new interconnector.",
            published_at=dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC),
        ),
        "bylined": published_brief(
            title="Ports expand",
            summary="Two ports add berths.",
            byline="The Asia desk",
            published_at=dt.datetime(2025, 5, 28, 9, 0, tzinfo=dt.UTC),
        ),
        "draft": draft_brief(title="Draft only, never shown"),
    }
    credit(briefs["lead"], "Amina Qureshi", "Tom Ellis")
    credit(briefs["second"], "Amina Qureshi")
    credit(briefs["draft"], "Amina Qureshi")
    versions.record_public_change(
        briefs["lead"], kind="correction", note="The second crossing opens in July."
    )
    return briefs


def transformed(client, url: str):
    """The page the feed at ``url`` becomes under its stylesheet, parsed."""
    stylesheet = etree.XSLT(etree.parse(finders.find("briefs/feed.xsl")))
    feed = etree.fromstring(client.get(url).content).getroottree()
    return html.fromstring(str(stylesheet(feed)))


def of_class(name: str, then: str = "") -> str:
    """An XPath to the descendants of class ``name`` (and ``then`` under them)."""
    return f"descendant::*[contains(concat(' ', @class, ' '), ' {name} ')]{then}"


def texts(page, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in page.xpath(xpath)]


# --- The stylesheet's output (libxslt through lxml) ---------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", FEEDS)
def test_a_feed_becomes_a_page_of_its_briefs(client, url):
    make_briefs()

    page = transformed(client, url)

    assert page.get("lang") == "en-GB"
    [title] = texts(page, "descendant::h1")
    assert title in ("Newsroom: latest briefs", "Newsroom: briefs by Amina Qureshi")
    assert texts(page, "descendant::title") == [f"{title} (web feed)"]
    [address] = texts(page, of_class("subscribe__address"))
    assert address == f"http://testserver{url}"
    listed = texts(page, of_class("brief-item__title"))
    assert "Border trade reopens" in listed
    assert "Draft only, never shown" not in listed
    [lead] = [
        item
        for item in page.xpath(of_class("brief-item"))
        if "Border trade" in item.text_content()
    ]
    assert texts(lead, "descendant::time") == ["3 June 2025"]
    assert texts(lead, of_class("feed-entry__authors")) == [
        "By Amina Qureshi and Tom Ellis"
    ]
    # The summary as text (the feed holds it as HTML), then the note.
    summary, note = texts(lead, of_class("brief-item__summary"))
    assert summary == "Ministers agreed to reopen two crossings & cut queues."
    assert re.fullmatch(
        r"Correction, \d{1,2} [A-Z][a-z]+ \d{4}: The second crossing opens in July\.",
        note,
    )
    [link] = lead.xpath(of_class("brief-item__title", "/a"))
    assert link.get("href").startswith("http://testserver/briefs/")
    # The site's stylesheets, beside the feed's own.
    assert [
        node.get("href") for node in page.xpath("descendant::link[@rel='stylesheet']")
    ] == [
        "/static/css/site.css",
        "/static/briefs/feed.css",
    ]
    assert all(finders.find(path) for path in ("css/site.css", "briefs/feed.css"))


@pytest.mark.django_db
def test_the_page_links_the_feed_in_the_other_format_and_the_site(client):
    make_briefs()

    atom = transformed(client, "/feeds/briefs.atom")
    rss = transformed(client, "/feeds/briefs.rss")

    assert [a.get("href") for a in atom.xpath(of_class("subscribe__more", "/a"))] == [
        "http://testserver/feeds/briefs.rss",
        "http://testserver/",
    ]
    assert [a.get("href") for a in rss.xpath(of_class("subscribe__more", "/a"))] == [
        "http://testserver/feeds/briefs.atom",
        "http://testserver/",
    ]
    assert texts(rss, of_class("brief-item", "//time")) == [
        "3 June 2025",
        "1 June 2025",
        "28 May 2025",
    ]
    assert [t.get("datetime") for t in rss.xpath("descendant::time")][:2] == [
        "2025-06-03",
        "2025-06-01",
    ]
    assert texts(rss, of_class("feed-entry__authors"))[2] == "By The Asia desk"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_markup_in_titles_names_and_summaries_stays_text(client, kind):
    brief = published_brief(
        title=f"Title {HOSTILE}",
        summary=f"Summary {HOSTILE} &lt;b&gt; it's",
        byline="",
    )
    credit(brief, f"Name {HOSTILE}")

    page = transformed(client, f"/feeds/briefs.{kind}")

    assert page.xpath("descendant::script | descendant::img | descendant::b") == []
    assert texts(page, of_class("brief-item__title")) == [f"Title {HOSTILE}"]
    assert texts(page, of_class("feed-entry__authors")) == [f"By Name {HOSTILE}"]
    # Escaped once in the feed, read back once: "&lt;b&gt;" as typed.
    assert texts(page, of_class("brief-item__summary")) == [
        f"Summary {HOSTILE} &lt;b&gt; it's"
    ]


@pytest.mark.django_db
def test_an_empty_feed_says_so(client):
    page = transformed(client, "/feeds/briefs.atom")

    assert page.xpath(of_class("brief-list")) == []
    assert texts(page, of_class("empty")) == [
        "No briefs yet. New ones will appear here and in your reader."
    ]


def test_the_stylesheet_has_no_script_and_no_unescaped_output():
    source = Path(finders.find("briefs/feed.xsl")).read_text(encoding="utf-8")

    assert "disable-output-escaping=" not in source
    assert "<script" not in source.lower()
    assert "http://" not in source.replace("http://www.w3.org/", "").replace(
        "http://purl.org/", ""
    )


# --- In Chromium ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/feeds/briefs.atom", "/feeds/briefs.rss"])
def test_chromium_shows_a_feed_as_a_readable_page(browser_page, live_server, url):
    make_briefs()
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(url)

    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Newsroom: latest briefs"
    assert page.get_by_role("heading", name="Follow these briefs in a feed reader")
    assert page.locator(".subscribe__address").inner_text() == f"{live_server.url}{url}"
    assert page.locator(".brief-item__title").all_inner_texts() == [
        "Border trade reopens",
        "Grid upgrade approved",
        "Ports expand",
    ]
    assert page.locator(".feed-entry__authors").first.inner_text() == (
        "By Amina Qureshi and Tom Ellis"
    )
    # The site's look: its header band, from its own stylesheet.
    page.wait_for_function(
        "getComputedStyle(document.querySelector('.site-header'))"
        ".backgroundColor === 'rgb(244, 241, 234)'"
    )
    origin = urlsplit(live_server.url).netloc
    assert [u for u in requested if urlsplit(u).netloc != origin] == []
    assert {urlsplit(u).path for u in requested} >= {
        url,
        "/static/briefs/feed.xsl",
        "/static/css/site.css",
        "/static/briefs/feed.css",
    }
    assert dialogs == []
    # The site's markup only: Chromium puts its own banner (its notice that
    # XSLT is going) first in the page, with links of its own.
    page.evaluate("document.querySelector('xslt-warning-banner')?.remove()")
    assert axe_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_runs_nothing_from_a_hostile_feed(browser_page):
    brief = published_brief(title=f"Title {HOSTILE}", summary=f"Summary {HOSTILE}")
    credit(brief, f"Name {HOSTILE}")
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto("/feeds/briefs.rss")

    assert page.locator(".brief-item__title").inner_text() == f"Title {HOSTILE}"
    assert page.locator("script, img").count() == 0
    assert dialogs == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_shows_the_feed_types_as_source_which_is_why_feeds_are_xml(
    browser_page, monkeypatch
):
    """Served as application/atom+xml, the same feed is shown as plain
    source, with no stylesheet applied: the reason feeds are application/xml
    (briefs/feeds.py). Should Chromium change, this says so."""
    make_briefs()
    monkeypatch.setattr(AtomFeed, "content_type", "application/atom+xml; charset=utf-8")
    page = browser_page

    response = page.goto("/feeds/briefs.atom")

    assert response.headers["content-type"].startswith("application/atom+xml")
    assert "<?xml-stylesheet" in page.locator("body").inner_text()
    assert page.locator("h1").count() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_browser_without_xslt_still_shows_what_the_feed_is(chromium, live_server):
    """Chromium is removing XSLT; without it, the fallback styles the feed."""
    make_briefs()
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM, args=[*LAUNCH_ARGS, "--disable-features=XSLT"]
    )
    try:
        page = browser.new_page(base_url=live_server.url)
        page.goto("/feeds/briefs.atom")
        page.wait_for_function(
            "getComputedStyle(document.querySelector('feed > title')).fontSize"
            " === '36px'"
        )

        assert page.evaluate("document.documentElement.localName") == "feed"
        explanation = page.evaluate(
            "getComputedStyle(document.documentElement, '::before').content"
        )
        assert "add it to your feed reader" in explanation
        assert page.locator("entry > title").all_text_contents() == [
            "Border trade reopens",
            "Grid upgrade approved",
            "Ports expand",
        ]
        assert page.locator("entry > summary").first.is_hidden()
    finally:
        browser.close()
