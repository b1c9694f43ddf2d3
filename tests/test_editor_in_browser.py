"""An editor at work in a real headless Chromium: edit, tag, reorder, publish, conflict."""

from __future__ import annotations

import pytest

from briefs.models import Brief
from tests.factories import draft_brief
from tests.people import staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_brief(page, brief: Brief) -> None:
    page.goto(f"/admin/briefs/brief/{brief.pk}/change/")
    page.wait_for_selector("#brief_form")


def test_an_editor_edits_tags_reorders_publishes_and_readers_see_it(
    browser_page, sign_in
):
    page = browser_page
    edith = staff_member("Editors", "edith")
    brief = draft_brief(
        title="Talks on the grain corridor",
        key_points=("First point", "Second point", "Third point"),
        sections=(
            ("", "Opening paragraph.", ()),
            ("Next steps", "Old text.", ("Trade",)),
        ),
    )
    sign_in(page, edith)
    open_brief(page, brief)

    page.fill("#id_sections-1-body", "Ministers will meet again in June.")
    # Tags are chips: an editor may type a new one and press Enter.
    page.fill("#id_sections-1-tags-entry", "Food security")
    page.press("#id_sections-1-tags-entry", "Enter")
    # Drag the third key point to the top.
    rows = page.locator("#key_points-group tbody tr.form-row.has_original")
    rows.nth(2).locator("td.original p").drag_to(rows.nth(0).locator("td.original p"))
    page.get_by_role("button", name="Publish now").click()
    page.wait_for_selector(".messagelist .success")

    page.goto(brief.get_absolute_url())
    assert page.locator("h1").inner_text() == "Talks on the grain corridor"
    section = page.locator("#next-steps")
    assert "Ministers will meet again in June." in section.inner_text()
    assert section.get_by_role("link", name="Food security").count() == 1
    points = page.locator("#key-points li").all_inner_texts()
    assert points[0] == "Third point"
    assert sorted(points) == ["First point", "Second point", "Third point"]


def test_the_second_of_two_editors_is_refused_and_keeps_their_text(
    browser_page, chromium, live_server, sign_in
):
    first = browser_page
    edith = staff_member("Editors", "edith")
    otto = staff_member("Editors", "otto")
    brief = draft_brief(sections=(("", "Shared text.", ()),))
    second_context = chromium.new_context(base_url=live_server.url)
    second = second_context.new_page()
    try:
        sign_in(first, edith)
        sign_in(second, otto)
        open_brief(first, brief)
        open_brief(second, brief)

        first.fill("#id_title", "Edith's title")
        first.click("button[name=move][value=save]")
        first.wait_for_selector(".messagelist .success")

        second.fill("#id_sections-0-body", "Otto's rewrite.")
        second.click("button[name=move][value=save]")
        error = second.locator(".errornote, .errorlist.nonfield")
        error.first.wait_for()
        assert "edith saved this brief while you were editing it" in second.content()
        assert second.input_value("#id_sections-0-body") == "Otto's rewrite."
        second.get_by_role("link", name="see what changed").click()
        assert "Edith" in second.content()
    finally:
        second_context.close()

    brief.refresh_from_db()
    assert brief.title == "Edith's title"
    assert brief.sections.get().body == "Shared text."


def test_tag_chips_suggest_existing_tags_as_the_editor_types(browser_page, sign_in):
    page = browser_page
    edith = staff_member("Editors", "edith")
    published_with_tag = draft_brief(sections=(("", "Text.", ("Food security",)),))
    brief = draft_brief(sections=(("", "Other text.", ()),))
    assert published_with_tag.pk != brief.pk
    sign_in(page, edith)
    open_brief(page, brief)

    entry = page.locator("#id_sections-0-tags-entry")
    entry.fill("foo")
    options = page.locator("#id_sections-0-tags-options [role=option]")
    options.first.wait_for()
    assert options.all_inner_texts() == ["Food security\nTopic", "Create the tag “foo”"]
    entry.press("ArrowDown")
    entry.press("Enter")
    assert page.input_value("#id_sections-0-tags") == '"Food security"'
    chip = page.locator("#sections-0 .tag-chip")
    assert chip.inner_text().startswith("Food security")
