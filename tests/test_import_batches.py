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
from briefs.models import Brief, PublicVersion, SearchEntry, Tag, TaggedBrief
from tests.test_import_seeds import SEED, run
from tests.test_tag_counts import assert_counts_right, stored_counts

pytestmark = pytest.mark.django_db


def documents(folder: Path, count: int) -> Path:
    """``count`` documents at the seed's size, each with its own title, and
    two authors (the first shared by all, the second each one's own)."""
    seed = SEED.read_text(encoding="utf-8")
    for n in range(1, count + 1):
        byline = f"Byline: Ayesha Khan and Writer {'abcdefghijklmnopqrstuvwxyz'[n]}"
        (folder / f"{n:03d}.txt").write_text(
            f"{byline}\n\n"
            + seed.replace("Seventh foreign", f"Report r{n}x: seventh foreign"),
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
        assert brief.credits.count() == 2
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


def test_the_tag_counts_hold_the_rows_a_batch_inserts(tmp_path):
    run(documents(tmp_path, 3))
    assert stored_counts()["China"] == (3, 12)
    assert_counts_right()


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


def refuse_the_second(monkeypatch) -> None:
    """The database refuses the tag rows of document 002, whether written
    with the rest of its batch's or alone."""
    bulk_create = TaggedBrief.objects.bulk_create

    def refusing(rows, *args, **kwargs):
        rows = list(rows)
        if any(r.content_object.source_path.endswith("002.txt") for r in rows):
            raise IntegrityError("simulated failure")
        return bulk_create(rows, *args, **kwargs)

    monkeypatch.setattr(TaggedBrief.objects, "bulk_create", refusing)


def test_a_document_the_database_refuses_leaves_nothing_and_its_batch_is_kept(
    tmp_path, monkeypatch
):
    refuse_the_second(monkeypatch)
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
    # The database's triggers counted the rows kept, and not those undone.
    assert stored_counts()["China"] == (2, 8)
    assert_counts_right()


def test_a_document_that_raises_stops_the_run_keeping_those_before_it(
    tmp_path, monkeypatch
):
    new_brief = importing._new_brief

    def crash_on_the_third(planned, *args, **kwargs):
        if planned.source_path.endswith("003.txt"):
            raise RuntimeError("a bug")
        return new_brief(planned, *args, **kwargs)

    monkeypatch.setattr(importing, "_new_brief", crash_on_the_third)
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


def test_a_document_that_raises_while_read_keeps_the_new_briefs_before_it(
    tmp_path, monkeypatch
):
    """New briefs are written together when their batch ends; a document
    that raises before then still leaves those before it written."""
    plan = importing.plan_brief

    def crash_on_the_third(doc, **kwargs):
        if doc.title.startswith("Report r3x"):
            raise RuntimeError("a bug")
        return plan(doc, **kwargs)

    monkeypatch.setattr(importing, "plan_brief", crash_on_the_third)
    out = io.StringIO()
    with pytest.raises(RuntimeError, match="a bug"):
        call_command("import_seeds", str(documents(tmp_path, 4)), stdout=out)
    assert out.getvalue().count("created: ") == 2
    assert Brief.objects.count() == 2
    assert SearchEntry.objects.count() == 10
    assert Version.objects.filter(revision__comment__startswith="Imported").count()


def test_a_refused_document_s_new_tag_is_made_again_for_the_next(tmp_path, monkeypatch):
    """A tag first made by a document whose write is undone is gone with
    it; the next document that names it makes it again."""
    folder = documents(tmp_path, 3)
    for name in ("002.txt", "003.txt"):
        path = folder / name
        path.write_text(
            "Tags: Brand-new tag\n\n" + path.read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    refuse_the_second(monkeypatch)
    with pytest.raises(CommandError, match="1 of 3 files failed"):
        call_command("import_seeds", str(folder), stdout=io.StringIO())
    third = Brief.objects.get(source_path__endswith="003.txt")
    assert "Brand-new tag" in {tag.name for tag in third.tags.all()}
    assert Tag.objects.filter(name="Brand-new tag").count() == 1
    assert TaggedBrief.objects.filter(tag__name="Brand-new tag").count() == 1


def test_a_dated_document_s_revision_and_version_hold_what_the_database_keeps(
    tmp_path,
):
    """A date with an offset is kept in UTC: the revision and the public
    version made from the brief in memory read as they would fetched."""
    seed = SEED.read_text(encoding="utf-8")
    (tmp_path / "dated.txt").write_text(
        "---\npublished: 2024-03-01T10:00:00.250000+05:00\n---\n" + seed,
        encoding="utf-8",
    )
    run(tmp_path)
    brief = Brief.objects.get()
    assert brief.published_at.isoformat() == "2024-03-01T05:00:00.250000+00:00"
    imported = Version.objects.get_for_object(brief).get().revision
    assert versions_of(imported) == versions_of(fresh_revision(brief))
    version = brief.public_versions.get()
    assert version.snapshot == versions._snapshot(brief)
    assert version.published_at == brief.published_at


def test_briefs_of_one_title_get_the_slugs_one_at_a_time_would(tmp_path):
    seed = SEED.read_text(encoding="utf-8")
    for run_number, names in enumerate((["a", "b", "c"], ["d", "e"])):
        folder = tmp_path / str(run_number)
        folder.mkdir()
        for name in names:
            (folder / f"{name}.txt").write_text(seed, encoding="utf-8")
        run(folder)
    base = "seventh-foreign-ministers-dialogue-held-in-beijing"
    slugs = {Path(b.source_path).name: b.slug for b in Brief.objects.all()}
    assert slugs == {
        "a.txt": base,
        "b.txt": f"{base}-2",
        "c.txt": f"{base}-3",
        "d.txt": f"{base}-4",
        "e.txt": f"{base}-5",
    }
