"""New brief from a document: the admin's import page, preview then create.

The page uses the importer ``import_seeds`` uses, so a document reads the
same and a bad one gets the command line's own message. A preview writes
nothing; creating makes a draft by the person who sent it, from the very
document previewed (checked by its SHA-256 and a signed token), once.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from reversion.models import Revision, Version

from briefs.admin import importing as import_page
from briefs.ingest.importing import Importer, ImportOptions, Outcome
from briefs.models import (
    Brief,
    ImportRecord,
    StatusChange,
    Tag,
    TagPhrase,
)
from tests.people import client_for
from tests.test_quality import uses_nu_checker

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_a6517fdfc5b60d0c.txt"
CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
URL = "/admin/briefs/brief/import/"

WIRE = """Title: Grain corridor talks resume in Istanbul

Key points
- Delegations meet for a second round
- Insurance for ships is the main question

ISTANBUL, March 14 (Example Wire) — Negotiators from both sides met on Friday to reopen the grain corridor.

Insurance

Shipping firms want cover before they send ships through the strait.
"""

pytestmark = pytest.mark.django_db


def rows() -> dict[str, int]:
    """How many rows every table an import writes to has."""
    models = (Brief, Revision, Version, StatusChange, Tag, TagPhrase, ImportRecord)
    return {model.__name__: model.objects.count() for model in models}


def paste(client: Client, text: str):
    return client.post(URL, {"text": text})


def upload(client: Client, name: str, data: bytes):
    return client.post(URL, {"file": SimpleUploadedFile(name, data)})


def carried(response) -> dict[str, str]:
    """The preview's create form, as the browser sends it back."""
    confirm = response.context["confirm"]
    return {"document": confirm.initial["document"], "token": confirm.initial["token"]}


def create(client: Client, response):
    return client.post(URL, carried(response))


def cli_failure(tmp_path: Path, data: bytes) -> str:
    """What ``import_seeds`` says of a file holding ``data``."""
    path = tmp_path / "document.txt"
    path.write_bytes(data)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(path), "--dry-run", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "failed:" in line)
    return line.removeprefix(f"failed: {path} (").removesuffix(")")


# Who may use it ---------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.post(URL, {"text": WIRE}).status_code == 302
    assert Brief.objects.count() == 0


def test_staff_without_the_add_permission_are_refused(db):
    user = get_user_model().objects.create_user("viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_brief"))
    client = client_for(user)
    assert client.get(URL).status_code == 403
    assert paste(client, WIRE).status_code == 403
    assert Brief.objects.count() == 0


def test_writers_and_editors_may_import(writer, chief):
    for client in (writer, chief):
        response = client.get(URL)
        assert response.status_code == 200
        assert reverse("admin:briefs_brief_import") == URL


def test_the_brief_list_links_to_the_page_and_keeps_add(chief):
    page = chief.get(reverse("admin:briefs_brief_changelist")).content.decode()
    assert f'href="{URL}"' in page
    assert "New brief from a document" in page
    assert reverse("admin:briefs_brief_add") in page


def test_the_empty_page_labels_both_ways_in(chief):
    page = chief.get(URL).content.decode()
    assert '<label for="id_file">Upload a file:</label>' in page
    assert '<label for="id_text">Or paste the text:</label>' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'aria-describedby="id_file_helptext"' in page
    assert 'id="id_file_helptext"' in page
    assert "csrfmiddlewaretoken" in page


def test_every_post_needs_the_csrf_token(chief):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(chief.user)
    assert strict.post(URL, {"text": WIRE}).status_code == 403
    previewed = paste(chief, WIRE)
    assert strict.post(URL, carried(previewed)).status_code == 403
    assert Brief.objects.count() == 0


# Preview ------------------------------------------------------------------------


def test_a_preview_writes_nothing(chief):
    before = rows()
    assert paste(chief, WIRE).status_code == 200
    assert upload(chief, "seed.txt", SEED.read_bytes()).status_code == 200
    assert rows() == before
    # Not even the starter vocabulary the tagging used.
    assert TagPhrase.objects.count() == 0


def test_the_preview_shows_what_the_importer_makes_of_it(chief):
    response = paste(chief, WIRE.replace("\n\n", "\nTags: Shipping\n\n", 1))
    plan = response.context["plan"]
    assert plan["title"] == "Grain corridor talks resume in Istanbul"
    assert plan["dateline"] == "ISTANBUL, March 14 (Example Wire)"
    assert plan["key_points"] == [
        "Delegations meet for a second round",
        "Insurance for ships is the main question",
    ]
    assert [s["heading"] for s in plan["sections"]] == ["", "Insurance"]
    page = response.content.decode()
    for text in (
        "Preview: nothing is saved yet",
        "Grain corridor talks resume in Istanbul",
        "ISTANBUL, March 14 (Example Wire)",
        "Delegations meet for a second round",
        "<h4>Insurance</h4>",
        "Shipping",
        'value="Create draft"',
        "pasted text, ",
    ):
        assert text in page
    assert response.context["preview"].sha256 in page


def test_the_preview_of_the_seed_lists_its_tags_and_section_tags(chief):
    response = upload(chief, "seed.txt", SEED.read_bytes())
    plan = response.context["plan"]
    names = [tag["name"] for tag in plan["tags"]]
    assert {"China", "Pakistan"} <= set(names)
    assert all(tag["proposed"] for tag in plan["tags"])
    assert any(section["tags"] for section in plan["sections"])
    assert "suggested" in response.content.decode()


def test_the_preview_says_when_the_same_content_was_imported_already(chief):
    first = paste(chief, WIRE)
    create(chief, first)
    again = paste(chief, WIRE)
    assert again.context["same_content"] == Brief.objects.get()
    assert "Creating this one makes a second brief" in again.content.decode()


def test_a_pasted_preview_keeps_the_text_to_edit(chief):
    page = paste(chief, WIRE).content.decode()
    assert "Negotiators from both sides met on Friday" in page.split("<textarea")[1]
    assert "Preview another document" in page


def test_nothing_or_both_is_refused(chief):
    assert "Upload a file or paste the text of a document." in (
        chief.post(URL, {"text": ""}).content.decode()
    )
    both = chief.post(
        URL, {"text": WIRE, "file": SimpleUploadedFile("a.txt", b"Some text.")}
    )
    assert "Upload a file or paste text, not both." in both.content.decode()
    assert "plan" not in both.context


# Bad files: the command line's messages ------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b" \n\t\n", id="blank"),
        pytest.param(b"text\x00with a NUL", id="binary-nul"),
        pytest.param(bytes(range(1, 9)) * 40, id="binary-controls"),
        pytest.param(b"Title: Only a header\n\n", id="header-only"),
        pytest.param(b"Published: yesterday\n\nSome text.", id="bad-date"),
        pytest.param(b"x" * 1100, id="too-large"),
    ],
)
@override_settings(NEWSROOM_IMPORT_MAX_BYTES=1024)
def test_a_bad_file_gets_the_command_lines_message(chief, tmp_path, data):
    message = cli_failure(tmp_path, data)
    before = rows()
    response = upload(chief, "bad.txt", data)
    assert response.context["failure"] == message
    assert "This document cannot be imported:" in response.content.decode()
    assert "plan" not in response.context
    assert rows() == before


@override_settings(NEWSROOM_IMPORT_MAX_BYTES=1024)
def test_pasted_text_over_the_limit_gets_the_same_message(chief, tmp_path):
    response = paste(chief, "y" * 1100)
    assert response.context["failure"] == cli_failure(tmp_path, b"y" * 1100)
    assert response.context["failure"].startswith("file is larger than the ")


def test_a_file_that_is_not_utf8_is_read_as_windows_1252_with_the_warning(
    chief, tmp_path
):
    data = "Caf\u00e9 talks end\n\nMinisters met at the caf\u00e9.".encode("cp1252")
    path = tmp_path / "latin.txt"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_seeds", str(path), "--dry-run", stdout=out)
    warning = "not valid UTF-8 (at byte 3); read as Windows-1252"
    assert warning in out.getvalue()
    response = upload(chief, "latin.txt", data)
    assert warning in response.context["preview"].warnings
    assert warning in response.content.decode()
    assert response.context["plan"]["title"] == "Café talks end"
    created = create(chief, response)
    brief = Brief.objects.get()
    assert created["Location"].endswith(f"/{brief.pk}/change/")
    # The file's own bytes, not the text they were read as.
    assert brief.source_sha256 == hashlib.sha256(data).hexdigest()


# Creating ------------------------------------------------------------------------


def test_a_paste_becomes_a_draft_by_its_sender(chief):
    previewed = paste(chief, WIRE.replace("\n", "\r\n"))
    response = create(chief, previewed)
    brief = Brief.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:briefs_brief_change", args=[brief.pk])
    assert brief.status == Brief.Status.DRAFT
    assert brief.title == "Grain corridor talks resume in Istanbul"
    assert brief.created_by == chief.user
    assert brief.source_path.startswith("pasted text, ")
    # The text as typed, with the line ends the browser sends made \n.
    assert brief.source_sha256 == hashlib.sha256(WIRE.encode()).hexdigest()
    assert brief.source_path.endswith(f" UTC, {brief.source_sha256[:12]}")
    assert brief.key_points.count() == 2
    assert brief.sections.count() == 2
    revision = Version.objects.get_for_object(brief).get().revision
    assert revision.user == chief.user
    assert revision.get_comment() == f"Imported from {brief.source_path}"
    change = StatusChange.objects.get(brief=brief)
    assert (change.to_status, change.user, change.via) == (
        Brief.Status.DRAFT,
        chief.user,
        StatusChange.Via.IMPORT,
    )
    page = chief.get(response["Location"]).content.decode()
    assert "Created the draft “Grain corridor talks resume in Istanbul”" in page


def test_an_upload_records_its_file_name_and_sha256(chief):
    data = SEED.read_bytes()
    response = create(chief, upload(chief, "wire story.txt", data))
    brief = Brief.objects.get()
    assert response.status_code == 302
    assert brief.source_path.startswith("wire story.txt, uploaded ")
    assert brief.source_sha256 == hashlib.sha256(data).hexdigest()
    assert brief.status == Brief.Status.DRAFT
    assert brief.created_by == chief.user
    assert brief.tags.filter(name="China").exists()


def test_a_document_dated_and_tagged_as_published_is_still_a_draft(chief):
    text = "Title: Live already\nPublished: 2024-05-01\nTags: Trade\n\nSome text."
    create(chief, paste(chief, text))
    brief = Brief.objects.get()
    assert brief.status == Brief.Status.DRAFT
    assert not brief.is_public


@pytest.mark.parametrize("published", ["2099-05-01", "2024-05-01"])
def test_only_an_editors_import_keeps_the_documents_date(writer, chief, published):
    # Writers do not date briefs: a date from their document would schedule
    # or backdate the brief when an editor later publishes it.
    text = f"Title: Dated by {{who}}\nPublished: {published}\n\nSome text."
    create(writer, paste(writer, text.format(who="a writer")))
    create(chief, paste(chief, text.format(who="an editor")))

    by_writer = Brief.objects.get(created_by=writer.user)
    by_editor = Brief.objects.get(created_by=chief.user)
    assert by_writer.published_at is None
    assert by_editor.published_at.date().isoformat() == published


def test_the_import_is_recorded_for_the_desk(chief):
    create(chief, paste(chief, WIRE))
    record = ImportRecord.objects.get()
    assert (record.user, record.via, record.created) == (
        chief.user,
        ImportRecord.Via.ADMIN,
        1,
    )


def test_a_writer_creates_a_draft_of_their_own_without_new_tags(writer):
    text = "Title: Port strike\nTags: Shipping, Made up tag\n\nDockers stopped work."
    Tag.objects.create(name="Shipping")
    previewed = paste(writer, text)
    warning = (
        "tag 'Made up tag' left out: it is not a tag yet, and only editors create tags"
    )
    assert warning in previewed.context["preview"].warnings
    response = create(writer, previewed)
    brief = Brief.objects.get()
    assert brief.created_by == writer.user
    assert sorted(brief.tags.names()) == ["Shipping"]
    assert not Tag.objects.filter(name="Made up tag").exists()
    assert writer.get(response["Location"]).status_code == 200


def test_a_writers_document_tags_are_looked_up_in_one_query(
    writer, django_assert_num_queries
):
    """However many tags a document names, whether each exists is one query."""
    from briefs.ingest.importing import Tagging
    from briefs.tagging.vocabulary import build_tagger

    Tag.objects.create(name="Shipping")
    tagging = Tagging.using(build_tagger())
    names = ["Shipping", "shipping", *(f"Made up {n}" for n in range(60))]
    with django_assert_num_queries(1):
        known = tagging.known(names)
    assert known == {"Shipping", "shipping"}


def test_an_editor_may_create_the_documents_new_tags(chief):
    create(chief, paste(chief, "Title: Port strike\nTags: Made up tag\n\nText."))
    assert Brief.objects.get().tags.filter(name="Made up tag").exists()


# Double submits and tampering --------------------------------------------------------


def test_sending_the_create_form_twice_makes_one_brief(chief):
    previewed = paste(chief, WIRE)
    first = create(chief, previewed)
    second = create(chief, previewed)
    assert Brief.objects.count() == 1
    assert first["Location"] == second["Location"]
    page = chief.get(second["Location"]).content.decode()
    assert "This document was imported already" in page


def test_two_sendings_at_once_make_one_brief(chief, monkeypatch):
    """The second sending finds no brief, then meets the first one's at the write."""
    previewed = paste(chief, WIRE)
    plan = Importer._plan

    def first_sending_lands_meanwhile(self, source_path, data, *, sha256, name):
        monkeypatch.setattr(Importer, "_plan", plan)
        first = Importer(self.options).document(source_path, data, name=name)
        assert first.outcome is Outcome.CREATED
        return plan(self, source_path, data, sha256=sha256, name=name)

    monkeypatch.setattr(Importer, "_plan", first_sending_lands_meanwhile)
    second = create(chief, previewed)
    brief = Brief.objects.get()
    assert second["Location"] == reverse("admin:briefs_brief_change", args=[brief.pk])


def test_a_document_changed_after_its_preview_is_refused(chief):
    data = carried(paste(chief, WIRE))
    data["document"] = import_page.pack(WIRE.replace("Istanbul", "Ankara").encode())
    response = chief.post(URL, data)
    assert response.status_code == 200
    assert import_page.CHANGED in response.content.decode()
    assert Brief.objects.count() == 0


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda data: {**data, "token": data["token"] + "x"}, id="token"),
        pytest.param(lambda data: {**data, "token": "garbage"}, id="garbage-token"),
        pytest.param(lambda data: {"token": data["token"]}, id="no-document"),
        pytest.param(lambda data: {**data, "document": "%%%"}, id="not-base64"),
        pytest.param(lambda data: {**data, "document": "aGVsbG8="}, id="not-zlib"),
    ],
)
def test_a_tampered_create_form_is_refused(chief, tamper):
    response = chief.post(URL, tamper(carried(paste(chief, WIRE))))
    page = response.content.decode()
    assert import_page.STALE in page or import_page.CHANGED in page
    assert Brief.objects.count() == 0
    assert ImportRecord.objects.count() == 0


def test_another_persons_preview_cannot_be_created(chief, writer):
    response = writer.post(URL, carried(paste(chief, WIRE)))
    assert import_page.STALE in response.content.decode()
    assert Brief.objects.count() == 0


def test_an_expired_preview_is_refused(chief, monkeypatch):
    data = carried(paste(chief, WIRE))
    monkeypatch.setattr(import_page, "TOKEN_MAX_AGE", -1)
    assert import_page.STALE in chief.post(URL, data).content.decode()
    assert Brief.objects.count() == 0


def test_a_document_that_inflates_past_the_limit_is_refused(chief):
    data = carried(paste(chief, WIRE))
    data["document"] = import_page.pack(b"a" * (3 * 1024 * 1024))
    assert import_page.CHANGED in chief.post(URL, data).content.decode()
    assert Brief.objects.count() == 0


def test_the_importer_never_overwrites_another_brief_when_creating_only(chief):
    options = ImportOptions(publish=False, create_only=True)
    first = Importer(options).document("pasted text, 2025-01-01 00:00:00 UTC", b"One.")
    other = Importer(options).document("pasted text, 2025-01-01 00:00:00 UTC", b"Two.")
    assert first.outcome is Outcome.CREATED
    assert other.outcome is Outcome.FAILED
    assert "has this source name" in other.detail
    assert Brief.objects.get().sections.get().body == "One."


def test_a_preview_is_a_dry_run_whatever_the_options(db):
    before = rows()
    importer = Importer(ImportOptions(dry_run=False))
    preview = importer.preview("x.txt", WIRE.encode())
    assert preview.plan["title"] == "Grain corridor talks resume in Istanbul"
    assert preview.failure == ""
    assert rows() == before


# Escaping -------------------------------------------------------------------------------


# No slash: a browser sends a file's name without its folders (and Django
# drops the characters of one that do not print).
HOSTILE_NAME = "<svg onload=alert('name')>.txt"
HOSTILE_TEXT = (
    "Title: <img src=x onerror=alert(1)> & co\n"
    "Tags: <b>bold</b>\n\n"
    "Key points\n- <script>alert('point')</script>\n\n"
    "<h2 onclick=alert(2)>Heading</h2>\n"
    "A body with <iframe src=javascript:alert(3)></iframe> and [a link](javascript:alert(4)).\n"
)


def test_hostile_names_and_html_are_shown_as_text(chief):
    response = upload(chief, HOSTILE_NAME, HOSTILE_TEXT.encode())
    page = response.content.decode()
    for raw in (
        "<script>alert",
        "<svg onload",
        "<img src=x",
        "<iframe",
        "<b>bold",
        "<h2 onclick",
    ):
        assert raw not in page
    assert "&lt;img src=x onerror=alert(1)&gt; &amp;amp; co" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co" in page
    assert "&lt;svg onload=alert(&#x27;name&#x27;)&gt;.txt, uploaded" in page
    assert 'href="javascript:' not in page

    created = create(chief, response)
    brief = Brief.objects.get()
    assert brief.title == "<img src=x onerror=alert(1)> & co"
    assert brief.source_path.startswith("<svg onload=alert('name')>.txt, ")
    change_page = chief.get(created["Location"]).content.decode()
    assert "<img src=x" not in change_page
    assert "Created the draft “&lt;img src=x onerror=alert(1)&gt; &amp; co”" in (
        change_page
    )


def test_a_file_names_invisible_characters_are_made_visible():
    source = import_page.uploaded_source("wire\u202etxt.exe\x1b[2J", b"")
    assert source.startswith("wire\\u202etxt.exe\\x1b[2J, uploaded ")


def test_a_long_file_name_is_cut_to_fit_the_source_path(chief):
    name = "n" * 250 + ".txt"
    create(chief, upload(chief, name, b"Some text."))
    brief = Brief.objects.get()
    assert brief.source_path.startswith("n" * 119 + "…, uploaded ")
    note = StatusChange.objects.get(brief=brief).note
    assert note == f"Imported from {brief.source_path}"


def test_a_long_source_path_is_cut_to_fit_the_status_note(db, tmp_path):
    folder = tmp_path / ("f" * 200)
    folder.mkdir()
    path = folder / "wire.txt"
    path.write_text(WIRE)
    result = Importer(ImportOptions()).file(path)
    assert result.outcome is Outcome.CREATED
    brief = Brief.objects.get()
    note = StatusChange.objects.get(brief=brief).note
    assert len(note) == 200
    assert note.endswith("…")


# Valid HTML ------------------------------------------------------------------------------


@uses_nu_checker
def test_the_page_is_valid_html_empty_previewed_and_refused(chief, tmp_path):
    from tests.test_quality import java_or_skip, nu_check, report

    java = java_or_skip()
    pages = {
        "empty": chief.get(URL),
        "preview": upload(chief, "seed.txt", SEED.read_bytes()),
        "hostile": upload(chief, HOSTILE_NAME, HOSTILE_TEXT.encode()),
        "refused": upload(chief, "empty.txt", b""),
        "form-error": chief.post(URL, {"text": ""}),
    }
    files = []
    for name, response in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    errors = [
        f"{Path(m.get('url', '')).name} line {m.get('lastLine')}: {m['message']}"
        for m in nu_check(java, files)
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert not errors, report(errors)


MARKDOWN = """---
title: Port strike ends after talks
summary: Dockers return to work on Monday.
---
Dockers voted to **return to work** after a week-long strike.

- Pay rises by 4 per cent
- A review of shift patterns
"""


@pytest.mark.parametrize(
    ("name", "data", "title"),
    [
        ("strike.md", MARKDOWN.encode(), "Port strike ends after talks"),
        (
            "release.html",
            (CORPUS / "518_nps_fire-island-fresnel-lens-release.html").read_bytes(),
            None,
        ),
        (
            "procedures.docx",
            (CORPUS / "523_va_child-care-subsidy-procedures.docx").read_bytes(),
            None,
        ),
    ],
)
def test_markdown_web_pages_and_word_files_are_read_by_their_kind(
    chief, name, data, title
):
    """The uploaded file's name says how to read it, at the preview and again
    when the previewed document is created."""
    response = upload(chief, name, data)
    assert response.status_code == 200
    assert not response.context["failure"], response.context["failure"]
    planned = response.context["plan"]
    if title is not None:
        assert planned["title"] == title
    create(chief, response)
    brief = Brief.objects.get()
    assert brief.title == planned["title"]
    assert brief.source_path.startswith(f"{name}, uploaded ")
    assert [s.body for s in brief.sections.all()] == [
        s["body"] for s in planned["sections"]
    ]


def test_a_markdown_upload_keeps_its_markup_and_summary(chief):
    create(chief, upload(chief, "strike.md", MARKDOWN.encode()))
    brief = Brief.objects.get()
    assert brief.summary == "Dockers return to work on Monday."
    html = brief.sections.get().body_html
    assert "<strong>return to work</strong>" in html
    assert "<li>Pay rises by 4 per cent</li>" in html


def test_the_same_markdown_pasted_is_plain_text(chief):
    """Pasted text is read as a .txt file: its asterisks reach readers as written."""
    create(chief, paste(chief, "Dockers voted to **return to work** today.\n"))
    html = Brief.objects.get().sections.get().body_html
    assert "**return to work**" in html
