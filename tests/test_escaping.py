"""Text from outside reaches readers as text: escaped, never run as HTML."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.utils.html import escape

from briefs.markdown import first_paragraph_text, paragraphs_to_markdown
from briefs.models import Brief, Tag
from tests.factories import published_brief

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "*stars* _under_ # & <",
]


def hostile_brief(payload: str) -> Brief:
    return published_brief(
        title=f"Title {payload}",
        dateline=f"Dateline {payload}",
        summary=f"Summary {payload}",
        key_points=(f"Point {payload}",),
        sections=(
            ("", f"Opening {payload}", (f"Tag {payload}",)),
            (f"Heading {payload}", f"Body {payload}", (f"Tag {payload}",)),
        ),
        tags=(f"Tag {payload}",),
        byline=f"Byline {payload}",
        source_name=f"Source {payload}",
        source_url="https://example.org/source",
    )


def pages_for(brief: Brief) -> dict[str, str]:
    tag = Tag.objects.get(name__startswith="Tag ")
    return {
        "index": "/",
        "detail": brief.get_absolute_url(),
        "tags": "/tags/",
        "tag": tag.get_absolute_url(),
    }


# Which fields each page shows; each must appear there escaped, exactly.
SHOWN = {
    "index": ["Title", "Dateline", "Summary", "Tag"],
    "detail": [
        "Title",
        "Dateline",
        "Summary",
        "Point",
        "Heading",
        "Tag",
        "Byline",
        "Source",
    ],
    "tags": ["Tag"],
    # The tag page lists briefs compactly (title, dateline, date): no summary.
    "tag": ["Title", "Dateline", "Heading", "Tag"],
}


@pytest.mark.parametrize("payload", PAYLOADS, ids=["script", "attribute", "markup"])
@pytest.mark.parametrize("page", SHOWN)
def test_outside_text_is_escaped_on_every_page(client, db, payload, page):
    brief = hostile_brief(payload)
    url = pages_for(brief)[page]

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html.replace("onerror=alert(1)&gt;", "")
    for field in SHOWN[page]:
        assert escape(f"{field} {payload}") in html, field
    if page == "tag":
        # The snippet is the plain text of the rendered Markdown, escaped again.
        assert escape(first_paragraph_text(f"Opening {payload}")) in html


@pytest.mark.parametrize("payload", PAYLOADS[:2], ids=["script", "attribute"])
def test_markdown_body_cannot_inject_html(client, db, payload):
    brief = hostile_brief(payload)

    html = client.get(brief.get_absolute_url()).content.decode()

    # markdown-it escapes raw HTML (quotes as &quot;, like Django).
    assert f"<p>Body {escape(payload)}</p>" in html


def hrefs(html: str) -> list[str]:
    return [
        htmllib.unescape(h).strip().lower() for h in re.findall(r'href="([^"]*)"', html)
    ]


@pytest.mark.parametrize(
    "body",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x]( javascript:alert(1) )",
        "<javascript:alert(1)>",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_body_links_never_get_a_script_href(client, db, body):
    brief = published_brief(sections=(("Links", body, ("Links",)),))

    for url in (brief.get_absolute_url(), "/tags/links/", "/"):
        html = client.get(url).content.decode()
        assert not [
            h
            for h in hrefs(html)
            if h.startswith(("javascript:", "vbscript:", "data:"))
        ]
        assert not re.search(r"href\s*=\s*['\"]?\s*javascript:", html, re.I)


def test_hrefs_helper_sees_a_javascript_link():
    # Guards the test above: the helper must be able to find what it looks for.
    assert hrefs('<a href="JavaScript&#58;alert(1)">x</a>') == ["javascript:alert(1)"]


IMPORTED = [
    "Rates rose *sharply* from 5 * 3 to 2_000 & beyond < forecasts > hopes.",
    "# Not a heading",
    "1. Not a list item",
    "- Not a bullet",
    "> Not a quote",
    "_underscored_ and __doubly__ and [brackets](not-a-link) and `ticks`",
    "&amp; and &#169; stay as typed, as does a back\\slash",
]


def test_imported_plain_text_reaches_the_page_exactly(client, db):
    brief = published_brief(
        summary="",
        sections=(("", paragraphs_to_markdown(IMPORTED), ("Imported",)),),
    )

    detail = client.get(brief.get_absolute_url()).content.decode()
    index = client.get("/").content.decode()
    tag = client.get("/tags/imported/").content.decode()

    for text in IMPORTED:
        assert f"<p>{escape(text)}</p>" in detail, text
    # Listings and the tag page use the opening paragraph as plain text.
    first = escape(IMPORTED[0])
    # The newest brief leads the home page, its opening as its standfirst.
    assert f'<p class="standfirst">{first}</p>' in index
    assert f'<p class="section-item__snippet">{first}</p>' in tag
    assert f'<meta name="description" content="{first}">' in detail
