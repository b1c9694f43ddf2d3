"""What machines read from the public pages: canonical addresses, Open Graph,
JSON-LD, the sitemap and robots.txt; and the parts of a brief page around the
text: reading time, related briefs, citation, share links, print and weight.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from briefs.models import Brief, Tag
from briefs.reading.related import RELATED_BRIEFS, reading_minutes
from tests.factories import draft_brief, published_brief, scheduled_brief
from tests.test_settings import settings_in

STATIC = Path(django_settings.BASE_DIR) / "static"


class Head(HTMLParser):
    """The machine-readable parts of a page: meta tags, links, JSON-LD, resources."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []
        self.json_ld: list[str] = []
        self.resources: list[str] = []  # every src= and every stylesheet href
        self._in_json_ld = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            key = attrs.get("property") or attrs["name"]
            self.meta.setdefault(key, []).append(attrs.get("content", ""))
        if tag == "link":
            self.links.append(attrs)
            if attrs.get("rel") in ("stylesheet", "preload", "icon", "modulepreload"):
                self.resources.append(attrs["href"])
        if "src" in attrs:
            self.resources.append(attrs["src"])
        self._in_json_ld = (
            tag == "script" and attrs.get("type") == "application/ld+json"
        )
        if self._in_json_ld:
            self.json_ld.append("")

    def handle_endtag(self, tag):
        self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data

    def one(self, key: str) -> str:
        [value] = self.meta[key]
        return value

    def link(self, rel: str, type_: str | None = None) -> list[str]:
        return [
            link["href"]
            for link in self.links
            if link.get("rel") == rel and (type_ is None or link.get("type") == type_)
        ]


def head_of(client, url: str) -> Head:
    response = client.get(url)
    assert response.status_code == 200, url
    return Head(response.content.decode())


# --- Canonical addresses, descriptions, Open Graph ----------------------------


def test_brief_page_metadata(client, full_brief):
    head = head_of(client, full_brief.get_absolute_url())
    url = f"http://testserver{full_brief.get_absolute_url()}"

    assert head.link("canonical") == [url]
    assert head.one("description") == "Ministers agreed to reopen two crossings."
    assert head.one("og:type") == "article"
    assert head.one("og:title") == "Border trade reopens"
    assert head.one("og:description") == "Ministers agreed to reopen two crossings."
    assert head.one("og:url") == url
    assert head.one("og:site_name") == "Newsroom"
    assert head.one("twitter:card") == "summary"
    assert head.one("article:published_time") == "2025-06-01T12:00:00+00:00"
    # Modified means a change readers were told of: none yet, so publication.
    modified = dt.datetime.fromisoformat(head.one("article:modified_time"))
    assert modified == dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
    assert head.link("version-history") == [f"{full_brief.get_absolute_url()}versions/"]
    # The brief's tags and its sections' tags, once each.
    assert head.meta["article:tag"] == ["Borders", "Investment", "Trade"]


@pytest.mark.parametrize(
    ("url", "canonical", "title"),
    [
        ("/", "http://testserver/", "Latest briefs"),
        ("/?page=1", "http://testserver/", "Latest briefs"),
        ("/?page=2", "http://testserver/?page=2", "Latest briefs, page 2"),
        ("/tags/", "http://testserver/tags/", "Tags"),
        ("/tags/?kind=place", "http://testserver/tags/?kind=place", "Places"),
        ("/tags/trade/", "http://testserver/tags/trade/", "Trade"),
        # Stray query parameters never make a second address for a page.
        ("/tags/trade/?utm_source=x", "http://testserver/tags/trade/", "Trade"),
        ("/?utm_source=x&page=2", "http://testserver/?page=2", "Latest briefs, page 2"),
    ],
)
def test_listing_pages_metadata(client, db, settings, url, canonical, title):
    settings.NEWSROOM_BRIEFS_PER_PAGE = 1
    published_brief(tags=("Trade",))
    published_brief(tags=("Trade",))
    Tag.objects.filter(name="Trade").update(kind=Tag.Kind.PLACE)

    head = head_of(client, url)

    assert head.link("canonical") == [canonical]
    assert head.one("og:url") == canonical
    assert head.one("og:type") == "website"
    assert head.one("og:title") == title
    assert head.one("og:site_name") == "Newsroom"
    assert head.one("twitter:card") == "summary"
    assert head.one("description") == head.one("og:description") != ""


def test_not_found_page_has_no_canonical_address(client, db):
    response = client.get("/briefs/missing/")

    assert response.status_code == 404
    assert Head(response.content.decode()).link("canonical") == []


def test_site_url_setting_sets_the_canonical_origin(client, full_brief, settings):
    settings.NEWSROOM_SITE_URL = "https://briefs.example.org"

    head = head_of(client, full_brief.get_absolute_url())

    url = f"https://briefs.example.org{full_brief.get_absolute_url()}"
    assert head.link("canonical") == [url]
    assert json.loads(head.json_ld[0])["url"] == url


def test_hostile_text_in_meta_is_escaped(client, db):
    brief = published_brief(
        title='"><script>alert(1)</script>',
        summary='Sum "quoted" <b>',
        tags=('"><img src=x>',),
        sections=(("", "Opening.", ()),),
    )

    response = client.get(brief.get_absolute_url())
    html = response.content.decode()
    head = Head(html)

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert head.one("og:title") == '"><script>alert(1)</script>'
    assert head.one("og:description") == 'Sum "quoted" <b>'
    assert head.meta["article:tag"] == ['"><img src=x>']


# --- Feeds are announced -----------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/tags/", "/tags/trade/", "detail", "/missing/"])
def test_every_page_announces_the_site_feeds(client, db, url):
    brief = published_brief(tags=("Trade",))
    url = brief.get_absolute_url() if url == "detail" else url

    head = Head(client.get(url).content.decode())

    assert head.link("alternate", "application/atom+xml")[0] == "/feeds/briefs.atom"
    assert head.link("alternate", "application/rss+xml")[0] == "/feeds/briefs.rss"


def test_tag_page_announces_and_links_its_own_feeds(client, db):
    published_brief(tags=("Trade",))

    html = client.get("/tags/trade/").content.decode()
    head = Head(html)

    assert head.link("alternate", "application/atom+xml") == [
        "/feeds/briefs.atom",
        "/feeds/tags/trade.atom",
    ]
    assert head.link("alternate", "application/rss+xml") == [
        "/feeds/briefs.rss",
        "/feeds/tags/trade.rss",
    ]
    assert '<a href="/feeds/tags/trade.atom" type="application/atom+xml">' in html
    assert client.get("/feeds/tags/trade.atom").status_code == 200


# --- JSON-LD ------------------------------------------------------------------


def test_brief_json_ld(client, full_brief):
    [data] = head_of(client, full_brief.get_absolute_url()).json_ld
    url = f"http://testserver{full_brief.get_absolute_url()}"

    assert json.loads(data) == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Border trade reopens",
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "description": "Ministers agreed to reopen two crossings.",
        "inLanguage": "en-GB",
        "keywords": ["Borders", "Investment", "Trade"],
        "articleSection": ["Trade and investment", "Next steps"],
        "publisher": {
            "@type": "Organization",
            "name": "Newsroom",
            "url": "http://testserver/",
            "logo": {
                "@type": "ImageObject",
                "url": "http://testserver/static/briefs/publisher-logo.png",
                "width": 512,
                "height": 512,
            },
        },
        # No lead image: the publisher's own picture.
        "image": {
            "@type": "ImageObject",
            "url": "http://testserver/static/briefs/share-default.png",
            "width": 1200,
            "height": 630,
        },
        "datePublished": "2025-06-01T12:00:00+00:00",
        # Publication until an update or a correction; never the last save.
        "dateModified": "2025-06-01T12:00:00+00:00",
        "version": 1,
        "dateline": "GENEVA",
        "author": {"@type": "Person", "name": "A. Analyst"},
        "isBasedOn": "https://example.org/statement",
    }


def test_json_ld_leaves_out_what_is_not_known(client, db, settings):
    settings.NEWSROOM_PUBLISHER = "Policy Desk Ltd"
    brief = published_brief(dateline="", sections=(("", "Opening.", ()),))

    [data] = head_of(client, brief.get_absolute_url()).json_ld
    parsed = json.loads(data)

    assert {"author", "isBasedOn", "dateline"}.isdisjoint(parsed)
    assert parsed["publisher"]["name"] == "Policy Desk Ltd"
    assert parsed["articleSection"] == []
    assert parsed["description"] == "Opening."


@pytest.mark.parametrize(
    "title",
    [
        "</script><script>alert(1)</script>",
        "<!--<script>",
        "</SCRIPT >& &amp; \u2028 \" ' \\",
    ],
)
def test_json_ld_cannot_be_broken_out_of(client, db, title):
    brief = published_brief(
        title=title, tags=(title,), byline=title, sections=(("", "Opening.", ()),)
    )

    html = client.get(brief.get_absolute_url()).content.decode()
    head = Head(html)

    # Exactly one script element, and its text is all JSON.
    scripts = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S | re.I
    )
    assert len(scripts) == 1
    assert not re.search(r"[<>&]", scripts[0])
    data = json.loads(scripts[0])
    assert data["headline"] == title
    assert data["keywords"] == [title]
    assert data["author"]["name"] == title
    assert head.json_ld == scripts


# --- Reading time ---------------------------------------------------------------


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (50, 1), (660, 3), (1100, 5)])
def test_reading_minutes(db, words, minutes):
    body = " ".join(["word"] * words) or "."
    brief = published_brief(title="T", key_points=(), sections=(("", body, ()),))

    assert (
        reading_minutes(brief, list(brief.key_points.all()), list(brief.sections.all()))
        == minutes
    )


def test_reading_time_is_shown(client, db):
    long_body = "\n\n".join(" ".join(["word"] * 110) for _ in range(10))
    brief = published_brief(sections=(("", long_body, ()),))
    short = published_brief(sections=(("", "Short.", ()),))

    assert "5 min read" in client.get(brief.get_absolute_url()).content.decode()
    assert "1 min read" in client.get(short.get_absolute_url()).content.decode()


# --- Related briefs ---------------------------------------------------------------


def related_titles(client, brief: Brief) -> list[str]:
    html = client.get(brief.get_absolute_url()).content.decode()
    block = re.search(r'<aside class="related".*?</aside>', html, re.S)
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', block.group(0)) if block else []


def test_related_briefs_share_most_tags_first_then_newest(client, db):
    now = timezone.now()
    this = published_brief(
        title="This",
        tags=("Trade", "Energy"),
        sections=(("", "Opening.", ("Water",)), ("Grid", "Body.", ("Energy",))),
    )

    def other(title, days_ago, tags=(), section_tags=()):
        return published_brief(
            title=title,
            published_at=now - dt.timedelta(days=days_ago),
            tags=tags,
            sections=(("", "Opening.", section_tags),),
        )

    other("Three shared", 9, tags=("Trade", "Energy"), section_tags=("Water",))
    # A tag on the brief and on its section counts once.
    other("Two shared, newer", 2, tags=("Trade",), section_tags=("Trade", "Water"))
    other("Two shared, older", 5, tags=("Water", "Energy"))
    other("One shared, newest", 1, section_tags=("Energy",))
    other("One shared, old", 20, tags=("Trade",))
    other("Nothing shared", 0, tags=("Fisheries",))
    draft_brief(title="Draft sharing all", tags=("Trade", "Energy", "Water"))
    scheduled_brief(title="Scheduled sharing all", tags=("Trade", "Energy", "Water"))

    assert (
        related_titles(client, this)
        == [
            "Three shared",
            "Two shared, newer",
            "Two shared, older",
            "One shared, newest",
            "One shared, old",
        ][:RELATED_BRIEFS]
    )


def test_no_related_briefs_without_shared_tags(client, db):
    this = published_brief(title="Alone", tags=("Trade",), sections=(("", "x", ()),))
    published_brief(title="Other", tags=("Water",), sections=(("", "x", ("Energy",)),))

    html = client.get(this.get_absolute_url()).content.decode()

    assert related_titles(client, this) == []
    assert "Related briefs" not in html


# --- Citation, share links, print --------------------------------------------------


def test_brief_page_shows_how_to_cite_it(client, full_brief):
    html = client.get(full_brief.get_absolute_url()).content.decode()
    cite = re.search(r'<section class="cite">.*?</section>', html, re.S).group(0)
    url = f"http://testserver{full_brief.get_absolute_url()}"
    today = timezone.localdate()

    assert "<h2" in cite and "Cite this brief" in cite
    assert "<figcaption>Citation</figcaption>" in cite
    assert "<figcaption>BibTeX</figcaption>" in cite
    assert "<figcaption>BibLaTeX entry</figcaption>" in cite
    texts = re.findall(r'<pre class="cite__text">(.*?)</pre>', cite, re.S)
    assert texts[0].startswith(
        f"A. Analyst. “Border trade reopens.” Newsroom, 1 June 2025. {url}. Accessed "
    )
    assert texts[0].endswith(f"{today.year}.")
    assert texts[1].startswith("@misc{newsroom-2025-border-trade-reopens,\n")
    assert f"  howpublished = {{\\url{{{url}}}}},\n" in texts[1]
    assert texts[2].startswith("@online{newsroom-2025-border-trade-reopens,\n")
    assert f"  url = {{{url}}},\n" in texts[2]
    # Reading and copying need no script; the one script is a file, deferred.
    assert re.findall(r"<script[^>]*>", html) == [
        '<script type="application/ld+json">',
        '<script src="/static/briefs/cite.js" defer>',
    ]
    assert (STATIC / "briefs" / "cite.js").exists()


def test_citation_of_a_hostile_title_is_escaped_for_html_and_bibtex(client, db):
    brief = published_brief(title="</pre><script>x</script> {50% & $5_#~^\\}")

    html = client.get(brief.get_absolute_url()).content.decode()

    assert "<script>x" not in html
    bibtex_pre = re.findall(r'<pre class="cite__text">(.*?)</pre>', html, re.S)[1]
    assert (
        r"title = {{&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt; \textbraceleft{}50\%"
        r" \&amp; \$5\_\#\textasciitilde{}\textasciicircum{}\textbackslash{}"
        r"\textbraceright{}}}"
    ) in bibtex_pre


def test_share_links_are_plain_encoded_links(client, full_brief):
    html = client.get(full_brief.get_absolute_url()).content.decode()
    share = re.search(r'<section class="share">.*?</section>', html, re.S).group(0)
    url = f"http://testserver{full_brief.get_absolute_url()}"

    links = {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(
            r'<a href="([^"]+)" rel="noopener">([^<]+)</a>', share
        )
    }
    assert set(links) == {"Email", "Bluesky", "LinkedIn", "X"}
    assert links["Email"].startswith("mailto:?")
    assert parse_qs(urlsplit(links["Email"]).query) == {
        "subject": ["Border trade reopens"],
        "body": [url],
    }
    assert parse_qs(urlsplit(links["Bluesky"]).query) == {
        "text": [f"Border trade reopens {url}"]
    }
    assert links["LinkedIn"].startswith(
        "https://www.linkedin.com/sharing/share-offsite/?"
    )
    assert parse_qs(urlsplit(links["LinkedIn"]).query) == {"url": [url]}
    assert parse_qs(urlsplit(links["X"]).query) == {
        "text": ["Border trade reopens"],
        "url": [url],
    }


def test_share_links_encode_hostile_titles(client, db):
    brief = published_brief(title='A & B "quoted" #tag ?x=1 <i>')

    html = client.get(brief.get_absolute_url()).content.decode()
    share = re.search(r'<section class="share">.*?</section>', html, re.S).group(0)

    email = re.search(r'href="(mailto:[^"]+)"', share).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(email).query)["subject"] == [
        'A & B "quoted" #tag ?x=1 <i>'
    ]
    assert "<i>" not in share


def test_brief_page_loads_nothing_from_another_site(client, full_brief):
    head = head_of(client, full_brief.get_absolute_url())

    assert head.resources  # the stylesheet and the script, at least
    for resource in head.resources:
        assert resource.startswith("/") and not resource.startswith("//"), resource


def test_print_shows_the_address_and_hides_the_chrome(client, full_brief):
    html = client.get(full_brief.get_absolute_url()).content.decode()
    css = (STATIC / "css" / "site.css").read_text()
    url = f"http://testserver{full_brief.get_absolute_url()}"

    assert f'<p class="print-only">{url}</p>' in html
    assert re.search(r"^\.print-only \{ display: none; \}", css, re.M)
    print_css = css[css.index("@media print") :]
    print_css = print_css[: print_css.index("\n}\n")]
    hidden = re.search(r"([^{}]+)\{ display: none; \}", print_css).group(1)
    for chrome in (".site-nav", ".site-footer", ".share", ".related", ".cite__copy"):
        assert chrome in hidden, chrome
    assert ".print-only { display: block;" in print_css


def test_seed_brief_page_weighs_under_50_kb(client, db):
    call_command("import_seeds", stdout=io.StringIO())
    [brief] = Brief.objects.published()
    published_brief(tags=tuple(tag.name for tag in brief.tags.all()))

    html = client.get(brief.get_absolute_url()).content
    head = Head(html.decode())
    files = [STATIC / resource.removeprefix("/static/") for resource in head.resources]
    total = len(html) + sum(path.stat().st_size for path in files)

    assert {path.suffix for path in files} == {
        ".css",
        ".js",
        ".svg",
    }  # style, script, icon
    assert "Related briefs" in html.decode()
    assert total < 50_000, total


# --- Sitemap -----------------------------------------------------------------------

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap(client) -> dict[str, str | None]:
    """{loc: lastmod} from every sitemap the index at /sitemap.xml names."""

    def read(url: str) -> ElementTree.Element:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/xml")
        return ElementTree.fromstring(response.content)

    urls = {}
    for part in read("/sitemap.xml").findall("s:sitemap", SITEMAP_NS):
        location = urlsplit(part.findtext("s:loc", namespaces=SITEMAP_NS))
        path = f"{location.path}?{location.query}" if location.query else location.path
        for url in read(path).findall("s:url", SITEMAP_NS):
            urls[url.findtext("s:loc", namespaces=SITEMAP_NS)] = url.findtext(
                "s:lastmod", namespaces=SITEMAP_NS
            )
    return urls


def test_sitemap_lists_published_briefs_home_and_public_tags(client, db):
    shown = published_brief(
        title="Shown",
        tags=("Trade",),
        sections=(("", "x", ("Energy",)),),
        published_at=dt.datetime(2025, 6, 1, 8, 0, tzinfo=dt.UTC),
    )
    # lastmod is the last significant change (Brief.modified_at): the latest
    # update or correction, not a later minor edit's save.
    Brief.objects.filter(pk=shown.pk).update(
        revised_at=dt.datetime(2025, 6, 3, 8, 0, tzinfo=dt.UTC),
        updated_at=dt.datetime(2025, 6, 4, 8, 0, tzinfo=dt.UTC),
    )
    draft = draft_brief(title="Draft", tags=("Secret",))
    scheduled = scheduled_brief(title="Later", sections=(("", "x", ("Embargoed",)),))
    Tag.objects.create(name="Unused")

    urls = sitemap(client)

    base = "http://testserver"
    assert urls == {
        f"{base}/": "2025-06-03",
        f"{base}/tags/": "2025-06-03",
        f"{base}/authors/": "2025-06-03",
        f"{base}{shown.get_absolute_url()}": "2025-06-03",
        # A tag's page changes with the briefs that carry it.
        f"{base}/tags/trade/": "2025-06-03",
        f"{base}/tags/energy/": "2025-06-03",
    }
    for hidden in (draft, scheduled):
        assert all(hidden.slug not in loc for loc in urls)


def test_sitemap_on_the_configured_origin(client, db, settings):
    settings.NEWSROOM_SITE_URL = "https://briefs.example.org"
    brief = published_brief()

    urls = sitemap(client)

    assert f"https://briefs.example.org{brief.get_absolute_url()}" in urls
    assert all(loc.startswith("https://briefs.example.org/") for loc in urls)


# --- robots.txt --------------------------------------------------------------------


def test_robots_txt(client, db):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Disallow: /search/" in lines
    assert "Allow: /" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert not any(line == "Disallow: /" for line in lines)


def test_robots_txt_names_the_configured_sitemap(client, db, settings):
    settings.NEWSROOM_SITE_URL = "https://briefs.example.org"

    text = client.get("/robots.txt").content.decode()

    assert "Sitemap: https://briefs.example.org/sitemap.xml" in text.splitlines()


# --- Settings ------------------------------------------------------------------


def test_site_settings_default_to_the_request_and_the_site_name():
    result = settings_in(
        {"NEWSROOM_SITE_NAME": "Policy Desk"},
        "s.NEWSROOM_SITE_URL, s.NEWSROOM_PUBLISHER",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('', 'Policy Desk')"


def test_site_settings_from_the_environment():
    result = settings_in(
        {
            "NEWSROOM_SITE_URL": "https://briefs.example.org/",
            "NEWSROOM_PUBLISHER": "Example Institute",
        },
        "s.NEWSROOM_SITE_URL, s.NEWSROOM_PUBLISHER",
    )

    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == "('https://briefs.example.org', 'Example Institute')"
    )


@pytest.mark.parametrize(
    "value", ["briefs.example.org", "https://briefs.example.org/news", "ftp://x.org"]
)
def test_site_url_must_be_an_origin(value):
    result = settings_in({"NEWSROOM_SITE_URL": value}, "s.NEWSROOM_SITE_URL")

    assert result.returncode != 0
    assert "NEWSROOM_SITE_URL must be an origin" in result.stderr
