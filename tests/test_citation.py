"""Citing a brief: the plain-text citation, the authors' names and the BibTeX
and BibLaTeX entries (pure functions). tests/test_citation_formats.py reads
every format back with the tools that read them, and fetches the downloads."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from briefs.reading.citation import (
    Name,
    Work,
    biblatex,
    bibtex,
    bibtex_escape,
    bibtex_key,
    bibtex_names,
    citation_text,
    clean,
    human_date,
    names_in,
    person_name,
)

URL = "https://briefs.example.org/briefs/border-trade-reopens/"
JUNE_1 = dt.date(2025, 6, 1)
BYLINE = (Name(literal="A. Analyst"),)
ANALYSIS = Work(
    title="Border trade reopens",
    publisher="Newsroom",
    url=URL,
    published=JUNE_1,
    authors=BYLINE,
    accessed=dt.date(2025, 7, 3),
)
SIDDIQA, KHAN, WEI = (
    person_name("Ayesha Siddiqa"),
    person_name("Bilal Khan"),
    person_name("Chen Wei"),
)


# --- Plain text ---------------------------------------------------------------


def test_citation_with_a_byline_date_and_access_date():
    text = citation_text(ANALYSIS)

    assert text == (
        "A. Analyst. “Border trade reopens.” Newsroom, 1 June 2025. "
        f"{URL}. Accessed 3 July 2025."
    )


def test_citation_names_one_author_family_name_first():
    text = citation_text(replace(ANALYSIS, authors=(SIDDIQA,)))

    assert text.startswith("Siddiqa, Ayesha. “Border trade reopens.” Newsroom,")


def test_citation_names_two_and_three_authors_as_chicago_does():
    two = citation_text(replace(ANALYSIS, authors=(SIDDIQA, KHAN)))
    three = citation_text(replace(ANALYSIS, authors=(SIDDIQA, KHAN, WEI)))

    assert two.startswith("Siddiqa, Ayesha, and Bilal Khan. “Border")
    assert three.startswith("Siddiqa, Ayesha, Bilal Khan, and Chen Wei. “Border")


def test_citation_lists_ten_authors_and_cuts_eleven_to_seven_et_al():
    people = tuple(
        person_name(f"Given{chr(65 + i)} Family{chr(65 + i)}") for i in range(11)
    )

    ten = citation_text(replace(ANALYSIS, authors=people[:10]))
    eleven = citation_text(replace(ANALYSIS, authors=people))

    assert ten.startswith("FamilyA, GivenA, GivenB FamilyB,")
    assert ", and GivenJ FamilyJ. “" in ten
    assert eleven.startswith(
        "FamilyA, GivenA, GivenB FamilyB, GivenC FamilyC, GivenD FamilyD, "
        "GivenE FamilyE, GivenF FamilyF, GivenG FamilyG, et al. “Border"
    )
    assert "FamilyH" not in eleven


def test_citation_without_author_starts_with_the_title_and_has_no_access_date():
    text = citation_text(replace(ANALYSIS, authors=(), accessed=None))

    assert text == f"“Border trade reopens.” Newsroom, 1 June 2025. {URL}."


def test_an_undated_citation_gives_no_date_and_never_two_full_stops():
    text = citation_text(
        Work(
            title="Will the border reopen?",
            publisher="Newsroom",
            url=URL,
            published=None,
            accessed=dt.date(2025, 7, 3),
        )
    )

    assert text == f"“Will the border reopen?” Newsroom. {URL}. Accessed 3 July 2025."
    assert "n.d." not in text


@given(
    author=st.sampled_from(["A. Analyst", "Smith Jr.", "Reuters", "J. R. R. T.", ""]),
    title=st.sampled_from(["Title", "Title.", "Why?", "Now!", "U.S."]),
    publisher=st.sampled_from(["Newsroom", "Acme Inc.", "Think Tank Ltd."]),
    published=st.sampled_from([None, JUNE_1]),
    version=st.sampled_from([None, 2]),
)
def test_no_join_ever_doubles_a_full_stop(author, title, publisher, published, version):
    text = citation_text(
        Work(
            title=title,
            publisher=publisher,
            url=URL,
            published=published,
            authors=(Name(literal=author),) if author else (),
            accessed=JUNE_1,
            version=version,
        )
    )

    assert ".." not in text
    assert ".”." not in text and "?”." not in text


def test_citation_is_one_line_without_control_characters():
    text = citation_text(
        Work(
            title="Line one\nline\ttwo\x07 \x00end",
            publisher="News\x1broom",
            url=URL,
            published=JUNE_1,
            authors=(Name(literal=" A.\r\nAnalyst "),),
        )
    )

    assert text.startswith("A. Analyst. “Line one line two end.” Newsroom,")
    assert not re.search(r"[\x00-\x1f\x7f]", text)


def test_human_date_is_the_same_in_every_locale():
    assert human_date(dt.date(2024, 2, 29)) == "29 February 2024"
    assert human_date(dt.date(2025, 12, 9)) == "9 December 2025"


# --- Names ---------------------------------------------------------------------


def test_a_persons_name_splits_at_the_family_name():
    assert person_name("Ayesha Siddiqa") == Name(family="Siddiqa", given="Ayesha")
    assert person_name("Mary Ann  Smith") == Name(family="Smith", given="Mary Ann")
    assert person_name("A. B. Analyst") == Name(family="Analyst", given="A. B.")
    assert person_name("Ludwig van Beethoven") == Name(
        family="van Beethoven", given="Ludwig"
    )
    assert person_name("Jean de la Fontaine") == Name(
        family="de la Fontaine", given="Jean"
    )
    assert person_name("Martin Luther King Jr.") == Name(
        family="King", given="Martin Luther", suffix="Jr."
    )
    assert person_name("Jean-Paul O’Brien-Sartre") == Name(
        family="O’Brien-Sartre", given="Jean-Paul"
    )
    assert person_name("Ayşe Çelik") == Name(family="Çelik", given="Ayşe")


def test_a_name_that_does_not_split_cleanly_is_kept_whole():
    for name in (
        "Reuters",
        "习近平",
        "Staff, Newsroom",
        "Tom and Jerry",
        "Agent 007 Bond",
        "R&D Desk",
        "{Braced} Name",
        "Back\\slash Name",
        "Smith Jr.",
    ):
        assert person_name(name) == Name(literal=clean(name)), name


def test_names_read_from_a_snapshot_tolerate_any_shape():
    assert names_in([{"name": "Ayesha Siddiqa", "slug": "ayesha-siddiqa"}]) == [
        "Ayesha Siddiqa"
    ]
    assert names_in(None) == []
    assert names_in("Ayesha Siddiqa") == []
    assert names_in([{"slug": "x"}, "y", {"name": 3}, {"name": "B"}]) == ["B"]


def test_bibtex_names_invert_people_and_brace_the_rest():
    names = (
        SIDDIQA,
        person_name("Ludwig van Beethoven"),
        person_name("Martin Luther King Jr."),
        Name(literal="Crisis Group & Partners, Ltd"),
    )

    assert bibtex_names(names) == (
        "Siddiqa, Ayesha and van Beethoven, Ludwig and King, Jr., Martin Luther"
        r" and {Crisis Group \& Partners, Ltd}"
    )


# --- BibTeX and BibLaTeX ------------------------------------------------------------


def test_bibtex_entry_is_a_misc_that_classic_styles_know():
    entry = bibtex(
        replace(ANALYSIS, authors=(SIDDIQA, KHAN)),
        key="newsroom-2025-border-trade-reopens",
    )

    assert entry == (
        "@misc{newsroom-2025-border-trade-reopens,\n"
        "  author = {Siddiqa, Ayesha and Khan, Bilal},\n"
        "  title = {{Border trade reopens}},\n"
        f"  howpublished = {{\\url{{{URL}}}}},\n"
        "  year = {2025},\n"
        "  month = jun,\n"
        "  note = {Newsroom. Accessed 3 July 2025},\n"
        f"  url = {{{URL}}}\n"
        "}"
    )


def test_biblatex_entry():
    entry = biblatex(ANALYSIS, key="newsroom-2025-border-trade-reopens")

    assert entry == (
        "@online{newsroom-2025-border-trade-reopens,\n"
        "  author = {{A. Analyst}},\n"
        "  title = {{Border trade reopens}},\n"
        "  organization = {Newsroom},\n"
        "  date = {2025-06-01},\n"
        "  year = {2025},\n"
        f"  url = {{{URL}}},\n"
        "  urldate = {2025-07-03}\n"
        "}"
    )


def test_bibtex_and_biblatex_leave_out_what_is_not_known():
    work = Work(title="T", publisher="Acme Inc.", url=URL, published=None)

    for entry in (bibtex(work, key="k"), biblatex(work, key="k")):
        assert "author" not in entry
        assert "date" not in entry and "year" not in entry
        assert "month" not in entry
    # The publisher's own full stop stays; the style adds the closing one.
    assert "  note = {Acme Inc.},\n" in bibtex(work, key="k")
    assert "Accessed" not in bibtex(work, key="k")


def test_bibtex_escapes_every_special_character():
    assert bibtex_escape("{ } % & $ # _ ~ ^ \\") == (
        r"\textbraceleft{} \textbraceright{} \% \& \$ \# \_ \textasciitilde{}"
        r" \textasciicircum{} \textbackslash{}"
    )
    assert bibtex_escape("AT&T: 50% of $5 #1 C_x") == r"AT\&T: 50\% of \$5 \#1 C\_x"


def test_bibtex_entry_with_a_hostile_title_keeps_its_braces_balanced():
    work = Work(
        title="}, note = {injected} @misc{x, \\",
        publisher="Pub {lishing}",
        url="https://example.org/a}b{c\\d%20e",
        published=JUNE_1,
        authors=(Name(literal="Smith}"),),
    )

    for entry in (bibtex(work, key="k"), biblatex(work, key="k")):
        assert "note = {injected}" not in entry
        assert (
            r"title = {{\textbraceright{}, note = \textbraceleft{}injected"
            r"\textbraceright{} @misc\textbraceleft{}x, \textbackslash{}}}" in entry
        )
        # The URL stays a URL: braces and backslashes percent-encoded, the rest as it was.
        assert "url = {https://example.org/a%7Db%7Bc%5Cd%20e}" in entry
        assert r"author = {{Smith\textbraceright{}}}" in entry
        assert braces_balance(entry)


def braces_balance(text: str) -> bool:
    """Whether the braces in BibTeX ``text`` balance, counted as BibTeX
    counts them: every one, a backslash before it or not."""
    depth = 0
    for token in re.findall(r"[{}]", text):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@given(st.text())
def test_bibtex_escape_leaves_no_special_character_bare(text):
    escaped = bibtex_escape(text)

    assert braces_balance(escaped)
    # Take away the escapes and their own braces: nothing special is left.
    bare = re.sub(
        r"\\text(backslash|asciitilde|asciicircum|braceleft|braceright)\{\}|\\[%&$#_]",
        "",
        escaped,
    )
    assert not re.search(r"[{}%&$#_~^\\]", bare)


@given(st.text(min_size=1))
def test_entries_always_have_balanced_braces(title):
    work = Work(
        title=title,
        publisher=title,
        url=URL,
        published=JUNE_1,
        authors=(person_name(title), Name(literal=title)),
    )

    for kind, entry in (
        ("misc", bibtex(work, key="k")),
        ("online", biblatex(work, key="k")),
    ):
        assert braces_balance(entry)
        assert entry.startswith(f"@{kind}{{k,\n") and entry.endswith("\n}")


def test_bibtex_key_is_stable_ascii():
    key = bibtex_key(
        publisher="Newsroom", slug="border-trade-reopens", published=JUNE_1
    )

    assert key == "newsroom-2025-border-trade-reopens"
    assert key == bibtex_key(
        publisher="Newsroom", slug="border-trade-reopens", published=JUNE_1
    )


def test_bibtex_key_folds_accents_and_stands_in_for_other_scripts():
    assert (
        bibtex_key(publisher="Le Monde Diplo", slug="café-à-genève", published=JUNE_1)
        == "le-monde-diplo-2025-cafe-a-geneve"
    )
    chinese = bibtex_key(publisher="新闻", slug="中国-巴基斯坦", published=None)
    assert re.fullmatch(r"brief-nd-[0-9a-f]{8}", chinese)
    # Stable, and different for a different slug.
    assert chinese == bibtex_key(publisher="新闻", slug="中国-巴基斯坦", published=None)
    assert chinese != bibtex_key(publisher="新闻", slug="中国", published=None)


@given(st.text(), st.text())
def test_bibtex_key_uses_only_safe_characters(publisher, slug):
    key = bibtex_key(publisher=publisher, slug=slug, published=JUNE_1)

    assert re.fullmatch(r"[a-z0-9-]+", key)


def test_clean_joins_lines_and_drops_controls():
    assert clean("  a\n\n b\x00c\x7f\t d ") == "a bc d"


# --- One public version -----------------------------------------------------

VERSION_URL = f"{URL}versions/3/"
VERSION_3 = replace(ANALYSIS, url=VERSION_URL, version=3)


def test_citation_of_a_version_names_it_after_the_title():
    assert citation_text(VERSION_3) == (
        "A. Analyst. “Border trade reopens.” Version 3. Newsroom, 1 June 2025. "
        f"{VERSION_URL}. Accessed 3 July 2025."
    )


def test_entries_of_a_version_have_its_number_and_a_key_of_its_own():
    key = bibtex_key(
        publisher="Newsroom", slug="border-trade-reopens", published=JUNE_1, version=3
    )
    work = replace(VERSION_3, authors=(), accessed=None)

    assert key == "newsroom-2025-border-trade-reopens-v3"
    assert biblatex(work, key=key) == (
        "@online{newsroom-2025-border-trade-reopens-v3,\n"
        "  title = {{Border trade reopens}},\n"
        "  organization = {Newsroom},\n"
        "  version = {3},\n"
        "  date = {2025-06-01},\n"
        "  year = {2025},\n"
        f"  url = {{{VERSION_URL}}}\n"
        "}"
    )
    assert "  note = {Newsroom. Version 3},\n" in bibtex(work, key=key)
    assert "  note = {Newsroom. Version 3. Accessed 3 July 2025},\n" in bibtex(
        VERSION_3, key=key
    )
    # Without a version, nothing changes.
    plain = Work(title="T", publisher="P", url=URL, published=JUNE_1)
    assert "version" not in biblatex(plain, key="k")
    assert "Version" not in bibtex(plain, key="k")
