"""Every element of the format family, and every kind of bad file, through import_seeds."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from briefs.models import Brief

FIXTURES = Path(__file__).resolve().parent / "fixtures"

pytestmark = pytest.mark.django_db


def import_fixture(name: str) -> tuple[Brief, str]:
    out = io.StringIO()
    call_command("import_seeds", str(FIXTURES / "documents" / name), stdout=out)
    brief = Brief.objects.with_outline().get(
        source_path=f"tests/fixtures/documents/{name}"
    )
    return brief, out.getvalue()


def paragraphs(brief: Brief) -> list[list[str]]:
    """Each section's paragraphs as readers see them (rendered, tags stripped)."""
    import html
    import re

    return [
        [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", s.body_html, re.S)]
        for s in brief.sections.all()
    ]


def test_header_block_sets_title_attribution_date_and_tags():
    brief, _ = import_fixture("header_block.txt")
    assert brief.title == "Ministers agree on a grain corridor"
    assert brief.source_name == "Example Wire"
    assert brief.byline == "A. Reporter"
    assert brief.source_url == "https://example.org/wire/grain"
    assert brief.published_at == dt.datetime(2025, 3, 14, 8, 30, tzinfo=dt.UTC)
    assert {"Food security", "Black Sea"} <= {t.name for t in brief.tags.all()}
    assert brief.dateline == "GENEVA, March 14 (Example Wire)"
    assert paragraphs(brief) == [
        [
            "Ministers agreed on Friday to reopen a grain corridor.",
            "The agreement covers shipping lanes and inspections at three ports.",
        ]
    ]


def test_header_block_shows_on_the_brief_page(client):
    brief, _ = import_fixture("header_block.txt")
    page = client.get(brief.get_absolute_url()).content.decode()
    assert "A. Reporter" in page
    assert 'href="https://example.org/wire/grain"' in page
    assert "Example Wire" in page


def test_numbered_and_mixed_bullets_after_a_key_takeaways_label():
    brief, _ = import_fixture("key_takeaways.txt")
    assert [p.text for p in brief.key_points.all()] == [
        "Rates held at 4 per cent",
        "Inflation expected to ease",
        "Next review in June",
        "Markets were calm",
    ]
    assert brief.dateline == "FRANKFURT"
    assert paragraphs(brief) == [
        [
            "The central bank held rates on Thursday.",
            "Officials said inflation would ease.",
        ]
    ]


def test_highlights_label_and_a_wrapped_bullet():
    brief, _ = import_fixture("highlights_wrapped_bullet.txt")
    assert [p.text for p in brief.key_points.all()] == [
        "Flood defences funded across three provinces",
        "Evacuation plans updated",
    ]
    assert brief.dateline == "NEW DELHI"


def test_blank_line_paragraphs_are_joined_and_headings_of_both_kinds_found():
    brief, _ = import_fixture("wrapped_paragraphs.txt")
    # "Dhaka" is not in capitals, so it is text, not a dateline.
    assert brief.dateline == ""
    assert [s.heading for s in brief.sections.all()] == [
        "",
        "Budget talks",
        "Next steps",
        "What comes after",
    ]
    assert paragraphs(brief)[0] == [
        "Dhaka – officials met on Monday to discuss the budget.",
        "The meeting was hard-wrapped across three lines.",
    ]
    assert paragraphs(brief)[3] == ["The plan takes effect in July."]


def test_a_headline_line_on_top_becomes_the_title():
    brief, _ = import_fixture("headline_line.txt")
    assert brief.title == "China, Pakistan vow closer ties"
    assert brief.dateline == "BEIJING"
    assert [s.heading for s in brief.sections.all()] == ["", "Trade"]


def test_markdown_and_html_characters_reach_readers_exactly(client):
    brief, _ = import_fixture("markdown_characters.txt")
    expected = [
        "A *bold* claim_with_underscores, a # hash, <script>alert(1)</script> & AT&T; 1. not a list.",
        "- not a bullet either",
    ]
    assert paragraphs(brief) == [expected]
    page = client.get(brief.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; AT&amp;T; 1. not a list." in page
    )


def test_utf8_bom_and_crlf_line_ends():
    brief, _ = import_fixture("bom_crlf.txt")
    assert [p.text for p in brief.key_points.all()] == ["Talks resume"]
    assert brief.dateline == "VIENNA"
    assert paragraphs(brief) == [
        ["Negotiators met again on Tuesday.", "They will meet next month."]
    ]


def test_windows_1252_is_decoded_with_a_warning_naming_the_file():
    brief, output = import_fixture("windows_1252.txt")
    assert (
        "warning: tests/fixtures/documents/windows_1252.txt: not valid UTF-8" in output
    )
    assert paragraphs(brief) == [
        ["Le café “ouvert” reste populaire – selon les autorités."]
    ]


def test_a_url_that_is_not_http_is_dropped_with_a_warning():
    brief, output = import_fixture("unsafe_url.txt")
    assert brief.source_url == ""
    assert "URL 'javascript:alert(1)' ignored" in output


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "empty document"),
        ("blank.txt", "empty document"),
        ("binary.txt", "binary file"),
        ("key_points_only.txt", "key points are not followed by any body text"),
        ("bad_published_date.txt", "'yesterday' is not an ISO 8601 date"),
    ],
)
def test_each_bad_file_gets_one_clear_line_and_no_brief(name, reason):
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 files failed"):
        call_command("import_seeds", str(FIXTURES / "bad" / name), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"failed: tests/fixtures/bad/{name} ({lines[0].split('(', 1)[1]}"
    assert reason in lines[0]
    assert "Traceback" not in out.getvalue()
    assert not Brief.objects.exists()


def test_the_bad_files_do_not_stop_the_good_ones():
    out = io.StringIO()
    with pytest.raises(CommandError, match="5 of 14 files failed"):
        call_command(
            "import_seeds",
            str(FIXTURES / "bad"),
            str(FIXTURES / "documents"),
            stdout=out,
        )
    assert Brief.objects.count() == 9
    assert "9 created, 0 updated, 0 unchanged, 0 conflicts, 5 failed" in out.getvalue()


def test_a_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.NEWSROOM_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    big = tmp_path / "huge.txt"
    with big.open("w") as handle:
        handle.write("LONDON: " + "word " * (450 * 1024))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(big), stdout=out)
    assert "larger than the 2 MB import limit" in out.getvalue()
    assert not Brief.objects.exists()


def test_read_source_stops_at_the_limit(tmp_path):
    from briefs.ingest.importing import ImportFailure, read_source

    path = tmp_path / "doc.txt"
    path.write_bytes(b"x" * 100)
    assert read_source(path, max_bytes=100) == b"x" * 100
    with pytest.raises(ImportFailure, match="larger than"):
        read_source(path, max_bytes=99)
    # A huge (sparse) file: reading stops at the limit, never loads it all.
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as file:
        file.truncate(8 * 1024**3)
    with pytest.raises(ImportFailure, match="larger than the 1 MB import limit"):
        read_source(huge, max_bytes=1024 * 1024)
    # An endless source is not a regular file, and is refused without reading.
    with pytest.raises(
        ImportFailure, match=r"not a regular file \(a character device\)"
    ):
        read_source(Path("/dev/zero"), max_bytes=1024 * 1024)
