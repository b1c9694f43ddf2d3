"""Hostile documents and hostile import folders get a clear refusal, never a stall.

Documents: every shape that made the parser's regular expressions backtrack
(runs of spaces, tabs, ``#``, ``*``, ``-``, bullets, heading-like lines,
nested markup, one line of the whole size) is parsed here at the full import
limit, with the structure it must give. Before the parser was made linear
these took hours; no test here measures time, they only have to finish.
What each shape gives at small sizes is in tests/test_parsing.py, and
``make bench`` (benchmarks/bench_parsing.py) has their timings. A document
that would make too large a brief (its revision alone took hours) is
refused whole.

Folders: ``import_seeds`` never follows a symbolic link found in a folder,
refuses one named on the command line unless ``--follow-symlinks``, refuses
FIFOs, sockets and devices without ever blocking on one, reports a loop of
links as one failed line, and prints every file name (``export_briefs`` every
source path) with its control characters made visible.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from briefs.ingest import importing
from briefs.ingest.importing import ImportFailure, plan_brief, read_source
from briefs.ingest.parsing import ParsedDocument, parse
from briefs.models import Brief, Section
from briefs.tagging.tagger import Tagger
from briefs.tagging.vocabulary import TagRows

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_a6517fdfc5b60d0c.txt"
SIZE = settings.NEWSROOM_IMPORT_MAX_BYTES  # the largest document an import reads


def fill(unit: str, size: int = SIZE) -> str:
    """``unit`` repeated to about ``size`` bytes of UTF-8."""
    return unit * (size // len(unit.encode()))


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_seeds", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def run_failing(*args) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError, match="failed to import"):
        call_command("import_seeds", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def result_line(output: str, name: str) -> str:
    """The one output line about the file called ``name``."""
    lines = [line for line in output.splitlines() if f"/{name}" in line]
    assert len(lines) == 1, output
    return lines[0]


# Hostile documents at the size limit -----------------------------------------

SPACES = " " * SIZE
TABS = "\t" * SIZE
HALF = " " * (SIZE // 2 - 100)  # two runs in one document


def only_paragraphs(*paragraphs: str) -> Callable[[ParsedDocument], None]:
    def check(doc: ParsedDocument) -> None:
        assert [s.heading for s in doc.sections] == [""]
        assert doc.paragraphs == paragraphs

    return check


def key_points_then_body(*points: str) -> Callable[[ParsedDocument], None]:
    def check(doc: ParsedDocument) -> None:
        assert doc.key_points == points
        assert doc.paragraphs == ("Body text.",)

    return check


def first_key_point_cut(doc: ParsedDocument) -> None:
    assert len(doc.key_points) == 1
    assert doc.key_points[0].startswith("a x x x")
    assert doc.key_points[0].endswith("…") and len(doc.key_points[0]) <= 500
    assert doc.warnings and "key point cut to 500 characters" in doc.warnings[0]
    assert doc.paragraphs == ("Body text.",)


def every_line_a_key_point(doc: ParsedDocument) -> None:
    assert doc.key_points == ("x",) * (SIZE // 4)
    assert doc.paragraphs == ("Body text.",)


def heading_lines(doc: ParsedDocument) -> None:
    # A heading with no text under it stays text; the first is the title.
    assert doc.title == "Heading"
    assert doc.paragraphs == ("Heading",) * (SIZE // 8 - 1)


def titled(title: str, *paragraphs: str) -> Callable[[ParsedDocument], None]:
    def check(doc: ParsedDocument) -> None:
        assert doc.title == title
        assert doc.paragraphs == paragraphs

    return check


def dated(dateline: str, *paragraphs: str) -> Callable[[ParsedDocument], None]:
    def check(doc: ParsedDocument) -> None:
        assert doc.dateline == dateline
        assert doc.paragraphs == paragraphs

    return check


WORST_CASES = {
    # The heading: "# a", a run, "b". Too long for a heading: text.
    "markdown heading with a run of spaces": (
        f"# a{SPACES}b\nBody text.",
        only_paragraphs(f"# a{SPACES}b", "Body text."),
    ),
    "markdown heading with a run of tabs": (
        f"# a{TABS}b\nBody text.",
        only_paragraphs(f"# a{TABS}b", "Body text."),
    ),
    "markdown heading with a run of spaces, in blocks": (
        f"Intro.\n\n# a{SPACES}b\nBody text.",
        only_paragraphs("Intro.", f"# a{SPACES}b Body text."),
    ),
    "markdown heading closed after a run of spaces": (
        f"# a{SPACES}#\nBody text.",
        titled("a", "Body text."),
    ),
    "markdown heading followed by closing marks": (
        f"# a {fill(' #')}\nBody text.",
        only_paragraphs(f"# a {fill(' #')}", "Body text."),
    ),
    "a line of #": (fill("#"), only_paragraphs(fill("#"))),
    "a line of * ": (fill("* "), only_paragraphs(fill("* ").strip())),
    "a line of -": (fill("-"), only_paragraphs(fill("-"))),
    "a line of bullets": (fill("• "), only_paragraphs(fill("• ").strip())),
    # The key-points label: "Key points", a run, "x". Not a label.
    "key points label with a run of spaces": (
        f"Key points{SPACES}x\n- a\nBody text.",
        only_paragraphs(f"Key points{SPACES}x", "- a", "Body text."),
    ),
    "key points label with a run of spaces inside": (
        f"Key{SPACES}points :\n- a\nBody text.",
        key_points_then_body("a"),
    ),
    "blank lines between two bullets": (
        f"Key points\n- a{fill(chr(10))}- b\nBody text.",
        key_points_then_body("a", "b"),
    ),
    "a bullet wrapped over every line": (
        f"Key points\n- a\n{fill(' x' + chr(10))}\nBody text.",
        first_key_point_cut,
    ),
    "a bullet on every line": (
        f"Key points\n{fill('- x' + chr(10))}Body text.",
        every_line_a_key_point,
    ),
    "a heading-like line on every line": (fill("Heading\n"), heading_lines),
    "nested markup characters": (
        fill("*_[`<&\\#>("),
        only_paragraphs(fill("*_[`<&\\#>(")),
    ),
    "one line of words": (fill("word "), only_paragraphs(fill("word ").strip())),
    "one line without a space": (fill("x"), only_paragraphs(fill("x"))),
    "a place of a thousand words that is no dateline": (
        fill("AB ") + "1",
        dated("", fill("AB ") + "1"),
    ),
    "a dateline with a run of spaces before the colon": (
        f"GENEVA{SPACES}: Talks resumed.",
        dated("GENEVA", "Talks resumed."),
    ),
    "a dateline comma before a run of spaces": (
        f"GENEVA,{SPACES}x",
        dated("", f"GENEVA,{SPACES}x"),
    ),
    "a header field with a run of spaces": (
        f"Title:{SPACES}Talks\n\nBody text.",
        titled("Talks", "Body text."),
    ),
}


@pytest.mark.parametrize("shape", WORST_CASES)
def test_worst_case_documents_at_the_size_limit_parse_to_their_structure(shape):
    text, check = WORST_CASES[shape]
    assert len(text.encode()) <= SIZE + 100
    check(parse(text))


@pytest.mark.django_db
def test_a_long_markdown_heading_in_blocks_stays_text_and_the_file_imports(tmp_path):
    """A section heading holds 255 characters; a longer one was refused by
    PostgreSQL ("the database refused it") and stored whole by SQLite."""
    heading = "Word " * 60
    path = tmp_path / "long-heading.txt"
    path.write_text(f"Intro.\n\n# {heading}\nBody text.\n\nMore text.\n")
    output = run(path)
    assert "created:" in output
    assert all(len(s.heading) <= 255 for s in Section.objects.all())
    assert f"# {heading.strip()} Body text." in Section.objects.get().body


class CountingSet(set):
    """A set that counts the anchors looked up in it: the work of finding a free one."""

    lookups = 0

    def __contains__(self, item) -> bool:
        CountingSet.lookups += 1
        return super().__contains__(item)


@pytest.mark.django_db
def test_ten_thousand_identical_headings_get_anchors_in_one_look_up_each(
    monkeypatch,
):
    """Each heading "Heading" after the first looked at every anchor taken
    before it (heading, heading-2, … heading-9999): 50 million look-ups."""
    anchor = importing.unique_anchor

    def counted(heading, taken, *args, **kwargs):
        # A counting copy: the importer goes on adding to its own set.
        return anchor(heading, CountingSet(taken), *args, **kwargs)

    monkeypatch.setattr(importing, "unique_anchor", counted)
    monkeypatch.setattr(CountingSet, "lookups", 0)
    doc = parse("Title: Same\n\n" + "Heading\nText.\n" * 10_000)
    plan = plan_brief(doc, tagger=Tagger([]), tags=TagRows())
    anchors = [section["anchor"] for section in plan["sections"]]
    assert anchors == ["heading", *(f"heading-{n}" for n in range(2, 10_001))]
    assert CountingSet.lookups <= 2 * len(anchors)


@pytest.mark.django_db
def test_a_dry_run_of_a_worst_case_document_at_the_size_limit(tmp_path):
    """The issue's import: a 30 KB file of this shape took 24 seconds."""
    path = tmp_path / "spaces.txt"
    path.write_text(f"Key points{HALF}x\n# a{HALF}b\nBody text.\n")
    output = run("--dry-run", path)
    assert "would be created:" in output
    assert not Brief.objects.exists()


TOO_LARGE = {
    # Every line a bullet: 524,262 key points.
    "a bullet on every line": f"Key points\n{fill('- x' + chr(10), SIZE - 100)}Body text.",
    # A heading and a line under it, again and again: 149,796 sections.
    "a section on every two lines": fill("Heading\nText.\n"),
    # Fewer sections, each with tags: 4,000 sections and over 10,000 tags.
    "tagged sections": "Title: Tags\n\n"
    + "China\nChina and Pakistan discussed CPEC in Beijing.\n" * 4_000,
}


@pytest.mark.django_db
@pytest.mark.parametrize("shape", TOO_LARGE)
def test_a_document_too_large_for_one_brief_is_refused_whole(shape, tmp_path):
    """Such a brief's revision alone took hours: django-reversion's time to
    record a revision grows with the square of the objects in it."""
    path = tmp_path / "large.txt"
    path.write_text(TOO_LARGE[shape])
    output = run_failing(path)
    assert "too large for one brief" in result_line(output, "large.txt")
    assert not Brief.objects.exists()


@pytest.mark.django_db
def test_a_brief_holds_twenty_key_points(tmp_path):
    points = "".join(f"- Point {n}\n" for n in range(1, 22))
    (tmp_path / "a.txt").write_text(f"Key points\n{points}Body text.\n")
    output = run_failing(tmp_path / "a.txt")
    assert "too large for one brief: 21 key points (at most 20)" in output
    (tmp_path / "b.txt").write_text(f"Key points\n{points[:-11]}Body text.\n")
    assert "created:" in run(tmp_path / "b.txt")
    assert Brief.objects.get().key_points.count() == 20


@pytest.mark.django_db
def test_key_points_sections_and_tags_count_towards_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "MAX_PARTS", 5)
    # Three sections with a tag each (China, Pakistan, CPEC) and those tags
    # on the brief: 3 + 3 + 3 parts.
    text = "Title: T\n\nChina\nIn China.\nPakistan\nIn Pakistan.\nCPEC\nOn CPEC.\n"
    (tmp_path / "a.txt").write_text(text)
    assert "(at most 5)" in run_failing(tmp_path / "a.txt")
    monkeypatch.setattr(importing, "MAX_PARTS", 9)
    assert "created:" in run(tmp_path / "a.txt")


# Symbolic links, FIFOs, devices, sockets -------------------------------------


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file outside the import folder that must never be published."""
    path = tmp_path / "elsewhere" / "fake.env"
    path.parent.mkdir()
    path.write_text("Key points\n- SECRET_KEY=hunter2\nDATABASE: postgres://x\n")
    return path


@pytest.fixture
def drop(tmp_path) -> Path:
    """An import folder with one good document in it."""
    path = tmp_path / "drop"
    path.mkdir()
    shutil.copy(SEED, path / "good.txt")
    return path


def nothing_secret_published() -> bool:
    return not any(
        "hunter2" in text
        for text in [
            *Brief.objects.values_list("title", flat=True),
            *Section.objects.values_list("body", flat=True),
        ]
    )


@pytest.mark.django_db
def test_a_folder_import_never_follows_a_symbolic_link(drop, secret):
    (drop / "innocent.txt").symlink_to(secret)
    output = run_failing(drop)
    line = result_line(output, "innocent.txt")
    assert line.startswith("failed:") and "is a symbolic link" in line
    assert str(secret) not in output
    assert "created:" in result_line(output, "good.txt")
    assert Brief.objects.count() == 1
    assert nothing_secret_published()


@pytest.mark.django_db
def test_follow_symlinks_does_not_reach_links_inside_a_folder(drop, secret):
    (drop / "innocent.txt").symlink_to(secret)
    output = run_failing("--follow-symlinks", drop)
    assert "is a symbolic link" in result_line(output, "innocent.txt")
    assert nothing_secret_published()


@pytest.mark.django_db
def test_a_link_named_on_the_command_line_is_refused(drop, secret):
    link = drop / "innocent.txt"
    link.symlink_to(secret)
    output = run_failing(link)
    line = result_line(output, "innocent.txt")
    assert line.startswith("failed:")
    assert "is a symbolic link" in line and "--follow-symlinks" in line
    assert not Brief.objects.exists()


@pytest.mark.django_db
def test_a_link_to_a_folder_named_on_the_command_line_is_refused(drop, tmp_path):
    link = tmp_path / "linked-drop"
    link.symlink_to(drop)
    output = run_failing(link)
    assert "is a symbolic link" in result_line(output, "linked-drop")
    assert not Brief.objects.exists()


@pytest.mark.django_db
def test_follow_symlinks_imports_what_a_named_link_points_to(tmp_path, drop):
    link = tmp_path / "wire.txt"
    link.symlink_to(drop / "good.txt")
    output = run("--follow-symlinks", link)
    assert "created:" in output
    assert Brief.objects.get().source_path == (drop / "good.txt").as_posix()


@contextlib.contextmanager
def fifo_with_a_writer(path: Path, text: str) -> Iterator[None]:
    """A FIFO at ``path`` whose writer sends ``text`` once a reader opens it.

    An importer that opens the FIFO waits for the writer and imports what it
    sends; one that does not open it leaves the writer waiting, so the FIFO
    is opened here at the end, without blocking, to let the writer finish.
    """
    os.mkfifo(path)

    def write() -> None:
        with open(path, "w", encoding="utf-8") as pipe:
            pipe.write(text)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield
    finally:
        release = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        writer.join()
        os.close(release)


@pytest.mark.django_db
def test_a_fifo_named_on_the_command_line_is_refused_unread(drop):
    fifo = drop / "pipe.txt"
    with fifo_with_a_writer(fifo, SEED.read_text(encoding="utf-8")):
        output = run_failing(fifo)
    assert "not a regular file (a FIFO)" in result_line(output, "pipe.txt")
    assert not Brief.objects.exists()


@pytest.mark.django_db
def test_a_fifo_in_a_folder_is_refused_without_blocking(drop):
    os.mkfifo(drop / "pipe.txt")  # no writer: opening it to read would block
    output = run_failing(drop)
    assert "not a regular file (a FIFO)" in result_line(output, "pipe.txt")
    assert "created:" in result_line(output, "good.txt")


@pytest.mark.django_db
def test_a_device_is_refused():
    output = run_failing("/dev/null")
    assert "not a regular file (a character device)" in result_line(output, "null")


@pytest.mark.django_db
def test_a_socket_in_a_folder_is_refused():
    # A socket's path must be short: a folder of its own under /tmp.
    with (
        tempfile.TemporaryDirectory(dir="/tmp") as folder,
        socket.socket(socket.AF_UNIX) as listener,
    ):
        listener.bind(os.path.join(folder, "s.txt"))
        output = run_failing(folder)
    assert "not a regular file (a socket)" in result_line(output, "s.txt")


def test_a_file_swapped_for_a_fifo_after_the_check_is_refused_without_blocking(
    drop, monkeypatch
):
    """The check before opening can be raced; the open itself never waits and
    what was opened is checked again."""
    fifo = drop / "pipe.txt"
    os.mkfifo(fifo)
    regular = os.stat(drop / "good.txt")
    monkeypatch.setattr(importing.os, "stat", lambda *args, **kwargs: regular)
    with pytest.raises(ImportFailure, match=r"not a regular file \(a FIFO\)"):
        read_source(fifo, max_bytes=SIZE)


def test_a_file_swapped_for_a_link_after_the_check_is_not_followed(
    drop, secret, monkeypatch
):
    link = drop / "innocent.txt"
    link.symlink_to(secret)
    regular = os.stat(drop / "good.txt")
    monkeypatch.setattr(importing.os, "stat", lambda *args, **kwargs: regular)
    with pytest.raises(ImportFailure, match="is a symbolic link"):
        read_source(link, max_bytes=SIZE)


@pytest.mark.django_db
def test_a_symlink_loop_in_a_folder_is_one_failed_line_and_the_rest_imports(drop):
    (drop / "a-loop.txt").symlink_to("a-loop.txt")
    output = run_failing(drop)
    assert result_line(output, "a-loop.txt").startswith("failed:")
    assert "created:" in result_line(output, "good.txt")
    assert "1 created, 0 updated, 0 unchanged, 0 conflicts, 1 failed" in output


@pytest.mark.django_db
def test_a_symlink_loop_named_on_the_command_line_is_one_failed_line(drop):
    """It was a RuntimeError traceback ("Symlink loop from …"), and nothing
    after it imported."""
    loop = drop / "a-loop.txt"
    loop.symlink_to("a-loop.txt")
    output = run_failing(loop, drop / "good.txt")
    assert "is a symbolic link" in result_line(output, "a-loop.txt")
    assert "created:" in result_line(output, "good.txt")

    Brief.objects.all().delete()
    output = run_failing("--follow-symlinks", loop, drop / "good.txt")
    assert "a loop of symbolic links" in result_line(output, "a-loop.txt")
    assert "created:" in result_line(output, "good.txt")


# Hostile file names ----------------------------------------------------------

HOSTILE_NAMES = {
    # A newline, then a forged line of the command's own output.
    "ok.txt -> ok\ncreated: forged.txt": "ok.txt -> ok\\ncreated: forged.txt",
    # Clear the screen and turn the text red.
    "\x1b[2J\x1b[31mred.txt": "\\x1b[2J\\x1b[31mred.txt",
    # A right-to-left override: shows as "reporttxt.pdf".
    "report\u202efdp.txt": "report\\u202efdp.txt",
    # Line breaks for str.splitlines() and some terminals, and DEL.
    "next\x85line\u2028sep\u2029del\x7f.txt": "next\\x85line\\u2028sep\\u2029del\\x7f.txt",
}
BIDI_CONTROLS = set(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def raw_controls(output: str) -> list[str]:
    return [
        char
        for char in output
        if char != "\n"
        and (
            unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs")
            or char in BIDI_CONTROLS
        )
    ]


@pytest.mark.django_db
def test_file_names_are_printed_with_control_characters_made_visible(tmp_path):
    for index, name in enumerate(HOSTILE_NAMES, start=1):
        if index == 1:
            shutil.copy(SEED, tmp_path / name)  # created
        elif index == 2:
            (tmp_path / name).write_bytes("Caf\u00e9 talks ended.\n".encode("cp1252"))
        else:
            (tmp_path / name).write_bytes(b"")  # failed: empty
    output = run_failing(tmp_path)
    assert raw_controls(output) == []
    for shown in HOSTILE_NAMES.values():
        assert shown in output
    # One line per file, the not-UTF-8 file's warning, the vocabulary, the summary.
    assert len(output.splitlines()) == len(HOSTILE_NAMES) + 3
    assert not any(line.startswith("created: forged") for line in output.splitlines())
    warning = [line for line in output.splitlines() if "warning:" in line]
    assert warning and "\\x1b[2J\\x1b[31mred.txt" in warning[0]


@pytest.mark.django_db
def test_a_file_name_that_is_not_utf8_is_one_failed_line(drop):
    """Such a name cannot be a brief's source path; it was a traceback."""
    with open(os.path.join(os.fsencode(drop), b"caf\xe9.txt"), "wb") as handle:
        handle.write(SEED.read_bytes())
    output = run_failing(drop)
    assert raw_controls(output) == []
    line = result_line(output, "caf\\udce9.txt")
    assert line.startswith("failed:") and "not valid UTF-8" in line
    assert "created:" in result_line(output, "good.txt")


@pytest.mark.django_db
def test_export_writes_file_names_with_control_characters_escaped(tmp_path):
    """JSON escapes only C0 controls; DEL, C1 controls, the line separators and
    the bidirectional controls reached the terminal as they were."""
    name = "next\x85\x9b2J\x7fline\u2028report\u202efdp.txt"
    shutil.copy(SEED, tmp_path / name)
    run(tmp_path)
    out = io.StringIO()
    call_command("export_briefs", stdout=out)
    assert raw_controls(out.getvalue().replace("\n", "")) == []
    exported = json.loads(out.getvalue())
    assert exported[0]["source"]["path"].endswith(name)
