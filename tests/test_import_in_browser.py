"""An editor makes drafts from documents in a real headless Chromium: a pasted
wire story and an uploaded file, each previewed, then created in one click."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefs.models import Brief
from tests.browser import axe_violations
from tests.people import staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_a6517fdfc5b60d0c.txt"

WIRE_STORY = """Port workers end strike in Rotterdam

ROTTERDAM, June 3 (Example Wire) — Dock workers voted on Tuesday to end a four-day strike that had idled container terminals across the port.

The union said the agreement raises wages by six percent over two years and limits night shifts.

What comes next

Shipping lines expect the backlog of containers to clear within a week.
"""


def open_import_page_from_the_list(page) -> None:
    page.goto("/admin/briefs/brief/")
    page.get_by_role("link", name="New brief from a document").click()
    page.wait_for_url("**/admin/briefs/brief/import/")


def create_draft(page) -> Brief:
    """Click Create draft on the preview and return the brief it made."""
    page.get_by_role("button", name="Create draft").first.click()
    page.wait_for_url("**/change/")
    assert "Created the draft" in page.locator(".messagelist .success").inner_text()
    return Brief.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]))


def test_an_editor_creates_a_draft_from_a_pasted_wire_story(browser_page, sign_in):
    page = browser_page
    edith = staff_member("Editors", "edith")
    sign_in(page, edith)
    open_import_page_from_the_list(page)

    page.get_by_label("Or paste the text").fill(WIRE_STORY)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".import-preview")
    preview.wait_for()
    assert "Port workers end strike in Rotterdam" in preview.inner_text()
    assert "ROTTERDAM, June 3 (Example Wire)" in preview.inner_text()
    assert preview.get_by_role("heading", name="What comes next").count() == 1
    assert Brief.objects.count() == 0
    assert axe_violations(page) == []

    brief = create_draft(page)
    assert page.input_value("#id_title") == "Port workers end strike in Rotterdam"
    assert brief.status == Brief.Status.DRAFT
    assert brief.created_by == edith
    assert brief.dateline == "ROTTERDAM, June 3 (Example Wire)"
    assert brief.source_path.startswith("pasted text, ")
    assert [s.heading for s in brief.sections.all()] == ["", "What comes next"]


def test_an_editor_creates_a_draft_from_an_uploaded_file(browser_page, sign_in):
    page = browser_page
    sign_in(page, staff_member("Editors", "edith"))
    open_import_page_from_the_list(page)

    page.get_by_label("Upload a file").set_input_files(str(SEED))
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".import-preview")
    preview.wait_for()
    assert "Seventh foreign ministers’ dialogue held in Beijing" in preview.inner_text()
    preview.locator("details summary").first.click()
    assert preview.locator(".import-body").first.is_visible()

    sent = {
        name: page.locator(f".import-preview [name={name}]").input_value()
        for name in ("csrfmiddlewaretoken", "document", "token")
    }
    brief = create_draft(page)
    assert brief.source_path.startswith(f"{SEED.name}, uploaded ")
    assert brief.key_points.count() == 3
    assert brief.status == Brief.Status.DRAFT
    # The same form sent again (a second click, a reload): no second brief.
    again = page.request.post("/admin/briefs/brief/import/", form=sent)
    assert again.ok
    assert again.url.endswith(f"/admin/briefs/brief/{brief.pk}/change/")
    assert Brief.objects.count() == 1


def test_a_bad_file_is_refused_with_its_reason(browser_page, sign_in, tmp_path):
    page = browser_page
    wanda = staff_member("Writers", "wanda")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    sign_in(page, wanda)
    page.goto("/admin/briefs/brief/import/")

    page.get_by_label("Upload a file").set_input_files(str(empty))
    page.get_by_role("button", name="Preview").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "empty document: there is no text in it" in alert.inner_text()
    assert page.locator(".import-preview").count() == 0
    assert axe_violations(page) == []
    assert Brief.objects.count() == 0
