"""The text an import puts in the search index: what a reader sees, made
the quick way, is what the thorough way gives.

An import cleans and strips every section it writes (``briefs.search``'s
``clean_text`` and ``html_text``), so both take shortcuts that hold for the
text they are given; these properties hold them to the general tools.
"""

import html
import re

from django.utils.html import strip_tags
from hypothesis import example, given
from hypothesis import strategies as st

from briefs.control_chars import CONTROL
from briefs.markdown import paragraphs_to_markdown, render_markdown
from briefs.search import CLOSE, LESS_THAN, OPEN, clean_text, html_text

# Every kind of character the shortcuts could get wrong: Markdown and HTML
# syntax, entities, every sort of white space and control, the markers.
TRICKY = st.sampled_from(
    list("<>&;#*_`[]()!\\-=+~|:\"' \t\n\r\v\f\x00\x1b\x1c\x1f\x7f\x85\x9f\xa0")
    + ["\u2028", "\u3000", "\u200b", OPEN, CLOSE, LESS_THAN, "é", "’"]
    + ["&amp;", "&lt;", "&#60;", "&#x3c;", "<b>", "</p>", "<!--", "-->"]
    + ["<a href='x>y'>", "<script>", "[a](http://x.y/?a=<b>)", "`<i>`", "    "]
)
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=5)), max_size=40).map("".join)


def slow_clean_text(text: str) -> str:
    """``clean_text`` as regular expressions say it."""
    text = text.translate({ord("\v"): " ", ord("\f"): " "})
    unwanted = re.compile(f"{CONTROL.pattern}|[{OPEN}{CLOSE}{LESS_THAN}]")
    return re.sub(r"\s+", " ", unwanted.sub("", text)).strip()


@given(TEXT)
@example("a\x1cb\u2028c\x85d\xa0e\vf\fg")
def test_clean_text_is_what_regular_expressions_make_of_it(text):
    assert clean_text(text) == slow_clean_text(text)


@given(TEXT)
@example("<script>alert(1)</script> & <b>bold</b> &amp; `<i>x</i>`")
@example('[link](http://example.com/"><x> "t>i<tle")')
def test_html_text_of_rendered_markdown_is_what_an_html_parser_finds(body):
    rendered = render_markdown(body)
    assert html_text(rendered) == clean_text(html.unescape(strip_tags(rendered)))


@given(st.lists(TEXT, min_size=1, max_size=5))
def test_html_text_of_plain_paragraphs_is_what_an_html_parser_finds(paragraphs):
    rendered = render_markdown(paragraphs_to_markdown(paragraphs))
    assert html_text(rendered) == clean_text(html.unescape(strip_tags(rendered)))
