"""Citing a brief: the plain-text citation and the BibTeX entry (pure functions)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from briefs.reading.citation import (
    Work,
    bibtex,
    bibtex_escape,
    bibtex_key,
    citation_text,
    clean,
    human_date,
)

URL = "https://briefs.example.org/briefs/border-trade-reopens/"
JUNE_1 = dt.date(2025, 6, 1)
ANALYSIS = Work(
    title="Border trade reopens",
    publisher="Newsroom",
    url=URL,
    published=JUNE_1,
    author="A. Analyst",
    accessed=dt.date(2025, 7, 3),
)


def test_citation_with_author_date_and_access_date():
    text = citation_text(ANALYSIS)

    assert text == (
        "A. Analyst. “Border trade reopens.” Newsroom, 1 June 2025. "
        f"{URL}. Accessed 3 July 2025."
    )


def test_citation_without_author_starts_with_the_title_and_has_no_access_date():
    text = citation_text(replace(ANALYSIS, author="", accessed=None))

    assert text == f"“Border trade reopens.” Newsroom, 1 June 2025. {URL}."


def test_citation_keeps_the_titles_own_punctuation_and_says_nd_without_a_date():
    text = citation_text(
        Work(
            title="Will the border reopen?",
            publisher="Newsroom",
            url=URL,
            published=None,
        )
    )

    assert text.startswith("“Will the border reopen?” Newsroom, n.d.")
    assert "?." not in text


def test_citation_is_one_line_without_control_characters():
    text = citation_text(
        Work(
            title="Line one\nline\ttwo\x07 \x00end",
            publisher="News\x1broom",
            url=URL,
            published=JUNE_1,
            author=" A.\r\nAnalyst ",
        )
    )

    assert text.startswith("A. Analyst. “Line one line two end.” Newsroom,")
    assert not re.search(r"[\x00-\x1f\x7f]", text)


def test_human_date_is_the_same_in_every_locale():
    assert human_date(dt.date(2024, 2, 29)) == "29 February 2024"
    assert human_date(dt.date(2025, 12, 9)) == "9 December 2025"


def test_bibtex_entry():
    entry = bibtex(ANALYSIS, key="newsroom-2025-border-trade-reopens")

    assert entry == (
        "@online{newsroom-2025-border-trade-reopens,\n"
        "  author = {A. Analyst},\n"
        "  title = {{Border trade reopens}},\n"
        "  organization = {Newsroom},\n"
        "  date = {2025-06-01},\n"
        "  year = {2025},\n"
        f"  url = {{{URL}}},\n"
        "  urldate = {2025-07-03}\n"
        "}"
    )


def test_bibtex_leaves_out_what_is_not_known():
    entry = bibtex(
        Work(title="T", publisher="P", url=URL, published=None, author=""), key="k"
    )

    assert "author" not in entry
    assert "date" not in entry and "year" not in entry
    assert "urldate" not in entry


def test_bibtex_escapes_every_special_character():
    assert bibtex_escape("{ } % & $ # _ ~ ^ \\") == (
        r"\{ \} \% \& \$ \# \_ \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    assert bibtex_escape("AT&T: 50% of $5 #1 C_x") == r"AT\&T: 50\% of \$5 \#1 C\_x"


def test_bibtex_entry_with_a_hostile_title_keeps_its_braces_balanced():
    entry = bibtex(
        Work(
            title="}, note = {injected} @misc{x, \\",
            publisher="Pub {lishing}",
            url="https://example.org/a}b{c\\d%20e",
            published=JUNE_1,
            author="Smith}",
        ),
        key="k",
    )

    assert "note = {injected}" not in entry
    assert r"title = {{\}, note = \{injected\} @misc\{x, \textbackslash{}}}" in entry
    # The URL stays a URL: braces and backslashes percent-encoded, the rest as it was.
    assert "url = {https://example.org/a%7Db%7Bc%5Cd%20e}" in entry
    assert braces_balance(entry)


def braces_balance(text: str) -> bool:
    """Whether unescaped braces in BibTeX ``text`` balance."""
    depth = 0
    for match in re.finditer(r"\\.|[{}]", text):
        token = match.group(0)
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
        r"\\(textbackslash|textasciitilde|textasciicircum)\{\}|\\[{}%&$#_]", "", escaped
    )
    assert not re.search(r"[{}%&$#_~^\\]", bare)


@given(st.text(min_size=1))
def test_bibtex_entry_always_has_balanced_braces(title):
    entry = bibtex(
        Work(title=title, publisher=title, url=URL, published=JUNE_1, author=title),
        key="k",
    )

    assert braces_balance(entry)
    assert entry.startswith("@online{k,\n") and entry.endswith("\n}")


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


def test_citation_of_a_version_names_it_after_the_title():
    text = citation_text(
        Work(
            title="Border trade reopens",
            publisher="Newsroom",
            url=VERSION_URL,
            published=JUNE_1,
            author="A. Analyst",
            accessed=dt.date(2025, 7, 3),
            version=3,
        )
    )

    assert text == (
        "A. Analyst. “Border trade reopens.” Version 3. Newsroom, 1 June 2025. "
        f"{VERSION_URL}. Accessed 3 July 2025."
    )


def test_bibtex_of_a_version_has_its_number_and_a_key_of_its_own():
    key = bibtex_key(
        publisher="Newsroom", slug="border-trade-reopens", published=JUNE_1, version=3
    )
    entry = bibtex(
        Work(
            title="Border trade reopens",
            publisher="Newsroom",
            url=VERSION_URL,
            published=JUNE_1,
            version=3,
        ),
        key=key,
    )

    assert key == "newsroom-2025-border-trade-reopens-v3"
    assert entry == (
        "@online{newsroom-2025-border-trade-reopens-v3,\n"
        "  title = {{Border trade reopens}},\n"
        "  organization = {Newsroom},\n"
        "  version = {3},\n"
        "  date = {2025-06-01},\n"
        "  year = {2025},\n"
        f"  url = {{{VERSION_URL}}}\n"
        "}"
    )
    # Without a version, nothing changes.
    assert "version" not in bibtex(
        Work(title="T", publisher="P", url=URL, published=JUNE_1), key="k"
    )
