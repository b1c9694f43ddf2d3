"""An import run commits its documents in batches: what each document leaves
is what it would leave in a transaction of its own.

A failing document leaves no trace and the others in its batch are kept;
each brief's revision and search entries are those a brief written alone
would get.
"""

import io
from pathlib import Path

import pytest
import reversion
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.db.models import F
from reversion.models import Version

from briefs import search
from briefs.editorial import versions
from briefs.ingest import importing
from briefs.models import Brief, PublicVersion, SearchEntry, TaggedBrief
from tests.test_import_seeds import SEED, run

pytestmark = pytest.mark.django_db


def documents(folder: Path, count: int) -> Path:
    """``count`` documents at the seed's size, each with its own title."""
    seed = SEED.read_text(encoding="utf-8")
    for n in range(1, count + 1):
        (folder / f"{n:03d}.txt").write_text(
            seed.replace("Seventh foreign", f"Report r{n}x: seventh foreign"),
            encoding="utf-8",
        )
    return folder


def add_a_key_point(path: Path) -> Path:
    """``path``'s document with a fourth key point, "Added."."""
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("Key points", "Key points\n- Added."), encoding="utf-8"
    )
    return path


def versions_of(revision) -> set[tuple]:
    return {
        (v.content_type_id, v.object_id, v.serialized_data, v.object_repr)
        for v in revision.version_set.all()
    }


def fresh_revision(brief: Brief):
    """A revision recorded the ordinary way: the brief fetched with every row
    its revision follows."""
    with reversion.create_revision():
        reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))
    return Version.objects.get_for_object(brief).first().revision


def test_an_imported_revision_holds_what_a_fetched_brief_would_give(tmp_path):
    run(documents(tmp_path, 2))
    for brief in Brief.objects.all():
        imported = Version.objects.get_for_object(brief).get().revision
        assert imported.comment.startswith("Imported from ")
        assert len(versions_of(imported)) > 20  # the brief and all its rows
        assert versions_of(imported) == versions_of(fresh_revision(brief))


def test_an_updated_brief_s_revision_holds_its_new_rows_only(tmp_path):
    run(documents(tmp_path, 1))
    assert "updated:" in run(add_a_key_point(tmp_path / "001.txt"))
    brief = Brief.objects.get()
    latest = Version.objects.get_for_object(brief).first().revision
    assert latest.comment.startswith("Imported from ")
    assert versions_of(latest) == versions_of(fresh_revision(brief))
    assert brief.key_points.count() == 4


def test_public_versions_hold_what_a_fetched_brief_would_give(tmp_path):
    """The importer's snapshots are made from the rows it has just written;
    they equal those made from the brief fetched again, first and after an
    update of the live brief (with its public note)."""
    run(documents(tmp_path, 2))
    assert "updated:" in run(add_a_key_point(tmp_path / "001.txt"))
    assert PublicVersion.objects.count() == 3
    current = PublicVersion.objects.filter(number=F("brief__public_version"))
    assert current.count() == 2
    for version in current.select_related("brief"):
        assert version.snapshot == versions._snapshot(version.brief)
    updated = Brief.objects.get(source_path__endswith="001.txt")
    assert updated.public_version == 2
    assert "Added." in updated.public_versions.get(number=2).snapshot["key_points"]
    assert "Added." not in updated.public_versions.get(number=1).snapshot["key_points"]


def test_search_entries_are_those_a_rebuild_writes(tmp_path):
    run(documents(tmp_path, 3))

    def entries() -> list[tuple]:
        return list(
            SearchEntry.objects.order_by("brief_id", "position").values_list(
                "brief_id", "section_id", "position", "title", "key_points", "body"
            )
        )

    imported = entries()
    assert len(imported) == 15
    search.reindex_all()
    assert entries() == imported
    assert [hit.brief.title for hit in search.search("r2x")[:10]] == [
        Brief.objects.get(source_path__endswith="002.txt").title
    ]


def test_a_document_the_database_refuses_leaves_nothing_and_its_batch_is_kept(
    tmp_path, monkeypatch
):
    bulk_create = TaggedBrief.objects.bulk_create

    def refuse_the_second(rows, *args, **kwargs):
        rows = list(rows)
        if rows and rows[0].content_object.source_path.endswith("002.txt"):
            raise IntegrityError("simulated failure")
        return bulk_create(rows, *args, **kwargs)

    monkeypatch.setattr(TaggedBrief.objects, "bulk_create", refuse_the_second)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 3 files failed"):
        call_command("import_seeds", str(documents(tmp_path, 3)), stdout=out)
    assert "failed: " in out.getvalue() and "simulated failure" in out.getvalue()
    kept = Brief.objects.order_by("source_path")
    assert [Path(b.source_path).name for b in kept] == ["001.txt", "003.txt"]
    assert not Brief.objects.filter(source_path__endswith="002.txt").exists()
    assert Version.objects.filter(revision__comment__endswith="002.txt").count() == 0
    assert set(SearchEntry.objects.values_list("brief_id", flat=True)) == {
        b.pk for b in kept
    }
    for brief in kept:
        assert brief.tags.exists() and Version.objects.get_for_object(brief).exists()


def test_a_document_that_raises_stops_the_run_keeping_those_before_it(
    tmp_path, monkeypatch
):
    write = importing._write

    def crash_on_the_third(brief, planned, *args, **kwargs):
        if planned.source_path.endswith("003.txt"):
            raise RuntimeError("a bug")
        return write(brief, planned, *args, **kwargs)

    monkeypatch.setattr(importing, "_write", crash_on_the_third)
    out = io.StringIO()
    with pytest.raises(RuntimeError, match="a bug"):
        call_command("import_seeds", str(documents(tmp_path, 4)), stdout=out)
    # The two before it are committed and reported; nothing of the third.
    assert out.getvalue().count("created: ") == 2
    assert sorted(
        Path(p).name for p in Brief.objects.values_list("source_path", flat=True)
    ) == [
        "001.txt",
        "002.txt",
    ]
    assert SearchEntry.objects.count() == 10


@pytest.mark.parametrize(
    ("limits", "sizes"),
    [
        ({"BATCH_DOCUMENTS": 2}, [2, 2, 1]),
        # Past its time, a batch ends after the document it is writing.
        ({"BATCH_SECONDS": 0}, [1, 1, 1, 1, 1]),
    ],
)
def test_a_batch_ends_after_its_count_of_documents_or_its_time(
    tmp_path, monkeypatch, limits, sizes
):
    for name, value in limits.items():
        monkeypatch.setattr(importing, name, value)
    batches = []
    batch = importing._import_batch

    def counted(importer, files):
        done, error = batch(importer, files)
        batches.append(len(done))
        return done, error

    monkeypatch.setattr(importing, "_import_batch", counted)
    output = run(documents(tmp_path, 5))
    assert batches == sizes
    assert "5 created" in output
    assert SearchEntry.objects.count() == 25


def test_a_file_named_twice_in_one_batch_is_created_then_unchanged(tmp_path):
    path = documents(tmp_path, 1) / "001.txt"
    output = run(path, path)
    assert output.index("created: ") < output.index("unchanged: ")
    assert "1 created, 0 updated, 1 unchanged" in output
    assert Brief.objects.count() == 1
