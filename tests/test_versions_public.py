"""The readers' record of change: what readers and machines see of public
versions, updates and corrections (briefs/versions.py writes them).

Everything goes through the test client against the real database: the
brief page's notice, "Updated" line, version and "Corrections and updates";
the versions list and one version read-only; JSON-LD, feeds, the sitemap,
the export and the API; and conditional requests after a correction.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import feedparser
import pytest
from django.utils import timezone

from briefs.editorial import versions
from briefs.ingest.exporting import export_briefs
from briefs.models import Brief, Correction, PublicVersion, Section
from briefs.reading.citation import human_date
from tests.factories import draft_brief, published_brief, scheduled_brief
from tests.test_metadata import Head

pytestmark = pytest.mark.django_db

UPDATE = "Figures for June were added to the trade section."
CORRECTION = "An earlier version gave the wrong date for the second round of talks."


def get_html(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def record(brief: Brief, kind: str, note: str) -> Correction:
    versions.record_public_change(brief, kind=kind, note=note, user=None)
    return Correction.objects.filter(brief_id=brief.pk).latest()


def day(moment: dt.datetime) -> str:
    return human_date(timezone.localdate(moment))


def part(html: str, pattern: str) -> str | None:
    found = re.search(pattern, html, re.S)
    return found.group(0) if found else None


def notice_of(html: str) -> str | None:
    return part(html, r'<div class="notice".*?</div>')


def record_of(html: str) -> str | None:
    return part(html, r'<section id="corrections".*?</section>')


def meta_line(html: str) -> str:
    header = part(html, r'<header class="brief__header">.*?</header>')
    return part(header, r'<p class="meta">.*?</p>')


def json_ld(html: str) -> dict:
    scripts = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S | re.I
    )
    assert len(scripts) == 1
    # Nothing in it can end the element or start markup (</script>, <!--).
    assert not re.search(r"[<>&]", scripts[0])
    return json.loads(scripts[0])


def versions_url(brief: Brief) -> str:
    return f"{brief.get_absolute_url()}versions/"


def version_url(brief: Brief, number: int) -> str:
    return f"{versions_url(brief)}{number}/"


# --- The brief page ----------------------------------------------------------


def test_a_brief_never_changed_says_version_1_and_has_no_record(client, full_brief):
    html = get_html(client, full_brief.get_absolute_url())

    meta = meta_line(html)
    assert (
        f'<a class="meta__version" href="{versions_url(full_brief)}">Version 1</a>'
        in (meta)
    )
    assert "Updated" not in meta
    assert notice_of(html) is None
    assert record_of(html) is None
    assert "Corrections and updates" not in html


def test_the_page_shows_the_version_the_update_date_the_notice_and_the_record(
    client, full_brief
):
    update = record(full_brief, Correction.Kind.UPDATE, UPDATE)
    correction = record(full_brief, Correction.Kind.CORRECTION, CORRECTION)

    html = get_html(client, full_brief.get_absolute_url())

    # "Updated <date>" beside the publication date, then "Version 3".
    meta = meta_line(html)
    published = '<time datetime="2025-06-01T12:00:00+00:00">1 June 2025</time>'
    updated = (
        f'Updated <time datetime="{correction.created_at.isoformat()}">'
        f"{day(correction.created_at)}</time>"
    )
    assert published in meta and updated in meta
    assert meta.index(published) < meta.index(updated) < meta.index(">Version 3</a>")
    # The latest correction, under the headline, linking to the record.
    header = part(html, r'<header class="brief__header">.*?</header>')
    notice = notice_of(header)
    assert notice is not None
    assert "Correction" in notice and CORRECTION in notice
    assert f'<time datetime="{correction.created_at.isoformat()}">' in notice
    assert '<a href="#corrections">' in notice
    assert UPDATE not in notice
    # Every note at the end, oldest first, each labelled and dated.
    notes = record_of(html)
    assert notes is not None
    assert "<h2" in notes and "Corrections and updates" in notes
    items = re.findall(r'<li class="record__item">(.*?)</li>', notes, re.S)
    assert len(items) == 2
    assert ">Update</strong>" in items[0] and UPDATE in items[0]
    assert f'datetime="{update.created_at.isoformat()}"' in items[0]
    assert ">Correction</strong>" in items[1] and CORRECTION in items[1]
    assert f'href="{versions_url(full_brief)}"' in notes
    # The record comes after the text, before the tags and the citation.
    assert html.index("Next steps") < html.index('id="corrections"')
    assert html.index('id="corrections"') < html.index("Cite this brief")


def test_the_notice_is_the_latest_correction_never_an_update(client, full_brief):
    record(full_brief, Correction.Kind.UPDATE, UPDATE)
    html = get_html(client, full_brief.get_absolute_url())
    assert notice_of(html) is None
    assert UPDATE in record_of(html)
    assert "Version 2" in meta_line(html)

    record(full_brief, Correction.Kind.CORRECTION, "First correction.")
    record(full_brief, Correction.Kind.CORRECTION, "Second correction.")
    record(full_brief, Correction.Kind.UPDATE, "A later update.")
    html = get_html(client, full_brief.get_absolute_url())

    notice = notice_of(html)
    assert "Second correction." in notice
    assert "First correction." not in notice and "A later update." not in notice
    notes = record_of(html)
    order = [UPDATE, "First correction.", "Second correction.", "A later update."]
    assert [notes.index(text) for text in order] == sorted(
        notes.index(text) for text in order
    )


# --- A minor edit changes none of the public record ----------------------------


def public_record(client, brief: Brief) -> dict:
    """Everything readers and machines see of the brief's record of change."""
    html = get_html(client, brief.get_absolute_url())
    data = json_ld(html)
    [entry] = feedparser.parse(client.get("/feeds/briefs.atom").content).entries
    api = client.get(f"/api/briefs/{brief.slug}/").json()
    sitemap = client.get("/sitemap.xml").content.decode()
    listing = get_html(client, versions_url(brief))
    return {
        "meta": meta_line(html),
        "notice": notice_of(html),
        "record": record_of(html),
        "modified_time": Head(html).one("article:modified_time"),
        "json_ld": {
            key: data.get(key) for key in ("dateModified", "version", "correction")
        },
        "feed_updated": entry.updated,
        "feed_summary": entry.summary,
        "api": {key: api[key] for key in ("version", "corrections")},
        "sitemap_lastmod": re.findall(r"<lastmod>(.*?)</lastmod>", sitemap),
        "versions": part(listing, r'<ol class="versions">.*?</ol>'),
        "version_count": PublicVersion.objects.filter(brief_id=brief.pk).count(),
    }


def test_a_minor_edit_changes_none_of_the_public_record(
    client, time_machine, full_brief
):
    record(full_brief, Correction.Kind.CORRECTION, CORRECTION)
    before = public_record(client, full_brief)

    time_machine.move_to(timezone.now() + dt.timedelta(days=2), tick=False)
    brief = Brief.objects.get(pk=full_brief.pk)
    brief.title = "Border trade reopens, with a typo fixed"
    brief.save()
    versions.after_save(
        brief, was_status=brief.status, was_live=True, change_kind=versions.MINOR
    )
    after = public_record(client, brief)

    assert after == before
    # The edit itself did reach readers, in the current version too.
    assert "with a typo fixed" in get_html(client, brief.get_absolute_url())
    assert "with a typo fixed" in get_html(client, version_url(brief, 2))
    assert "with a typo fixed" not in get_html(client, version_url(brief, 1))


# --- The list of versions ----------------------------------------------------------


def test_the_versions_list_shows_each_public_version_newest_first(client, full_brief):
    update = record(full_brief, Correction.Kind.UPDATE, UPDATE)
    correction = record(full_brief, Correction.Kind.CORRECTION, CORRECTION)

    response = client.get(versions_url(full_brief))

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    html = response.content.decode()
    head = Head(html)
    assert head.one("robots") == "noindex"
    assert head.link("canonical") == [f"http://testserver{versions_url(full_brief)}"]
    assert '<h1 class="page-title">Border trade reopens</h1>' in html
    assert (
        f'<a href="{full_brief.get_absolute_url()}">Read the current version</a>'
        in (html)
    )
    items = re.findall(r'<li class="versions__item">(.*?)</li>', html, re.S)
    assert len(items) == 3
    expected = [
        (3, "Correction", correction.created_at, CORRECTION),
        (2, "Update", update.created_at, UPDATE),
        (1, "First published", dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC), None),
    ]
    for item, (number, label, when, note) in zip(items, expected, strict=True):
        assert f'<a href="{version_url(full_brief, number)}">Version {number}</a>' in (
            item
        )
        assert f">{label}</span>" in item
        assert f'<time datetime="{when.isoformat()}">{day(when)}, ' in item
        if note:
            assert f'<p class="versions__note">{note}</p>' in item
        else:
            assert "versions__note" not in item
    assert "Current" in items[0]
    assert "Current" not in items[1] + items[2]


# --- One version -------------------------------------------------------------------


def change_text(brief: Brief, *, title: str, body: str) -> None:
    """Change the brief's title and first section in the database, recording nothing."""
    Brief.objects.filter(pk=brief.pk).update(title=title)
    Section.objects.filter(brief_id=brief.pk, position=0).update(body=body)


def test_a_version_is_shown_as_it_was_read_only_with_a_banner(client, full_brief):
    change_text(
        full_brief, title="Border trade reopens fully", body="Corrected *text*."
    )
    correction = record(full_brief, Correction.Kind.CORRECTION, CORRECTION)

    response = client.get(version_url(full_brief, 1))

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    html = response.content.decode()
    head = Head(html)
    current = f"http://testserver{full_brief.get_absolute_url()}"
    assert head.one("robots") == "noindex"
    assert head.link("canonical") == [current]
    # The text as version 1 had it, with its parts, rendered from Markdown.
    assert '<h1 class="brief__title">Border trade reopens</h1>' in html
    assert "<p>Opening paragraph of the brief.</p>" in html
    assert "<p>Talks covered <em>trade</em>.</p>" in html
    assert "<li>Two crossings reopen</li>" in html
    assert "By A. Analyst" in html
    assert "Corrected" not in html and "reopens fully" not in html
    # The banner says which version this is and leads to the current one.
    banner = part(html, r'<div class="version-banner".*?</div>')
    assert "You are reading <strong>version 1</strong>, published " in banner
    assert (
        '<time datetime="2025-06-01T12:00:00+00:00">1 June 2025, 12:00 UTC</time>'
        in (banner)
    )
    assert (
        f'<a href="{full_brief.get_absolute_url()}">Read the current version</a>'
        in (banner)
    )
    assert "the current version," not in banner
    # Read-only: no form, and no staff link.
    assert "<form" not in html.replace('<form class="site-search"', "")
    assert "/admin/" not in html

    latest = get_html(client, version_url(full_brief, 2))
    banner = part(latest, r'<div class="version-banner".*?</div>')
    assert "<strong>version 2</strong>, the current version, published" in banner
    assert f"Correction in this version:</strong> {CORRECTION}" in banner
    assert f'datetime="{correction.created_at.isoformat()}"' in banner
    assert "<p>Corrected <em>text</em>.</p>" in latest
    assert "Border trade reopens fully" in latest


def test_drafts_saved_between_two_versions_never_leak(client, full_brief):
    # Withdrawn to a draft, edited twice, published again: version 2 is the
    # text as published, and the draft in between appears nowhere.
    Brief.objects.filter(pk=full_brief.pk).update(status=Brief.Status.DRAFT)
    change_text(full_brief, title="Draft headline", body="Unfinished draft wording.")
    assert client.get(versions_url(full_brief)).status_code == 404
    change_text(full_brief, title="Crossings reopen", body="The final wording.")
    brief = Brief.objects.get(pk=full_brief.pk)
    brief.status = Brief.Status.PUBLISHED
    brief.save()
    versions.after_save(brief, was_status=Brief.Status.DRAFT, was_live=False)

    first = get_html(client, version_url(brief, 1))
    second = get_html(client, version_url(brief, 2))
    listing = get_html(client, versions_url(brief))

    assert "Opening paragraph of the brief." in first
    assert "The final wording." not in first
    assert "The final wording." in second and "Crossings reopen" in second
    assert ">Published again</span>" in listing
    for html in (first, second, listing):
        assert "Draft headline" not in html
        assert "Unfinished draft wording" not in html

    # A live brief edited in the database with nothing recorded: the versions
    # keep the published text (the page, not a version, is the live brief).
    change_text(brief, title="Unrecorded headline", body="Unrecorded wording.")
    for url in (version_url(brief, 1), version_url(brief, 2), versions_url(brief)):
        html = get_html(client, url)
        assert "Unrecorded" not in html, url


def test_a_version_not_yet_public_is_not_shown(client, full_brief):
    record(full_brief, Correction.Kind.UPDATE, UPDATE)
    PublicVersion.objects.filter(brief_id=full_brief.pk, number=2).update(
        published_at=timezone.now() + dt.timedelta(hours=1)
    )

    assert client.get(version_url(full_brief, 2)).status_code == 404
    listing = get_html(client, versions_url(full_brief))
    assert "Version 1" in listing and "Version 2" not in listing
    assert UPDATE not in listing


# --- Only published briefs have versions to show ----------------------------------


def missing_page(client) -> bytes:
    response = client.get("/briefs/no-such-brief/versions/")
    assert response.status_code == 404
    return response.content


@pytest.mark.parametrize("state", ["draft", "review", "scheduled", "archived"])
def test_an_unpublished_briefs_versions_are_a_404_like_a_missing_brief(
    client, db, state
):
    if state == "scheduled":
        brief = scheduled_brief(title="Not for readers")
    elif state == "draft":
        brief = draft_brief(title="Not for readers")
    else:
        # Once public, with versions; then withdrawn.
        brief = published_brief(title="Not for readers")
        record(brief, Correction.Kind.CORRECTION, "Secret correction.")
        Brief.objects.filter(pk=brief.pk).update(status=state)

    for url in (versions_url(brief), version_url(brief, 1), version_url(brief, 2)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "404.html" in [t.name for t in response.templates]
        assert response.content == missing_page(client), url
        assert b"Not for readers" not in response.content


@pytest.mark.parametrize(
    "number", ["0", "3", "-1", "abc", "1.0", "01x", "99999999999999999999999"]
)
def test_a_version_that_does_not_exist_is_a_404(client, full_brief, number):
    record(full_brief, Correction.Kind.UPDATE, UPDATE)

    response = client.get(f"{versions_url(full_brief)}{number}/")

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


def test_versions_pages_are_read_only(client, full_brief):
    for url in (versions_url(full_brief), version_url(full_brief, 1)):
        assert client.head(url).status_code == 200
        assert client.post(url).status_code == 405


# --- Hostile notes ---------------------------------------------------------------

HOSTILE = '</script><script>alert(1)</script> <b>bold</b> & "quoted" <!--'


def test_a_hostile_note_is_text_everywhere(client, full_brief):
    record(full_brief, Correction.Kind.CORRECTION, HOSTILE)
    escaped = (
        "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;"
        " &amp; &quot;quoted&quot; &lt;!--"
    )
    pages = {
        url: get_html(client, url)
        for url in (
            full_brief.get_absolute_url(),
            versions_url(full_brief),
            version_url(full_brief, 2),
        )
    }

    for url, html in pages.items():
        assert "<script>alert" not in html, url
        assert "<b>bold" not in html, url
        assert escaped in html, url
    page = pages[full_brief.get_absolute_url()]
    assert escaped in notice_of(page) and escaped in record_of(page)
    # JSON-LD: one element, nothing in it that ends it, the note exact.
    data = json_ld(page)
    assert data["correction"][0]["text"] == HOSTILE

    for url in ("/feeds/briefs.atom", "/feeds/briefs.rss"):
        response = client.get(url)
        feed = feedparser.parse(response.content)
        assert feed.bozo == 0, feed.get("bozo_exception")
        [entry] = feed.entries
        assert "<script" not in entry.summary
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in entry.summary
        assert b"<script>" not in response.content

    api = client.get(f"/api/briefs/{full_brief.slug}/").json()
    assert api["corrections"][0]["note"] == HOSTILE


# --- JSON-LD -----------------------------------------------------------------------


def test_json_ld_has_the_version_the_corrections_and_when_readers_saw_a_change(
    client, full_brief
):
    update = record(full_brief, Correction.Kind.UPDATE, UPDATE)
    data = json_ld(get_html(client, full_brief.get_absolute_url()))
    assert data["version"] == 2
    assert data["dateModified"] == update.created_at.isoformat()
    assert "correction" not in data  # an update is not a correction

    correction = record(full_brief, Correction.Kind.CORRECTION, CORRECTION)
    data = json_ld(get_html(client, full_brief.get_absolute_url()))

    assert data["version"] == 3
    assert data["datePublished"] == "2025-06-01T12:00:00+00:00"
    assert data["dateModified"] == correction.created_at.isoformat()
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": CORRECTION,
            "datePublished": correction.created_at.isoformat(),
        }
    ]
    head = Head(get_html(client, full_brief.get_absolute_url()))
    assert head.one("article:modified_time") == correction.created_at.isoformat()


# --- Feeds -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/feeds/briefs.atom", "/feeds/briefs.rss"])
def test_feed_entries_carry_the_notes(client, full_brief, url):
    update = record(full_brief, Correction.Kind.UPDATE, UPDATE)
    correction = record(full_brief, Correction.Kind.CORRECTION, CORRECTION)

    feed = feedparser.parse(client.get(url).content)

    assert feed.bozo == 0, feed.get("bozo_exception")
    [entry] = feed.entries
    summary = entry.summary
    assert summary.startswith("<p>Ministers agreed to reopen two crossings.</p>")
    assert f"<strong>Update, {day(update.created_at)}:</strong> {UPDATE}" in summary
    assert (
        f"<strong>Correction, {day(correction.created_at)}:</strong> {CORRECTION}"
    ) in summary
    assert summary.index(UPDATE) < summary.index(CORRECTION)
    if url.endswith(".atom"):
        updated = dt.datetime(*entry.updated_parsed[:6], tzinfo=dt.UTC)
        assert updated == correction.created_at
        assert entry.published_parsed[:6] == (2025, 6, 1, 12, 0, 0)


# --- Sitemap ---------------------------------------------------------------------


def test_sitemap_lastmod_follows_the_latest_update_or_correction(client, full_brief):
    def lastmods() -> set[str]:
        return set(
            re.findall(
                r"<lastmod>(.*?)</lastmod>",
                client.get("/sitemap-briefs.xml").content.decode(),
            )
        )

    assert lastmods() == {"2025-06-01"}

    correction = record(full_brief, Correction.Kind.CORRECTION, CORRECTION)

    assert lastmods() == {timezone.localdate(correction.created_at).isoformat()}


# --- Export and API ----------------------------------------------------------------


def test_export_and_api_carry_the_version_and_the_notes(client, full_brief):
    update = record(full_brief, Correction.Kind.UPDATE, UPDATE)
    correction = record(full_brief, Correction.Kind.CORRECTION, CORRECTION)
    never = draft_brief(title="Never published")
    expected = [
        {"kind": "update", "note": UPDATE, "date": update.created_at.isoformat()},
        {
            "kind": "correction",
            "note": CORRECTION,
            "date": correction.created_at.isoformat(),
        },
    ]

    exported = {item["slug"]: item for item in export_briefs()}
    one = client.get(f"/api/briefs/{full_brief.slug}/").json()
    [listed] = client.get("/api/briefs/").json()["results"]

    assert exported[full_brief.slug]["version"] == 3
    assert exported[full_brief.slug]["corrections"] == expected
    assert exported[never.slug]["version"] is None
    assert exported[never.slug]["corrections"] == []
    assert one["version"] == listed["version"] == 3
    assert one["corrections"] == listed["corrections"] == expected


def test_the_api_counts_a_correction_as_an_update(client, full_brief):
    """A correction moves the brief into ``updated_since`` even with no save."""
    Brief.objects.filter(pk=full_brief.pk).update(
        updated_at=dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
    )
    since = {"updated_since": "2025-07-01"}
    assert client.get("/api/briefs/", since).json()["count"] == 0

    correction = record(full_brief, Correction.Kind.CORRECTION, CORRECTION)
    body = client.get("/api/briefs/", since).json()

    assert body["count"] == 1
    assert body["results"][0]["updated_at"] == correction.created_at.isoformat()


# --- Citation ------------------------------------------------------------------


def test_cite_this_version_gives_the_versioned_address(client, full_brief):
    record(full_brief, Correction.Kind.CORRECTION, CORRECTION)
    address = f"http://testserver{version_url(full_brief, 2)}"

    html = get_html(client, full_brief.get_absolute_url())
    cite = part(html, r'<section class="cite">.*?</section>')

    assert "Cite this version (version 2)" in cite
    texts = re.findall(r'<pre class="cite__text">(.*?)</pre>', cite, re.S)
    # The brief's citation, BibTeX and BibLaTeX, then the version's.
    assert len(texts) == 6
    # The brief's own citation still names the current page.
    assert f"http://testserver{full_brief.get_absolute_url()}. Accessed" in texts[0]
    assert texts[3].startswith(
        f"A. Analyst. “Border trade reopens.” Version 2. Newsroom, 1 June 2025. "
        f"{address}. Accessed "
    )
    assert texts[4].startswith("@misc{newsroom-2025-border-trade-reopens-v2,\n")
    assert "  note = {Newsroom. Version 2. Accessed " in texts[4]
    assert texts[5].startswith("@online{newsroom-2025-border-trade-reopens-v2,\n")
    assert "  version = {2},\n" in texts[5]
    assert f"  url = {{{address}}},\n" in texts[5]

    # A version's own page cites that version.
    old = get_html(client, version_url(full_brief, 1))
    [text, _, entry] = re.findall(r'<pre class="cite__text">(.*?)</pre>', old, re.S)
    assert "Cite this version" in old
    assert (
        f"Version 1. Newsroom, 1 June 2025. http://testserver{version_url(full_brief, 1)}."
        in text
    )
    assert "  version = {1},\n" in entry


def test_a_preview_offers_no_version(editor_client, db):
    # Published once (version 1), then withdrawn: staff see a preview, whose
    # version links would be 404s and whose next version is not yet known.
    brief = published_brief(title="Withdrawn for now")
    Brief.objects.filter(pk=brief.pk).update(status=Brief.Status.DRAFT)

    html = get_html(editor_client, brief.get_absolute_url())

    assert "Preview, not published." in html
    assert "Version" not in meta_line(html)
    assert "/versions/" not in html
    assert "version" not in json_ld(html)


# --- Conditional requests --------------------------------------------------------


def test_a_readers_conditional_request_sees_a_correction_at_once(client, full_brief):
    url = full_brief.get_absolute_url()
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    both = {"if-none-match": etag, "if-modified-since": modified}

    unchanged = client.get(url, headers=both)
    assert unchanged.status_code == 304

    record(full_brief, Correction.Kind.CORRECTION, CORRECTION)
    by_etag = client.get(url, headers={"if-none-match": etag})
    by_date = client.get(url, headers={"if-modified-since": modified})
    by_both = client.get(url, headers=both)

    for response in (by_etag, by_date, by_both):
        assert response.status_code == 200
        assert CORRECTION in response.content.decode()
        assert response["ETag"] != etag
    again = client.get(
        url,
        headers={
            "if-none-match": by_both["ETag"],
            "if-modified-since": by_both["Last-Modified"],
        },
    )
    assert again.status_code == 304
