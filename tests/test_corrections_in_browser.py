"""Restores, refusals and corrections in a real headless Chromium, as people do them."""

from __future__ import annotations

import pytest
import reversion

from briefs.models import Brief, Section
from tests.factories import published_brief
from tests.people import staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def live_brief_with_an_older_revision(owner) -> Brief:
    """A live brief whose history holds an earlier text, since replaced."""
    brief = published_brief(
        title="Grain corridor talks",
        created_by=owner,
        sections=(("", "Ministers met on Monday.", ()),),
    )
    with reversion.create_revision():
        reversion.set_comment("First text")
        reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))
    Section.objects.filter(brief=brief).update(body="Ministers met on Tuesday.")
    return brief


def test_an_editor_restores_an_old_revision_and_the_brief_stays_live(
    browser_page, sign_in
):
    page = browser_page
    editor = staff_member("Editors", "edith")
    brief = live_brief_with_an_older_revision(editor)
    sign_in(page, editor)

    page.goto(f"/admin/briefs/brief/{brief.pk}/history/")
    page.locator("#change-history tbody th a").last.click()
    page.wait_for_selector(".restore-summary")
    assert "This brief is live." in page.locator(".restore-summary").inner_text()
    assert page.locator(".restore-summary del").first.inner_text() == "Tuesday"
    page.get_by_label("Minor edit").check()
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    reader = page.context.browser.new_page(base_url=page.url.split("/admin/")[0])
    response = reader.goto(brief.get_absolute_url())
    assert response.status == 200
    assert "Ministers met on Monday." in reader.locator("main").inner_text()
    reader.close()
    brief.refresh_from_db()
    assert brief.status == "published"


def test_a_writers_restore_of_a_live_brief_is_refused_with_a_clear_message(
    browser_page, sign_in
):
    page = browser_page
    writer = staff_member("Writers", "wanda")
    brief = live_brief_with_an_older_revision(writer)
    sign_in(page, writer)

    page.goto(f"/admin/briefs/brief/{brief.pk}/history/")
    page.locator("#change-history tbody th a").last.click()

    error = page.locator(".messagelist .error")
    error.wait_for()
    assert "This revision was not restored." in error.inner_text()
    assert "only an editor can change it" in error.inner_text()
    assert page.url.endswith(f"/admin/briefs/brief/{brief.pk}/history/")
    brief.refresh_from_db()
    assert brief.status == "published"
    assert brief.sections.get().body == "Ministers met on Tuesday."


def test_an_editor_adds_a_correction_and_a_reader_sees_it(browser_page, sign_in):
    page = browser_page
    editor = staff_member("Editors", "edith")
    brief = published_brief(
        title="Port reopens",
        created_by=editor,
        sections=(("", "The port handled 20 ships.", ()),),
    )
    sign_in(page, editor)

    page.goto(f"/admin/briefs/brief/{brief.pk}/change/")
    page.fill("#id_sections-0-body", "The port handled 12 ships.")
    page.check("input[name=change_kind][value=correction]")
    page.fill("#id_change_note", "An earlier version gave the number of ships as 20.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector(".messagelist .success")

    reader = page.context.browser.new_page(base_url=page.url.split("/admin/")[0])
    reader.goto(brief.get_absolute_url())
    main = reader.locator("main").inner_text()
    assert "The port handled 12 ships." in main
    assert "An earlier version gave the number of ships as 20." in main
    assert "Version 2" in main
    reader.close()
