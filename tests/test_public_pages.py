"""The reader pages: the latest briefs, one brief, the tag index and a tag."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.template.loader import get_template
from django.utils import timezone

from briefs.models import Brief, Tag
from tests.factories import draft_brief, published_brief, scheduled_brief


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


# --- The latest briefs -------------------------------------------------------


def test_index_lists_published_briefs_newest_first(client, db):
    now = timezone.now()
    published_brief(title="Older brief", published_at=now - dt.timedelta(days=3))
    published_brief(title="Newest brief", published_at=now - dt.timedelta(hours=1))
    published_brief(title="Middle brief", published_at=now - dt.timedelta(days=1))

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    positions = [
        html.index(title) for title in ("Newest brief", "Middle brief", "Older brief")
    ]
    assert positions == sorted(positions)


def test_index_item_has_title_link_dateline_date_summary_and_tags(client, db):
    brief = published_brief(
        title="Water sharing talks",
        dateline="ISLAMABAD",
        summary="Both sides agreed to meet again.",
        published_at=dt.datetime(2025, 3, 5, 9, 30, tzinfo=dt.UTC),
        tags=("Water",),
    )

    html = client.get("/").content.decode()

    assert f'<a href="/briefs/{brief.slug}/">Water sharing talks</a>' in html
    assert "ISLAMABAD" in html
    assert '<time datetime="2025-03-05T09:30:00+00:00">5 March 2025</time>' in html
    assert "Both sides agreed to meet again." in html
    assert '<a href="/tags/water/">Water</a>' in html


def test_index_falls_back_to_the_opening_paragraph(client, db):
    published_brief(
        summary="",
        sections=(("", "The opening paragraph.\n\nA second paragraph.", ()),),
    )

    html = client.get("/").content.decode()

    assert "The opening paragraph." in html
    assert "A second paragraph." not in html


def test_index_is_paginated(client, db, settings):
    settings.NEWSROOM_BRIEFS_PER_PAGE = 2
    now = timezone.now()
    for n in range(3):
        published_brief(
            title=f"Paged brief {n}", published_at=now - dt.timedelta(days=n)
        )

    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()

    assert "Paged brief 0" in first and "Paged brief 1" in first
    assert "Paged brief 2" not in first
    assert 'rel="next" href="?page=2"' in first
    assert "Paged brief 2" in second and "Paged brief 0" not in second
    assert 'rel="prev" href="/"' in second


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "1.5", "9" * 5000])
def test_index_bad_page_is_404_not_500(client, db, settings, page):
    # Out of range and non-numeric pages are both 404: every page has one address.
    settings.NEWSROOM_BRIEFS_PER_PAGE = 2
    for _ in range(3):
        published_brief()

    response = client.get("/", {"page": page})

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


def test_index_with_no_briefs(client, db):
    draft_brief(title="Not yet")

    response = client.get("/")

    assert response.status_code == 200
    assert "No briefs have been published yet." in response.content.decode()


# --- One brief ---------------------------------------------------------------


def test_detail_shows_the_whole_brief(client, full_brief):
    response = client.get(full_brief.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert h1_count(html) == 1
    assert '<h1 class="brief__title">Border trade reopens</h1>' in html
    assert "GENEVA" in html
    assert '<time datetime="2025-06-01T12:00:00+00:00">1 June 2025</time>' in html
    key_points = re.search(r'<aside id="key-points".*?</aside>', html, re.S).group(0)
    assert "<li>Two crossings reopen</li>" in key_points
    assert "<li>Tariffs unchanged</li>" in key_points
    sections = full_brief.sections.all()
    opening, trade, steps = sections
    contents = re.search(r'<nav id="contents".*?</nav>', html, re.S).group(0)
    # The opening has no heading, so it has no entry in the contents.
    assert re.findall(r'href="#([^"]+)"', contents) == [trade.anchor, steps.anchor]
    for section in sections:
        assert f'<section id="{section.anchor}"' in html
    assert '<h2 class="brief-section__heading">Trade and investment</h2>' in html
    assert "<p>Talks covered <em>trade</em>.</p>" in html
    assert "<p>Opening paragraph of the brief.</p>" in html
    trade_section = re.search(
        rf'<section id="{trade.anchor}".*?</section>', html, re.S
    ).group(0)
    assert '<a href="/tags/trade/">Trade</a>' in trade_section
    assert '<a href="/tags/investment/">Investment</a>' in trade_section
    brief_tags = re.search(r'<footer id="tags".*?</footer>', html, re.S).group(0)
    assert '<a href="/tags/borders/">Borders</a>' in brief_tags


def test_detail_has_meta_description_and_attribution(client, full_brief):
    html = client.get(full_brief.get_absolute_url()).content.decode()

    assert (
        '<meta name="description" content="Ministers agreed to reopen two crossings.">'
        in html
    )
    assert "By A. Analyst" in html
    assert (
        '<a href="https://example.org/statement" rel="nofollow noopener">Ministry of Trade</a>'
        in html
    )


def test_detail_without_attribution_shows_none(client, db):
    brief = published_brief(summary="", sections=(("", "Only the opening.", ()),))

    html = client.get(brief.get_absolute_url()).content.decode()

    assert 'class="attribution"' not in html
    assert 'rel="nofollow noopener"' not in html
    # With no summary the opening paragraph describes the brief.
    assert '<meta name="description" content="Only the opening.">' in html


def test_missing_brief_is_404_with_the_site_template(client, db):
    response = client.get("/briefs/no-such-brief/")

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize(
    "make", [draft_brief, scheduled_brief], ids=["draft", "scheduled"]
)
def test_unpublished_brief_is_404(client, db, make):
    brief = make(title="Not for readers")

    response = client.get(brief.get_absolute_url())

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "Not for readers" not in response.content.decode()


@pytest.mark.parametrize("status", [Brief.Status.REVIEW, Brief.Status.ARCHIVED])
def test_brief_in_review_or_archived_is_404(client, db, status):
    brief = published_brief()
    Brief.objects.filter(pk=brief.pk).update(status=status)

    assert client.get(brief.get_absolute_url()).status_code == 404


# --- Tags --------------------------------------------------------------------


def test_tag_list_counts_only_published_briefs_and_sections(client, db):
    published_brief(
        sections=(
            ("", "Opening.", ("Trade",)),
            ("Trade", "Body.", ("Trade", "Energy")),
        ),
        tags=("Trade",),
    )
    published_brief(sections=(("", "Opening.", ()),), tags=("Trade",))
    draft_brief(sections=(("", "Opening.", ("Trade", "Secret plan")),), tags=("Trade",))
    scheduled_brief(sections=(("", "Opening.", ("Embargoed",)),), tags=("Trade",))
    Tag.objects.create(name="Unused")

    response = client.get("/tags/")

    assert response.status_code == 200
    html = response.content.decode()
    assert h1_count(html) == 1
    assert re.search(
        r'<a href="/tags/trade/">Trade</a>\s*<span class="count">2 briefs · mentioned in 2 sections</span>',
        html,
    )
    assert re.search(
        r'<a href="/tags/energy/">Energy</a>\s*<span class="count">Mentioned in 1 section</span>',
        html,
    )
    for hidden in ("Secret plan", "Embargoed", "Unused"):
        assert hidden not in html


def test_tag_list_groups_by_kind(client, db):
    published_brief(tags=("Pakistan", "Trade"))
    Tag.objects.filter(name="Pakistan").update(kind=Tag.Kind.PLACE)

    html = client.get("/tags/").content.decode()

    topics = html.index("<h2>Topics</h2>")
    places = html.index("<h2>Places</h2>")
    assert topics < html.index(">Trade</a>") < places < html.index(">Pakistan</a>")


def test_tag_detail_lists_sections_then_briefs(client, db):
    brief = published_brief(
        title="Energy outlook",
        sections=(
            ("", "Gas prices fell sharply.\n\nMore detail.", ("Energy",)),
            ("Grid", "The grid needs investment.", ("Energy",)),
            ("Water", "Dams are full.", ()),
        ),
        tags=("Energy",),
    )
    opening, grid, _water = brief.sections.all()

    response = client.get("/tags/energy/")

    assert response.status_code == 200
    html = response.content.decode()
    assert h1_count(html) == 1
    assert '<h1 class="page-title">Energy</h1>' in html
    assert f'<a href="{brief.get_absolute_url()}#{opening.anchor}">Opening</a>' in html
    assert f'<a href="{brief.get_absolute_url()}#{grid.anchor}">Grid</a>' in html
    assert "Gas prices fell sharply." in html
    assert "More detail." not in html  # a snippet, not the whole body
    assert "Dams are full." not in html
    sections_at, briefs_at = (
        html.index("<h2>Sections</h2>"),
        html.index("<h2>Briefs</h2>"),
    )
    assert sections_at < briefs_at
    assert (
        f'<a href="{brief.get_absolute_url()}">Energy outlook</a>' in html[briefs_at:]
    )


def test_tag_snippet_is_short_plain_text(client, db):
    body = "**Bold** start " + " ".join(f"word{n}" for n in range(100))
    published_brief(sections=(("Long", body, ("Energy",)),))

    html = client.get("/tags/energy/").content.decode()

    assert "Bold start word0" in html
    assert "<strong>" not in html
    assert "word99" not in html


@pytest.mark.parametrize(
    "make", [draft_brief, scheduled_brief], ids=["draft", "scheduled"]
)
def test_tag_used_only_on_unpublished_briefs_is_404(client, db, make):
    make(sections=(("Plans", "Body.", ("Secret plan",)),), tags=("Hidden topic",))
    published_brief(tags=("Trade",))

    assert client.get("/tags/secret-plan/").status_code == 404
    response = client.get("/tags/hidden-topic/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


def test_unknown_or_unused_tag_is_404(client, db):
    Tag.objects.create(name="Unused")

    assert client.get("/tags/unused/").status_code == 404
    assert client.get("/tags/never-existed/").status_code == 404


# --- Drafts never show -------------------------------------------------------


def test_only_the_published_brief_appears_on_any_public_page(client, db):
    def brief_with(make, name: str) -> Brief:
        return make(
            title=f"{name} brief title",
            dateline=f"{name} dateline",
            summary=f"{name} summary",
            key_points=(f"{name} key point",),
            sections=(
                ("", f"{name} opening paragraph.", ("Shared",)),
                (f"{name} heading", f"{name} body.", ("Shared", f"{name} section tag")),
            ),
            tags=("Shared", f"{name} brief tag"),
            authors=("Shared Author", f"{name} Author"),
        )

    shown = brief_with(published_brief, "Visible")
    hidden = [
        brief_with(draft_brief, "Draftonly"),
        brief_with(scheduled_brief, "Scheduledonly"),
    ]
    shared = Tag.objects.get(name="Shared")

    public_urls = [
        "/",
        "/tags/",
        shared.get_absolute_url(),
        shown.get_absolute_url(),
        f"{shown.get_absolute_url()}versions/",
        f"{shown.get_absolute_url()}versions/1/",
        f"{shown.get_absolute_url()}cite.ris",
        f"{shown.get_absolute_url()}cite.json",
        f"{shown.get_absolute_url()}versions/1/cite.ris",
        f"{shown.get_absolute_url()}versions/1/cite.json",
        "/feeds/briefs.atom",
        "/feeds/briefs.rss",
        "/feeds/tags/shared.atom",
        "/feeds/tags/shared.rss",
        "/authors/",
        "/authors/shared-author/",
        "/authors/visible-author/",
        "/feeds/authors/shared-author.atom",
        "/feeds/authors/shared-author.rss",
        "/sitemap.xml",
        "/sitemap-briefs.xml",
        "/sitemap-tags.xml",
        "/robots.txt",
        # Words and a tag that all three briefs have.
        "/search/?q=opening+paragraph",
        "/search/?q=key+point&tag=shared",
        "/api/briefs/",
        "/api/briefs/?tag=shared",
        f"/api/briefs/{shown.slug}/",
    ]
    hidden_tags = [
        f"{name}-{level}-tag"
        for name in ("draftonly", "scheduledonly")
        for level in ("brief", "section")
    ]
    hidden_urls = (
        [brief.get_absolute_url() for brief in hidden]
        + [f"{brief.get_absolute_url()}versions/" for brief in hidden]
        + [f"{brief.get_absolute_url()}versions/1/" for brief in hidden]
        + [
            f"{brief.get_absolute_url()}{path}"
            for brief in hidden
            for path in ("cite.ris", "cite.json", "versions/1/cite.json")
        ]
        + [f"/tags/{slug}/" for slug in hidden_tags]
        + [f"/feeds/tags/{slug}.atom" for slug in hidden_tags]
        + [f"/feeds/tags/{slug}.rss" for slug in hidden_tags]
        + [f"/api/briefs/{brief.slug}/" for brief in hidden]
        + [
            f"{prefix}{name}-author{suffix}"
            for name in ("draftonly", "scheduledonly")
            for prefix, suffix in (
                ("/authors/", "/"),
                ("/feeds/authors/", ".atom"),
                ("/feeds/authors/", ".rss"),
            )
        ]
    )
    pages = {}
    for url in public_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    for url in hidden_urls:
        response = client.get(url)
        assert response.status_code == 404, url
        pages[url] = response.content.decode()

    for url, html in pages.items():
        assert "draftonly" not in html.lower(), url
        assert "scheduledonly" not in html.lower(), url
    assert "Visible brief title" in pages["/"]
    assert "Visible brief tag" in pages["/tags/"]
    assert "Visible heading" in pages[shared.get_absolute_url()]
    assert "Visible brief title" in pages[shared.get_absolute_url()]
    assert "Visible heading" in pages[shown.get_absolute_url()]
    assert "Visible heading" in pages[f"{shown.get_absolute_url()}versions/1/"]
    for citation in ("cite.ris", "versions/1/cite.json"):
        assert "Visible brief title" in pages[f"{shown.get_absolute_url()}{citation}"]
    for feed in ("/feeds/briefs.atom", "/feeds/briefs.rss", "/feeds/tags/shared.atom"):
        assert "Visible brief title" in pages[feed], feed
    for page in (
        "/authors/",
        "/authors/shared-author/",
        "/feeds/authors/shared-author.rss",
    ):
        assert "Visible brief title" in pages[page] or "Visible Author" in pages[page]
    assert "Shared Author" in pages["/authors/"]
    assert "1 brief" in pages["/authors/"]
    assert "Visible brief title" in pages["/authors/shared-author/"]
    assert "Visible Author" in pages[shown.get_absolute_url()]
    assert shown.get_absolute_url() in pages["/sitemap-briefs.xml"]
    assert "/tags/visible-section-tag/" in pages["/sitemap-tags.xml"]
    # The shared tag counts the published brief and its two sections only.
    assert "1 brief · mentioned in 2 sections" in pages["/tags/"]
    for search in ("/search/?q=opening+paragraph", "/search/?q=key+point&tag=shared"):
        assert "Visible brief title" in pages[search], search
        assert "1 brief matches" in pages[search], search
    for listing in ("/api/briefs/", "/api/briefs/?tag=shared"):
        assert [brief["title"] for brief in json.loads(pages[listing])["results"]] == [
            "Visible brief title"
        ], listing
    assert json.loads(pages[f"/api/briefs/{shown.slug}/"])["title"] == (
        "Visible brief title"
    )

    # Pages that repeat what the reader asked for, which names the hidden
    # brief or tag: what they found is checked instead.
    for name in ("Visible", "Draftonly", "Scheduledonly"):
        response = client.get("/search/", {"q": f"{name} body"})
        assert response.status_code == 200
        html = response.content.decode()
        found = name == "Visible"
        assert (f"/briefs/{name.lower()}-brief-title/" in html) is found, name
        assert ("No briefs match" in html) is not found, name
    # A tag used only on drafts answers exactly as a tag that never existed.
    unknown_search = client.get("/search/", {"q": "opening", "tag": "never-existed"})
    unknown_api = client.get("/api/briefs/", {"tag": "never-existed"})
    assert unknown_search.status_code == 404
    assert unknown_api.status_code == 200
    assert unknown_api.json()["results"] == []
    for slug in hidden_tags:
        response = client.get("/search/", {"q": "opening", "tag": slug})
        assert response.status_code == 404, slug
        html = response.content.decode().replace(slug, "never-existed")
        assert html == unknown_search.content.decode(), slug
        response = client.get("/api/briefs/", {"tag": slug})
        assert response.status_code == 200, slug
        assert response.json() == unknown_api.json(), slug


# --- The site's frame --------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/tags/", "/tags/trade/", "detail", "/briefs/missing/"]
)
def test_every_page_has_the_site_frame(client, db, url):
    brief = published_brief(tags=("Trade",))
    if url == "detail":
        url = brief.get_absolute_url()

    html = client.get(url).content.decode()

    assert '<html lang="en-GB">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<nav" in html and "<footer" in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert "<title>" in html and "Newsroom</title>" in html
    assert h1_count(html) == 1
    # No inline script: only JSON-LD data, which never runs, and this site's
    # own script files.
    for script in re.findall(r"<script[^>]*>", html):
        assert script == '<script type="application/ld+json">' or re.fullmatch(
            r'<script src="/static/[^"]+\.js" defer>', script
        ), script


def test_500_page_renders_without_context_or_database(settings):
    # No db fixture: any query here raises. Django renders 500.html like this,
    # with no request and no context processors.
    settings.NEWSROOM_SITE_NAME = "Policy Desk"
    html = get_template("500.html").render()

    assert "Something went wrong" in html
    assert "Policy Desk" in html
    assert '<main id="main"' in html


def test_server_error_uses_the_500_template(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("briefs.views.render", broken)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/tags/"])
def test_pages_are_read_only(client, db, url):
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405
