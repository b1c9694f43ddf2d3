"""Citations every tool reads: bibtexparser, rispy and citeproc-py read what
the site writes, hostile titles and names included, and the RIS and CSL-JSON
downloads answer only for what readers may see.

The pure formats are tested in tests/test_citation.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import bibtexparser
import pytest
import rispy
from bibtexparser.bparser import BibTexParser
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from django.test import override_settings
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from briefs.models import Author, Brief, BriefAuthor, PublicVersion
from briefs.reading.citation import cite, clean, person_name
from tests.factories import draft_brief, published_brief, scheduled_brief

RIS_TYPE = "application/x-research-info-systems; charset=utf-8"
CSL_TYPE = "application/vnd.citationstyles.csl+json"
JUNE_1 = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
URL = "https://briefs.example.org/briefs/border-trade-reopens/"

# What LaTeX's escapes stand for, for reading a title back (bibtexparser
# 1.x's own convert_to_unicode drops backslashes and keeps \textasciicircum).
_LATEX = {
    r"\textbackslash{}": "\\",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    **{f"\\{c}": c for c in "%&$#_"},
}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in _LATEX))

HOSTILE_TITLES = [
    "}, note = {injected} @misc{x, \\",
    "50% of {the} $5 & #1 C_x ~ ^ \\end",
    "First line\nER  - \nTY  - JOUR\nTI  - Injected",
    "Bell\x07 and\x00 escape\x1b[31m red\x7f\u0085 \u2028 sep",
    'Quotes "inside" and \\", { unbalanced',
]
HOSTILE_NAMES = ["Smith}, and {Jones", "A.\nB. \\Analyst", "50% & Co", "and others"]


def latex_text(value: str) -> str:
    """A BibTeX title as read by bibtexparser, back to plain text."""
    inner = value[1:-1] if value.startswith("{") and value.endswith("}") else value
    return _LATEX_RE.sub(lambda m: _LATEX[m.group(0)], inner)


def read_bibtex(entry: str, *, standard_only: bool = True) -> list[dict]:
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=standard_only)
    return bibtexparser.loads(entry, parser=parser).entries


def harvard(csl: str) -> list[str]:
    """The CSL-JSON items rendered by citeproc-py in Harvard (Cite Them Right)."""
    items = json.loads(csl)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(
        style, CiteProcJSON(items), formatter.plain
    )
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


def citation_of(title: str, authors: tuple[str, ...] = (), byline: str = "") -> dict:
    return cite(
        title=title,
        authors=authors,
        byline=byline,
        slug="border-trade-reopens",
        published=JUNE_1,
        url=URL,
    )


# --- The tools read what is written ---------------------------------------------


def test_bibtexparser_reads_the_misc_entry_with_its_authors():
    written = citation_of(
        "Border trade reopens", authors=("Ayesha Siddiqa", "Ludwig van Beethoven")
    )

    [entry] = read_bibtex(written["bibtex"])

    assert entry["ENTRYTYPE"] == "misc"
    assert entry["ID"] == "newsroom-2025-border-trade-reopens"
    assert entry["author"] == "Siddiqa, Ayesha and van Beethoven, Ludwig"
    assert latex_text(entry["title"]) == "Border trade reopens"
    assert entry["howpublished"] == rf"\url{{{URL}}}"
    assert entry["url"] == URL
    assert entry["year"] == "2025" and entry["month"] == "June"
    today = timezone.localdate()
    assert entry["note"] == f"Newsroom. Accessed {today.day} {today:%B} {today.year}"


def test_the_biblatex_entry_is_online_which_classic_bibtex_does_not_know():
    written = citation_of("Border trade reopens", authors=("Ayesha Siddiqa",))

    # bibtexparser, like classic BibTeX, passes over a type it does not know.
    assert read_bibtex(written["biblatex"]) == []
    [entry] = read_bibtex(written["biblatex"], standard_only=False)
    assert entry["ENTRYTYPE"] == "online"
    assert entry["author"] == "Siddiqa, Ayesha"
    assert entry["date"] == "2025-06-01"
    assert entry["urldate"] == timezone.localdate().isoformat()


def test_rispy_reads_the_ris_record():
    written = citation_of(
        "Border trade reopens", authors=("Ayesha Siddiqa", "Martin Luther King Jr.")
    )

    [record] = rispy.loads(written["ris"])

    assert record["type_of_reference"] == "ELEC"
    assert record["authors"] == ["Siddiqa, Ayesha", "King, Martin Luther, Jr."]
    assert record["title"] == "Border trade reopens"
    assert record["publisher"] == "Newsroom"
    assert record["year"] == "2025"
    assert record["date"] == "2025/06/01"
    assert record["urls"] == [URL]
    assert record["access_date"] == timezone.localdate().strftime("%Y/%m/%d")
    assert record["language"] == "en-GB"
    # CR LF after every line, the last (ER) included, as the RIS specification has it.
    lines = written["ris"].split("\r\n")
    assert lines[0] == "TY  - ELEC" and lines[-2:] == ["ER  - ", ""]
    assert "\n" not in written["ris"].replace("\r\n", "")


def test_citeproc_renders_the_csl_json_with_its_authors_title_and_year():
    written = citation_of(
        "Border trade reopens", authors=("Ayesha Siddiqa", "Bilal Khan")
    )

    [item] = json.loads(written["csl_json"])
    [rendered] = harvard(written["csl_json"])

    assert item["type"] == "webpage"
    assert item["author"] == [
        {"family": "Siddiqa", "given": "Ayesha"},
        {"family": "Khan", "given": "Bilal"},
    ]
    assert item["issued"] == {"date-parts": [[2025, 6, 1]]}
    assert item["container-title"] == "Newsroom"
    # The publisher is the site: given once, as the container.
    assert "publisher" not in item
    assert rendered.startswith("Siddiqa, A. and Khan, B. (2025) Border trade reopens")
    assert URL in rendered


@override_settings(NEWSROOM_PUBLISHER="Institute of Policy", NEWSROOM_LANGUAGE="fr-CA")
def test_csl_json_names_a_publisher_other_than_the_site_and_the_language():
    [item] = json.loads(citation_of("Frontières")["csl_json"])

    assert item["publisher"] == "Institute of Policy"
    assert item["container-title"] == "Newsroom"
    assert item["language"] == "fr-CA"
    assert item["id"] == "institute-of-policy-2025-border-trade-reopens"


def test_a_byline_is_cited_whole_and_an_organisation_as_a_literal():
    written = citation_of("Border trade reopens", byline="By our correspondent, Kabul")

    [entry] = read_bibtex(written["bibtex"])
    [record] = rispy.loads(written["ris"])
    [item] = json.loads(written["csl_json"])

    assert entry["author"] == "{By our correspondent, Kabul}"
    assert record["authors"] == ["By our correspondent, Kabul"]
    assert item["author"] == [{"literal": "By our correspondent, Kabul"}]
    assert written["text"].startswith("By our correspondent, Kabul. “Border")
    # Authors, when there are any, are cited instead of the byline.
    with_authors = citation_of("T", authors=("Ayesha Siddiqa",), byline="Staff")
    assert "Staff" not in with_authors["text"] + with_authors["ris"]


def test_an_undated_draft_is_cited_without_a_date_in_every_format():
    written = cite(
        title="Not yet",
        authors=(),
        byline="",
        slug="not-yet",
        published=None,
        url=URL,
    )

    assert "n.d." not in written["text"] and ".." not in written["text"]
    [entry] = read_bibtex(written["bibtex"])
    assert "year" not in entry and "month" not in entry
    [record] = rispy.loads(written["ris"])
    assert "year" not in record and "date" not in record
    [item] = json.loads(written["csl_json"])
    assert "issued" not in item
    assert harvard(written["csl_json"])  # citeproc still renders it


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_every_parser_reads_exactly_one_entry_with_the_right_title(title):
    written = citation_of(title, authors=tuple(HOSTILE_NAMES))
    expected = clean(title)

    [misc] = read_bibtex(written["bibtex"])
    [online] = read_bibtex(written["biblatex"], standard_only=False)
    [record] = rispy.loads(written["ris"])
    [item] = json.loads(written["csl_json"])

    for entry in (misc, online):
        assert latex_text(entry["title"]) == expected
        assert "injected" not in entry.get("note", "")
        assert entry["url"] == URL
    assert record["title"] == expected
    assert "journal_name" not in record and record["type_of_reference"] == "ELEC"
    assert item["title"] == expected
    assert harvard(written["csl_json"])
    # Every author is one author (see below for BibTeX's).
    assert len(record["authors"]) == len(item["author"]) == len(HOSTILE_NAMES)


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1).filter(lambda t: clean(t)),
    names=st.lists(st.text(), max_size=4),
)
def test_any_title_and_names_read_back_as_one_entry_with_that_title(title, names):
    written = citation_of(title, authors=tuple(names))
    expected = clean(title)

    [misc] = read_bibtex(written["bibtex"])
    [online] = read_bibtex(written["biblatex"], standard_only=False)
    [record] = rispy.loads(written["ris"])
    [item] = json.loads(written["csl_json"])

    assert latex_text(misc["title"]) == latex_text(online["title"]) == expected
    assert record["title"] == item["title"] == expected
    credited = [name for name in names if clean(name)]
    assert (
        len(record.get("authors", [])) == len(item.get("author", [])) == len(credited)
    )


def test_hostile_names_stay_one_author_each_in_bibtex():
    names = tuple(person_name(name) for name in HOSTILE_NAMES)

    # None of these splits cleanly into family and given names.
    assert all(name.literal for name in names)
    written = citation_of("T", authors=tuple(HOSTILE_NAMES))
    [entry] = read_bibtex(written["bibtex"])
    # Each name is one braced group at the top level, joined by " and ".
    groups = re.findall(r"\{(?:[^{}\\]|\\.|\{[^{}]*\})*\}", entry["author"])
    assert len(groups) == len(HOSTILE_NAMES)
    assert " and ".join(groups) == entry["author"]


def test_a_work_with_eleven_authors_reads_back_in_every_format():
    people = tuple(f"Given{chr(65 + i)} Family{chr(65 + i)}" for i in range(11))
    written = citation_of("Many hands", authors=people)

    [entry] = read_bibtex(written["bibtex"])
    [record] = rispy.loads(written["ris"])
    [item] = json.loads(written["csl_json"])

    assert len(entry["author"].split(" and ")) == 11
    assert len(record["authors"]) == len(item["author"]) == 11
    assert (
        written["text"].startswith("FamilyA, GivenA,")
        and " et al. “" in (written["text"])
    )


# --- The downloads ----------------------------------------------------------------


def credit(brief: Brief, *names: str) -> None:
    for position, name in enumerate(names):
        author = Author.objects.create(name=name)
        BriefAuthor.objects.create(brief=brief, author=author, position=position)


@pytest.fixture
def authored(db) -> Brief:
    brief = published_brief(
        title="Border trade reopens", published_at=JUNE_1, byline="A. Analyst"
    )
    # Credited out of alphabetical order: the order given is the order cited.
    credit(brief, "Bilal Khan", "Ayesha Siddiqa")
    return brief


def test_the_ris_download(client, authored):
    url = f"{authored.get_absolute_url()}cite.ris"

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == RIS_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="border-trade-reopens.ris"'
    )
    assert response["X-Robots-Tag"] == "noindex"
    [record] = rispy.loads(response.content.decode())
    assert record["authors"] == ["Khan, Bilal", "Siddiqa, Ayesha"]
    assert record["urls"] == [f"http://testserver{authored.get_absolute_url()}"]


def test_the_csl_json_download(client, authored):
    response = client.get(f"{authored.get_absolute_url()}cite.json")

    assert response.status_code == 200
    assert response["Content-Type"] == CSL_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="border-trade-reopens.json"'
    )
    [item] = response.json()
    assert [a["family"] for a in item["author"]] == ["Khan", "Siddiqa"]
    assert item["title"] == "Border trade reopens"
    [rendered] = harvard(response.content.decode())
    assert rendered.startswith("Khan, B. and Siddiqa, A. (2025) Border trade reopens")


@pytest.mark.parametrize("path", ["cite.ris", "cite.json"])
def test_downloads_run_two_queries_however_many_authors(
    client, authored, django_assert_num_queries, settings, path
):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0  # the view's own queries
    many = published_brief(title="Many hands", published_at=JUNE_1)
    credit(many, *(f"Given{chr(65 + i)} Family{chr(65 + i)}" for i in range(12)))

    for brief in (authored, many):
        # The brief, its authors.
        with django_assert_num_queries(2):
            response = client.get(f"{brief.get_absolute_url()}{path}")
        assert response.status_code == 200
    # A version: the brief, the version.
    with django_assert_num_queries(2):
        client.get(f"{authored.get_absolute_url()}versions/1/{path}")


@pytest.mark.parametrize("path", ["cite.ris", "cite.json"])
def test_downloads_are_served_from_the_page_cache(
    client, authored, django_assert_num_queries, path
):
    url = f"{authored.get_absolute_url()}{path}"
    first = client.get(url)

    with django_assert_num_queries(0):
        again = client.get(url)

    assert again.content == first.content
    for header in ("Content-Type", "Content-Disposition", "X-Robots-Tag", "ETag"):
        assert again[header] == first[header], header


@pytest.mark.parametrize("path", ["cite.ris", "cite.json"])
def test_downloads_answer_head_and_refuse_post(client, authored, path):
    url = f"{authored.get_absolute_url()}{path}"

    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("path", ["cite.ris", "cite.json"])
@pytest.mark.parametrize(
    "make", [draft_brief, scheduled_brief], ids=["draft", "scheduled"]
)
def test_downloads_of_what_readers_cannot_see_are_404s(client, db, make, path):
    hidden = make(title="Secret plan")
    credit(hidden, "Hidden Author")
    unknown = client.get(f"/briefs/never-existed/{path}")

    for url in (
        f"{hidden.get_absolute_url()}{path}",
        f"{hidden.get_absolute_url()}versions/1/{path}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == unknown["Content-Type"]
        assert b"Hidden" not in response.content
        assert b"Secret" not in response.content


def test_an_archived_brief_and_a_version_not_yet_public_are_404s(client, authored):
    assert (
        client.get(f"{authored.get_absolute_url()}versions/2/cite.ris").status_code
        == 404
    )
    assert (
        client.get(
            f"{authored.get_absolute_url()}versions/99999999999/cite.json"
        ).status_code
        == 404
    )
    Brief.objects.filter(pk=authored.pk).update(status=Brief.Status.ARCHIVED)

    assert client.get(f"{authored.get_absolute_url()}cite.ris").status_code == 404


def test_a_versions_downloads_cite_its_own_text_and_address(client, authored):
    shown = PublicVersion.objects.get(brief=authored, number=1)
    # What version 1 said, whatever the brief says now.
    shown.snapshot = {
        **shown.snapshot,
        "title": "Border trade to reopen",
        "authors": [{"name": "Chen Wei", "slug": "chen-wei"}],
    }
    shown.save()
    base = f"{authored.get_absolute_url()}versions/1/"

    ris_response = client.get(f"{base}cite.ris")
    json_response = client.get(f"{base}cite.json")

    assert ris_response["Content-Disposition"] == (
        'attachment; filename="border-trade-reopens-v1.ris"'
    )
    assert json_response["Content-Disposition"] == (
        'attachment; filename="border-trade-reopens-v1.json"'
    )
    [record] = rispy.loads(ris_response.content.decode())
    assert record["title"] == "Border trade to reopen"
    assert record["authors"] == ["Wei, Chen"]
    assert record["edition"] == "Version 1"
    assert record["urls"] == [f"http://testserver{base}"]
    [item] = json_response.json()
    assert item["version"] == "1"
    assert item["id"] == "newsroom-2025-border-trade-reopens-v1"


def test_a_version_from_before_authors_cites_its_byline(client, authored):
    # Snapshots taken before authors existed have a byline only.
    response = client.get(f"{authored.get_absolute_url()}versions/1/cite.ris")

    [record] = rispy.loads(response.content.decode())
    assert record["authors"] == ["A. Analyst"]


def test_a_slug_in_another_script_is_a_file_name_every_browser_reads(client, db):
    brief = published_brief(title="中国 巴基斯坦", published_at=JUNE_1)

    response = client.get(f"{brief.get_absolute_url()}cite.ris")

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert disposition.endswith(".ris") and brief.slug not in disposition


# --- The brief page --------------------------------------------------------------


def cite_block(html: str) -> str:
    return re.search(r'<section class="cite">.*?</section>', html, re.S).group(0)


def test_the_page_cites_the_authors_and_offers_every_format(client, authored):
    html = client.get(authored.get_absolute_url()).content.decode()
    block = cite_block(html)

    texts = re.findall(r'<pre class="cite__text">(.*?)</pre>', block, re.S)
    assert texts[0].startswith("Khan, Bilal, and Ayesha Siddiqa. “Border trade")
    assert texts[1].startswith("@misc{newsroom-2025-border-trade-reopens,\n")
    assert "  author = {Khan, Bilal and Siddiqa, Ayesha},\n" in texts[1]
    assert texts[2].startswith("@online{newsroom-2025-border-trade-reopens,\n")
    # BibLaTeX behind a summary; the downloads are plain links, no script.
    assert re.search(r"<details[^>]*>\s*<summary>BibLaTeX</summary>", block)
    ris = f"{authored.get_absolute_url()}cite.ris"
    csl = f"{authored.get_absolute_url()}cite.json"
    assert (
        f'<a href="{ris}" type="{RIS_TYPE.split(";")[0]}" download>RIS file</a>'
        in block
    )
    assert f'<a href="{csl}" type="{CSL_TYPE}" download>CSL-JSON file</a>' in block
    assert client.get(ris).status_code == client.get(csl).status_code == 200


def test_a_preview_offers_no_downloads(editor_client, db):
    brief = draft_brief(title="Not yet public")

    html = editor_client.get(brief.get_absolute_url()).content.decode()
    block = cite_block(html)

    assert "cite.ris" not in block and "cite.json" not in block
    assert "n.d." not in block


def test_the_version_page_offers_the_versions_downloads(client, authored):
    html = client.get(f"{authored.get_absolute_url()}versions/1/").content.decode()
    block = cite_block(html)

    assert f'href="{authored.get_absolute_url()}versions/1/cite.ris"' in block
    assert f'href="{authored.get_absolute_url()}versions/1/cite.json"' in block
