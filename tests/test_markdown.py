"""Section bodies to HTML: plain prose takes a shortcut past the parser, and
the shortcut renders exactly what markdown-it renders."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from briefs.ingest.documents import read_document
from briefs.ingest.importing import section_body
from briefs.markdown import _plain_paragraphs, parser_html
from briefs.markdown import render_markdown as render

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_a6517fdfc5b60d0c.txt"


# Prose, with every character that can open or change markup somewhere in
# the alphabet, so that both ways through render() are taken.
PROSE = st.text(
    alphabet=st.sampled_from(
        list("aZé 1 9.)\n\n\"'>-+=~#!:,;|/()")
        + ["\u00a0", "\u2003", "\r", "\t", "*", "_", "`", "[", "]", "<", "&", "\\"]
    ),
    max_size=80,
)


@settings(max_examples=400, deadline=None)
@given(PROSE)
@example('First line\nsecond line\n\n\nNext paragraph with "quotes" and a > b.')
@example("1999 was a year.\n2000. A list item\n10000000000. not a list")
@example("Heading text\n===")
@example("trailing  \nhard break")
@example("    indented code")
@example("\u00a0lead")
def test_the_shortcut_renders_what_the_parser_renders(body):
    assert render(body) == parser_html(body)


def bodies(path: Path) -> list[str]:
    """The section bodies an import of ``path`` stores."""
    document = read_document(path.name, path.read_bytes())
    return [section_body(s, markdown=document.markdown) for s in document.sections]


# Every real document that imports (504 is front matter alone, and refused).
DOCUMENTS = [
    SEED,
    *sorted(
        path
        for path in CORPUS.iterdir()
        if path.suffix in {".txt", ".md", ".html", ".docx"}
        and not path.name.startswith("504_")
    ),
]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_real_bodies_render_as_the_parser_renders_them(path):
    stored = bodies(path)
    assert stored
    for body in stored:
        assert render(body) == parser_html(body)


def test_the_seeds_prose_takes_the_shortcut():
    seed_bodies = bodies(SEED)
    plain = [body for body in seed_bodies if _plain_paragraphs(body) is not None]
    # Most of a news report is prose; a body with markup is left to the parser.
    assert len(plain) >= len(seed_bodies) - 1, seed_bodies
    assert _plain_paragraphs("Some *emphasis*.") is None
    assert _plain_paragraphs("# A heading") is None
