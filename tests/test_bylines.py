"""Bylines read into the people they name (``briefs.ingest.bylines``), with
no database: real bylines from the corpora, the forms newsrooms write, and
the invariants for any text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefs.ingest.bylines import (
    MAX_NAME_LENGTH,
    byline_names,
    names_role,
    person_names,
)


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        # Real bylines, as the parser reads them from ../shared/corpus and
        # tests/fixtures/corpus (VOA front matter, White House pages, 18F
        # and Digital.gov author handles).
        ("Sun Narin and Aun Chhengpor", ["Sun Narin", "Aun Chhengpor"]),
        ("Hul Reaksmey", ["Hul Reaksmey"]),
        ("Kori Schulman", ["Kori Schulman"]),
        ("Narin, Sun; Chhengpor, Aun", ["Sun Narin", "Aun Chhengpor"]),
        ("ron-bronson", ["Ron Bronson"]),
        (
            "lauren-frohlich, alex-pennington, christine-bath, alex-soble, "
            "selena-juneau-vogel and laura-gerhardt",
            [
                "Lauren Frohlich",
                "Alex Pennington",
                "Christine Bath",
                "Alex Soble",
                "Selena Juneau Vogel",
                "Laura Gerhardt",
            ],
        ),
        ("annette-super and dmccleskey", ["Annette Super"]),
        ("tlowden", []),
        # The forms newsrooms write.
        ("By Ayesha Khan", ["Ayesha Khan"]),
        ("BY: Ayesha Khan and Omar Malik", ["Ayesha Khan", "Omar Malik"]),
        ("Written by Ayesha Khan & Omar Malik", ["Ayesha Khan", "Omar Malik"]),
        ("A. Khan; O. Malik; P. Shah", ["A. Khan", "O. Malik", "P. Shah"]),
        (
            "Ayesha Khan, Omar Malik and Priya Shah",
            ["Ayesha Khan", "Omar Malik", "Priya Shah"],
        ),
        ("By John Smith, Jr. and Jane Doe", ["John Smith, Jr.", "Jane Doe"]),
        ("John Smith, Sr", ["John Smith, Sr."]),
        ("Jane Doe, PhD", ["Jane Doe"]),
        ("Doe, Jane", ["Jane Doe"]),
        ("Doe, J.", ["J. Doe"]),
        ("Smith, Jones and Brown", ["Smith", "Jones", "Brown"]),
        ("By JANE DOE, Reuters", ["Jane Doe"]),
        ("By Dr. Ayesha Khan, Senior Fellow, Asia Programme", ["Ayesha Khan"]),
        ("By Jane Doe | Staff Writer", ["Jane Doe"]),
        ("Jane Doe — Associated Press", ["Jane Doe"]),
        (
            "By Matthew Lee and Ellen Knickmeyer, Associated Press",
            ["Matthew Lee", "Ellen Knickmeyer"],
        ),
        ("By *Ayesha Khan*", ["Ayesha Khan"]),
        ("Mary-Jane O’Neil", ["Mary-Jane O’Neil"]),
        ("Byron Lee", ["Byron Lee"]),
        ("Ayesha Khan and ayesha khan", ["Ayesha Khan"]),
    ],
)
def test_a_byline_gives_its_people_in_order(byline, names):
    assert byline_names(byline) == names


@pytest.mark.parametrize(
    "byline",
    [
        "Reuters",
        "AP",
        "By AP",
        "Associated Press",
        "The Associated Press",
        "AFP",
        "Xinhua",
        "Staff",
        "Staff reporter",
        "By Our Staff Reporter",
        "Our correspondent",
        "From our correspondent",
        "Press Office",
        "The White House",
        "Office of the Press Secretary",
        "AP Diplomatic Writer",
        "Reuters staff",
        "News Desk",
        "Senior Fellow",
        "press@example.org",
        "https://example.org/people/ayesha",
        "www.example.org",
        "",
        "By",
        "   ",
    ],
)
def test_a_byline_naming_no_person_gives_no_author(byline):
    assert byline_names(byline) == []


def test_listed_names_are_cleaned_and_agencies_left_out():
    assert person_names(
        [" Ayesha Khan ", "Reuters", "omar-malik", "AYESHA KHAN", "", "jdoe"]
    ) == ["Ayesha Khan", "Omar Malik"]


def invariants(names: list[str]) -> None:
    keys = [name.casefold() for name in names]
    assert len(keys) == len(set(keys))
    for name in names:
        assert name
        assert name == name.strip()
        assert len(name) <= MAX_NAME_LENGTH


@given(st.text(max_size=400))
def test_any_byline_gives_clean_distinct_names(text):
    invariants(byline_names(text))


@given(st.lists(st.text(max_size=300), max_size=10))
def test_any_list_gives_clean_distinct_names(names):
    invariants(person_names(names))


@given(
    st.lists(
        st.sampled_from(
            ["Ayesha Khan", "Omar Malik", "Jr.", "Reuters", "Doe", "Jane", "By"]
        ),
        max_size=8,
    ),
    st.lists(
        st.sampled_from([", ", " and ", "; ", " & ", " | ", " — "]),
        min_size=8,
        max_size=8,
    ),
)
def test_bylines_built_of_names_and_separators(words, separators):
    text = "".join(
        word + separator for word, separator in zip(words, separators, strict=False)
    )
    invariants(byline_names(text))


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("KATE PAYNE Associated Press/Report for America", ["Kate Payne"]),
        ("By Jane Roe; John Doe Associated Press", ["Jane Roe", "John Doe"]),
        ("Ayesha Khan and Reuters", ["Ayesha Khan"]),
        ("Rachel Kimura / Staff Writer", ["Rachel Kimura"]),
        ("Associated Press", []),
    ],
)
def test_an_agency_credit_or_staff_title_after_a_name_is_not_a_name(byline, names):
    assert byline_names(byline) == names


@pytest.mark.parametrize(
    ("line", "is_role"),
    [
        ("Staff Writer", True),
        ("Senior Staff Writer", True),
        ("Chief Political Correspondent", True),
        ("Rachel Kimura", False),
        ("The Writer", False),
        ("Writer of the Year", False),
    ],
)
def test_a_staff_title_is_told_from_a_name(line, is_role):
    assert names_role(line) is is_role
