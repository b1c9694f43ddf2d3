"""Authors: kept by editors, credited in order on briefs, and shown to readers
only through published briefs."""

from __future__ import annotations

import json
import re

import pytest
import reversion
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse
from reversion.models import Version

from briefs.editorial.diffing import diff_briefs
from briefs.editorial.history import brief_versions, snapshot
from briefs.ingest.exporting import export_briefs
from briefs.models import Author, Brief, BriefAuthor
from tests.admin_forms import assert_saved, change_url, form_data
from tests.factories import draft_brief, make_author, published_brief, scheduled_brief
from tests.people import member

pytestmark = pytest.mark.django_db


# --- The model -------------------------------------------------------------------


@pytest.mark.parametrize("orcid", ["0000-0002-1825-0097", "0000-0002-1694-233X"])
def test_a_real_orcid_id_is_accepted(orcid):
    Author(name="A. Researcher", slug="a", orcid=orcid).full_clean()


@pytest.mark.parametrize(
    ("orcid", "message"),
    [
        ("0000-0002-1825-0098", "check digit is wrong"),
        ("0000000218250097", "Enter an ORCID iD"),
        ("https://orcid.org/0000-0002-1825-0097", "Enter an ORCID iD"),
        ("0000-0002-1825-009x", "Enter an ORCID iD"),
    ],
)
def test_an_orcid_id_with_a_typing_error_is_refused(orcid, message):
    with pytest.raises(ValidationError, match=message):
        Author(name="A. Researcher", slug="a", orcid=orcid).full_clean()


def test_slugs_are_made_from_names_and_never_shared():
    # Two people may share a name; each has an address of their own.
    first = make_author("Ayesha Khan")
    second = make_author("Ayesha Khan")
    assert (first.slug, second.slug) == ("ayesha-khan", "ayesha-khan-2")


def test_an_author_credited_on_a_brief_cannot_be_deleted():
    published_brief(authors=("Ayesha Khan",))
    with pytest.raises(ProtectedError):
        Author.objects.get(name="Ayesha Khan").delete()


# --- Readers ---------------------------------------------------------------------


def test_the_brief_names_its_authors_in_order_with_their_pages(client):
    make_author("Zhou Wei", role="Senior Fellow, Asia Programme")
    brief = published_brief(authors=("Zhou Wei", "Ayesha Khan", "Omar Haddad"))

    html = client.get(brief.get_absolute_url()).content.decode()

    assert re.search(
        r'By <a class="author-link" href="/authors/zhou-wei/">Zhou Wei</a>, '
        r'<a class="author-link" href="/authors/ayesha-khan/">Ayesha Khan</a> and '
        r'<a class="author-link" href="/authors/omar-haddad/">Omar Haddad</a>',
        html,
    )
    data = json.loads(
        re.search(
            r'<script type="application/ld\+json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert [person["name"] for person in data["author"]] == [
        "Zhou Wei",
        "Ayesha Khan",
        "Omar Haddad",
    ]
    assert data["author"][0] == {
        "@type": "Person",
        "name": "Zhou Wei",
        "url": "http://testserver/authors/zhou-wei/",
        "jobTitle": "Senior Fellow, Asia Programme",
    }


def test_a_brief_with_no_authors_keeps_its_byline(client):
    brief = published_brief(byline="Staff reporter")

    html = client.get(brief.get_absolute_url()).content.decode()

    assert '<span class="byline">By Staff reporter</span>' in html
    assert 'class="author-link"' not in html


def test_reordering_credits_reorders_the_byline(client):
    brief = published_brief(authors=("First Person", "Second Person"))
    for credit in brief.credits.all():
        credit.position = 1 - credit.position
        credit.save()

    html = client.get(brief.get_absolute_url()).content.decode()

    assert html.index(">Second Person<") < html.index(">First Person<")


def test_the_author_index_lists_authors_of_published_briefs_with_their_counts(client):
    published_brief(authors=("Ayesha Khan", "Zhou Wei"))
    published_brief(authors=("Ayesha Khan",))
    draft_brief(authors=("Ayesha Khan", "Drafting Only"))
    scheduled_brief(authors=("Scheduled Only",))

    html = client.get("/authors/").content.decode()

    names = re.findall(r'class="author-index__name" href="[^"]+">([^<]+)<', html)
    assert names == ["Ayesha Khan", "Zhou Wei"]
    counts = re.findall(r'<span class="count">([^<]+)</span>', html)
    assert counts == ["2 briefs", "1 brief"]


def test_an_author_page_shows_who_they_are_and_their_published_briefs(client):
    make_author(
        "Ayesha Khan",
        role="Fellow <Economy>",
        bio="Writes on trade & <b>finance</b>.",
        url="https://example.org/ayesha",
        orcid="0000-0002-1825-0097",
    )
    shown = published_brief(title="Trade talks resume", authors=("Ayesha Khan",))
    draft_brief(title="Secret draft", authors=("Ayesha Khan",))

    response = client.get("/authors/ayesha-khan/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="page-title">Ayesha Khan</h1>' in html
    assert "Fellow &lt;Economy&gt;" in html
    assert "Writes on trade &amp; &lt;b&gt;finance&lt;/b&gt;." in html
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in html
    assert 'href="https://example.org/ayesha"' in html
    assert shown.get_absolute_url() in html
    assert "Secret draft" not in html
    assert 'href="/feeds/authors/ayesha-khan.atom"' in html
    data = json.loads(
        re.search(
            r'<script type="application/ld\+json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert data["@type"] == "ProfilePage"
    assert data["mainEntity"]["sameAs"] == [
        "https://example.org/ayesha",
        "https://orcid.org/0000-0002-1825-0097",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/authors/drafting-only/",
        "/authors/nobody/",
        "/authors/ayesha-khan/?page=2",
        "/authors/ayesha-khan/?page=x",
    ],
)
def test_authors_of_drafts_only_unknown_authors_and_pages_past_the_end_are_404s(
    client, path
):
    published_brief(authors=("Ayesha Khan",))
    draft_brief(authors=("Drafting Only",))

    assert client.get(path).status_code == 404


def test_author_pages_change_for_readers_as_soon_as_an_author_is_renamed(
    client, settings
):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 60
    brief = published_brief(authors=("Ayesha Khan",))
    pages = [brief.get_absolute_url(), "/authors/", "/authors/ayesha-khan/", "/"]
    for page in pages:
        client.get(page)
    assert client.get(pages[0])["X-Cache"] == "hit"

    author = Author.objects.get(name="Ayesha Khan")
    author.name = "Ayesha Khan-Malik"
    author.save()

    for page in pages:
        response = client.get(page)
        assert response["X-Cache"] == "miss", page
        assert "Ayesha Khan-Malik" in response.content.decode(), page


def test_crediting_an_author_changes_the_pages_that_show_it(client, settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 60
    # No shared topics: neither lists the other among its related briefs.
    untagged = (("", "Opening paragraph.", ()),)
    brief = published_brief(sections=untagged)
    other = published_brief(sections=untagged, authors=("Zhou Wei",))
    for page in (brief.get_absolute_url(), "/authors/", other.get_absolute_url()):
        client.get(page)

    BriefAuthor.objects.create(
        brief=brief, author=Author.objects.get(name="Zhou Wei"), position=0
    )

    assert "Zhou Wei" in client.get(brief.get_absolute_url()).content.decode()
    assert "2 briefs" in client.get("/authors/").content.decode()
    # A page that shows the author but not the new credit stays cached.
    assert client.get(other.get_absolute_url())["X-Cache"] == "hit"


def test_publishing_a_brief_lists_its_authors(client, settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 60
    brief = draft_brief(authors=("New Voice",))
    assert client.get("/authors/new-voice/").status_code == 404
    assert "New Voice" not in client.get("/authors/").content.decode()

    brief.status = Brief.Status.PUBLISHED
    brief.save()

    assert client.get("/authors/new-voice/").status_code == 200
    assert "New Voice" in client.get("/authors/").content.decode()


# --- Editors and writers ------------------------------------------------------------


def test_editors_keep_authors_and_writers_credit_them():
    editor = member("Editors", "editor")
    writer = member("Writers", "writer")
    add = reverse("admin:briefs_author_add")
    form = {
        "name": "Ayesha Khan",
        "slug": "",
        "role": "Fellow",
        "bio": "",
        "url": "",
        "orcid": "0000-0002-1825-0097",
    }

    assert writer.post(add, form).status_code == 403
    assert not Author.objects.exists()
    response = editor.post(add, {**form, "slug": "ayesha-khan"})
    assert response.status_code == 302
    assert Author.objects.get().orcid == "0000-0002-1825-0097"
    # Writers find authors to credit as they type.
    found = writer.get(
        reverse("admin:autocomplete"),
        {
            "term": "ayes",
            "app_label": "briefs",
            "model_name": "briefauthor",
            "field_name": "author",
        },
    )
    assert [row["text"] for row in found.json()["results"]] == ["Ayesha Khan"]


def test_an_editor_is_told_why_a_credited_author_cannot_be_deleted():
    editor = member("Editors", "editor")
    published_brief(title="Trade talks resume", authors=("Ayesha Khan",))
    author = Author.objects.get()

    response = editor.post(
        reverse("admin:briefs_author_delete", args=[author.pk]), {"post": "yes"}
    )

    assert Author.objects.filter(pk=author.pk).exists()
    assert "would require deleting the following protected" in response.content.decode()


def test_a_bad_orcid_id_is_a_form_error_not_a_save():
    editor = member("Editors", "editor")

    response = editor.post(
        reverse("admin:briefs_author_add"),
        {
            "name": "A",
            "slug": "a",
            "orcid": "0000-0002-1825-0098",
            "url": "javascript:x",
        },
    )

    assert response.status_code == 200
    assert not Author.objects.exists()
    html = response.content.decode()
    assert "check digit is wrong" in html
    assert "Enter a valid URL." in html


# --- The export, the API and history -------------------------------------------------


def test_the_api_and_the_export_name_the_authors_in_order_and_keep_the_byline(client):
    brief = published_brief(
        byline="By our correspondents", authors=("Zhou Wei", "Ayesha Khan")
    )

    data = client.get(f"/api/briefs/{brief.slug}/").json()

    assert data["byline"] == "By our correspondents"
    assert data["authors"] == [
        {"name": "Zhou Wei", "slug": "zhou-wei"},
        {"name": "Ayesha Khan", "slug": "ayesha-khan"},
    ]
    (exported,) = export_briefs()
    assert exported["authors"] == data["authors"]


def test_history_keeps_who_was_credited_and_the_diff_says_what_changed():
    brief = published_brief(authors=("Ayesha Khan",))
    record(brief)
    credit = BriefAuthor.objects.get(brief=brief)
    credit.author = make_author("Zhou Wei")
    credit.save()
    record(brief)

    newer, older = (snapshot(version) for version in brief_versions(brief.pk))

    assert older["authors"] == [{"name": "Ayesha Khan", "slug": "ayesha-khan"}]
    assert newer["authors"] == [{"name": "Zhou Wei", "slug": "zhou-wei"}]
    change = next(
        field for field in diff_briefs(older, newer).fields if field.label == "Authors"
    )
    assert change.changed
    assert [(s.kind, s.text) for s in change.segments if s.kind != "same"] == [
        ("removed", "Ayesha Khan\n"),
        ("added", "Zhou Wei\n"),
    ]


def record(brief: Brief) -> None:
    with reversion.create_revision():
        reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))


def test_a_public_version_names_the_authors_it_was_published_with(client):
    brief = published_brief(authors=("Ayesha Khan",))
    # Credited since, with no new public version: version 1 never changes.
    credit = BriefAuthor.objects.get(brief=brief)
    credit.author = make_author("Zhou Wei")
    credit.save()

    first = client.get(f"{brief.get_absolute_url()}versions/1/").content.decode()
    current = client.get(brief.get_absolute_url()).content.decode()

    assert '<span class="byline">By Ayesha Khan</span>' in first
    assert "Zhou Wei" not in first
    assert "Zhou Wei" in current


# --- Restore and recovery ------------------------------------------------------------


def credit_through_the_form(client, brief: Brief, author: Author) -> None:
    url = change_url(brief)
    data = form_data(client, url)
    data["credits-TOTAL_FORMS"] = "1"
    data["credits-0-author"] = str(author.pk)
    data["credits-0-position"] = "1"
    assert_saved(client.post(url, data))


def credited_names(brief_pk: int) -> list[str]:
    return [a.name for a in Brief.objects.with_authors().get(pk=brief_pk).author_list]


def test_restoring_a_revision_brings_back_who_it_credited():
    chief = member("Editors", "edith")
    brief = draft_brief(title="Credits")
    ayesha, zhou = make_author("Ayesha Khan"), make_author("Zhou Wei")
    credit_through_the_form(chief, brief, ayesha)
    data = form_data(chief, change_url(brief))
    data["credits-0-author"] = str(zhou.pk)
    assert_saved(chief.post(change_url(brief), data))
    assert credited_names(brief.pk) == ["Zhou Wei"]

    older = list(Version.objects.get_for_object(brief))[1]
    url = reverse("admin:briefs_brief_revision", args=[brief.pk, older.pk])
    assert_saved(chief.post(url, form_data(chief, url)))

    assert credited_names(brief.pk) == ["Ayesha Khan"]


def test_a_recovered_brief_comes_back_with_its_authors():
    chief = member("Editors", "edith")
    brief = draft_brief(title="Recover me")
    credit_through_the_form(chief, brief, make_author("Ayesha Khan"))
    pk = brief.pk
    response = chief.post(
        reverse("admin:briefs_brief_delete", args=[pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not BriefAuthor.objects.filter(brief_id=pk).exists()

    deleted = Version.objects.get_deleted(Brief).first()
    url = reverse("admin:briefs_brief_recover", args=[deleted.pk])
    assert_saved(chief.post(url, form_data(chief, url)))

    assert credited_names(pk) == ["Ayesha Khan"]


@pytest.mark.parametrize("url", ["ftp://example.org/cv", "javascript:alert(1)"])
def test_an_authors_web_page_is_http_or_https(url):
    with pytest.raises(ValidationError, match="Enter a valid URL"):
        Author(name="A", slug="a", url=url).full_clean()
    Author(name="A", slug="a", url="https://example.org/cv").full_clean()
