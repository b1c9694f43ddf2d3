"""Tag pages for readers: kinds, old addresses, and any name at all."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from briefs.models import Section, Tag, TagRedirect
from tests.factories import draft_brief, published_brief, scheduled_brief


def tag_named(name: str) -> Tag:
    return Tag.objects.get(name=name)


# --- Pages -------------------------------------------------------------------


@pytest.fixture
def paged_tag(db, settings):
    """Three briefs carrying "Energy" on a section, two on the brief, 2 a page."""
    settings.NEWSROOM_BRIEFS_PER_PAGE = 2
    now = timezone.now()
    for n in range(3):
        published_brief(
            title=f"Paged brief {n}",
            published_at=now - dt.timedelta(days=n),
            sections=((f"Part {n}", "Body.", ("Energy",)),),
            tags=("Energy",) if n < 2 else (),
        )


def test_tag_page_is_paginated_newest_first(client, paged_tag):
    first = client.get("/tags/energy/").content.decode()
    second = client.get("/tags/energy/?page=2").content.decode()

    assert ">Part 0</a>" in first and ">Part 1</a>" in first
    assert ">Part 2</a>" not in first
    assert "2 briefs · mentioned in 3 sections." in first
    assert 'rel="next" href="?page=2"' in first
    assert '<link rel="canonical" href="http://testserver/tags/energy/">' in first
    assert ">Part 2</a>" in second and ">Part 0</a>" not in second
    # The briefs list has only one page: the second shows none of them.
    assert "<h2>Briefs</h2>" not in second
    assert 'rel="prev" href="/tags/energy/"' in second
    assert (
        '<link rel="canonical" href="http://testserver/tags/energy/?page=2">' in second
    )
    assert "<title>Energy, page 2 · Tags" in second


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "1.5", "9" * 5000])
def test_tag_page_bad_page_is_404_not_500(client, paged_tag, page):
    response = client.get("/tags/energy/", {"page": page})

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


# --- Kinds -------------------------------------------------------------------


@pytest.fixture
def kinds(db):
    published_brief(tags=("Trade", "Pakistan", "World Bank"))
    published_brief(sections=(("Talks", "Body.", ("Geneva",)),))
    # A place readers must not learn about: only a draft uses it.
    draft_brief(tags=("Secret Base",))
    for name in ("Pakistan", "Geneva", "Secret Base"):
        Tag.objects.filter(name=name).update(kind=Tag.Kind.PLACE)
    Tag.objects.filter(name="World Bank").update(kind=Tag.Kind.ORGANISATION)


def test_tag_list_filters_by_kind(client, kinds):
    response = client.get("/tags/", {"kind": "place"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="page-title">Places</h1>' in html
    assert "<title>Places · Tags" in html
    assert ">Pakistan</a>" in html
    assert ">Geneva</a>" in html
    for other in ("Trade", "World Bank", "Secret Base"):
        assert f">{other}</a>" not in html
    assert '<a href="/tags/?kind=place" aria-current="page">Places</a>' in html
    assert '<a href="/tags/">All tags</a>' in html


def test_tag_list_without_kind_shows_every_kind_and_links_to_each(client, kinds):
    html = client.get("/tags/").content.decode()

    assert '<a href="/tags/" aria-current="page">All tags</a>' in html
    for value, heading in [
        ("topic", "Topics"),
        ("place", "Places"),
        ("organisation", "Organisations"),
        ("person", "People"),
    ]:
        assert f'<a href="/tags/?kind={value}">{heading}</a>' in html
    for name in ("Trade", "Pakistan", "World Bank", "Geneva"):
        assert f">{name}</a>" in html


def test_kind_with_no_public_tags_is_an_empty_page(client, kinds):
    response = client.get("/tags/", {"kind": "person"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "No people are tagged yet." in html
    assert 'class="tag-index"' not in html


@pytest.mark.parametrize("kind", ["places", "PLACE", "", "other", "<script>"])
def test_unknown_kind_is_404(client, kinds, kind):
    response = client.get("/tags/", {"kind": kind})

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


def test_tag_page_shows_its_kind(client, kinds):
    html = client.get("/tags/pakistan/").content.decode()

    # A label, not a link; the way to the other places is at the end.
    assert '<p class="kicker">Place</p>' in html
    assert '<a href="/tags/?kind=place">All places</a>' in html


# --- Old addresses -----------------------------------------------------------


def test_old_slug_redirects_permanently_to_the_tag(client, db):
    published_brief(tags=("Trade",))
    TagRedirect.objects.create(old_slug="commerce", tag=tag_named("Trade"))

    response = client.get("/tags/commerce/")

    assert response.status_code == 301
    assert response["Location"] == "/tags/trade/"
    assert client.get(response["Location"]).status_code == 200


def test_unicode_old_slug_redirects(client, db):
    published_brief(tags=("Trade",))
    TagRedirect.objects.create(old_slug="торгівля", tag=tag_named("Trade"))

    response = client.get(reverse("briefs:tag", kwargs={"slug": "торгівля"}))

    assert response.status_code == 301
    assert response["Location"] == "/tags/trade/"


@pytest.mark.parametrize(
    "make", [draft_brief, scheduled_brief], ids=["draft", "scheduled"]
)
def test_redirect_to_a_tag_used_only_on_unpublished_briefs_is_404(client, db, make):
    make(tags=("Secret plan",))
    TagRedirect.objects.create(old_slug="old-plan", tag=tag_named("Secret plan"))

    response = client.get("/tags/old-plan/")

    # A 404 straight away: a redirect would tell readers the hidden tag's address.
    assert response.status_code == 404
    assert not response.has_header("Location")
    assert "secret-plan" not in response.content.decode()


def test_a_live_tag_wins_over_a_redirect_with_its_slug(client, db):
    published_brief(tags=("Trade", "Commerce"))
    TagRedirect.objects.create(old_slug="commerce", tag=tag_named("Trade"))

    response = client.get("/tags/commerce/")

    assert response.status_code == 200
    assert '<h1 class="page-title">Commerce</h1>' in response.content.decode()


def test_unknown_slug_without_redirect_is_404(client, db):
    published_brief(tags=("Trade",))

    assert client.get("/tags/commerce/").status_code == 404


# --- Any name gets an address ------------------------------------------------

NAMES = ["中国", "Україна", "مصر", "!!!", "???", "C++", "C#", "C", "<Tag & “quotes”>"]


@pytest.fixture
def odd_tags(db):
    brief = published_brief(
        title="Every kind of name",
        sections=(("Names", "Body.", tuple(NAMES)),),
        tags=tuple(NAMES),
    )
    return brief, {name: tag_named(name) for name in NAMES}


def test_every_name_gets_a_unique_non_empty_slug(odd_tags):
    _brief, tags = odd_tags

    slugs = [tag.slug for tag in tags.values()]
    assert all(slugs)
    assert len(set(slugs)) == len(slugs)
    assert tags["中国"].slug == "中国"
    assert tags["Україна"].slug == "україна"
    assert tags["مصر"].slug == "مصر"


@pytest.mark.parametrize("name", NAMES)
def test_every_name_round_trips_through_its_url(client, odd_tags, name):
    brief, tags = odd_tags
    tag = tags[name]
    url = reverse("briefs:tag", kwargs={"slug": tag.slug})
    assert url == tag.get_absolute_url()

    response = client.get(url)

    assert response.status_code == 200
    assert response.context["tag"] == tag
    html = response.content.decode()
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f'<h1 class="page-title">{escaped}</h1>' in html
    # The pages that list the tag link to that same address.
    link = f'<a href="{url}">{escaped}</a>'
    assert link in client.get("/tags/").content.decode()
    brief_html = client.get(brief.get_absolute_url()).content.decode()
    assert brief_html.count(link) == 2  # the section's tags and the brief's


def test_non_latin_urls_are_percent_encoded_in_links(client, odd_tags):
    html = client.get("/tags/").content.decode()

    assert '<a href="/tags/%E4%B8%AD%E5%9B%BD/">中国</a>' in html
    assert re.search(r'href="/tags/[^"]*[^\x00-\x7f]', html) is None


# --- One tag, whatever the case ----------------------------------------------


def test_adding_a_name_in_another_case_reuses_the_tag(db):
    published_brief(tags=("China",))
    section = Section.objects.create(
        brief=published_brief(sections=()), heading="Talks", body="Body."
    )

    section.tags.add("china")
    section.tags.add("CHINA", "China")

    assert Tag.objects.filter(name__iexact="china").count() == 1
    assert list(section.tags.names()) == ["China"]


def test_a_non_latin_name_in_another_case_reuses_the_tag(db):
    brief = published_brief(tags=("Україна",))

    brief.tags.add("УКРАЇНА")

    assert list(
        Tag.objects.filter(slug__startswith="україна").values_list("name", flat=True)
    ) == ["Україна"]
