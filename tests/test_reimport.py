"""Re-importing: unchanged files, changed files, editors' work, --force and --dry-run."""

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reversion.models import Version

from briefs.ingest.exporting import brief_to_dict, content_fingerprint
from briefs.ingest.importing import Outcome, import_document
from briefs.ingest.parsing import decode, parse
from briefs.models import Brief, KeyPoint, Section, TaggedBrief, TaggedSection

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_a6517fdfc5b60d0c.txt"

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_seeds", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def row_counts() -> tuple[int, ...]:
    models = (Brief, KeyPoint, Section, TaggedBrief, TaggedSection, Version)
    return tuple(model.objects.count() for model in models)


def edit_file(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("officials said Monday.", "officials said on Monday."))


def test_a_changed_file_updates_its_untouched_brief(seed_copy):
    run(seed_copy)
    brief = Brief.objects.get()
    edit_file(seed_copy)
    output = run(seed_copy)
    assert "updated:" in output and "0 conflicts" in output
    updated = Brief.objects.get()
    assert updated.pk == brief.pk and updated.slug == brief.slug
    assert "officials said on Monday." in updated.sections.all()[0].body
    assert Section.objects.count() == 5


def test_an_update_keeps_the_editors_status(seed_copy):
    run(seed_copy)
    Brief.objects.update(status=Brief.Status.ARCHIVED)
    edit_file(seed_copy)
    assert "updated:" in run(seed_copy)
    assert Brief.objects.get().status == Brief.Status.ARCHIVED


def test_an_edited_brief_is_a_conflict_and_left_alone(seed_copy):
    run(seed_copy)
    section = Section.objects.get(heading="Regional and global issues")
    section.body = "An editor rewrote this section."
    section.save()
    section.tags.add("Editor's pick")
    before = brief_to_dict(Brief.objects.with_outline().get())
    edit_file(seed_copy)
    output = run(seed_copy)
    assert "conflict:" in output
    assert "an editor has changed this brief since its last import" in output
    assert "0 created, 0 updated, 0 unchanged, 1 conflicts, 0 failed" in output
    assert brief_to_dict(Brief.objects.with_outline().get()) == before


def test_force_replaces_the_edit_and_keeps_the_editors_version_in_history(seed_copy):
    run(seed_copy)
    section = Section.objects.get(heading="Regional and global issues")
    section.body = "An editor rewrote this section."
    section.save()
    section.tags.add("Editor's pick")
    editors_version = brief_to_dict(Brief.objects.with_outline().get())
    edit_file(seed_copy)

    output = run(seed_copy, "--force")
    assert "updated:" in output and "the editor's version is kept" in output
    brief = Brief.objects.get()
    assert "An editor rewrote" not in "".join(s.body for s in brief.sections.all())

    kept = Version.objects.get_for_object(brief).get(
        revision__comment__startswith="Editor's version"
    )
    kept.revision.revert(delete=True)
    restored = brief_to_dict(Brief.objects.with_outline().get())
    # The content comes back; the public record (a note on the re-import) stays.
    record = ("version", "corrections")
    assert {k: v for k, v in restored.items() if k not in record} == {
        k: v for k, v in editors_version.items() if k not in record
    }
    assert [c["kind"] for c in restored["corrections"]] == ["update"]
    assert "Editor's pick" in restored["sections"][4]["tags"]


def test_every_import_records_a_revision(seed_copy):
    run(seed_copy)
    brief = Brief.objects.get()
    assert [v.revision.comment for v in Version.objects.get_for_object(brief)] == [
        f"Imported from {brief.source_path}"
    ]
    run(seed_copy)
    assert Version.objects.get_for_object(brief).count() == 1


def test_dry_run_reports_and_writes_nothing(seed_copy):
    output = run(seed_copy, "--dry-run")
    assert "would be created:" in output
    assert output.strip().endswith(
        "Dry run, nothing written: 1 file: 1 created, 0 updated, 0 unchanged, 0 conflicts, 0 failed"
    )
    assert row_counts() == (0, 0, 0, 0, 0, 0)

    run(seed_copy)
    before = row_counts()
    edit_file(seed_copy)
    assert "would be updated:" in run(seed_copy, "--dry-run")
    assert row_counts() == before
    assert "officials said Monday." in Brief.objects.get().sections.all()[0].body


def test_dry_run_reports_conflicts(seed_copy):
    run(seed_copy)
    Brief.objects.update(title="An editor's headline")
    edit_file(seed_copy)
    assert "conflict:" in run(seed_copy, "--dry-run")
    assert Brief.objects.get().title == "An editor's headline"


def test_plain_output_has_no_progress_bar(seed_copy, tmp_path):
    shutil.copy(seed_copy, tmp_path / "second.txt")
    output = run(tmp_path)
    assert "\r" not in output and "[#" not in output
    assert output.count("created:") == 2


# Property: parse, import, export and re-import agree -------------------------

word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
special = st.sampled_from(
    ["*", "_", "#", "<b>", "&amp;", "`", "[x](y)", "1.", "- ", "\\"]
)
sentence = st.lists(st.one_of(word, special), min_size=2, max_size=12).map(
    lambda parts: "Text " + " ".join(parts) + "."
)
heading = st.lists(word, min_size=1, max_size=5).map(
    lambda ws: " ".join(ws).capitalize()
)


@st.composite
def documents(draw) -> str:
    lines = []
    if draw(st.booleans()):
        lines += [
            "Key points",
            *(f"- {p}" for p in draw(st.lists(sentence, min_size=1, max_size=3))),
        ]
    lines += draw(st.lists(sentence, min_size=1, max_size=3))
    for _ in range(draw(st.integers(0, 3))):
        lines += [draw(heading), *draw(st.lists(sentence, min_size=1, max_size=3))]
    return "\n".join(lines) + "\n"


def rendered_paragraphs(body_html: str) -> list[str]:
    import html
    import re

    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", body_html, re.S)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=documents())
def test_parse_import_export_and_reimport_agree(text):
    Brief.objects.all().delete()
    data = text.encode()
    parsed = parse(decode(data)[0])

    result = import_document(source_path="generated.txt", data=data)
    assert result.outcome == Outcome.CREATED
    brief = Brief.objects.with_outline().get()
    exported = brief_to_dict(brief)
    assert exported["title"] == parsed.title
    assert exported["key_points"] == list(parsed.key_points)
    assert [s["heading"] for s in exported["sections"]] == [
        s.heading for s in parsed.sections
    ]
    assert [rendered_paragraphs(s.body_html) for s in brief.sections.all()] == [
        list(s.paragraphs) for s in parsed.sections
    ]
    assert content_fingerprint(exported) == brief.import_fingerprint

    again = import_document(source_path="generated.txt", data=data)
    assert again.outcome == Outcome.UNCHANGED
    assert brief_to_dict(Brief.objects.with_outline().get()) == exported


def test_a_save_between_the_check_and_the_write_is_not_overwritten(
    seed_copy, monkeypatch
):
    run(seed_copy)
    edit_file(seed_copy)
    import briefs.ingest.importing as importing

    real_check = importing.edited_since_import

    def check_then_an_editor_saves(brief):
        result = real_check(brief)
        editor_copy = Brief.objects.get(pk=brief.pk)
        editor_copy.title = "Saved by an editor meanwhile"
        editor_copy.save()
        return result

    monkeypatch.setattr(importing, "edited_since_import", check_then_an_editor_saves)
    output = run(seed_copy)
    assert "conflict:" in output and "while it was being imported" in output
    assert Brief.objects.get().title == "Saved by an editor meanwhile"
    assert "officials said Monday." in Brief.objects.get().sections.all()[0].body


def test_publishing_after_import_is_not_an_edit(seed_copy):
    run(seed_copy, "--draft")
    brief = Brief.objects.get()
    brief.status = Brief.Status.PUBLISHED
    brief.save()
    edit_file(seed_copy)
    output = run(seed_copy)
    assert "updated:" in output
    brief = Brief.objects.get()
    assert brief.status == Brief.Status.PUBLISHED
    assert brief.import_version == brief.version
