"""The sitemap index at /sitemap.xml and the section sitemaps it names.

What each address lists (published briefs, public tags, the listings, with
their lastmod) is tested in tests/test_metadata.py; here, the split itself:
the index names every page of every section on the site's origin, pages
never overlap, and no part reads more rows as the archive grows.
"""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from briefs import models, sitemaps
from briefs.models import Brief, Tag
from briefs.sitemaps import SiteSitemap
from tests.factories import draft_brief, published_brief, scheduled_brief

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "http://testserver"


def xml(client, url: str) -> ElementTree.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def index(client) -> dict[str, str | None]:
    """{loc: lastmod} of the sitemaps /sitemap.xml names."""
    root = xml(client, "/sitemap.xml")
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    return {
        item.findtext("s:loc", namespaces=NS): item.findtext("s:lastmod", namespaces=NS)
        for item in root.findall("s:sitemap", NS)
    }


def lastmods(client, sitemap_url: str) -> dict[str, str | None]:
    """{loc: lastmod} of the addresses a sitemap lists."""
    root = xml(client, sitemap_url)
    return {
        url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
        for url in root.findall("s:url", NS)
    }


def addresses(client, sitemap_url: str) -> list[str]:
    root = xml(client, sitemap_url.removeprefix(BASE))
    return [url.findtext("s:loc", namespaces=NS) for url in root.findall("s:url", NS)]


def test_the_index_names_each_section_dated_by_its_latest_change(client):
    published_brief(
        tags=("Trade",), published_at=dt.datetime(2025, 6, 1, 8, tzinfo=dt.UTC)
    )
    draft_brief(tags=("Secret",))
    scheduled_brief(tags=("Embargoed",))

    assert index(client) == {
        f"{BASE}/sitemap-pages.xml": "2025-06-01T08:00:00+00:00",
        f"{BASE}/sitemap-briefs.xml": "2025-06-01T08:00:00+00:00",
        f"{BASE}/sitemap-tags.xml": "2025-06-01T08:00:00+00:00",
        # Authors have no lastmod in their sitemap, nor here.
        f"{BASE}/sitemap-authors.xml": None,
    }


def test_each_tag_is_dated_by_the_latest_change_of_the_briefs_that_carry_it(client):
    day = dt.datetime(2025, 6, 1, 8, tzinfo=dt.UTC)
    published_brief(tags=("Trade",), published_at=day)
    published_brief(
        sections=(("", "Text.", ("Trade", "Energy")),),
        published_at=day - dt.timedelta(days=3),
    )
    corrected = published_brief(sections=(("", "Text.", ("Water",)),), published_at=day)
    Brief.objects.filter(pk=corrected.pk).update(revised_at=day + dt.timedelta(days=2))
    # Neither a draft nor a scheduled brief dates a tag.
    draft_brief(tags=("Energy",))
    scheduled_brief(sections=(("", "Text.", ("Energy",)),))

    dated = lastmods(client, "/sitemap-tags.xml")

    # Django's sitemap writes the day of each address's lastmod.
    assert dated == {
        f"{BASE}/tags/trade/": "2025-06-01",
        f"{BASE}/tags/energy/": "2025-05-29",
        f"{BASE}/tags/water/": "2025-06-03",
    }


def test_every_address_is_in_exactly_one_sitemap_page(client, monkeypatch):
    monkeypatch.setattr(SiteSitemap, "limit", 2)
    briefs = [published_brief(tags=(f"Tag {n}",)) for n in range(5)]
    draft_brief()

    names = index(client)

    assert sorted(names) == sorted(
        [f"{BASE}/sitemap-pages.xml", f"{BASE}/sitemap-pages.xml?p=2"]
        + [f"{BASE}/sitemap-briefs.xml"]
        + [f"{BASE}/sitemap-briefs.xml?p={p}" for p in (2, 3)]
        + [f"{BASE}/sitemap-tags.xml"]
        + [f"{BASE}/sitemap-tags.xml?p={p}" for p in (2, 3)]
        + [f"{BASE}/sitemap-authors.xml"]
    )
    listed = [url for name in names for url in addresses(client, name)]
    assert len(listed) == len(set(listed))
    expected = {f"{BASE}/", f"{BASE}/tags/", f"{BASE}/authors/"}
    expected |= {f"{BASE}{brief.get_absolute_url()}" for brief in briefs}
    expected |= {f"{BASE}/tags/tag-{n}/" for n in range(5)} | {f"{BASE}/tags/trade/"}
    assert set(listed) == expected
    assert client.get("/sitemap-briefs.xml?p=4").status_code == 404


def test_the_index_names_the_configured_origin(client, settings):
    settings.NEWSROOM_SITE_URL = "https://briefs.example.org"
    published_brief()

    names = index(client)

    assert all(name.startswith("https://briefs.example.org/sitemap-") for name in names)


def test_an_unknown_section_is_a_404(client):
    assert client.get("/sitemap-drafts.xml").status_code == 404


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_index_and_each_sitemap_run_a_fixed_number_of_queries(client, settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0
    urls = [
        "/sitemap.xml",
        "/sitemap-pages.xml",
        "/sitemap-briefs.xml",
        "/sitemap-tags.xml",
        "/sitemap-authors.xml",
    ]
    published_brief(tags=("Trade",), authors=("Ayesha Khan",))
    few = [queries(client, url) for url in urls]
    for n in range(20):
        published_brief(tags=(f"Tag {n}",), authors=(f"Author {n}",))
    Brief.objects.update(revised_at=None)

    many = [queries(client, url) for url in urls]

    # The index: the latest change, three counts. Pages: the latest change.
    # Briefs, tags and authors: a count and the page.
    assert few == many == [4, 1, 2, 2, 2]


# The XML --------------------------------------------------------------------


def django_template(urls: list[dict]) -> str:
    """What Django's own sitemap template writes for ``urls``."""
    return render_to_string("sitemap.xml", {"urlset": urls})


@pytest.mark.parametrize("section", ["pages", "briefs", "tags", "authors"])
def test_each_section_is_the_xml_djangos_template_writes(rf, settings, section):
    # Far from UTC, so a day in the site's time zone differs from the UTC day.
    settings.TIME_ZONE = "Pacific/Kiritimati"
    for hour in (1, 13, 23):
        published_brief(
            tags=(f"Tag {hour}",),
            authors=(f"Author {hour}",),
            published_at=dt.datetime(2026, 3, 9, hour, 30, tzinfo=dt.UTC),
        )

    response = sitemaps.section(rf.get(f"/sitemap-{section}.xml"), section)

    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
    assert response.content.decode() == django_template(response.context_data["urlset"])


def test_any_entry_is_written_as_djangos_template_writes_it(settings):
    settings.TIME_ZONE = "America/New_York"
    entries = [
        {"location": "https://example.org/a?x=1&y=<2>\"'", "lastmod": None},
        {"location": "https://example.org/b", "lastmod": dt.date(2026, 1, 2)},
        # 03:00 UTC is the evening before in New York.
        {
            "location": "https://example.org/c",
            "lastmod": dt.datetime(2026, 1, 2, 3, tzinfo=dt.UTC),
            "changefreq": "daily",
            "priority": "0.5",
        },
        {
            "location": "https://example.org/d",
            "lastmod": dt.datetime(2026, 1, 2, 3),
            "alternates": [
                {"lang_code": "fr", "location": "https://example.org/fr/d?a&b"}
            ],
        },
    ]
    urls = [
        {"changefreq": None, "priority": "", "alternates": [], **entry}
        for entry in entries
    ]

    assert sitemaps.urlset(urls) == django_template(urls)
    assert sitemaps.urlset([]) == django_template([])
    assert "<lastmod>2026-01-01</lastmod>" in sitemaps.urlset(urls)


@pytest.mark.parametrize(
    ("common_uses", "newest_read"),
    [(0, 3), (0, 2), (0, 1), (10_000, 1_000)],
    ids=[
        "common, every brief read",
        "common, corrected after the newest read",
        "common, some not among the newest",
        "rare",
    ],
)
def test_a_tags_last_change_is_the_same_found_either_way(
    monkeypatch, common_uses, newest_read
):
    """Found by reading the newest briefs and those revised since (a common
    tag), or from the tag's own rows (a rare one, or a common one none of
    the newest briefs read carries), the answer is the same."""
    monkeypatch.setattr(models, "COMMON_TAG_USES", common_uses)
    monkeypatch.setattr(models, "NEWEST_BRIEFS_READ", newest_read)
    day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    day_ = dt.timedelta(days=1)
    older = published_brief(tags=("Tariffs",), published_at=day)
    published_brief(tags=("Tariffs", "Energy"), published_at=day + day_)
    published_brief(
        sections=(("Dams", "Water talks.", ("Water",)),), published_at=day + 2 * day_
    )
    # The older brief, corrected after every publication, dates its tags.
    Brief.objects.filter(pk=older.pk).update(revised_at=day + 5 * day_)
    # Neither a scheduled brief nor a draft dates a tag.
    scheduled_brief(tags=("Energy", "Water"))
    draft_brief(tags=("Energy",), published_at=day + 9 * day_)

    changes = {
        tag.slug: tag.last_change
        for tag in Tag.objects.public().with_last_change()
        if tag.slug != "trade"
    }

    assert changes == {
        "tariffs": day + 5 * day_,
        "energy": day + day_,
        "water": day + 2 * day_,
    }
