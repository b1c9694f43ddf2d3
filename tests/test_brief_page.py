"""The brief page's parts as its view now reads them: each section with its
own tags, oldest tag first, and one description for the meta tags and the
JSON-LD.

tests/test_public_pages.py has the page as a whole, tests/test_metadata.py
what machines read from it and tests/test_query_budgets.py its seven
queries; these pin what reading tags with plain queries could get wrong.
"""

from __future__ import annotations

import json
import re

import pytest

from briefs.models import Brief, Section, Tag
from tests.factories import published_brief

pytestmark = pytest.mark.django_db


def page(client, brief: Brief) -> str:
    response = client.get(brief.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def tag_names(html: str, label: str) -> list[str]:
    block = re.search(
        rf'<ul class="tag-links[^"]*" aria-label="{label}">.*?</ul>', html, re.S
    )
    return re.findall(r'<a href="/tags/[^"]+/">([^<]+)</a>', block.group(0))


def section_html(html: str, section: Section) -> str:
    found = re.search(rf'<section id="{section.anchor}".*?</section>', html, re.S)
    return found.group(0)


def test_each_section_shows_its_own_tags_and_none_of_the_others(client):
    brief = published_brief(
        tags=("Borders",),
        sections=(
            ("", "Opening.", ("Trade", "Energy")),
            ("Untagged", "No tags here.", ()),
            ("Water", "Rivers.", ("Water", "Trade")),
        ),
    )
    opening, untagged, water = brief.sections.all()

    html = page(client, brief)

    assert tag_names(section_html(html, opening), "Tags for this section") == [
        "Trade",
        "Energy",
    ]
    assert "tag-links" not in section_html(html, untagged)
    assert tag_names(section_html(html, water), "Tags for this section") == [
        "Trade",
        "Water",
    ]
    assert tag_names(html, "Tags for this brief") == ["Borders"]


def test_tags_are_listed_oldest_tag_first(client):
    # The order the page showed before on SQLite, by the accident of a query
    # with no ORDER BY; now stated, so PostgreSQL shows the same. Made in one
    # order, added in another, named in a third: only the tags' age decides.
    zeta, alpha, mu = (Tag.objects.create(name=n) for n in ("Zeta", "Alpha", "Mu"))
    brief = published_brief(sections=(("", "Opening.", ()),))
    [opening] = brief.sections.all()
    for tag in (mu, zeta, alpha):
        opening.tags.add(tag)
        brief.tags.add(tag)

    html = page(client, brief)

    assert tag_names(section_html(html, opening), "Tags for this section") == [
        "Zeta",
        "Alpha",
        "Mu",
    ]
    assert tag_names(html, "Tags for this brief") == ["Zeta", "Alpha", "Mu"]
    # The page's topics (its article:tag meta and JSON-LD keywords) go by name.
    assert re.findall(r'<meta property="article:tag" content="([^"]+)">', html) == [
        "Alpha",
        "Mu",
        "Zeta",
    ]


def test_the_description_is_the_opening_paragraph_everywhere_without_a_summary(
    client,
):
    brief = published_brief(
        summary="",
        sections=(("", "", ()), ("Second", "First words.\n\nMore words.", ())),
    )

    html = page(client, brief)

    [data] = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S
    )
    assert json.loads(data)["description"] == "First words."
    assert '<meta name="description" content="First words.">' in html
    assert '<meta property="og:description" content="First words.">' in html


def test_a_summary_is_the_description_everywhere(client):
    brief = published_brief(summary="  The short of it.  ")

    html = page(client, brief)

    [data] = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S
    )
    assert json.loads(data)["description"] == "The short of it."
    assert '<meta name="description" content="The short of it.">' in html


def test_a_brief_without_key_points_tags_or_headings_has_none_of_their_parts(client):
    brief = published_brief(key_points=(), sections=(("", "Only text.", ()),))

    html = page(client, brief)

    assert 'id="key-points"' not in html
    assert 'id="contents"' not in html
    assert 'id="tags"' not in html
    assert "tag-links" not in html
    assert "<p>Only text.</p>" in html
