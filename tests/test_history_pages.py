"""History that explains itself: revisions to the second, changes in words,
Compare only with two revisions, and delete pages that say what deleting
does and how to undo it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import reversion
from django.urls import reverse
from django.utils import timezone

from briefs.editorial.diffing import (
    Segment,
    diff_briefs,
    diff_items,
    status_in_words,
    time_in_words,
)
from briefs.models import Brief
from tests.factories import draft_brief, published_brief, scheduled_brief

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def record(brief: Brief, user, comment: str, **changes) -> None:
    """Change ``brief`` and record a revision of it, as a save in the admin does."""
    Brief.objects.filter(pk=brief.pk).update(**changes)
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))


def history_url(brief: Brief) -> str:
    return reverse("admin:briefs_brief_history", args=[brief.pk])


def compare_url(brief: Brief) -> str:
    return reverse("admin:briefs_brief_compare", args=[brief.pk])


@pytest.fixture
def published_after_a_draft(chief):
    """A brief saved as a draft, then published: two revisions."""
    brief = draft_brief(title="Talks resume", tags=("Trade",))
    record(brief, chief.user, "Written")
    record(
        brief,
        chief.user,
        "Published",
        status="published",
        published_at=timezone.now().replace(microsecond=0),
    )
    return brief


# --- The history page ---------------------------------------------------------


def test_history_times_are_to_the_second_with_the_status_in_words(
    chief, published_after_a_draft
):
    page = chief.get(history_url(published_after_a_draft)).content.decode()

    times = re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", page)
    assert len(times) == 2
    assert all(
        re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2}:\d{2}", t) for t in times
    )
    assert '<td class="history-status">Published</td>' in page
    assert '<td class="history-status">Draft</td>' in page
    assert ">edith<" in page


def test_compare_is_offered_only_with_two_revisions(chief, db):
    brief = draft_brief()
    record(brief, chief.user, "First")

    page = chief.get(history_url(brief)).content.decode()

    assert 'type="radio"' not in page
    assert "Compare the two revisions" not in page
    assert "only revision" in page

    record(brief, chief.user, "Second", title="A new title")
    page = chief.get(history_url(brief)).content.decode()

    assert page.count('type="radio"') == 4
    assert "Compare the two revisions" in page


def test_a_revision_without_a_person_says_where_it_came_from(chief, db):
    brief = draft_brief()
    record(brief, None, "Imported from seeds/x.txt")

    assert "Command line" in chief.get(history_url(brief)).content.decode()


# --- The compare page ---------------------------------------------------------


def test_compare_says_status_and_time_in_words(chief, published_after_a_draft):
    page = chief.get(compare_url(published_after_a_draft)).content.decode()

    assert "<del>Draft</del> → <ins>Published</ins>" in page
    assert "draftpublished" not in page.lower()
    assert "Publication time" in page
    assert "<del>not set</del> → <ins>" in page
    diff = page[page.index('<div class="module">') :]
    assert not ISO_TIME.search(re.sub(r'datetime="[^"]*"', "", diff))
    # Both revisions, to the second, with who saved them.
    assert len(re.findall(r"\d{2}:\d{2}:\d{2}</time> by edith", page)) == 2


def test_compare_with_one_revision_says_there_is_nothing_to_compare(chief, db):
    brief = draft_brief()
    record(brief, chief.user, "Only one")

    response = chief.get(compare_url(brief))

    assert response.status_code == 200
    assert "one revision only" in response.content.decode()


def test_tags_change_name_by_name():
    assert diff_items(
        ["Economic cooperation", "Trade"], ["Economic policy", "Trade"]
    ) == (
        Segment("removed", "Economic cooperation\n"),
        Segment("added", "Economic policy\n"),
        Segment("same", "Trade\n"),
    )


def test_values_in_words():
    assert status_in_words("review") == "In review"
    assert status_in_words("unknown") == "unknown"
    assert status_in_words(None) == ""
    moment = timezone.make_aware(dt.datetime(2024, 3, 5, 9, 0, 7))
    assert time_in_words(moment.isoformat()) == "5 March 2024, 09:00:07"
    assert time_in_words(None) == ""


def test_an_unchanged_status_is_not_listed():
    brief = {"status": "draft", "published_at": None, "tags": [], "sections": []}
    result = diff_briefs(brief, {**brief, "title": "New"})
    status = next(change for change in result.fields if change.label == "Status")
    assert not status.changed


# --- Delete pages -------------------------------------------------------------


def delete_url(brief: Brief) -> str:
    return reverse("admin:briefs_brief_delete", args=[brief.pk])


RECOVER = reverse("admin:briefs_brief_recoverlist")
INTERNALS = ["Search entr", "Tagged", "tagged brief", "proposed", "relationship"]


def test_deleting_a_live_brief_warns_and_says_how_to_recover_it(chief, db):
    brief = published_brief(
        title="Live and well",
        tags=("Water",),
        sections=(("", "One.", ("Trade",)), ("Two", "Two.", ())),
        key_points=("A point",),
    )

    page = chief.get(delete_url(brief)).content.decode()

    assert "This brief is live." in page
    assert "(404)" in page
    assert f'href="{brief.get_absolute_url()}"' in page
    assert "with its 2 sections and 1 key point?" in page
    assert f'href="{RECOVER}"' in page and "Recover deleted briefs" in page
    for internal in INTERNALS:
        assert internal not in page, internal
    assert "Are you sure" in page


def test_deleting_a_scheduled_brief_says_it_will_not_go_live(chief, db):
    page = chief.get(delete_url(scheduled_brief())).content.decode()

    assert "This brief is scheduled" in page
    assert "This brief is live." not in page


def test_deleting_a_draft_has_no_warning(chief, db):
    page = chief.get(delete_url(draft_brief())).content.decode()

    assert "live-notice" not in page
    assert "Recover deleted briefs" in page


def test_deleting_several_briefs_names_the_live_ones_and_no_internals(chief, db):
    live = published_brief(title="Live one", tags=("Water",))
    draft = draft_brief(title="Draft one")

    response = chief.post(
        reverse("admin:briefs_brief_changelist"),
        {"action": "delete_selected", "_selected_action": [live.pk, draft.pk]},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "1 of these briefs is live." in page
    assert "Live one" in page and "Draft one" in page
    assert f'href="{RECOVER}"' in page
    for internal in INTERNALS:
        assert internal not in page, internal


def test_a_deleted_brief_answers_404_and_is_on_the_recover_list(chief, client, db):
    brief = published_brief(title="Gone soon")
    record(brief, chief.user, "Saved")
    assert client.get(brief.get_absolute_url()).status_code == 200

    chief.post(delete_url(brief), {"post": "yes"})

    assert client.get(brief.get_absolute_url()).status_code == 404
    assert "Gone soon" in chief.get(RECOVER).content.decode()
