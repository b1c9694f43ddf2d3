"""The document parser: the seed's exact structure, the format rules, and properties."""

import html
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from briefs.ingest.frontmatter import Fields
from briefs.ingest.parsing import ParsedDocument, ParsedList, ParseError, decode, parse
from briefs.ingest.parsing.datelines import _split_dateline
from briefs.ingest.parsing.headings import _markdown_heading
from briefs.ingest.parsing.line_kinds import _is_key_points_label
from briefs.ingest.parsing.titles import _FUNCTION_WORDS
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

# Words the format itself consumes: header field names, key point labels, the
# "By" of a byline line, the "Summary" label, the $DATELINE$ placeholder and
# the numbers of numbered bullets.
CONSUMED = {
    "by",
    "summary",
    "dateline",
    "at",
    "a",
    "glance",
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
    return Counter(word.casefold() for word in re.findall(r"[^\W_]+", text))


def output_text(doc: ParsedDocument) -> str:
    parts = [
        doc.title,
        doc.dateline,
        doc.source,
        doc.byline,
        doc.url,
        str(doc.published or ""),
    ]
    parts += [doc.summary, *doc.key_points, *doc.tags, *doc.set_apart, *doc.warnings]
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
                "• dot bullet",
                "* star bullet",
                "1 of 2",
                "AP880911-0016",
                "By Jane Reporter",
                "SANTO DOMINGO, Dominican Republic (AP) _",
                "BANGKOK (Reuters) - Police said",
                "Photo: a caption. REUTERS/Name Surname",
                "January 8, 2026",
                "Monday, July 4: a calendar entry",
                "[inaudible]",
                "###",
                "Media contact: 555 0100",
                "the line goes on without a stop and",
                "continues here.",
            ]
        ),
    ),
    max_size=30,
).map("\n".join)


def in_order(body: str, source: str) -> bool:
    """Whether the body's words (numbers aside) appear in the source in the same order."""
    wanted = [w.casefold() for w in re.findall(r"[^\W_]+", body) if not w.isdigit()]
    words_of_source = iter(w.casefold() for w in re.findall(r"[^\W_]+", source))
    return all(any(word == other for other in words_of_source) for word in wanted)


def body_text(doc: ParsedDocument) -> str:
    return "\n".join(part for s in doc.sections for part in (s.heading, *s.paragraphs))


@settings(max_examples=200, deadline=None)
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
    assert in_order(body_text(doc), text)


safe_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)
sentence = st.lists(safe_word, min_size=3, max_size=15).map(
    lambda ws: " ".join(ws).capitalize() + "."
)
WEEKDAYS = {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}
heading = (
    st.lists(safe_word, min_size=1, max_size=6)
    .filter(lambda ws: ws[-1] not in _FUNCTION_WORDS)
    .filter(lambda ws: ws[0] not in WEEKDAYS and not ws[0].endswith("day"))
    .map(lambda ws: " ".join(ws).capitalize())
)


@settings(max_examples=100, deadline=None)
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


# Markdown sources: each piece is (Markdown, the article's words in it). Link
# targets other than http(s) and template tags' own names are not article words.
md_word = st.one_of(
    safe_word, st.sampled_from(["Geneva", "U.S.", "Gov.", "2024", "O'Neil"])
)


INLINE_SHAPES = {
    "plain": "{}",
    "bold": "**{}**",
    "italic": "_{}_",
    "web": "[{}](https://example.org/page_(1))",
    "relative": '[{}]({{{{ "/local/path/" | url }}}})',
    "code": "`{}`",
    "html": "<i>{}</i>",
    "broken": "** {}**",
}
md_inline = st.tuples(
    st.lists(md_word, min_size=1, max_size=3), st.sampled_from(sorted(INLINE_SHAPES))
).map(lambda drawn: (INLINE_SHAPES[drawn[1]].format(" ".join(drawn[0])), drawn[0]))


def _paragraph_of(pieces, end, wrapped) -> tuple[str, list[str]]:
    text = " ".join(markdown for markdown, _ in pieces) + end
    if wrapped and " " in text:
        text = text.replace(" ", "\n", 1)  # hard-wrapped
    return text, [word for _, ws in pieces for word in ws]


md_paragraph = st.builds(
    _paragraph_of,
    st.lists(md_inline, min_size=1, max_size=4),
    st.sampled_from([".", "", "?"]),
    st.booleans(),
)


@st.composite
def md_block(draw) -> tuple[str, list[str]]:
    kind = draw(
        st.sampled_from(
            [
                "paragraph",
                "heading",
                "bold line",
                "list",
                "loose list",
                "numbered",
                "quote",
                "shortcode",
                "quote shortcode",
                "liquid",
                "rule",
                "table",
                "label",
            ]
        )
    )
    if kind == "paragraph":
        return draw(md_paragraph)
    items = draw(st.lists(md_paragraph, min_size=1, max_size=3))
    item_words = [word for _, ws in items for word in ws]
    first, first_words = items[0]
    first = first.replace("\n", " ")
    if kind == "heading":
        return f"{'#' * draw(st.integers(1, 6))} {first}", first_words
    if kind == "bold line":
        return f"**{first.strip('.?')}**", first_words
    if kind in ("list", "loose list", "numbered", "label"):
        joiner = "\n\n" if kind == "loose list" else "\n"
        marker = "1." if kind == "numbered" else "-"
        lines = joiner.join(f"{marker} {text}" for text, _ in items)
        if kind == "label":
            return f"**Key points**\n\n{lines}", item_words
        return lines, item_words
    if kind == "quote":
        return "\n".join(f"> {text}" for text, _ in items), item_words
    caption = " ".join(first_words)
    if kind == "shortcode":
        return f'{{{{< img src="chart-name" alt="{caption} x" >}}}}', [
            *first_words,
            "x",
        ]
    if kind == "quote shortcode":
        return f'{{{{< quote-block text="{caption} y" >}}}}', [*first_words, "y"]
    if kind == "liquid":
        return (
            f'{{% include photo.html\n\n\tfile="https://example.org/a.jpg"\n'
            f'\tcaption="{caption} z"\n\n%}}',
            [*first_words, "z"],
        )
    if kind == "table":
        return f"| {caption} | cell |\n| row | two |", [
            *first_words,
            "cell",
            "row",
            "two",
        ]
    return "---", []


@st.composite
def md_document(draw) -> tuple[str, list[str]]:
    blocks = draw(st.lists(md_block(), min_size=1, max_size=8))
    text = "\n\n".join(markdown for markdown, _ in blocks)
    if draw(st.booleans()):
        text = f"$DATELINE$ {text}"
    return text, [word for _, ws in blocks for word in ws]


def template_only(text: str) -> bool:
    """Whether a Markdown text is nothing but template tags and rules."""
    rest = re.sub(r"\{\{<.*?>\}\}|\{%.*?%\}|---|\$DATELINE\$", "", text, flags=re.S)
    return not rest.strip()


@settings(max_examples=100, deadline=None)
@given(md_document())
@example(("- a\n- b\n\nDisclaimer: c", ["a", "b", "c"]))
def test_markdown_never_crashes_and_keeps_every_word_in_order(document):
    text, article_words = document
    try:
        doc = parse(text, markdown=True, fields=Fields(dateline="PLACE"))
    except ParseError as error:
        assert template_only(text) or "key points are not followed" in str(error)
        return
    assert doc.markdown
    lost = words(" ".join(article_words)) - words(output_text(doc))
    assert not lost
    assert in_order(body_text(doc), text)
    assert "$DATELINE$" not in body_text(doc)
    for point in doc.key_points:
        assert "*" not in point and "](" not in point  # plain text


fields_text = st.text(alphabet="abcdefghij KLMNOP", max_size=20).map(str.strip)
TEXT_FIELDS = ("title", "byline", "summary", "dateline", "source")
some_fields = st.tuples(
    st.fixed_dictionaries(dict.fromkeys(TEXT_FIELDS, fields_text)),
    st.lists(safe_word, max_size=3).map(tuple),
).map(lambda drawn: Fields(**drawn[0], tags=drawn[1]))


@settings(max_examples=100, deadline=None)
@given(fields=some_fields, text=documents, markdown=st.booleans())
def test_fields_win_over_the_text_and_no_word_is_lost(fields, text, markdown):
    try:
        doc = parse(text, markdown=markdown, fields=fields)
    except ParseError:
        return
    for name in TEXT_FIELDS:
        if getattr(fields, name):
            assert getattr(doc, name) == getattr(fields, name)
    assert set(fields.tags) <= set(doc.tags)
    if not markdown:
        lost = words(text) - words(output_text(doc))
        assert {word for word in lost if not word.isdigit()} <= CONSUMED, lost
        assert in_order(body_text(doc), text)


@settings(max_examples=100, deadline=None)
@given(
    items=st.lists(sentence, min_size=2, max_size=6),
    marker=st.sampled_from(["-", "*", "•", "1.", "1)"]),
    spacing=st.sampled_from(["\n", "\n\n"]),
)
def test_plain_bullets_make_one_list_with_or_without_blank_lines(
    items, marker, spacing
):
    lines = spacing.join(f"{marker} {item}" for item in items)
    doc = parse(
        f"Officials listed the measures on Monday:\n\n{lines}\n\nThe rest follows."
    )
    [listed] = [p for p in doc.paragraphs if isinstance(p, ParsedList)]
    assert listed.items == tuple(items)
    assert listed.ordered == marker[0].isdigit()
    assert listed.to_markdown(escape_markdown).count("\n") == len(items) - 1


@settings(max_examples=200, deadline=None)
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
        # Four or more #, a line of #, *, - or bullets: text, and no headline.
        (
            "#### Four\nBody text.",
            ("Body text", "", (), [("", ["#### Four", "Body text."])]),
        ),
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
# With "Key Highlights", which the labels gained later (briefs.ingest.parsing.line_kinds).
OLD_KEY_POINTS_LABEL = re.compile(
    r"^\s*(?:key\s+points|key\s+takeaways|(?:key\s+)?highlights|at\s+a\s+glance"
    r"|summary\s+points)\s*:?\s*$",
    re.IGNORECASE,
)
OLD_DATELINE = re.compile(
    r"^(?P<dateline>(?P<place>[^\W\d_][^\W\d_ .'’/\-]*(?:[ .'’/\-]+[^\W\d_]+)*\.?)"
    r"(?:,[^:—–\n]{1,80}?|[ \t]*\([^()\n]{1,60}\))?)"
    r"(?:[ \t]*:[ \t]+|[ \t]+(?:[—–-]{1,2}|_)[ \t]+|[ \t]*[—–][ \t]*)"
    r"(?P<rest>\S.*)$",
    re.DOTALL,
)


def pieces(*words: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(words), max_size=25).map("".join)


@settings(max_examples=300, deadline=None)
@given(pieces("#", "##", "###", " ", "\t", "a", "b c", "\u00a0", "x#"))
@example("#   ##")
@example("# a ## ##")
@example("#\t#")
def test_markdown_headings_are_read_as_the_old_pattern_read_them(line):
    old = OLD_MARKDOWN_HEADING.match(line)
    assert _markdown_heading(line) == (old.group("text") if old else None)


@settings(max_examples=300, deadline=None)
@given(
    pieces(
        "key",
        "Key",
        "KEY",
        "points",
        "POİNTS",
        "takeaways",
        "Highlights",
        "at",
        "A",
        "glance",
        "Summary",
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
@example("key Highlights")
@example("key\tHighlights :")
def test_key_points_labels_are_read_as_the_old_pattern_read_them(line):
    assert _is_key_points_label(line) == bool(OLD_KEY_POINTS_LABEL.match(line))


@settings(max_examples=300, deadline=None)
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
        "/",
        " _ ",
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
    found = _split_dateline(paragraph)
    assert (tuple(found) if found else None) == expected


# Structure rules, on the shapes newsrooms receive ------------------------------


def headings(doc: ParsedDocument) -> list[str]:
    return [s.heading for s in doc.sections if s.heading]


REUTERS = """1 of 2
Officers stand guard outside the court in Bangkok, Thailand, September 12, 2018. REUTERS/Athit Perawongmetha

BANGKOK (Reuters) - Thai police on Wednesday arrested two men accused of running an illegal betting ring worth more than 1 billion baht, a police spokesman said.

The arrests followed a six-month investigation, the spokesman told reporters.
"""

AP = """AP880911-0016
AM-Haiti-Elections,0411
Haitian Leader Says He Will Make Sure Elections Are Held
SANTO DOMINGO, Dominican Republic (AP) _
   Lt. Gen. Prosper Avril, who took power in a coup last week, said
Saturday he would make sure that elections are held as promised, and
that the army would stay out of politics, a radio station reported.
   The general, speaking to reporters at the national palace in
Port-au-Prince, said the new government was
an agent provocateur for nobody and would serve the people.
"""


def test_wire_captions_are_set_apart_and_the_dateline_is_the_storys():
    doc = parse(REUTERS)
    assert doc.dateline == "BANGKOK (Reuters)"
    assert doc.title == (
        "Thai police on Wednesday arrested two men accused of running an illegal"
        " betting ring worth more than 1 billion baht"
    )
    assert doc.set_apart[0] == "1 of 2"
    assert "REUTERS/Athit" in doc.set_apart[1]
    assert doc.paragraphs[0].startswith(
        "Thai police on Wednesday"
    )  # the lead stays whole
    assert headings(doc) == []


def test_old_wire_copy_header_headline_dateline_line_and_wrapped_paragraphs():
    doc = parse(AP)
    assert doc.title == "Haitian Leader Says He Will Make Sure Elections Are Held"
    assert doc.dateline == "SANTO DOMINGO, Dominican Republic (AP)"
    assert doc.set_apart[:2] == ("AP880911-0016", "AM-Haiti-Elections,0411")
    assert headings(doc) == []
    assert len(doc.paragraphs) == 2
    assert "said Saturday he would" in doc.paragraphs[0]
    assert "was an agent provocateur for nobody" in doc.paragraphs[1]


@pytest.mark.parametrize(
    ("text", "dateline", "starts"),
    [
        (
            "TRENTON — Gov. Chris Christie's plan drew criticism. Unions objected.",
            "TRENTON",
            "Gov.",
        ),
        (
            "TRENTON, N.J. -- Gov. Chris Christie's plan drew criticism.",
            "TRENTON, N.J.",
            "Gov.",
        ),
        (
            "BEIRUT, Lebanon (AP) _ Talks resumed on Monday.",
            "BEIRUT, Lebanon (AP)",
            "Talks",
        ),
        (
            "LONDON/PARIS (Reuters) - Markets fell on Monday.",
            "LONDON/PARIS (Reuters)",
            "Markets",
        ),
        ("NOTICE: Offices close at noon on Friday.", "", "NOTICE"),
    ],
)
def test_dateline_forms(text, dateline, starts):
    doc = parse(f"{text}\n\nA second paragraph follows here.")
    assert doc.dateline == dateline
    assert doc.paragraphs[0].startswith(starts)


def test_titles_split_sentences_with_abbreviations_in_mind():
    doc = parse(
        "TRENTON — Gov. Chris Christie's plan drew criticism from Mr. Smith of the U.S. Senate. Unions objected."
    )
    assert (
        doc.title
        == "Gov. Chris Christie's plan drew criticism from Mr. Smith of the U.S. Senate"
    )


def test_a_long_first_sentence_is_cut_at_a_clause_and_the_lead_stays_whole():
    lead = (
        "Information received since the committee met in July indicates that the labor"
        " market has continued to strengthen and growth of economic activity has picked up"
        " from the modest pace seen in the first half of this year as households spent more."
    )
    doc = parse(f"{lead}\n\nSecond paragraph.")
    assert doc.title == (
        "Information received since the committee met in July indicates that the labor"
        " market has continued to strengthen"
    )
    assert doc.paragraphs[0] == lead


def test_transcript_labels_and_markers_are_neither_headings_nor_datelines():
    doc = parse(
        "E&OE TRANSCRIPT\nRADIO INTERVIEW\n\nHOST: Minister, thank you for joining us.\n\n"
        "MINISTER: It is good to be here.\n\nHOST: Is the deal worth it?\n\n"
        "MINISTER: We think so. It is an investment.\n\n[inaudible]\n\nHOST: Thank you.\n\nENDS\n"
    )
    assert doc.dateline == ""
    assert headings(doc) == []
    assert "E&OE TRANSCRIPT" in doc.set_apart and "ENDS" in doc.set_apart


def test_headings_look_like_headings_in_their_document():
    doc = parse(
        "The council met on Monday to discuss the budget for next year.\n\n"
        "Monday, July 4: Independence Day reception\n\n"
        "The reception will be held in the garden of the residence.\n\n"
        "Figure 1. Spending by department\n\n"
        "Spending rose in every department except defence last year.\n\n"
        "What happens next?\n\n"
        "The budget goes to a vote in the assembly next month.\n\n"
        "Issues the council could consider include\n\n"
        "Whether to raise taxes is the main question for members.\n\n"
        "Canberra\n"
    )
    assert headings(doc) == ["What happens next?"]
    assert doc.set_apart == ("Canberra",)


def test_markdown_with_marked_headings_makes_no_heading_of_a_bare_line():
    doc = parse(
        "Intro paragraph of the story.\n\nA bare line\n\nIts text follows here.\n\n"
        "## Real heading\n\nMore text.\n\n### Sub heading\n\nEven more text.",
        markdown=True,
    )
    assert headings(doc) == ["Real heading", "Sub heading"]


def test_a_marked_heading_over_a_deeper_one_keeps_an_empty_section():
    doc = parse("Lead text.\n\n## Parent\n\n### Child\n\nChild text.", markdown=True)
    assert [(s.heading, s.paragraphs) for s in doc.sections[1:]] == [
        ("Parent", ()),
        ("Child", ("Child text.",)),
    ]


@pytest.mark.parametrize(
    "label",
    [
        "KEY POINTS",
        "Key Takeaways:",
        "## Highlights",
        "**At a glance**",
        "summary points",
    ],
)
def test_a_labelled_list_anywhere_is_the_key_points(label):
    doc = parse(
        f"The lead paragraph of the story.\n\n{label}\n\n- First point\n- Second point\n\n"
        "Key points\n\n- Later list\n- Stays a list\n\nClosing paragraph.",
        markdown=label.startswith(("#", "*")),
    )
    assert doc.key_points == ("First point", "Second point")
    assert "First point" not in " ".join(doc.paragraphs)
    assert doc.paragraphs[1] == "Key points"  # a later labelled list stays a list
    assert any(
        isinstance(p, ParsedList) and p.items[0] == "Later list" for p in doc.paragraphs
    )


def test_a_plain_list_escapes_its_items_and_not_its_markers():
    doc = parse("Measures:\n* first *starred*\n* 1. second\n\nAfter.")
    listed = doc.paragraphs[1]
    assert isinstance(listed, ParsedList)
    assert listed == "- first *starred*\n- 1. second"
    assert listed.to_markdown(escape_markdown) == "- first \\*starred\\*\n- 1\\. second"
    assert render_markdown(listed.to_markdown(escape_markdown)).count("<li>") == 2


def test_a_lone_dash_line_is_text_not_a_list():
    doc = parse("He paused.\n- and then went on.\n\nNext.")
    assert not any(isinstance(p, ParsedList) for p in doc.paragraphs)


def test_markdown_keeps_web_links_and_emphasis_and_drops_other_targets():
    doc = parse(
        'See [the guide](https://example.org/a_(b)), [home]({{ "/x/" | url }}), '
        "[mail](mailto:a@example.org), [js](javascript:alert(1)), ![chart](https://example.org/c.png) "
        "and <i>this</i> **bold** text.",
        markdown=True,
    )
    assert doc.paragraphs == (
        "See [the guide](https://example.org/a_(b)), home, [mail](mailto:a@example.org), js, "
        "chart and *this* **bold** text.",
    )
    assert doc.title == "See the guide, home, mail, js, chart and this bold text"


def test_template_tags_are_dropped_with_a_warning_and_their_words_kept():
    doc = parse(
        "$DATELINE$ The lead.\n\n"
        '{% include photo.html\n\n\tfile="https://example.org/a.jpg"\n\tcaption="A photo caption"\n%}\n\n'
        '{{< quote-block text="So many pdfs! So little time." >}}\n\n'
        '{:.pullquote}\n"A pulled quote without a stop"\n\nMore text.',
        markdown=True,
        fields=Fields(dateline="Phnom Penh"),
    )
    assert doc.dateline == "Phnom Penh"
    assert doc.paragraphs[0] == "The lead."
    assert doc.set_apart == ("A photo caption",)
    assert doc.paragraphs[1] == "> So many pdfs\\! So little time\\."
    assert doc.paragraphs[2] == '> "A pulled quote without a stop"'
    assert any("template tag" in warning for warning in doc.warnings)
    assert headings(doc) == []


def test_web_clip_chrome_before_the_story_is_set_apart():
    doc = parse(
        "# Fund Report\n\n**Report No.:** IF1\n**Version:** 1\n\n---\n"
        "[Citation](https://example.org/c)[Share](https://example.org/s)\n\n# Fund Report\n\n"
        "## PRODUCT (LIBRARY)\n\n[Hide Overview](https://example.org/#)\n\n| **Type:** | Insight\n\n"
        "[Listen](https://example.org/l)Fund ReportApril 9, 2026 (IF1)\n\n"
        "The fund is an emergency reserve created by Congress in 1934.\n\n"
        "Background\n\nThe fund was established by the Gold Reserve Act.\n",
        markdown=True,
    )
    assert doc.title == "Fund Report"
    assert headings(doc) == ["Background"]
    assert doc.paragraphs[0].startswith("The fund is an emergency reserve")
    assert len(doc.set_apart) == 7


def test_a_deck_becomes_the_summary_and_a_bold_dateline_is_read_as_text():
    doc = parse(
        "*Today's Action Follows the Snapback of Sanctions*\n\n"
        "**WASHINGTON** –Today, the Treasury designated 21 entities.",
        markdown=True,
    )
    assert doc.summary == "Today's Action Follows the Snapback of Sanctions"
    assert doc.dateline == "WASHINGTON"
    assert doc.paragraphs == ("Today, the Treasury designated 21 entities.",)


def test_a_byline_line_is_the_byline_and_a_date_line_is_set_apart():
    doc = parse(
        "January 8, 2026\n\nBy Jane Reporter\n\nThe minister spoke today.\n\nMore."
    )
    assert doc.byline == "Jane Reporter"
    assert doc.set_apart == ("January 8, 2026",)
    assert doc.paragraphs[0] == "The minister spoke today."


def test_fields_win_and_overridden_header_values_are_kept_apart():
    doc = parse(
        "Title: From the header\n\nBody text here.",
        fields=Fields(title="From the fields"),
    )
    assert doc.title == "From the fields"
    assert doc.set_apart == ("Title: From the header",)


def test_hard_wrapped_text_without_blank_lines_joins_into_paragraphs():
    doc = parse(
        "WASHINGTON (AP) -- The Senate on Tuesday approved a bill that would expand\n"
        "health coverage for veterans exposed to toxic burn pits, sending the measure\n"
        "to the president, who is expected to sign it.\n"
        "The vote was 86-11. Supporters said the bill was long overdue and that\n"
        "veterans had waited too long for the care they were promised. Opponents said\n"
        "the cost was too high and that the bill\nwas\nrushed through without debate.\n"
    )
    assert doc.dateline == "WASHINGTON (AP)"
    assert len(doc.paragraphs) == 2
    assert "that the bill was rushed through" in doc.paragraphs[1]


def test_a_parsed_list_pickles_and_compares_as_its_text():
    import pickle

    listed = ParsedList(["a", "b"], ordered=True, start=3)
    again = pickle.loads(pickle.dumps(listed))
    assert again == "3. a\n4. b" and again.items == ("a", "b") and again.start == 3


def test_a_copied_web_story_keeps_its_story_and_sets_its_page_apart():
    doc = parse(
        "World News\nSeptember 12, 2018 / 2:12 PM / Updated an hour ago\n"
        "Thai police arrest two over illegal betting ring\nPanu Wongcha-um\n3 Min Read\n"
        "1 of 2\nOfficers outside the court, September 12, 2018. REUTERS/Athit Perawongmetha\n"
        "BANGKOK (Reuters) - Thai police on Wednesday arrested two men, a spokesman said.\n"
        "Media playback is unsupported on your device\n"
        "The arrests followed a six-month investigation.\n"
        "Reporting by Panu Wongcha-um; Editing by Robert Birsel\n"
        "Related Topics\nThailand\nCrime\n"
    )
    assert doc.title == "Thai police arrest two over illegal betting ring"
    assert doc.dateline == "BANGKOK (Reuters)"
    assert headings(doc) == []
    assert doc.paragraphs == (
        "Thai police on Wednesday arrested two men, a spokesman said.",
        "The arrests followed a six-month investigation.",
        "Reporting by Panu Wongcha-um; Editing by Robert Birsel",
    )
    assert doc.set_apart[-4:] == (
        "Media playback is unsupported on your device",
        "Related Topics",
        "Thailand",
        "Crime",
    )


def test_an_unmarked_heading_unlike_the_others_is_text():
    sections = "".join(
        f"{heading}\n\nThe text of this section is a sentence of prose.\n\n"
        for heading in (
            "Background",
            "Recent developments",
            "Views of the parties",
            "WHAT THE MINISTERS SAID",
            "Issues for the committee",
            "A line of many more words than any heading here would have",
        )
    )
    doc = parse(f"The lead paragraph of the story.\n\n{sections}")
    assert headings(doc) == [
        "Background",
        "Recent developments",
        "Views of the parties",
        "Issues for the committee",
    ]
