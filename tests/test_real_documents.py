"""Real documents nobody here wrote, read as an editor reads them.

Each file in tests/fixtures/corpus is read as the importer reads it and
compared with tests/fixtures/corpus/expected.json, an editor's answer key
written without looking at the importer: the title (or one the key also
accepts), the dateline, the number of key points, the section headings (no
real one missed, none invented, none of the lines the key says are not
headings), and where the story's text starts and ends. ``corpus_report.py``
prints the same comparison as figures.
"""

from __future__ import annotations

import pytest

from briefs.ingest.parsing import ParsedDocument, ParsedList, ParseError
from briefs.ingest.parsing.inline import _plain
from tests.corpus_report import CORPUS, check, expected_entries, headings, normal, read

ENTRIES = expected_entries()
NAMES = sorted(ENTRIES)


@pytest.fixture(scope="module")
def documents() -> dict[str, ParsedDocument | ParseError]:
    """Each file read once for all the tests of this module."""
    read_ = {}
    for name in NAMES:
        try:
            read_[name] = read(CORPUS / name)
        except ParseError as error:
            read_[name] = error
    return read_


def story_text(doc: ParsedDocument) -> str:
    """The sections' text as a reader sees it: Markdown without its markup."""
    parts = []
    for section in doc.sections:
        parts.append(section.heading)
        for paragraph in section.paragraphs:
            if isinstance(paragraph, ParsedList):
                paragraph = " ".join(paragraph.items)
            parts.append(_plain(paragraph) if doc.markdown else paragraph)
    return normal(" ".join(parts))


def test_the_corpus_is_here():
    assert len(NAMES) >= 30


@pytest.mark.parametrize("name", NAMES)
def test_title_dateline_key_points_and_headings_are_the_editors(name):
    result = check(CORPUS / name, ENTRIES[name])
    if result.refused:
        # Only a file with no body at all may be refused, with a message.
        assert ENTRIES[name]["first_words"] == ""
        assert "no body text" in result.refused
        return
    assert result.title_right, result.title
    assert result.dateline_right
    assert result.key_points_right
    assert result.missed == []
    assert result.spurious == []


@pytest.mark.parametrize("name", NAMES)
def test_lines_the_editor_says_are_not_headings_are_not(name, documents):
    doc = documents[name]
    if isinstance(doc, ParseError):
        return
    found = set(headings(doc))
    assert not found & {normal(line) for line in ENTRIES[name].get("not_headings", [])}


@pytest.mark.parametrize("name", NAMES)
def test_the_story_starts_and_ends_where_the_editor_says(name, documents):
    doc, entry = documents[name], ENTRIES[name]
    if isinstance(doc, ParseError):
        assert entry["first_words"] == ""
        return
    text = story_text(doc)
    first = normal(entry["first_words"])
    if doc.sections[0].heading:
        text = text.removeprefix(normal(doc.sections[0].heading)).lstrip()
    assert text.startswith(first), text[:200]
    last = normal(entry["last_words"])
    if name.endswith(".txt") and "](" in text[-300:]:
        # Plain text is kept exactly: a Markdown link in a .txt file stays as written.
        last = last.rsplit(" ", 1)[0]
        assert last in text[-300:]
        return
    assert text.endswith(last), text[-200:]


def test_a_word_of_the_key_points_list_in_no_source_is_invented(documents):
    """No file has a labelled key-points list, so none has key points."""
    assert all(
        not doc.key_points
        for doc in documents.values()
        if not isinstance(doc, ParseError)
    )
