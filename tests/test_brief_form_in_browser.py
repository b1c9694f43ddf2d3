"""The brief form in a real headless Chromium, as writers and editors use it.

A writer drafts a brief with tag chips, the tagger's suggestions and a
section preview, and submits it for review; an editor schedules one brief
and publishes another with the form's buttons, reordering key points from
the keyboard. axe looks at the form with the chips, the suggestions and the
preview showing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from briefs.models import Brief, Tag, TagPhrase
from tests.browser import axe_violations
from tests.factories import draft_brief
from tests.people import staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_writer_drafts_with_chips_and_a_preview_and_submits_it(browser_page, sign_in):
    page = browser_page
    writer = staff_member("Writers", "wanda")
    trade = Tag.objects.create(name="Trade", kind=Tag.Kind.TOPIC)
    TagPhrase.objects.create(tag=trade, phrase="trade")
    Tag.objects.create(name="Pakistan", kind=Tag.Kind.PLACE)
    sign_in(page, writer)

    page.goto("/admin/briefs/brief/add/")
    page.fill("#id_title", "Pakistan reopens trade talks")
    page.fill("#id_key_points-0-text", "Talks resume in June")
    page.fill("#id_sections-0-body", "Talks on **trade** resumed on Monday.")

    # The tagger's suggestions: add one to the section, one to the brief,
    # and dismiss the other.
    section = page.locator("#sections-0")
    section.get_by_role("button", name="Add suggested tag Trade").click()
    brief_tags = page.locator(".field-tags").first
    brief_tags.get_by_role("button", name="Add suggested tag Pakistan").click()
    brief_tags.get_by_role("button", name="Dismiss suggested tag Trade").click()
    assert brief_tags.locator(".tag-suggestions").is_hidden()

    # A writer picks existing tags only.
    entry = page.locator("#id_tags-entry")
    entry.fill("Smuggling")
    entry.press("Enter")
    assert "is not a tag" in brief_tags.locator(".tag-chips__status").inner_text()
    entry.fill("")
    assert brief_tags.locator(".tag-chip__name").all_inner_texts() == ["Pakistan"]

    section.get_by_role("button", name="Preview").click()
    preview = section.locator(".md-preview strong")
    preview.wait_for()
    assert preview.inner_text() == "trade"
    assert axe_violations(page) == []

    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_selector(".messagelist .success")

    brief = Brief.objects.get(title="Pakistan reopens trade talks")
    assert (brief.status, brief.created_by) == (Brief.Status.REVIEW, writer)
    assert list(brief.tags.names()) == ["Pakistan"]
    assert list(brief.sections.get().tags.names()) == ["Trade"]
    assert brief.key_points.get().text == "Talks resume in June"


def test_an_editor_schedules_one_brief_and_publishes_another(browser_page, sign_in):
    page = browser_page
    edith = staff_member("Editors", "edith")
    later = draft_brief(title="Ministers meet in Geneva")
    now = draft_brief(title="Port fees fall", key_points=("First", "Second", "Third"))
    sign_in(page, edith)

    page.goto(f"/admin/briefs/brief/{later.pk}/change/")
    schedule = page.get_by_role("button", name="Schedule…")
    schedule.click()  # no date yet: the form shows where to set one
    assert "Choose the date and time" in page.locator("#schedule-hint").inner_text()
    when = timezone.localtime() + dt.timedelta(days=2)
    page.fill("#id_published_at_0", when.strftime("%Y-%m-%d"))
    page.fill("#id_published_at_1", "09:30:00")
    schedule.click()
    page.wait_for_selector(".messagelist .success")
    assert (
        "Scheduled “Ministers meet in Geneva”"
        in page.locator(".messagelist").inner_text()
    )
    later.refresh_from_db()
    assert later.is_scheduled
    assert timezone.localtime(later.published_at).strftime("%H:%M") == "09:30"

    page.goto(f"/admin/briefs/brief/{now.pk}/change/")
    # The third key point to the top, from the keyboard.
    page.get_by_role("button", name="Move key point 3 to the top").press("Enter")
    labels = page.locator("#key_points-group .inline-row-label").all_inner_texts()
    assert labels[:3] == ["Key point 1", "Key point 2", "Key point 3"]
    assert (
        page.input_value("#key_points-group tbody tr >> nth=0 >> input.vTextField")
        == "Third"
    )
    page.get_by_role("button", name="Publish now").click()
    page.wait_for_selector(".messagelist .success")
    page.locator(".messagelist a").click()

    assert page.locator("h1").inner_text() == "Port fees fall"
    assert page.locator(".preview-banner").count() == 0
    assert page.locator("#key-points li").first.inner_text() == "Third"
    now.refresh_from_db()
    assert now.is_public
