"""Reading each kind of source file into the one shape the parser takes.

Front matter (YAML and TOML) into Fields; web pages and Word files into
(Fields, Markdown text); read_document choosing the reader by suffix. These
assert on what the readers produce, not on the parser's sections.
"""

import datetime as dt
import io
import re
import socket
import tomllib
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from briefs.ingest import documents
from briefs.ingest.documents import SUFFIXES, read_document
from briefs.ingest.frontmatter import Fields, split_front_matter
from briefs.ingest.parsing import ParseError
from briefs.ingest.webpages import read_webpage
from briefs.ingest.wordfiles import MAX_UNPACKED_BYTES, read_wordfile

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
CAFE_BYTE = "é".encode("cp1252")
UTC_MINUS_5 = dt.timezone(dt.timedelta(hours=-5))
UTC_MINUS_4 = dt.timezone(dt.timedelta(hours=-4))


def corpus(name: str) -> bytes:
    (path,) = CORPUS.glob(f"{name}_*")
    return path.read_bytes()


def front(text: str) -> Fields:
    fields, _ = split_front_matter(text)
    assert fields is not None
    return fields


def plain(markdown: str) -> str:
    """Markdown as a reader sees it: links as their text, no marks or escapes,
    one space for any run of white space."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\\(.)", r"\1", text.replace("**", ""))
    return " ".join(text.split())


def assert_in_order(text: str, sentences: list[str]) -> None:
    position = 0
    for sentence in sentences:
        found = text.find(" ".join(sentence.split()), position)
        assert found >= 0, f"{sentence!r} missing, or out of order"
        position = found + len(sentence)


# Front matter: the keys.


def test_yaml_front_matter_gives_each_field_and_leaves_the_body_exact():
    body = "First paragraph.\n\n## Heading\n"
    fields, rest = split_front_matter(
        "---\n"
        "title: Relief package agreed\n"
        "date: 2025-03-14\n"
        "source: Example Wire\n"
        "url: https://example.org/a\n"
        "byline: Ann Lee\n"
        "tags: [Aid, Ethiopia]\n"
        "summary: Donors agree.\n"
        "dateline: ADDIS ABABA\n"
        "format: markdown\n"
        "layout: post\n"
        "---\n" + body
    )
    assert rest == body
    assert fields == Fields(
        title="Relief package agreed",
        published=dt.date(2025, 3, 14),
        source="Example Wire",
        url="https://example.org/a",
        byline="Ann Lee",
        tags=("Aid", "Ethiopia"),
        summary="Donors agree.",
        dateline="ADDIS ABABA",
        markdown=True,
    )
    assert fields.warnings == ()  # the unknown key passes silently


def test_keys_are_read_in_any_case():
    fields = front("---\nTITLE: Loud\nPublished: 2025-01-02\n---\nBody")
    assert (fields.title, fields.published) == ("Loud", dt.date(2025, 1, 2))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-14", dt.date(2025, 3, 14)),
        (
            "2025-10-06T10:30:00-04:00",
            dt.datetime(2025, 10, 6, 10, 30, tzinfo=UTC_MINUS_4),
        ),
        ('"2024-09-13 00:00:00 -0500"', dt.datetime(2024, 9, 13, tzinfo=UTC_MINUS_5)),
        ("2024-09-13 00:00:00 -0500", dt.datetime(2024, 9, 13, tzinfo=UTC_MINUS_5)),
        ('"2024-09-13T08:00:00Z"', dt.datetime(2024, 9, 13, 8, tzinfo=dt.UTC)),
        # No offset: naive, which the importer reads as UTC.
        ("2024-01-01 10:00:00", dt.datetime(2024, 1, 1, 10)),
    ],
)
def test_dates_in_yaml(value, expected):
    published = front(f"---\ndate: {value}\n---\nBody").published
    assert published == expected
    assert (
        published.tzinfo if isinstance(published, dt.datetime) else None
    ) == getattr(expected, "tzinfo", None)


def test_published_wins_over_date():
    fields = front("---\ndate: 2020-01-01\npublished: 2021-02-03\n---\nBody")
    assert fields.published == dt.date(2021, 2, 3)


def test_url_must_be_web_and_source_url_is_a_fallback():
    fields = front(
        "---\nurl: /news/sb0270\nsource_url: https://justice.gov/opa/pr/x\n---\nBody"
    )
    assert fields.url == "https://justice.gov/opa/pr/x"
    assert fields.warnings == (
        "URL '/news/sb0270' ignored: only http and https addresses are kept",
    )
    assert front("---\nurl: javascript:alert(1)\n---\nBody").url == ""


@pytest.mark.parametrize(
    ("yaml_text", "byline"),
    [
        ("author: Ann Lee", "Ann Lee"),
        ("authors: [Ann Lee, Bo Chan]", "Ann Lee and Bo Chan"),
        ("authors:\n  - Ann\n  - Bo\n  - Cy", "Ann, Bo and Cy"),
        ("creators:\n  - name: Ann\n  - {name: Bo}", "Ann and Bo"),
        ("byline: Sun Narin\nauthors: [Someone Else]", "Sun Narin"),
    ],
)
def test_bylines(yaml_text, byline):
    assert front(f"---\n{yaml_text}\n---\nBody").byline == byline


def test_tags_from_tags_topics_and_keywords_but_not_categories():
    fields = front(
        "---\ntags: Aid, Health\ntopics: [open-data, aid]\n"
        "keywords: [Budget]\ncategories: feature\n---\nBody"
    )
    assert fields.tags == ("Aid", "Health", "open-data", "Budget")


def test_summary_prefers_summary_then_description_excerpt_deck():
    assert front("---\ndeck: D\nexcerpt: E\n---\nB").summary == "E"
    assert front("---\ndeck: D\ndescription: C\nsummary: S\n---\nB").summary == "S"


def test_numbers_and_booleans_in_text_fields_become_text():
    fields = front("---\ntitle: 2024\nsource: 3.5\ndateline: true\n---\nBody")
    assert (fields.title, fields.source, fields.dateline) == ("2024", "3.5", "True")


def test_folded_and_literal_strings_are_stripped_and_titles_one_line():
    fields = front(
        "---\ntitle: >\n  18F at ten\nsummary: |\n  Line one\n  Line two\n---\nB"
    )
    assert fields.title == "18F at ten"
    assert fields.summary == "Line one\nLine two"


def test_unknown_format_warns_and_stays_plain():
    fields = front("---\nformat: asciidoc\n---\nBody")
    assert not fields.markdown
    assert fields.warnings == (
        "format 'asciidoc' not known; the text is read as plain text",
    )


def test_toml_front_matter():
    body = "Body text.\n"
    fields, rest = split_front_matter(
        '+++\ntitle = "Budget"\ndate = 2025-03-14T09:00:00Z\n'
        'authors = ["Ann", "Bo"]\ntags = ["Fiscal"]\n+++\n' + body
    )
    assert rest == body
    assert fields.title == "Budget"
    assert fields.published == dt.datetime(2025, 3, 14, 9, tzinfo=dt.UTC)
    assert (fields.byline, fields.tags) == ("Ann and Bo", ("Fiscal",))


def test_yaml_block_may_close_with_dots():
    fields, rest = split_front_matter("---\ntitle: T\n...\nBody")
    assert (fields.title, rest) == ("T", "Body")


# Front matter: what is not front matter, and what cannot be read.


@pytest.mark.parametrize(
    "text",
    [
        "---\nA thematic break, then text, and no closing line.\n",
        "---\nJust a paragraph between two rules.\n---\nMore text.\n",
        "--- title: T\n---\nBody",
        "Title: Header style\n\n---\ntitle: x\n---\n",
        "+++\ntitle = 'unclosed'\n",
    ],
)
def test_not_front_matter(text):
    assert split_front_matter(text) == (None, text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: T\ntags: [a\nb: c\n---\nB", "front matter (YAML) at line 4"),
        ("---\ntitle: a: b\n---\nB", "front matter (YAML) at line 2: mapping values"),
        ("---\n- title: T\n---\nB", "front matter is not a list of fields"),
        ("+++\ntitle = \n+++\nB", "front matter (TOML): Invalid value (at line 2"),
        ("---\ndate: last Tuesday\n---\nB", "date 'last Tuesday' is not an ISO 8601"),
        ("---\ndate: 2025\n---\nB", "date 2025 is not an ISO 8601"),
        ("---\ntitle: [a, b]\n---\nB", "title must be text, not a list"),
        ("---\nsummary: {a: 1}\n---\nB", "summary must be text, not a mapping"),
    ],
)
def test_malformed_front_matter_is_a_clear_error(text, message):
    with pytest.raises(ParseError) as raised:
        split_front_matter(text)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


# Front matter: the corpus.


def test_corpus_18f_post_folded_title_excerpt_and_author_slug():
    fields = front(corpus("501").decode())
    assert fields.title == "18F at ten"
    assert fields.published == dt.date(2024, 3, 19)
    assert fields.byline == "ron-bronson"
    assert fields.tags == ("18f", "anniversary", "how we work")
    assert fields.summary.startswith("We’re celebrating all the ways")


def test_corpus_link_post_has_source_url_and_spaced_offset_and_no_body():
    fields, rest = split_front_matter(corpus("504").decode())
    assert fields.title.startswith(
        "Department of Justice recognizes anniversary of executive order to"
    )
    assert fields.published == dt.datetime(2024, 8, 12, tzinfo=UTC_MINUS_5)
    assert fields.url.startswith("https://www.justice.gov/opa/pr/")
    assert (fields.source, rest) == ("doj", "")
    assert "public-policy" in fields.tags


def test_corpus_treasury_relative_url_is_dropped_with_a_warning():
    fields, rest = split_front_matter(corpus("524").decode())
    assert fields.published == dt.datetime(2025, 10, 1, 10, 30, tzinfo=UTC_MINUS_4)
    assert fields.url == ""
    assert fields.warnings == (
        "URL '/news/press-releases/sb0270' ignored: only http and https addresses are kept",
    )
    assert rest.startswith("*Today’s Action Follows")


def test_corpus_voa_dateline_beside_the_placeholder():
    fields, rest = split_front_matter(corpus("531").decode())
    assert fields.dateline == "Ariksat Commune, Kandal Province"
    assert fields.byline == "Sun Narin"
    assert rest.lstrip().startswith("$DATELINE$ While millions of Cambodians")


# Front matter: properties.

_KNOWN_KEYS = {
    "title", "published", "publishdate", "date", "source", "url", "canonical_url",
    "source_url", "byline", "author", "authors", "creators", "tags", "topics",
    "keywords", "summary", "description", "excerpt", "deck", "dateline", "format",
}  # fmt: skip

_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _TEXT,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
_BODIES = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)


@settings(max_examples=200, deadline=None)
@given(
    unknown=st.dictionaries(
        st.text(max_size=12).filter(lambda key: key.lower() not in _KNOWN_KEYS),
        _VALUES,
        max_size=5,
    ),
    title=_TEXT,
    body=_BODIES,
    toml=st.booleans(),
)
@example(unknown={}, title="0\x850", body="", toml=False)
def test_any_dumped_front_matter_is_read_and_the_body_kept(unknown, title, body, toml):
    data = {**unknown, "title": title}
    if toml:
        text = "+++\n" + _toml_dump(data) + "+++\n" + body
    else:
        dumped = yaml.safe_dump(data, allow_unicode=True)
        text = "---\n" + dumped + "---\n" + body
        # YAML folds its own line breaks (NEL, LS, PS) in a quoted scalar, so
        # PyYAML itself reads back "0 0" for a dumped "0\x850": the title is
        # what the loader reads, made one line.
        title = yaml.safe_load(dumped)["title"]
    fields, rest = split_front_matter(text)
    assert rest == body
    assert fields.title == " ".join(re.split(r"[ \t\n\r\f\v]+", title)).strip()


def _toml_dump(data: dict) -> str:
    """Top-level keys as TOML with JSON-compatible values (tomllib reads no TOML writer's output here)."""
    lines = []
    for key, value in data.items():
        lines.append(f"{_toml_string(key)} = {_toml_value(value)}")
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # the writer is right, or the test says so
    return text


def _toml_string(text: str) -> str:
    escaped = "".join(
        f"\\u{ord(c):04x}" if c < " " or c in '"\\\x7f' else c for c in text
    )
    return f'"{escaped}"'


def _toml_value(value) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return (
        "{"
        + ", ".join(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items())
        + "}"
    )


# Web pages.

WEB_PAGES = {
    "514": {
        "title": "WEEKLY ADDRESS: Merry Christmas from the President and the First Lady",
        "url": "https://obamawhitehouse.archives.gov/the-press-office/2016/12/24/weekly-address-merry-christmas-president-and-first-lady",
        "published": dt.date(2016, 12, 24),
        "sentences": [
            "In this week’s address, the President and the First Lady wished all Americans a Merry Christmas",
            "One of the best parts of the holiday season is spending time with the special people in your life.",
            "THE PRESIDENT: Although a few got a…Frosty reception.",
            "And we wish you and your family a happy and healthy 2017… thanks, and God bless.",
        ],
        "chrome": ["frozen in time", "Office of Digital Strategy"],
    },
    "515": {
        "title": "Weekly Address: Tuition-Free Community College",
        "url": "https://obamawhitehouse.archives.gov/the-press-office/2015/04/11/weekly-address-tuition-free-community-college",
        "published": dt.date(2015, 4, 11),
        "sentences": [
            "Ladies and Gentlemen, this is Joe Biden and I’m here filling in for President Obama, who is traveling abroad.",
            "Zero—for anyone willing to work for it and for the institutions that meet certain basic requirements.",
            "So I want to thank you all for listening.",
        ],
        "chrome": ["frozen in time"],
    },
    "516": {
        "title": "The Obama Administration Digital Transition: Moving Forward",
        "url": "https://obamawhitehouse.archives.gov/blog/2017/01/17/obama-administration-digital-transition-moving-forward",
        "published": dt.date(2017, 1, 17),
        "byline": "Kori Schulman",
        "sentences": [
            "Over the past eight years, the President, the First Lady, and the Obama White House have used social media",
            "Digital assets that will remain with the White House",
            "Medium.com/@PresidentObama will be archived at Medium.com/@POTUS44",
            "Todd Park: Archived content will be available at @Todd_Park44.",
        ],
        "chrome": ["frozen in time", "You are here", "The Final State of the Union"],
    },
    "517": {
        "title": "Serve and Remember",
        "url": "https://obamawhitehouse.archives.gov/blog/2011/09/10/serve-and-remember",
        "published": dt.date(2011, 9, 10),
        "byline": "Katelyn Sabochik",
        "sentences": [
            "September 11th has been designated as a National Day of Service and Remembrance.",
            "Take a look at their videos.",
            "Attorney General Eric Holder",
            "Secretary of Defense Leon Panetta",
        ],
        "chrome": [
            "The Final State of the Union",
            "Former Deputy Director",
            "Find Your Park",
        ],
    },
    "518": {
        "title": "Fire Island Light Station Fresnel Lens Building Opens July 23",
        "url": "",
        "published": dt.date(2011, 7, 15),
        "sentences": [
            "The original Fresnel lens of the Fire Island Light Station was put into service on November 1, 1858.",
            "A shuttle bus will provide free transportation between the parking area",
            "For more information, call the Fire Island Lighthouse at 631-661-4876.",
        ],
        "chrome": [
            "You are exiting the National Park Service website",
            "Site Index",
            "Last Updated",
            "googleon",
        ],
    },
    "529": {
        "title": "Treasury International Capital (TIC) System",
        "url": "https://home.treasury.gov/data/treasury-international-capital-tic-system",
        "published": dt.date(2025, 11, 26),
        "sentences": [
            "NOTICE: (1) Send questions & feedback to Contact TIC.",
            "Statistics - U.S. International Portfolio Investment",
            "Country data now replace certain aggregates",
            "see the country list for each category",
        ],
        "chrome": ["An official website of the United States government"],
    },
}


@pytest.fixture(scope="module")
def read_pages() -> dict[str, tuple[Fields, str]]:
    return {number: read_webpage(corpus(number)) for number in WEB_PAGES}


@pytest.mark.parametrize("number", WEB_PAGES)
def test_corpus_web_page_title_date_url_and_author(read_pages, number):
    fields, _ = read_pages[number]
    expected = WEB_PAGES[number]
    assert fields.title == expected["title"]
    assert fields.published == expected["published"]
    assert fields.url == expected["url"]
    assert fields.byline == expected.get("byline", "")
    assert fields.markdown


@pytest.mark.parametrize("number", WEB_PAGES)
def test_corpus_web_page_keeps_the_article_in_order_without_chrome(read_pages, number):
    _, markdown = read_pages[number]
    text = plain(markdown)
    assert_in_order(text, WEB_PAGES[number]["sentences"])
    for chrome in WEB_PAGES[number]["chrome"]:
        assert chrome not in text
    # The headline is the title, not also the first heading.
    assert not markdown.startswith(f"# {WEB_PAGES[number]['title']}")


def test_corpus_web_page_markdown_shapes(read_pages):
    _, blog = read_pages["516"]
    assert "\n## Digital assets that will remain with the White House\n" in blog
    assert (
        "- **President Obama:**\n  - @POTUS on Twitter\xa0will be archived at [@POTUS44](http://www.twitter.com/potus44)\n"
        in blog
    )
    _, post = read_pages["517"]
    # A relative link, made absolute against the canonical address.
    assert (
        "- [Attorney General Eric Holder](https://obamawhitehouse.archives.gov/blog/2011/09/09/attorney-general-eric-holder-remembering-9-11)"
        in post
    )
    _, page = read_pages["529"]
    assert "\n### Statistics - U.S. International Portfolio Investment\n" in page
    assert "\n1. Monthly [TIC Press Releases" in page
    assert "\n   1. [Monthly Transactions in Long-term Securities]" in page
    _, release = read_pages["518"]
    # No canonical address: relative links become their text.
    assert "The Fire Island Lighthouse is open daily" in release


def test_web_pages_are_read_without_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a reader opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for number in ("514", "518"):
        assert read_webpage(corpus(number))[1]


PAGE = """<!doctype html><html><head><meta charset="{charset}">
<title>Aid talks resume | Example News</title>
<link rel="canonical" href="https://news.example.org/world/aid-talks">
<meta name="description" content="Donors meet again.">
<script>var tracking = "not article text";</script><style>p {{ color: red }}</style>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
<header><p>Example News, the paper of record</p></header>
<main><article>
<h1>Aid talks resume</h1>
<p>Donors met on Tuesday in Geneva to agree on a new package of aid for the region, the first in {word} years.</p>
<p>The talks were <em>long</em> and <strong>difficult</strong>, said <a href="/people/ann">Ann Lee</a>, who chaired them; see <a href="https://example.org/report">the report</a> or <a href="mailto:desk@example.org">write to us</a> or <a href="javascript:alert(1)">click</a>.</p>
<h2>What was agreed</h2>
<ul><li>Food for six months</li><li>Clinics, with
<ol><li>staff</li><li>medicine</li></ol></li></ul>
<table><tr><th>Donor</th><th>Amount</th></tr><tr><td>Norway</td><td>$5m</td></tr></table>
<blockquote><p>We are relieved.</p></blockquote>
<p>Line one<br>Line two</p>
<div class="share-links"><a href="https://twitter.com/share">Share on Twitter</a></div>
</article></main>
<footer><p>Copyright Example News. All rights reserved.</p></footer>
</body></html>"""


def test_hand_made_page_markdown():
    fields, markdown = read_webpage(PAGE.format(charset="utf-8", word="three").encode())
    assert fields.title == "Aid talks resume"
    assert fields.url == "https://news.example.org/world/aid-talks"
    assert fields.summary == "Donors meet again."
    assert markdown == (
        "Donors met on Tuesday in Geneva to agree on a new package of aid for the region, the first in three years.\n\n"
        "The talks were *long* and **difficult**, said [Ann Lee](https://news.example.org/people/ann), "
        "who chaired them; see [the report](https://example.org/report) or "
        "[write to us](mailto:desk@example.org) or click.\n\n"
        "## What was agreed\n\n"
        "- Food for six months\n- Clinics, with\n  1. staff\n  2. medicine\n\n"
        "- Donor | Amount\n- Norway | $5m\n\n"
        "> We are relieved.\n\n"
        "Line one\n\nLine two\n"
    )


@pytest.mark.parametrize(
    ("charset", "encoding"),
    [
        ("windows-1252", "cp1252"),
        ("iso-8859-1", "cp1252"),
        ("koi8-r", "koi8-r"),
        ("shift_jis", "shift_jis"),
    ],
)
def test_page_bytes_in_the_declared_encoding(charset, encoding):
    word = {"koi8-r": "три", "shift_jis": "三"}.get(encoding, "trois-café")
    data = PAGE.format(charset=charset, word=word).encode(encoding)
    fields, markdown = read_webpage(data)
    assert f"the first in {word} years" in markdown
    assert fields.warnings == ()


def test_page_in_utf16_with_a_byte_order_mark():
    data = PAGE.format(charset="utf-16", word="naïve").encode("utf-16")
    assert "the first in naïve years" in read_webpage(data)[1]


def test_page_not_in_its_declared_encoding_warns():
    data = PAGE.format(charset="utf-8", word="caf\xe9").encode("cp1252")
    fields, markdown = read_webpage(data)
    assert "the first in café years" in markdown
    assert fields.warnings == (
        f"not valid UTF-8 (at byte {data.index(CAFE_BYTE)}); read as Windows-1252",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty document"),
        (b"  \n ", "empty document"),
        (b"<html>\x00\x01binary</html>", "binary file"),
        (
            b"<html><head><script>x()</script></head><body><nav>Home</nav></body></html>",
            "no article text",
        ),
    ],
)
def test_unreadable_pages(data, message):
    with pytest.raises(ParseError, match=message):
        read_webpage(data)


# Word files.


def small_docx(build, *, title: str | None = None) -> bytes:
    """A .docx made with python-docx, its styles cut to the few used so that
    reading it is quick (the default template's styles part is 350 KB)."""
    document = docx.Document()
    keep = {
        "Normal", "Title", "Heading 1", "Heading 2", "List Bullet", "List Bullet 2",
        "List Number", "Default Paragraph Font", "Normal Table", "Table Grid",
    }  # fmt: skip
    for style in list(document.styles):
        if style.name not in keep:
            style.element.getparent().remove(style.element)
    build(document)
    if title is not None:
        document.core_properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_corpus_word_file():
    fields, markdown = read_wordfile(corpus("523"))
    assert fields.title == "CCSP Application Procedures"
    assert fields.tags == ("CCSP Application", "CCRMS", "VA Child Care Subsidy Program")
    assert markdown.startswith(
        "# Application Procedures\n\nThe application process for the Child Care Subsidy Program"
    )
    assert (
        "to **OHRM,** **VA Child Care Subsidy Program** through the CCRMS." in markdown
    )
    assert markdown.endswith(
        "- VA Form 0730a, VA Child Care Subsidy Employee Application Form\n"
        "- VA Form 0730b, Child Care Provider Information (for the Child Care Subsidy Program)\n"
        "- Copy of provider(s) license and schedule of fees\n"
        "- Copy of most recent SF-50, Notice of Personnel Action\n"
        "- Copy of last two (2) Earning and Leave (E&L) Statements\n"
        "- Signed and dated copy of federal tax return (IRS Form 1040), including spouse's, if applicable\n"
        "- Copy of all W-2 forms, including spouse's, if applicable\n"
    )


def _report(document) -> None:
    document.add_paragraph("Aid talks resume", style="Title")
    document.add_heading("Aid talks resume", level=1)
    intro = document.add_paragraph("Donors met in ")
    intro.add_run("Geneva").bold = True
    intro.add_run(" on ")
    intro.add_run("Tuesday").italic = True
    intro.add_run(".")
    document.add_heading("What was agreed", level=2)
    document.add_paragraph("Food for six months", style="List Bullet")
    document.add_paragraph("Clinics", style="List Bullet")
    document.add_paragraph("First, the money", style="List Number")
    document.add_paragraph("Then the staff", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for (row, column), text in {
        (0, 0): "Donor",
        (0, 1): "Amount",
        (1, 0): "Norway",
        (1, 1): "$5m",
    }.items():
        table.cell(row, column).text = text
    document.add_paragraph("The end.")


def test_hand_made_word_file():
    fields, markdown = read_wordfile(small_docx(_report, title="Old file title"))
    assert fields.title == "Aid talks resume"  # the Title paragraph wins
    assert fields.markdown
    assert markdown == (
        "Donors met in **Geneva** on *Tuesday*.\n\n"
        "## What was agreed\n\n"
        "- Food for six months\n- Clinics\n\n"
        "1. First, the money\n2. Then the staff\n\n"
        "- Donor | Amount\n- Norway | $5m\n\n"
        "The end.\n"
    )


def test_word_title_falls_back_to_core_properties_but_not_a_file_name():
    def body(document):
        document.add_paragraph("Text of the note.")

    assert (
        read_wordfile(small_docx(body, title="Budget note"))[0].title == "Budget note"
    )
    assert (
        read_wordfile(small_docx(body, title="Microsoft Word - note.docx"))[0].title
        == ""
    )


def _zip(parts: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Plain text, not a zip", "not a Word document"),
        (b"PK\x03\x04broken", "not a Word document"),
        (_zip({"hello.txt": "hi"}), "has no word/document.xml"),
        (_zip({"word/document.xml": "<w:document"}), "not a readable Word document"),
        # Over 3 MB unpacked in a few kilobytes, in the XML or in any part.
        (
            _zip({"word/document.xml": b" " * (MAX_UNPACKED_BYTES + 1)}),
            "unpacks to 3.0 MB",
        ),
        (
            _zip(
                {
                    "word/document.xml": "<w:document/>",
                    "word/main.bin": b" " * MAX_UNPACKED_BYTES,
                }
            ),
            "unpacks to 3.0 MB",
        ),
        (_zip({f"{n}.xml": "" for n in range(1001)}), "1,001 parts"),
    ],
)
def test_unreadable_word_files(data, message):
    with pytest.raises(ParseError, match=message):
        read_wordfile(data)


def test_damaged_word_file_is_a_parse_error():
    data = bytearray(small_docx(_report))
    start = data.index(b"word/document.xml") + 40
    data[start : start + 200] = b"\x00" * 200
    with pytest.raises(ParseError):
        read_wordfile(bytes(data))


# read_document.


def test_suffixes():
    assert SUFFIXES == (".txt", ".md", ".markdown", ".html", ".htm", ".docx")


@pytest.mark.parametrize(
    ("name", "markdown"),
    [("note.txt", False), ("note.TXT", False), ("note", False), ("note.text", False),
     ("note.md", True), ("NOTE.Markdown", True)],
)  # fmt: skip
def test_text_files_by_suffix(name, markdown):
    document = read_document(name, b"Some text of a note, long enough to stand.\n")
    assert document.markdown is markdown


def test_web_page_and_word_file_by_suffix_in_any_case(monkeypatch):
    seen = []
    original = documents.parse

    def spy(text, *, markdown=False, fields=None):
        seen.append((text, markdown, fields))
        return original(text, markdown=markdown, fields=fields)

    monkeypatch.setattr(documents, "parse", spy)
    read_document("PAGE.HTM", PAGE.format(charset="utf-8", word="three").encode())
    read_document("report.DocX", small_docx(_report))
    (page_text, page_markdown, page_fields), (word_text, word_markdown, word_fields) = (
        seen
    )
    assert page_markdown and word_markdown
    assert page_fields.title == word_fields.title == "Aid talks resume"
    assert page_text.startswith("Donors met on Tuesday in Geneva")
    assert word_text.startswith("Donors met in **Geneva**")


def test_decoding_warnings_reach_the_document():
    document = read_document(
        "note.txt", "Café society, a long enough note.\n".encode("cp1252")
    )
    assert "not valid UTF-8 (at byte 3); read as Windows-1252" in document.warnings
    data = PAGE.format(charset="utf-8", word="caf\xe9").encode("cp1252")
    page = read_document("page.html", data)
    assert (
        f"not valid UTF-8 (at byte {data.index(CAFE_BYTE)}); read as Windows-1252"
        in page.warnings
    )


_DOCX = small_docx(_report)


@settings(max_examples=200, deadline=None)
@given(
    suffix=st.sampled_from([*SUFFIXES, ".HTML", ".bin", ""]),
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.text(max_size=200).map(
            lambda t: f"<html><body><p>{t}</p></body></html>".encode()
        ),
        st.lists(
            st.tuples(st.integers(0, len(_DOCX) - 1), st.integers(0, 255)),
            min_size=1,
            max_size=3,
        ).map(lambda changes: _damaged(_DOCX, changes)),
    ),
)
def test_any_bytes_with_any_suffix_raise_nothing_but_parse_error(suffix, data):
    try:
        document = read_document(f"file{suffix}", data)
    except ParseError:
        return
    assert document.sections


def _damaged(data: bytes, changes: list[tuple[int, int]]) -> bytes:
    damaged = bytearray(data)
    for position, byte in changes:
        damaged[position] = byte
    return bytes(damaged)


# Hostile input.


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ndate: 0000-01-01\n---\nB", r"'0000-01-01' at line 2 is not a date"),
        (
            "---\ntitle: T\npublished: 2024-01-01T00:00:00+99:00\n---\nB",
            r"'2024-01-01T00:00:00\+99:00' at line 3 is not a date",
        ),
        (
            "---\ndate: 9999-12-31T23:59:59-12:00\n---\nB",
            r"date 9999-12-31T23:59:59-12:00 is outside the dates that can be stored",
        ),
        (
            "---\ndate: '0001-01-01T00:00:00+14:00'\n---\nB",
            r"date 0001-01-01T00:00:00\+14:00 is outside",
        ),
        (
            "+++\ndate = 9999-12-31T23:59:59-12:00\n+++\nB",
            r"date 9999-12-31T23:59:59-12:00 is outside",
        ),
        ("+++\ndate = 0000-01-01\n+++\nB", "Invalid date"),
    ],
)
def test_dates_datetime_cannot_hold_are_a_parse_error(text, message):
    with pytest.raises(ParseError, match=message):
        split_front_matter(text)


def test_the_last_dates_utc_can_hold_are_read():
    fields = front("---\ndate: 9999-12-31T23:59:59+01:00\n---\nB")
    assert fields.published.year == 9999


@pytest.mark.parametrize(
    "label", ["rot13", "hex", "base64", "zlib_codec", "utf-7", "idna", "x-foo"]
)
def test_a_declared_encoding_browsers_do_not_read_falls_back(label):
    data = PAGE.format(charset=label, word="+ADw-b+AD4-").encode()
    fields, markdown = read_webpage(data)
    assert "the first in +ADw-b+AD4- years" in markdown
    assert (
        f"declares the encoding {label!r}, which browsers do not read"
        in (fields.warnings[0])
    )


def test_a_refused_label_on_bytes_that_are_not_utf8_reads_windows_1252():
    data = PAGE.format(charset="rot13", word="caf\xe9").encode("cp1252")
    fields, markdown = read_webpage(data)
    assert "the first in café years" in markdown
    assert len(fields.warnings) == 2


def test_utf8_bytes_declared_windows_1252_are_read_as_declared_with_a_warning():
    data = PAGE.format(charset="windows-1252", word="café").encode()
    fields, markdown = read_webpage(data)
    assert "the first in cafÃ© years" in markdown
    assert "declares cp1252 but reads as UTF-8" in fields.warnings[0]


def test_a_mailto_link_in_capitals_is_kept():
    page = b'<html><body><article><p>Please <a href="MAILTO:desk@example.org">write to the desk</a> today about this story.</p></article></body></html>'
    assert "[write to the desk](MAILTO:desk@example.org)" in read_webpage(page)[1]


def test_text_over_the_import_limit_from_a_page_is_a_parse_error():
    paragraph = "<p>" + "word " * 200 + "</p>"
    count = documents.MAX_TEXT_BYTES // 1000 + 1
    page = f"<html><body><article>{paragraph * count}</article></body></html>"
    with pytest.raises(ParseError, match="at most 2 MB can be imported"):
        read_document("a.html", page.encode())


def test_a_page_of_too_many_elements_is_refused_before_extraction():
    page = b"<html><body>" + b"<div><p>w</p></div>" * 5_000 + b"</body></html>"
    with pytest.raises(ParseError, match="has 10,002 elements, more than the 10,000"):
        read_document("huge.html", page)
