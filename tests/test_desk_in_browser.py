"""The desk in a real headless Chromium: what an editor finds there and does next.

A writer's brief in review is on the editor's desk; the editor opens it,
reads what changed in its history, publishes it with the form's button and
sees it live. An editor schedules a draft and finds it under Scheduled, with
its time.
"""

from __future__ import annotations

import datetime as dt

import pytest
import reversion
from django.utils import timezone

from briefs.models import Brief
from tests.factories import draft_brief, make_brief
from tests.people import log_in, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_finds_a_brief_on_the_desk_reviews_the_diff_and_publishes_it(
    browser_page,
):
    page = browser_page
    writer = staff_member("Writers", "wanda")
    staff_member("Editors", "edith")
    brief = make_brief(
        title="Port fees fall",
        status=Brief.Status.REVIEW,
        created_by=writer,
        summary="Fees fall by a tenth.",
    )
    for summary in ("Fees fall by a tenth.", "Fees fall by a fifth from March."):
        with reversion.create_revision():
            reversion.set_user(writer)
            Brief.objects.filter(pk=brief.pk).update(summary=summary)
            reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))
    log_in(page, "edith")

    review = page.locator(".desk-pile-review")
    assert "Port fees fall" in review.locator(".desk-briefs").inner_text()
    review.get_by_role("link", name="Port fees fall").click()
    page.wait_for_url(f"**/admin/briefs/brief/{brief.pk}/change/")

    page.goto(f"/admin/briefs/brief/{brief.pk}/history/")
    page.get_by_role("button", name="Compare the two revisions").click()
    page.wait_for_url("**/history/compare/**")
    assert page.locator("#content del").all_inner_texts() == ["tenth"]
    assert page.locator("#content ins").all_inner_texts() == ["fifth from March"]

    page.goto(f"/admin/briefs/brief/{brief.pk}/change/")
    page.get_by_role("button", name="Publish now").click()
    page.wait_for_selector(".messagelist .success")
    brief.refresh_from_db()
    assert brief.is_public

    page.goto(brief.get_absolute_url())
    assert page.locator("h1").inner_text() == "Port fees fall"
    assert page.locator(".preview-banner").count() == 0
    page.goto("/admin/")
    assert "Port fees fall" in page.locator(".desk-pile-published").inner_text()
    assert "Port fees fall" not in page.locator(".desk-pile-review").inner_text()


def test_an_editor_schedules_a_draft_and_finds_it_under_scheduled(
    browser_page, sign_in
):
    page = browser_page
    editor = staff_member("Editors", "edith")
    draft = draft_brief(title="Ministers meet in Geneva", created_by=editor)
    sign_in(page, editor)
    page.goto("/admin/")

    drafts = page.locator(".desk-pile-drafts")
    drafts.get_by_role("link", name="Ministers meet in Geneva").click()
    when = timezone.localtime() + dt.timedelta(days=3)
    page.fill("#id_published_at_0", when.strftime("%Y-%m-%d"))
    page.fill("#id_published_at_1", "08:15:00")
    page.get_by_role("button", name="Schedule…").click()
    page.wait_for_selector(".messagelist .success")

    page.goto("/admin/")
    scheduled = page.locator(".desk-pile-scheduled")
    assert "Ministers meet in Geneva" in scheduled.inner_text()
    assert f"{when:%-d %b %Y}, 08:15" in scheduled.inner_text()
    assert (
        "Ministers meet in Geneva" not in page.locator(".desk-pile-drafts").inner_text()
    )
    draft.refresh_from_db()
    assert draft.is_scheduled
    # Readers do not see it yet.
    assert page.goto(draft.get_absolute_url()).status == 200  # staff preview
    assert page.locator(".preview-banner").count() == 1
