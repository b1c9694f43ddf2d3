"""Full-text search: /search/?q=&tag=&page=, and the index behind it.

Runs on whichever database is configured: SQLite (FTS5) in ``make test``,
PostgreSQL in ``make test-postgres``.
"""

from __future__ import annotations

import io
import random
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from briefs import search as text_search
from briefs.editorial.workflow import change_status
from briefs.models import Brief, KeyPoint, SearchEntry, Section, Tag
from briefs.tagging.retagging import retag_briefs
from tests.admin_forms import add_form_row, assert_saved, change_url, form_data
from tests.factories import (
    draft_brief,
    make_brief,
    one_section,
    published_brief,
    scheduled_brief,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("briefs:search")


def get(client, **params):
    return client.get(SEARCH, params)


def found(client, query: str, **params) -> list[str]:
    """Titles of the briefs the search page lists, in order."""
    response = get(client, q=query, **params)
    assert response.status_code == 200
    return [hit.brief.title for hit in response.context["hits"]]


def titles(query: str, **kwargs) -> list[str]:
    return [hit.brief.title for hit in text_search.search(query, **kwargs)[0:100]]


# Finding and ranking ------------------------------------------------------


def test_finds_words_in_titles_key_points_headings_and_bodies(client):
    published_brief(title="Grain corridor reopens")
    published_brief(title="Second", key_points=("Tariffs on lithium rise",))
    published_brief(title="Third", sections=(("Desalination plans", "Text.", ()),))
    published_brief(title="Fourth", sections=(("", "Talks on hydropower.", ()),))

    assert found(client, "corridor") == ["Grain corridor reopens"]
    assert found(client, "lithium") == ["Second"]
    assert found(client, "desalination") == ["Third"]
    assert found(client, "hydropower") == ["Fourth"]


def test_every_word_must_match_but_may_be_in_different_fields(client):
    published_brief(
        title="Fisheries accord signed",
        sections=(("", "Quotas for the northern coast.", ()),),
    )
    published_brief(title="Fisheries in decline", sections=(("", "Nothing.", ()),))

    assert found(client, "fisheries quotas") == ["Fisheries accord signed"]
    assert found(client, "quotas missingword") == []


def test_title_and_heading_matches_rank_above_a_passing_mention(client):
    passing = "Many topics came up. " * 30 + "Fisheries were mentioned once."
    published_brief(title="Budget talks", sections=(("", passing, ()),))
    published_brief(
        title="Other news",
        sections=(("", "Opening.", ()), ("Fisheries", "Boats and nets.", ())),
    )
    published_brief(title="Fisheries accord", sections=(("", "Signed today.", ()),))

    assert found(client, "fisheries") == [
        "Fisheries accord",
        "Other news",
        "Budget talks",
    ]


def test_stemming_and_case(client):
    published_brief(title="Negotiators negotiated", sections=(("", "Text.", ()),))
    assert found(client, "NEGOTIATING") == ["Negotiators negotiated"]


@pytest.mark.parametrize("query", ["communique", "COMMUNIQUÉ", "communiqué"])
def test_accents_do_not_matter(client, query):
    published_brief(title="Joint communiqué issued", sections=(("", "Text.", ()),))
    published_brief(title="Plain", sections=(("", "The communique said so.", ()),))
    assert sorted(found(client, query)) == ["Joint communiqué issued", "Plain"]


def test_non_latin_scripts_are_found(client):
    published_brief(title="Київ і Варшава", sections=(("", "Зустріч у Києві.", ()),))
    published_brief(title="بيان مشترك", sections=(("", "اجتماع الوزراء", ()),))
    assert found(client, "Варшава") == ["Київ і Варшава"]
    assert found(client, "الوزراء") == ["بيان مشترك"]


def test_a_brief_without_sections_is_found_by_its_title(client):
    published_brief(title="Solitary headline", sections=())
    response = get(client, q="solitary")
    (hit,) = response.context["hits"]
    assert hit.section is None
    assert hit.url == hit.brief.get_absolute_url()


# Snippets and links --------------------------------------------------------


def test_result_links_to_the_matching_section_with_a_highlighted_snippet(client):
    brief = published_brief(
        title="Regional talks",
        sections=(
            ("", "Opening words.", ()),
            ("Water sharing", "The treaty covers the Indus basin in detail.", ()),
        ),
    )
    response = get(client, q="indus")
    content = response.content.decode()

    (hit,) = response.context["hits"]
    assert hit.section.heading == "Water sharing"
    assert hit.url == f"/briefs/{brief.slug}/#water-sharing"
    assert f'href="/briefs/{brief.slug}/#water-sharing"' in content
    assert "covers the <mark>Indus</mark> basin" in content
    assert f'href="/briefs/{brief.slug}/"' in content


def test_title_and_heading_are_highlighted(client):
    published_brief(
        title="Monsoon outlook",
        sections=(("", "Opening.", ()), ("Monsoon rains", "Heavy.", ())),
    )
    content = get(client, q="monsoon").content.decode()
    assert "<mark>Monsoon</mark> outlook" in content
    assert "<mark>Monsoon</mark> rains" in content


def test_key_points_give_the_snippet_when_the_body_does_not_match(client):
    published_brief(
        title="Summit",
        key_points=("Leaders agreed on semiconductors",),
        sections=(("", "Nothing relevant here.", ()),),
    )
    (hit,) = get(client, q="semiconductors").context["hits"]
    assert "<mark>semiconductors</mark>" in hit.snippet


def test_snippets_escape_the_text_and_keep_the_marks(client):
    published_brief(
        title="Escaping <b>title</b>",
        sections=(
            (
                "",
                r"Officials said \<script>alert('x')\</script> & left the meeting.",
                (),
            ),
        ),
    )
    response = get(client, q="officials script")
    content = response.content.decode()
    (hit,) = response.context["hits"]
    assert "<mark>Officials</mark> said &lt;<mark>script</mark>&gt;alert" in hit.snippet
    assert "<script>" not in content
    assert "<b>title</b>" not in content
    assert "Escaping &lt;b&gt;title&lt;/b&gt;" in content
    assert "&amp; left" in content


def test_markdown_is_searched_as_the_text_readers_see(client):
    published_brief(
        title="Markdown",
        sections=(
            ("", "Talks on **energy** and [grid links](https://example.com/x).", ()),
        ),
    )
    (hit,) = get(client, q="grid").context["hits"]
    assert "**" not in hit.snippet
    assert "example.com" not in hit.snippet
    assert "<mark>grid</mark> links" in hit.snippet


def test_marker_characters_in_the_text_cannot_forge_highlights(client):
    published_brief(
        title="Markers",
        sections=(("", "Plain \ue000forged\ue001 words about tariffs.", ()),),
    )
    (hit,) = get(client, q="tariffs").context["hits"]
    assert hit.snippet.count("<mark>") == 1
    assert "<mark>tariffs</mark>" in hit.snippet


# Only published briefs ----------------------------------------------------


def test_drafts_and_scheduled_briefs_never_appear(client):
    published_brief(title="Zeppelin published", tags=("Airships",))
    draft_brief(title="Zeppelin draft", tags=("Airships",))
    scheduled_brief(title="Zeppelin scheduled", tags=("Airships",))
    make_brief(title="Zeppelin in review", status=Brief.Status.REVIEW)
    make_brief(title="Zeppelin archived", status=Brief.Status.ARCHIVED)

    assert found(client, "zeppelin") == ["Zeppelin published"]
    assert found(client, "zeppelin", tag="airships") == ["Zeppelin published"]
    content = get(client, q="zeppelin").content.decode()
    for hidden in ("draft", "scheduled", "review", "archived"):
        assert f"Zeppelin {hidden}" not in content
    assert "1 brief matches" in content


def test_unpublishing_hides_a_brief_and_publishing_shows_it(client, editor):
    brief = published_brief(title="Hovercraft trials")
    change_status(
        briefs=Brief.objects.filter(pk=brief.pk), to_status="draft", user=editor
    )
    assert found(client, "hovercraft") == []
    change_status(
        briefs=Brief.objects.filter(pk=brief.pk), to_status="published", user=editor
    )
    assert found(client, "hovercraft") == ["Hovercraft trials"]


def test_a_tag_used_only_on_drafts_is_unknown(client):
    published_brief(title="Visible")
    draft_brief(title="Hidden", tags=("Secret project",))
    response = get(client, q="visible", tag="secret-project")
    assert response.status_code == 404
    assert "Secret project" not in response.content.decode()
    assert b'value="secret-project"' not in response.content


# Tags -----------------------------------------------------------------------


def test_tag_filter_matches_brief_tags_and_section_tags(client):
    published_brief(title="Energy one", tags=("Energy",))
    published_brief(
        title="Energy two",
        sections=(("", "Opening energy.", ()), ("Grid", "More energy.", ("Energy",))),
    )
    published_brief(title="Energy three")

    assert sorted(found(client, "energy", tag="energy")) == ["Energy one", "Energy two"]
    assert len(found(client, "energy")) == 3
    # With the filter the tagged section is the one linked.
    (hit,) = [
        h
        for h in get(client, q="energy", tag="energy").context["hits"]
        if h.section
        if h.brief.title == "Energy two"
    ]
    assert hit.section.heading == "Grid"


def test_a_section_tag_filters_to_that_section_not_its_brief(client):
    # Unlike the tag page and the API (a brief carrying the tag on any
    # section), search with a tag finds words in the tagged sections only,
    # unless the brief itself carries the tag.
    published_brief(
        title="Grid report",
        sections=(("Grid", "Pylons.", ("Energy",)), ("Water", "Reservoir.", ())),
    )
    published_brief(
        title="Energy review",
        tags=("Energy",),
        sections=(("Dams", "Reservoir.", ()),),
    )

    assert found(client, "reservoir", tag="energy") == ["Energy review"]
    assert sorted(found(client, "reservoir")) == ["Energy review", "Grid report"]
    assert found(client, "pylons", tag="energy") == ["Grid report"]
    assert client.get("/api/briefs/", {"tag": "energy"}).json()["count"] == 2


def test_tag_filter_is_offered_and_kept(client):
    published_brief(title="Energy one", tags=("Energy",))
    content = get(client, q="energy", tag="energy").content.decode()
    assert '<option value="energy" selected>Energy</option>' in content
    assert "with the tag" in content


def test_unknown_tag_is_a_clear_404_with_the_form(client):
    published_brief(title="Energy one")
    response = get(client, q="energy", tag="no-such-tag")
    content = response.content.decode()
    assert response.status_code == 404
    assert "There is no tag “no-such-tag”" in content
    assert 'role="search"' in content
    assert f'href="{SEARCH}?q=energy"' in content


def test_no_match_with_a_tag_offers_every_tag(client):
    published_brief(title="Energy one", tags=("Energy",))
    published_brief(title="Water one", tags=("Water",))
    content = get(client, q="water", tag="energy").content.decode()
    assert "No briefs match “water” with the tag Energy" in content
    assert f'href="{SEARCH}?q=water"' in content


# Pages ----------------------------------------------------------------------


def test_empty_query_shows_the_form_and_a_prompt(client):
    published_brief(title="Anything")
    response = get(client, q="  ")
    content = response.content.decode()
    assert response.status_code == 200
    assert '<form class="search-form" role="search"' in content
    assert '<label for="search-q">' in content
    assert "Every word you type must appear" in content
    assert '<meta name="robots" content="noindex">' in content
    assert (
        '<meta name="description" content="Search every published brief from '
        "Newsroom by words" in content
    )
    assert response.context["hits"] == []


def test_no_results_page_says_so(client):
    published_brief(title="Anything")
    response = get(client, q="xylophone")
    assert response.status_code == 200
    assert "No briefs match “xylophone”" in response.content.decode()


def test_pagination_keeps_the_query_and_404s_past_the_end(client, settings):
    settings.NEWSROOM_BRIEFS_PER_PAGE = 2
    for n in range(5):
        published_brief(title=f"Cobalt report {n}", tags=("Mining",))

    first = get(client, q="cobalt", tag="mining")
    second = get(client, q="cobalt", tag="mining", page=2)
    last = get(client, q="cobalt", tag="mining", page=3)

    shown = [
        hit.brief.title for r in (first, second, last) for hit in r.context["hits"]
    ]
    assert len(shown) == 5 and len(set(shown)) == 5
    content = second.content.decode()
    assert "5 briefs match “cobalt”" in content
    assert "showing 3 to 4" in content
    assert '<ol class="search-results" start="3">' in content
    assert 'href="?q=cobalt&amp;tag=mining&amp;page=3"' in content
    assert 'href="?q=cobalt&amp;tag=mining"' in content  # back to page 1
    for page in ("4", "0", "abc"):
        assert get(client, q="cobalt", page=page).status_code == 404
    # A NUL anywhere in a query string is refused before any view runs
    # (newsroom.middleware; tests/test_security_http.py).
    assert get(client, q="cobalt", page="\x00").status_code == 400


# A bounded window: only the latest matches are ranked --------------------


def test_a_common_word_ranks_only_the_latest_matches(client, monkeypatch):
    monkeypatch.setattr(text_search, "WINDOW", 3)
    # Written oldest first; the best match for the word is the first written.
    one_section("Cobalt cobalt", body="Cobalt.")
    for n in range(4):
        one_section(f"Report {n}")

    results = text_search.search("cobalt")
    content = get(client, q="cobalt").content.decode()

    assert (results.count(), results.latest_only) == (3, True)
    assert sorted(titles("cobalt")) == ["Report 1", "Report 2", "Report 3"]
    assert "Many briefs match “cobalt”: these are the 3 most recent" in content
    assert "Add words to narrow the search." in content


def test_fewer_matches_than_the_window_are_all_ranked(client, monkeypatch):
    monkeypatch.setattr(text_search, "WINDOW", 4)
    one_section("Cobalt cobalt", body="Cobalt.")
    one_section("Report 1")
    one_section("Report 2")
    for n in range(3):
        one_section(f"Unrelated {n}", body="Talks on copper.")

    results = text_search.search("cobalt")
    content = get(client, q="cobalt").content.decode()

    assert (results.count(), results.latest_only) == (3, False)
    # The best match leads, the oldest of them though it is.
    assert titles("cobalt")[0] == "Cobalt cobalt"
    assert "3 briefs match “cobalt”" in content
    assert "Add words" not in content


def test_the_window_holds_only_entries_readers_may_see(monkeypatch):
    monkeypatch.setattr(text_search, "WINDOW", 3)
    one_section("Published 1")
    one_section("Published 2")
    # Written later: they would fill the window if it were cut before the
    # drafts and scheduled briefs were left out.
    draft_brief(title="Draft", sections=(("", "Talks on cobalt.", ()),))
    scheduled_brief(title="Scheduled", sections=(("", "Talks on cobalt.", ()),))

    results = text_search.search("cobalt")

    assert (results.count(), results.latest_only) == (2, False)
    assert sorted(titles("cobalt")) == ["Published 1", "Published 2"]


def test_the_window_counts_briefs_not_their_matching_sections(monkeypatch):
    monkeypatch.setattr(text_search, "WINDOW", 3)
    one_section("Older")
    published_brief(
        title="Two sections",
        sections=(("", "Cobalt prices.", ()), ("Mines", "Cobalt mines.", ())),
    )
    one_section("Newest")

    results = text_search.search("cobalt")

    # Three entries in the window, from two briefs; the oldest left out.
    assert (results.count(), results.latest_only) == (2, True)
    assert sorted(titles("cobalt")) == ["Newest", "Two sections"]


def test_the_site_header_has_a_search_box(client):
    content = client.get(reverse("briefs:index")).content.decode()
    assert f'<form class="site-search" role="search" action="{SEARCH}"' in content
    assert '<label class="site-search__label" for="site-search-q">' in content
    # The search page has its own form; one search landmark per page.
    assert get(client, q="x").content.decode().count('role="search"') == 1


# Hostile queries ------------------------------------------------------------

rng = random.Random(20240601)
RANDOM_UNICODE = "".join(
    chr(c)
    for c in (rng.randrange(1, 0x10FFFF) for _ in range(20_000))
    if not 0xD800 <= c <= 0xDFFF
)[:10_000]

HOSTILE = [
    '"',
    "'",
    '"unbalanced',
    "AND",
    "OR NOT",
    "NOT",
    "a AND OR b",
    "NEAR(a b)",
    "NEAR(",
    "*",
    "tariff*",
    "^tariff",
    ":",
    "col:term",
    "title:tariff",
    "()",
    "(",
    ")",
    "-",
    "-tariff",
    "+",
    "&",
    "|",
    "!",
    "<->",
    "tariff:*",
    "{title}: x",
    "\\",
    "%",
    "_",
    "' OR 1=1 --",
    "a" * 10_000,
    "tariff " * 2_000,
    RANDOM_UNICODE,
    "😀🇺🇳👍🏽",
    "مرحبا بالعالم",
    "שלום \u202e tariff",
    "\u0301",
    "\ue000tariff\ue001",
    "ﬁnance",
    "\t\n\r",
    "",
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:20]) + f"/{len(q)}")
def test_any_query_gives_a_page_never_an_error(client, query):
    published_brief(title="Tariff review", sections=(("", "Tariffs rose.", ()),))
    response = get(client, q=query)
    assert response.status_code == 200
    content = response.content.decode()
    assert "\x00" not in content
    assert "<script" not in content
    if response.context["query"]:
        assert "match" in content  # a count, or "No briefs match"


@pytest.mark.parametrize("tag", ["'", "a" * 10_000, "😀", "../../etc"])
def test_any_tag_gives_a_page_never_an_error(client, tag):
    published_brief(title="Tariff review")
    assert get(client, q="tariff", tag=tag).status_code == 404


@pytest.mark.parametrize(
    "params", [{"q": "\x00"}, {"q": "tariff\x00"}, {"tag": "\x00"}]
)
def test_a_nul_in_the_query_or_tag_is_a_400(client, params):
    published_brief(title="Tariff review")
    assert get(client, **{"q": "tariff", **params}).status_code == 400


def test_operators_are_searched_as_words(client):
    published_brief(title="Tariff review", sections=(("", "Tariffs rose.", ()),))
    assert found(client, '"tariff"') == ["Tariff review"]
    assert found(client, "tariff*") == ["Tariff review"]
    assert found(client, "title:tariff") == []  # "title" is a word, not a column
    assert found(client, "-review tariff") == ["Tariff review"]  # not a NOT


def test_very_long_queries_are_cut(client):
    published_brief(title="Tariff review")
    response = get(client, q="tariff " + "x" * 10_000)
    assert response.status_code == 200
    assert len(response.context["query"]) == text_search.MAX_QUERY_CHARS


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ('"Tariff" AND NEAR(a b)*', ["tariff", "and", "near", "a", "b"]),
        ("col:term", ["col", "term"]),
        ("co-operation", ["co", "operation"]),
        ("  ", []),
        ("*^:()-", []),
        ("\u0301", []),
        ("communiqué", ["communiqué"]),
        ("communique\u0301", ["communiqué"]),  # NFKC composes it
        ("ﬁnance", ["finance"]),
        ("a a A", ["a"]),
        ("x\x00y", ["x", "y"]),
    ],
)
def test_query_terms(query, terms):
    assert text_search.query_terms(query) == terms


def test_query_terms_are_capped():
    terms = text_search.query_terms(" ".join(f"w{n}" for n in range(100)))
    assert len(terms) == text_search.MAX_TERMS
    (term,) = text_search.query_terms("b" * 10_000)
    assert len(term) == text_search.MAX_TERM_CHARS


# The index keeps in step ------------------------------------------------------


def test_admin_save_reindexes_once_and_search_follows(editor_client):
    brief = published_brief(
        title="Harbour plan",
        sections=(("", "Opening.", ()), ("Old heading", "Old body text.", ())),
    )
    data = form_data(editor_client, change_url(brief))
    data["change_kind"] = "minor"  # the brief is live: the form asks
    data["title"] = "Harbour expansion plan"
    data["sections-1-heading"] = "Dredging schedule"
    data["sections-1-body"] = "Work on the quay starts in spring."
    data["key_points-0-text"] = "Budget doubled"
    add_form_row(
        data,
        "sections",
        heading="Environmental review",
        anchor="",
        body="Seagrass surveys.",
        tags="",
    )
    assert_saved(editor_client.post(change_url(brief), data))

    assert found(editor_client, "expansion") == ["Harbour expansion plan"]
    assert found(editor_client, "dredging") == ["Harbour expansion plan"]
    assert found(editor_client, "quay") == ["Harbour expansion plan"]
    assert found(editor_client, "seagrass") == ["Harbour expansion plan"]
    assert found(editor_client, "doubled") == ["Harbour expansion plan"]
    assert found(editor_client, "old") == []
    assert SearchEntry.objects.filter(brief=brief).count() == 3


def test_saves_and_deletes_of_parts_reindex(client):
    brief = published_brief(title="Ports", sections=(("", "Opening.", ()),))
    section = Section.objects.create(brief=brief, heading="Cranes", body="Gantry.")
    assert found(client, "gantry") == ["Ports"]
    point = KeyPoint.objects.create(brief=brief, text="Automation rises", position=5)
    assert found(client, "automation") == ["Ports"]

    section.body = "Straddle carriers."
    section.save()
    assert found(client, "gantry") == []
    assert found(client, "straddle") == ["Ports"]

    section.delete()
    point.delete()
    assert found(client, "straddle") == []
    assert found(client, "automation") == []
    assert found(client, "ports") == ["Ports"]


def test_deleting_a_brief_removes_it_from_the_index(client):
    brief = published_brief(title="Glaciers retreat")
    other = published_brief(title="Glaciers advance")
    brief.delete()
    assert found(client, "glaciers") == ["Glaciers advance"]
    assert not SearchEntry.objects.filter(brief_id=brief.pk).exists()
    Brief.objects.filter(pk=other.pk).delete()
    assert SearchEntry.objects.count() == 0


def test_the_last_section_deleted_leaves_the_brief_findable(client):
    brief = published_brief(title="Lonely", sections=(("", "Only words.", ()),))
    brief.sections.all().delete()
    assert found(client, "lonely") == ["Lonely"]
    assert found(client, "only") == []


def write_seed(path, body_word: str, title: str = "Reservoir levels") -> None:
    path.write_text(
        f"Title: {title}\n\nKey points\n- Levels fell\n\n"
        f"GENEVA: Officials reported on the {body_word} today.\n\n"
        "Outlook\n\nRain is expected next month across the region.\n",
        encoding="utf-8",
    )


def import_seeds(*args) -> str:
    out = io.StringIO()
    call_command("import_seeds", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_import_and_reimport_keep_the_index_in_step(client, tmp_path):
    path = tmp_path / "doc.txt"
    write_seed(path, "aquifer")
    assert "created" in import_seeds(path)
    assert found(client, "aquifer") == ["Reservoir levels"]
    assert found(client, "rain outlook") == ["Reservoir levels"]
    (hit,) = get(client, q="rain").context["hits"]
    assert hit.url.endswith("#outlook")

    write_seed(path, "floodplain", title="Reservoir levels update")
    assert "updated" in import_seeds(path)
    assert found(client, "aquifer") == []
    assert found(client, "floodplain") == ["Reservoir levels update"]
    brief = Brief.objects.get()
    assert SearchEntry.objects.filter(brief=brief).count() == brief.sections.count()

    assert "unchanged" in import_seeds(path)
    assert found(client, "floodplain") == ["Reservoir levels update"]


def test_dry_run_and_draft_imports_are_not_found(client, tmp_path):
    path = tmp_path / "doc.txt"
    write_seed(path, "aquifer")
    import_seeds(path, "--dry-run")
    assert found(client, "aquifer") == []
    import_seeds(path, "--draft")
    assert found(client, "aquifer") == []
    assert SearchEntry.objects.exists()  # indexed, but drafts are filtered out


def test_import_of_the_seed_is_searchable(client, seed_copy):
    import_seeds(seed_copy)
    (hit,) = get(client, q="Khunjerab").context["hits"]
    assert hit.section.heading == "Security and counter-terrorism cooperation"
    assert "<mark>Khunjerab</mark> Pass" in hit.snippet


def test_retag_is_seen_by_the_tag_filter(client):
    brief = published_brief(
        title="Border talks",
        sections=(("", "Ministers from Pakistan met to discuss the border.", ()),),
    )
    assert get(client, q="border", tag="pakistan").status_code == 404

    retag_briefs(briefs=Brief.objects.filter(pk=brief.pk))

    assert "Pakistan" in brief.sections.get().tags.names()
    assert found(client, "border", tag="pakistan") == ["Border talks"]


def test_tag_merge_is_seen_by_the_tag_filter(client):
    from briefs.tagging.merging import merge_tags

    published_brief(title="Solar farms", tags=("Solar",))
    target = Tag.objects.create(name="Renewables")
    merge_tags(sources=[Tag.objects.get(name="Solar")], target=target)
    assert found(client, "solar", tag="renewables") == ["Solar farms"]


def test_rebuild_search_index_command(client):
    published_brief(title="Rebuilt one")
    published_brief(title="Rebuilt two", sections=())
    SearchEntry.objects.all().delete()
    assert found(client, "rebuilt") == []

    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)

    assert out.getvalue().strip() == "Indexed 2 briefs (3 search entries)."
    assert sorted(found(client, "rebuilt")) == ["Rebuilt one", "Rebuilt two"]
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert SearchEntry.objects.count() == 3


def test_restoring_a_revision_restores_the_index(editor_client):
    import reversion
    from reversion.models import Version

    brief = published_brief(title="Canal", sections=(("", "Locks and weirs.", ()),))
    with reversion.create_revision():
        reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))
    section = brief.sections.get()
    section.body = "Dredgers only."
    section.save()
    assert found(editor_client, "weirs") == []

    Version.objects.get_for_object(brief)[0].revision.revert(delete=True)

    assert found(editor_client, "weirs") == ["Canal"]
    assert found(editor_client, "dredgers") == []


def test_the_index_lives_in_the_database_we_run_on():
    published_brief(title="Vendor check")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"SELECT count(*) FROM {text_search.FTS_TABLE} "
                f"WHERE {text_search.FTS_TABLE} MATCH 'vendor'"
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM briefs_searchentry "
                "WHERE document @@ plainto_tsquery('newsroom_search', 'vendor')"
            )
        assert cursor.fetchone()[0] == 2  # one entry per section


def test_snippet_markup_is_always_balanced():
    assert (
        text_search.marked_html("a \ue000b\ue001 <c>") == "a <mark>b</mark> &lt;c&gt;"
    )
    assert text_search.marked_html("\ue001a\ue000 \ue000\ue001x") == "a x"
    assert re.fullmatch(r"[^<>]*", text_search.marked_html("<\ue000"))
