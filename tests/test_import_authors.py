"""The importer credits the people a document names as the brief's authors,
in order, creating each author on first sight (``briefs.ingest.bylines``
reads the names; ``test_bylines.py`` tests that reading)."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from briefs.ingest.importing import Importer, ImportOptions, Outcome
from briefs.models import Author, Brief, BriefAuthor
from tests.test_import_batches import fresh_revision, versions_of
from tests.test_import_page import create, paste
from tests.test_import_seeds import SEED, run

pytestmark = pytest.mark.django_db

BODY = SEED.read_text(encoding="utf-8")


def document(folder: Path, name: str, top: str, *, title: str = "") -> Path:
    """The seed's text under ``top`` (a header block or front matter), its
    title made ``title`` so that each document is its own brief."""
    body = BODY.replace("Seventh foreign", title) if title else BODY
    path = folder / name
    path.write_text(f"{top}\n{body}", encoding="utf-8")
    return path


def credited(brief: Brief) -> list[str]:
    return [credit.author.name for credit in brief.credits.select_related("author")]


def brief_from(path: Path) -> Brief:
    return Brief.objects.get(source_path__endswith=path.name)


def test_the_seed_names_no_one_and_credits_no_one():
    assert "byline" not in BODY.lower()
    run(SEED)
    brief = Brief.objects.get()
    assert brief.byline == ""
    assert credited(brief) == []
    assert Author.objects.count() == 0


def test_front_matter_lists_credit_their_names_in_order(tmp_path):
    top = "---\nauthors:\n  - Omar Malik\n  - name: Ayesha Khan\n  - Reuters\n---"
    path = document(tmp_path, "a.txt", top)
    assert "created:" in run(path)
    brief = brief_from(path)
    assert credited(brief) == ["Omar Malik", "Ayesha Khan"]
    assert brief.byline == "Omar Malik, Ayesha Khan and Reuters"  # the source's own
    assert list(brief.credits.values_list("position", flat=True)) == [0, 1]
    assert sorted(Author.objects.values_list("slug", flat=True)) == [
        "ayesha-khan",
        "omar-malik",
    ]


def test_a_byline_header_with_two_names_credits_both(tmp_path):
    path = document(tmp_path, "a.txt", "Byline: By Ayesha Khan and Omar Malik\n")
    run(path)
    brief = brief_from(path)
    assert brief.byline == "By Ayesha Khan and Omar Malik"
    assert credited(brief) == ["Ayesha Khan", "Omar Malik"]


@pytest.mark.parametrize(
    "byline", ["Reuters", "AP", "Staff reporter", "Office of the Press Secretary"]
)
def test_a_wire_or_desk_byline_credits_no_one_and_is_kept(tmp_path, byline):
    path = document(tmp_path, "a.txt", f"Byline: {byline}\n")
    run(path)
    brief = brief_from(path)
    assert brief.byline == byline
    assert credited(brief) == []
    assert Author.objects.count() == 0


def test_an_author_is_found_again_in_any_case(tmp_path):
    existing = Author.objects.create(name="Ayesha Khan", role="Senior Fellow")
    first = document(tmp_path, "1.txt", "Byline: ayesha khan\n", title="One")
    second = document(
        tmp_path, "2.txt", "Byline: Omar Malik and AYESHA KHAN\n", title="Two"
    )
    third = document(tmp_path, "3.txt", "Byline: omar malik\n", title="Three")
    run(tmp_path)  # one batch: the new author is made once
    assert credited(brief_from(first)) == ["Ayesha Khan"]
    assert credited(brief_from(second)) == ["Omar Malik", "Ayesha Khan"]
    assert credited(brief_from(third)) == ["Omar Malik"]
    assert Author.objects.count() == 2
    assert brief_from(first).credits.get().author == existing
    assert Author.objects.get(pk=existing.pk).role == "Senior Fellow"


def test_new_authors_get_the_slugs_one_at_a_time_would(tmp_path):
    Author.objects.create(name="Someone Else", slug="ayesha-khan")
    document(tmp_path, "1.txt", "Byline: Ayesha Khan\n", title="One")
    document(tmp_path, "2.txt", "Byline: Ayesha-Khan\n", title="Two")
    run(tmp_path)
    assert dict(Author.objects.values_list("name", "slug")) == {
        "Someone Else": "ayesha-khan",
        "Ayesha Khan": "ayesha-khan-2",
        "Ayesha-Khan": "ayesha-khan-3",
    }


def test_the_order_of_the_document_is_kept(tmp_path):
    document(tmp_path, "1.txt", "Byline: Ayesha Khan and Omar Malik\n", title="One")
    document(tmp_path, "2.txt", "Byline: Omar Malik; Ayesha Khan\n", title="Two")
    run(tmp_path)
    assert credited(brief_from(tmp_path / "1.txt")) == ["Ayesha Khan", "Omar Malik"]
    assert credited(brief_from(tmp_path / "2.txt")) == ["Omar Malik", "Ayesha Khan"]


def test_a_dry_run_writes_nothing_and_says_who_would_be_credited(tmp_path):
    path = document(tmp_path, "a.txt", "Byline: Ayesha Khan and Omar Malik\n")
    out = run("--dry-run", path)
    assert "would be created" in out
    assert "  authors: Ayesha Khan, Omar Malik" in out
    result = Importer(ImportOptions(dry_run=True)).document(
        str(path), path.read_bytes(), name=path.name
    )
    assert result.outcome == Outcome.CREATED
    assert result.plan["authors"] == ["Ayesha Khan", "Omar Malik"]
    assert Author.objects.count() == BriefAuthor.objects.count() == 0
    assert Brief.objects.count() == 0


def test_the_import_page_previews_the_authors_and_writes_nothing(chief):
    response = paste(chief, f"Title: Talks\nByline: Ayesha Khan and Reuters\n\n{BODY}")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<dt>Authors</dt><dd class="import-authors">Ayesha Khan</dd>' in page
    assert Author.objects.count() == 0
    wire = paste(chief, f"Title: Talks\nByline: Reuters\n\n{BODY}").content.decode()
    assert '<dd class="import-authors">None found</dd>' in wire


def test_a_writer_s_import_credits_only_existing_authors(writer):
    """Writers credit the authors editors keep; they add none."""
    Author.objects.create(name="Ayesha Khan")
    response = paste(
        writer, f"Title: Talks\nByline: Omar Malik and ayesha khan\n\n{BODY}"
    )
    page = response.content.decode()
    assert '<dd class="import-authors">Ayesha Khan</dd>' not in page  # as written
    assert '<dd class="import-authors">ayesha khan</dd>' in page
    assert "author &#x27;Omar Malik&#x27; left out" in page
    create(writer, response)
    assert credited(Brief.objects.get()) == ["Ayesha Khan"]
    assert Author.objects.count() == 1


def test_an_editor_s_import_from_the_page_creates_the_authors(chief):
    create(chief, paste(chief, f"Title: Talks\nByline: Omar Malik\n\n{BODY}"))
    assert credited(Brief.objects.get()) == ["Omar Malik"]


def test_a_second_run_of_unchanged_documents_changes_nothing(tmp_path):
    path = document(tmp_path, "a.txt", "Byline: Ayesha Khan and Omar Malik\n")
    run(path)
    before = list(BriefAuthor.objects.values_list("pk", "author_id", "position"))
    assert "unchanged:" in run(path)
    assert (
        list(BriefAuthor.objects.values_list("pk", "author_id", "position")) == before
    )
    assert Author.objects.count() == 2


def test_a_changed_byline_moves_the_credits_with_it(tmp_path):
    path = document(tmp_path, "a.txt", "Byline: Ayesha Khan and Omar Malik\n")
    run(path)
    document(tmp_path, "a.txt", "Byline: Priya Shah and ayesha khan\n")
    assert "updated:" in run(path)
    brief = brief_from(path)
    assert credited(brief) == ["Priya Shah", "Ayesha Khan"]
    assert brief.byline == "Priya Shah and ayesha khan"
    # Omar Malik stays an author (his page names his other briefs, if any).
    assert Author.objects.count() == 3
    latest = Version.objects.get_for_object(brief).first().revision
    assert versions_of(latest) == versions_of(fresh_revision(brief))


def test_an_editor_s_credits_are_not_overwritten(tmp_path):
    path = document(tmp_path, "a.txt", "Byline: Ayesha Khan\n")
    run(path)
    brief = brief_from(path)
    # An editor adds a co-author; the byline and the rest stay as imported.
    BriefAuthor.objects.create(
        brief=brief, author=Author.objects.create(name="Lena Park"), position=1
    )
    document(tmp_path, "a.txt", "Byline: Omar Malik\n")
    assert "conflict:" in run(path)
    assert credited(brief_from(path)) == ["Ayesha Khan", "Lena Park"]
    assert "updated:" in run("--force", path)
    assert credited(brief_from(path)) == ["Omar Malik"]
    # The editor's version, credits and all, is in the brief's history.
    kept = Version.objects.get_for_object(brief)[1].revision
    assert kept.comment.startswith("Editor's version")
    names = {
        v.field_dict["author_id"]
        for v in kept.version_set.all()
        if v.content_type.model_class() is BriefAuthor
    }
    assert names == set(
        Author.objects.filter(name__in=["Ayesha Khan", "Lena Park"]).values_list(
            "pk", flat=True
        )
    )


def test_an_unedited_brief_imported_before_authors_gets_its_credits(tmp_path):
    """A brief whose import credited no one (imported before authors were)
    takes the changed document's authors."""
    path = document(tmp_path, "a.txt", "Byline: Reuters\n")
    run(path)
    document(tmp_path, "a.txt", "Byline: Ayesha Khan\n")
    assert "updated:" in run(path)
    assert credited(brief_from(path)) == ["Ayesha Khan"]


def test_a_new_brief_s_revision_holds_its_credits_as_reversion_records_them(
    tmp_path,
):
    document(tmp_path, "1.txt", "Byline: Ayesha Khan and Omar Malik\n", title="One")
    document(tmp_path, "2.txt", "Byline: omar malik\n", title="Two")
    run(tmp_path)
    for brief in Brief.objects.all():
        imported = Version.objects.get_for_object(brief).get().revision
        held = [
            v
            for v in imported.version_set.all()
            if v.content_type.model_class() is BriefAuthor
        ]
        assert len(held) == brief.credits.count() > 0
        assert versions_of(imported) == versions_of(fresh_revision(brief))


def test_a_public_version_names_the_authors(tmp_path):
    path = document(tmp_path, "a.txt", "Byline: Ayesha Khan\n")
    run(path)
    snapshot = brief_from(path).public_versions.get().snapshot
    assert [author["name"] for author in snapshot["authors"]] == ["Ayesha Khan"]


def test_crediting_runs_a_fixed_number_of_queries(tmp_path, monkeypatch):
    """However many documents and authors a batch has: one query finds the
    authors, one inserts the new ones and one the credits."""
    monkeypatch.setattr("briefs.ingest.importing.BATCH_SECONDS", 600)
    runs = itertools.count(1)

    def import_queries(documents: int) -> int:
        folder = tmp_path / str(next(runs))
        folder.mkdir()
        for n in range(documents):
            document(
                folder,
                f"{n}.txt",
                # A new writer for each document (names have no digits).
                f"Byline: Writer {'abcdefg'[int(folder.name)]}{'abcdefg'[n]} "
                "and Ayesha Khan\n",
                title=f"Run {folder.name} document {n}",
            )
        with CaptureQueriesContext(connection) as queries:
            call_command("import_seeds", str(folder), stdout=io.StringIO())
        return len(queries)

    import_queries(1)  # the starter vocabulary, the seed's tags, Ayesha Khan
    two, four, six = import_queries(2), import_queries(4), import_queries(6)
    assert two == four == six, (two, four, six)
    assert Author.objects.count() == 1 + 1 + 2 + 4 + 6
