"""import_seeds and export_briefs through call_command, on the real database."""

import gc
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from briefs.ingest.exporting import brief_to_dict, content_fingerprint
from briefs.models import Brief, KeyPoint, Section, TaggedBrief, TaggedSection

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED = SEEDS / "000_a6517fdfc5b60d0c.txt"
CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_seeds", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def run_failing(*args) -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_seeds", *[str(a) for a in args], stdout=out)
    return out.getvalue(), str(error.value)


def row_counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Brief, KeyPoint, Section, TaggedBrief, TaggedSection)
    )


def section_tags(brief: Brief) -> dict[str, set[str]]:
    return {s.heading: {t.name for t in s.tags.all()} for s in brief.sections.all()}


def test_seed_imports_with_its_exact_structure():
    output = run()
    assert "created: seeds/000_a6517fdfc5b60d0c.txt" in output
    brief = Brief.objects.get()
    assert brief.title == "Seventh foreign ministers’ dialogue held in Beijing"
    assert brief.dateline == "ISLAMABAD"
    assert [p.text for p in brief.key_points.all()] == [
        "Seventh foreign ministers’ dialogue held in Beijing",
        "Both sides back CPEC 2.0 expansion",
        "Mutual support pledged on core interests",
    ]
    assert [(s.heading, len(s.body.split("\n\n"))) for s in brief.sections.all()] == [
        ("", 4),
        ("Broad review of bilateral cooperation", 2),
        ("75 years of diplomatic relations", 5),
        ("Security and counter-terrorism cooperation", 7),
        ("Regional and global issues", 4),
    ]
    opening = brief.sections.all()[0]
    assert opening.body.startswith(
        "China and Pakistan strengthened their strategic partnership"
    )
    assert brief.source_path == "seeds/000_a6517fdfc5b60d0c.txt"
    assert len(brief.source_sha256) == 64
    assert brief.is_public
    assert brief in Brief.objects.published()


def test_seed_is_tagged_from_its_text():
    run()
    brief = Brief.objects.get()
    assert {"China", "Pakistan", "CPEC"} <= {t.name for t in brief.tags.all()}
    tags = section_tags(brief)
    assert "CPEC" in tags[""]
    assert "CPEC" in tags["Security and counter-terrorism cooperation"]
    assert "Counter-terrorism" in tags["Security and counter-terrorism cooperation"]
    assert "Afghanistan" in tags["Regional and global issues"]
    assert "Afghanistan" not in tags["Broad review of bilateral cooperation"]
    assert "CPEC" not in tags["Regional and global issues"]


def test_every_paragraph_renders_exactly_as_in_the_source():
    run()
    brief = Brief.objects.get()
    rendered = "".join(s.body_html for s in brief.sections.all())
    lines = SEED.read_text(encoding="utf-8").splitlines()[4:]
    headings = {s.heading for s in brief.sections.all()}
    for line in lines:
        if line and line not in headings:
            text = line.removeprefix("ISLAMABAD: ")
            assert f"<p>{text}</p>" in rendered


def test_a_second_run_changes_and_creates_nothing():
    run()
    brief = Brief.objects.get()
    before = (
        row_counts(),
        brief.updated_at,
        brief_to_dict(Brief.objects.with_outline().get()),
    )
    output = run()
    brief.refresh_from_db()
    assert "unchanged: seeds/000_a6517fdfc5b60d0c.txt" in output
    assert "0 created, 0 updated, 1 unchanged, 0 conflicts, 0 failed" in output
    assert (
        row_counts(),
        brief.updated_at,
        brief_to_dict(Brief.objects.with_outline().get()),
    ) == before


def test_draft_option_imports_unpublished():
    run("--draft")
    brief = Brief.objects.get()
    assert brief.status == Brief.Status.DRAFT
    assert not Brief.objects.published().exists()


def test_a_failing_file_leaves_nothing_and_the_others_still_import(tmp_path):
    shutil.copy(SEED, tmp_path / "001_good.txt")
    (tmp_path / "002_empty.txt").write_bytes(b"")
    (tmp_path / "003_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "004_points_only.txt").write_text("Key points\n- One\n- Two\n")
    (tmp_path / "notes.pdf").write_text("not imported: not a kind it reads")
    output, error = run_failing(tmp_path)
    assert "3 of 4 files failed" in error
    assert "empty document" in output
    assert "binary file" in output
    assert "key points are not followed by any body text" in output
    assert "1 created, 0 updated, 0 unchanged, 0 conflicts, 3 failed" in output
    assert Brief.objects.count() == 1
    assert Brief.objects.get().source_path.endswith("001_good.txt")


def test_a_database_failure_mid_write_leaves_no_partial_brief(monkeypatch):
    def refuse(*args, **kwargs):
        raise IntegrityError("simulated failure")

    monkeypatch.setattr(TaggedBrief.objects, "bulk_create", refuse)
    output, error = run_failing()
    assert "the database refused it" in output
    assert row_counts() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("fails", [False, True], ids=["imported", "stopped"])
def test_a_run_leaves_the_cycle_collector_as_it_found_it(monkeypatch, fails):
    """A run collects garbage less often (briefs.ingest.importing), and
    gives the process back its collector as it was, however the run ends."""

    def refuse(*args, **kwargs):
        raise IntegrityError("simulated failure")

    if fails:
        monkeypatch.setattr(TaggedBrief.objects, "bulk_create", refuse)
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    if fails:
        run_failing()
    else:
        run()
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)
    assert Brief.objects.count() == (0 if fails else 1)


def test_missing_path_is_reported(tmp_path):
    output, _ = run_failing(tmp_path / "nope.txt")
    assert "failed:" in output and "no such file" in output


def test_files_outside_the_project_keep_their_absolute_path(tmp_path):
    shutil.copy(SEED, tmp_path / "wire.txt")
    run(tmp_path / "wire.txt")
    assert (
        Brief.objects.get().source_path == (tmp_path / "wire.txt").resolve().as_posix()
    )


def test_same_title_gets_a_numbered_slug(tmp_path):
    shutil.copy(SEED, tmp_path / "a.txt")
    shutil.copy(SEED, tmp_path / "b.txt")
    run(tmp_path)
    assert sorted(Brief.objects.values_list("slug", flat=True)) == [
        "seventh-foreign-ministers-dialogue-held-in-beijing",
        "seventh-foreign-ministers-dialogue-held-in-beijing-2",
    ]


def test_export_writes_every_brief_in_the_documented_shape():
    run()
    out = io.StringIO()
    call_command("export_briefs", stdout=out)
    data = json.loads(out.getvalue())
    assert len(data) == 1
    brief = data[0]
    assert {
        "slug",
        "title",
        "status",
        "dateline",
        "summary",
        "published_at",
        "key_points",
        "sections",
        "tags",
        "source",
    } <= set(brief)
    assert brief["status"] == "published"
    assert brief["published_at"].endswith("+00:00")
    assert brief["key_points"][1] == "Both sides back CPEC 2.0 expansion"
    assert [set(s) for s in brief["sections"]] == [
        {"heading", "anchor", "body", "tags"}
    ] * 5
    assert brief["sections"][4]["anchor"] == "regional-and-global-issues"
    assert "Afghanistan" in brief["sections"][4]["tags"]
    assert brief["source"] == {
        "path": "seeds/000_a6517fdfc5b60d0c.txt",
        "sha256": Brief.objects.get().source_sha256,
    }
    # The export is what the import wrote: its fingerprint matches.
    assert content_fingerprint(brief) == Brief.objects.get().import_fingerprint


def test_a_folder_import_takes_its_own_txt_files_not_its_subfolders(tmp_path):
    shutil.copy(SEED, tmp_path / "b.txt")
    (tmp_path / "a.txt").mkdir()  # a folder named like a document
    (tmp_path / "sub").mkdir()
    shutil.copy(SEED, tmp_path / "sub" / "c.txt")
    output = run(tmp_path)
    assert output.splitlines()[0].startswith(f"created: {tmp_path / 'b.txt'} -> ")
    assert "1 file: 1 created, 0 updated, 0 unchanged, 0 conflicts, 0 failed" in output


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_on_stderr_apart_from_the_lines(tmp_path):
    shutil.copy(SEED, tmp_path / "a.txt")
    shutil.copy(SEED, tmp_path / "b.txt")
    out, err = io.StringIO(), Terminal()
    call_command("import_seeds", str(tmp_path), stdout=out, stderr=err)
    assert "2/2" in err.getvalue()
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["created", "created"]
    assert "\r" not in out.getvalue()


def test_captured_or_piped_output_gets_no_progress_bar(tmp_path):
    shutil.copy(SEED, tmp_path / "a.txt")
    shutil.copy(SEED, tmp_path / "b.txt")
    err = io.StringIO()
    call_command("import_seeds", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""


def test_a_folder_import_takes_every_kind_of_document_it_reads(tmp_path):
    shutil.copy(SEED, tmp_path / "a.txt")
    shutil.copy(
        CORPUS / "527_treasury_readout-japan-finance-minister.md", tmp_path / "b.md"
    )
    shutil.copy(
        CORPUS / "518_nps_fire-island-fresnel-lens-release.html", tmp_path / "c.HTML"
    )
    shutil.copy(
        CORPUS / "516_whitehouse_blog-digital-transition.html", tmp_path / "d.htm"
    )
    shutil.copy(
        CORPUS / "523_va_child-care-subsidy-procedures.docx", tmp_path / "e.docx"
    )
    (tmp_path / "feed.rss").write_text("<rss/>")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    output = run(tmp_path)
    assert "5 files: 5 created, 0 updated, 0 unchanged, 0 conflicts, 0 failed" in output
    assert "feed.rss" not in output and "notes.pdf" not in output
    readout = Brief.objects.get(source_path=str(tmp_path / "b.md"))
    assert readout.title.startswith("Readout from Secretary of the Treasury")
    assert readout.dateline == "WASHINGTON"


def test_a_dry_run_shows_what_each_file_would_become_and_writes_nothing():
    output = run("--dry-run", SEED)
    lines = output.splitlines()
    assert lines[0] == "would be created: seeds/000_a6517fdfc5b60d0c.txt"
    assert lines[1:5] == [
        "  title: Seventh foreign ministers’ dialogue held in Beijing",
        "  dateline: ISLAMABAD",
        "  authors: (none)",
        "  key points: 3",
    ]
    assert lines[5].startswith("  sections: 5: (opening) | Broad review of bilateral")
    tags = lines[6].removeprefix("  brief tags: ").split(", ")
    assert {"China", "Pakistan"} <= set(tags)
    assert row_counts() == (0, 0, 0, 0, 0)


def test_a_markdown_file_keeps_its_markup_and_front_matter(tmp_path):
    (tmp_path / "strike.md").write_text(
        "---\n"
        "title: Port strike ends\n"
        "summary: Dockers return to work.\n"
        "tags: [Labour]\n"
        "---\n"
        "Dockers voted to **return to work**; see [the vote](https://example.org/v)"
        " and [this](javascript:alert(1)).\n",
        encoding="utf-8",
    )
    run(tmp_path / "strike.md")
    brief = Brief.objects.get()
    assert (brief.title, brief.summary) == (
        "Port strike ends",
        "Dockers return to work.",
    )
    assert "Labour" in brief.tags.names()
    html = brief.sections.get().body_html
    assert "<strong>return to work</strong>" in html
    assert '<a href="https://example.org/v">the vote</a>' in html
    assert "javascript" not in html and "this" in html


def test_a_broken_word_file_is_one_clear_failure(tmp_path):
    (tmp_path / "memo.docx").write_bytes(b"PK\x03\x04 not really a zip")
    output, error = run_failing(tmp_path / "memo.docx")
    assert "failed: " in output and "memo.docx" in output
    assert "1 of 1 files failed" in error
    assert row_counts() == (0, 0, 0, 0, 0)


def test_a_document_naming_too_many_tags_is_refused_before_any_lookup(tmp_path):
    names = ", ".join(f"Topic {n}" for n in range(101))
    (tmp_path / "tags.txt").write_text(f"Tags: {names}\n\nBody text.\n")
    output, error = run_failing(tmp_path / "tags.txt")
    assert "too many tags named in the document: 101 (at most 100)" in output
    assert row_counts() == (0, 0, 0, 0, 0)


def test_a_dry_run_shows_the_documents_own_tags_too(tmp_path):
    (tmp_path / "own.txt").write_text("Tags: Harbour policy\n\nDockers met.\n")
    output = run("--dry-run", tmp_path / "own.txt")
    assert "  brief tags: Harbour policy" in output
