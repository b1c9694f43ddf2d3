"""The reader's pages as laid out in a real Chromium: the home page's lead
brief and columns on a desktop screen, one column on a phone, and print."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import published_brief

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_leads_with_the_newest_brief_and_uses_a_desktops_width(
    browser_page,
):
    page = browser_page
    for n in range(6):
        published_brief(title=f"Older brief {n}", authors=("Ayesha Khan",))
    published_brief(
        title="Newest brief",
        published_at=timezone.now(),
        summary="Ministers agreed a plan.",
        key_points=("The plan starts in June", "It costs $2bn"),
        authors=("Zhou Wei",),
    )

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")

    lead = page.locator(".lead")
    assert lead.locator(".lead__title").inner_text() == "Newest brief"
    assert lead.locator(".standfirst").inner_text() == "Ministers agreed a plan."
    assert lead.locator(".key-points li").all_inner_texts() == [
        "The plan starts in June",
        "It costs $2bn",
    ]
    # The rest in three columns, using the width of the screen.
    lefts = {
        round(box["x"])
        for box in (
            item.bounding_box() for item in page.locator(".brief-grid > li").all()
        )
    }
    assert len(lefts) == 3
    assert page.locator(".brief-grid").bounding_box()["width"] > 1000
    assert page.locator(".brief-grid .byline").first.inner_text() == "By Ayesha Khan"

    page.set_viewport_size({"width": 390, "height": 844})
    lefts = {
        round(box["x"])
        for box in (
            item.bounding_box() for item in page.locator(".brief-grid > li").all()
        )
    }
    assert len(lefts) == 1
    # No sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_print_leaves_out_the_search_form_and_the_tags(browser_page):
    page = browser_page
    brief = published_brief(
        sections=(("", "Opening.", ("Trade",)), ("Water", "Rivers.", ("Water",))),
        tags=("Diplomacy",),
    )
    page.goto(brief.get_absolute_url())
    assert page.locator(".site-search").is_visible()
    assert page.locator(".tag-links").first.is_visible()

    page.emulate_media(media="print")

    assert not page.locator(".site-search").is_visible()
    assert all(not links.is_visible() for links in page.locator(".tag-links").all())
    assert page.locator(".brief__title").is_visible()
    assert page.locator(".print-only").is_visible()  # the page's address
