"""The document parser: the seed's exact structure, the format rules, and properties."""

import html
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from briefs.ingest import parsing
from briefs.ingest.parsing import ParsedDocument, ParseError, decode, parse
from briefs.markdown import escape_markdown, render_markdown

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_a6517fdfc5b60d0c.txt"


@pytest.fixture(scope="module")
def seed() -> ParsedDocument:
    text, warnings = decode(SEED.read_bytes())
    assert warnings == []
    return parse(text)


def seed_lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").splitlines()


def test_seed_key_points_are_the_three_bullets_without_the_bullet(seed):
    assert seed.key_points == (
        "Seventh foreign ministers’ dialogue held in Beijing",
        "Both sides back CPEC 2.0 expansion",
        "Mutual support pledged on core interests",
    )


def test_seed_dateline_is_removed_from_the_first_paragraph(seed):
    assert seed.dateline == "ISLAMABAD"
    first = seed.sections[0].paragraphs[0]
    assert first.startswith(
        "China and Pakistan strengthened their strategic partnership"
    )
    assert "ISLAMABAD" not in first


def test_seed_sections_and_paragraph_counts(seed):
    assert [(s.heading, len(s.paragraphs)) for s in seed.sections] == [
        ("", 4),
        ("Broad review of bilateral cooperation", 2),
        ("75 years of diplomatic relations", 5),
        ("Security and counter-terrorism cooperation", 7),
        ("Regional and global issues", 4),
    ]


def test_seed_paragraphs_are_exactly_the_source_lines(seed):
    headings = {s.heading for s in seed.sections}
    lines = [line for line in seed_lines()[4:] if line.strip() and line not in headings]
    lines[0] = lines[0].removeprefix("ISLAMABAD: ")
    assert list(seed.paragraphs) == lines


def test_seed_title_is_derived_from_the_first_key_point(seed):
    assert seed.title == "Seventh foreign ministers’ dialogue held in Beijing"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\n\t\n", "empty"),
        ("Key points\n- One\n- Two\n", "key points are not followed by any body text"),
        ("Title: Only a header\n\n", "no body text"),
        ("Published: last Tuesday\n\nBody text.\n", "not an ISO 8601 date"),
        ("binary\x00data", "binary"),
    ],
)
def test_bad_documents_raise_a_clear_error(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text)


def test_nul_bytes_and_control_noise_are_binary():
    with pytest.raises(ParseError, match="NUL"):
        decode(b"PK\x03\x04\x00\x00text")
    with pytest.raises(ParseError, match="control characters"):
        decode(bytes(range(1, 32)) * 10)


def test_windows_1252_is_read_with_a_warning():
    text, warnings = decode("GENEVA: Café talks “ended”.".encode("cp1252"))
    assert text == "GENEVA: Café talks “ended”."
    assert warnings and "Windows-1252" in warnings[0]


def test_utf8_bom_and_crlf_are_accepted():
    text, warnings = decode("\ufeffKey points\r\n- A\r\nBODY: text.\r\n".encode())
    doc = parse(text)
    assert warnings == []
    assert doc.key_points == ("A",)
    assert doc.dateline == "BODY"
    assert doc.paragraphs == ("text.",)


def test_markdown_special_characters_survive_parsing_untouched():
    doc = parse("A *starred* _word_, # hash, <b>tag</b> & more.\n")
    assert doc.paragraphs == ("A *starred* _word_, # hash, <b>tag</b> & more.",)


# Properties -----------------------------------------------------------------

# Words the format itself consumes: header field names, key point labels and
# the numbers of numbered bullets.
CONSUMED = {
    "title",
    "source",
    "published",
    "byline",
    "url",
    "tags",
    "key",
    "points",
    "takeaways",
    "highlights",
}


def words(text: str) -> Counter:
    return Counter(word.casefold() for word in re.findall(r"\w+", text))


def output_text(doc: ParsedDocument) -> str:
    parts = [
        doc.title,
        doc.dateline,
        doc.source,
        doc.byline,
        doc.url,
        str(doc.published or ""),
    ]
    parts += [*doc.key_points, *doc.tags, *doc.warnings]
    for section in doc.sections:
        parts += [section.heading, *section.paragraphs]
    return "\n".join(parts)


line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=120,
)
documents = st.lists(
    st.one_of(
        line_text,
        st.just(""),
        st.sampled_from(
            [
                "Key points",
                "Highlights:",
                "- bullet",
                "1) first",
                "# Heading",
                "Title: T",
                "GENEVA: x",
            ]
        ),
    ),
    max_size=30,
).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(documents)
@example("Key points\n- a\n\nb")
@example("Title: x\nKey points\n- a\nb")
def test_parser_never_crashes_and_never_drops_text(text):
    try:
        doc = parse(text)
    except ParseError:
        return
    assert doc.sections and any(section.paragraphs for section in doc.sections)
    lost = words(text) - words(output_text(doc))
    assert {word for word in lost if not word.isdigit()} <= CONSUMED, lost


safe_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)
sentence = st.lists(safe_word, min_size=3, max_size=15).map(
    lambda ws: " ".join(ws).capitalize() + "."
)
heading = st.lists(safe_word, min_size=1, max_size=6).map(
    lambda ws: " ".join(ws).capitalize()
)


@settings(max_examples=200, deadline=None)
@given(
    opening=st.lists(sentence, min_size=1, max_size=4),
    sections=st.lists(
        st.tuples(heading, st.lists(sentence, min_size=1, max_size=4)), max_size=4
    ),
    blank_lines=st.booleans(),
)
def test_structure_round_trips_through_text(opening, sections, blank_lines):
    separator = "\n\n" if blank_lines else "\n"
    blocks = [*opening]
    for title, paragraphs in sections:
        blocks += [title, *paragraphs]
    doc = parse(separator.join(blocks))
    assert doc.sections[0].paragraphs == tuple(opening)
    assert [(s.heading, list(s.paragraphs)) for s in doc.sections[1:]] == [
        (title, paragraphs) for title, paragraphs in sections
    ]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200))
@example("1. not a list")
@example("&amp; <b>x</b> *y* _z_ `c` [l](http://x) \\")
def test_escaped_plain_text_renders_exactly_as_written(text):
    text = text.strip()
    rendered = render_markdown(escape_markdown(text))
    if not text:
        assert rendered == ""
        return
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n")
    inner = rendered[3:-5]
    assert "<" not in inner  # no markup at all: only text
    assert html.unescape(inner) == text


def test_headings_in_a_body_sit_below_the_section_heading():
    assert render_markdown("# Top\n\n### Deep\n\n#### Deeper") == (
        "<h3>Top</h3>\n<h5>Deep</h5>\n<h6>Deeper</h6>\n"
    )


# Shapes that made the parser's patterns backtrack, at small sizes -------------
# At the full 2 MB they are in tests/test_security_documents.py and in
# `make bench`; here is what the parser makes of each.


def structure(doc: ParsedDocument) -> tuple:
    return (
        doc.title,
        doc.dateline,
        doc.key_points,
        [(s.heading, list(s.paragraphs)) for s in doc.sections],
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Markdown headings: spaces and tabs inside are kept, closing #s are not.
        ("# a   b\nBody text.", ("a   b", "", (), [("", ["Body text."])])),
        ("# a\t\tb\nBody text.", ("a\t\tb", "", (), [("", ["Body text."])])),
        ("## Aid   ##\nBody text.", ("Aid", "", (), [("", ["Body text."])])),
        ("# a #b\nBody text.", ("a #b", "", (), [("", ["Body text."])])),
        ("# #\nBody text.", ("#", "", (), [("", ["Body text."])])),
        (
            "Intro.\n\n# a   b\nBody text.",
            ("Intro", "", (), [("", ["Intro."]), ("a   b", ["Body text."])]),
        ),
        # Four or more #, a line of #, *, - or bullets: text.
        ("#### Four\nBody text.", ("#### Four", "", (), [("", ["Body text."])])),
        ("######", ("######", "", (), [("", ["######"])])),
        ("* * * *", ("* * * *", "", (), [("", ["* * * *"])])),
        ("- - - -", ("- - - -", "", (), [("", ["- - - -"])])),
        ("• • • •", ("• • • •", "", (), [("", ["• • • •"])])),
        # Key-points labels: any spacing inside, an optional colon, nothing after.
        (
            "Key points   x\n- a\nBody text.",
            ("Key points   x", "", (), [("", ["- a", "Body text."])]),
        ),
        ("Key \t points :\n- a\nBody text.", ("a", "", ("a",), [("", ["Body text."])])),
        (
            "HIGHLIGHTS:\n- a\n\n\n\n- b\nBody text.",
            ("a", "", ("a", "b"), [("", ["Body text."])]),
        ),
        (
            "Key points\n- a\n  wrapped\n  twice\n- b\nBody text.",
            ("a wrapped twice", "", ("a wrapped twice", "b"), [("", ["Body text."])]),
        ),
        # Heading-like lines with nothing under them stay text.
        (
            "Heading\nHeading\nHeading",
            ("Heading", "", (), [("", ["Heading", "Heading"])]),
        ),
        # Nested markup characters are kept as they are.
        ("*_[`<&\\#>(", ("*_[`<&\\#>(", "", (), [("", ["*_[`<&\\#>("])])),
        # Datelines: runs of spaces around the separator; no separator, no dateline.
        (
            "GENEVA   :   Talks resumed.",
            ("Talks resumed", "GENEVA", (), [("", ["Talks resumed."])]),
        ),
        ("GENEVA,   x", ("GENEVA,   x", "", (), [("", ["GENEVA,   x"])])),
        ("AB AB AB 1.", ("AB AB AB 1", "", (), [("", ["AB AB AB 1."])])),
        (
            "GENEVA, March 14 (Example Wire) — Talks resumed.",
            (
                "Talks resumed",
                "GENEVA, March 14 (Example Wire)",
                (),
                [("", ["Talks resumed."])],
            ),
        ),
        # Header fields: runs of spaces after the colon.
        ("Title:    Talks\n\nBody text.", ("Talks", "", (), [("", ["Body text."])])),
    ],
)
def test_each_worst_case_shape_parses_to_its_structure(text, expected):
    assert structure(parse(text)) == expected


def test_a_markdown_heading_too_long_for_a_section_heading_stays_text():
    heading = "word " * 60  # 300 characters; a section heading holds 255
    for separator in ("\n", "\n\n"):
        doc = parse(f"Intro.{separator}# {heading}\nBody text.")
        assert all(len(s.heading) <= 255 for s in doc.sections)
        assert f"# {heading.strip()}" in " ".join(doc.paragraphs)


# The parser's hand-written rules agree with the patterns they replaced. Those
# patterns are kept here as the definition: on short inputs they are exact; on
# long runs of spaces they took hours.

OLD_MARKDOWN_HEADING = re.compile(
    r"^(?P<marks>#{1,3})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$"
)
OLD_KEY_POINTS_LABEL = re.compile(
    r"^\s*(?:key\s+points|key\s+takeaways|highlights)\s*:?\s*$", re.IGNORECASE
)
OLD_DATELINE = re.compile(
    r"^(?P<dateline>(?P<place>[^\W\d_][^\W\d_ .'’\-]*(?:[ .'’\-]+[^\W\d_]+)*\.?)"
    r"(?:,[^:—–\n]{1,80}?|[ \t]*\([^()\n]{1,60}\))?)"
    r"(?:[ \t]*:[ \t]+|[ \t]+[—–-]{1,2}[ \t]+|[ \t]*[—–][ \t]*)"
    r"(?P<rest>\S.*)$",
    re.DOTALL,
)


def pieces(*words: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(words), max_size=25).map("".join)


@settings(max_examples=2000, deadline=None)
@given(pieces("#", "##", "###", " ", "\t", "a", "b c", "\u00a0", "x#"))
@example("#   ##")
@example("# a ## ##")
@example("#\t#")
def test_markdown_headings_are_read_as_the_old_pattern_read_them(line):
    old = OLD_MARKDOWN_HEADING.match(line)
    assert parsing._markdown_heading(line) == (old.group("text") if old else None)


@settings(max_examples=2000, deadline=None)
@given(
    pieces(
        "key",
        "Key",
        "KEY",
        "points",
        "POİNTS",
        "takeaways",
        "Highlights",
        " ",
        "\t",
        "\u00a0",
        "\u2003",
        ":",
        "x",
        "ſ",
    )
)
@example("Key points :")
@example("Key points::")
@example("KEY  TAKEAWAYS: ")
def test_key_points_labels_are_read_as_the_old_pattern_read_them(line):
    assert parsing._is_key_points_label(line) == bool(OLD_KEY_POINTS_LABEL.match(line))


@settings(max_examples=5000, deadline=None)
@given(
    pieces(
        "GENEVA",
        "NEW",
        "A",
        "b",
        "é",
        "1",
        "_",
        " ",
        "  ",
        "\t",
        ".",
        "'",
        "’",
        "-",
        "—",
        "–",
        ",",
        ":",
        "(",
        ")",
        "Wire",
        "x",
        "\n",
        "\u00a0",
    )
)
@example("GENEVA - Talks - more")
@example("A, b  c: x")
@example("A. - x")
@example("A ——x")
@example("A, (Wire) : x")
def test_datelines_are_read_as_the_old_pattern_read_them(paragraph):
    old = OLD_DATELINE.match(paragraph)
    expected = old.group("dateline", "place", "rest") if old else None
    found = parsing._split_dateline(paragraph)
    assert (tuple(found) if found else None) == expected
