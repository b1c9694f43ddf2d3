"""The holes found in the workflow, each reproduced, and what must hold instead.

A Writer must not take a live brief offline or rewrite it by any path; a
restore brings back content and never publication; every status change is
on the record; Writers pick existing tags; a conflict names who saved.
"""

from __future__ import annotations

import pytest
import reversion
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from briefs.models import Brief, Section, StatusChange, Tag
from tests.admin_forms import assert_saved, change_url, form_data
from tests.factories import draft_brief
from tests.people import member

pytestmark = pytest.mark.django_db


def save(client: Client, brief: Brief, **changes: str):
    data = form_data(client, change_url(brief))
    data.update(changes)
    return client.post(change_url(brief), data)


def revisions(brief: Brief) -> list[Version]:
    """The brief's revisions, newest first."""
    return list(Version.objects.get_for_object(brief))


@pytest.fixture
def published_after_drafts(writer, chief) -> Brief:
    """A brief the writer drafted and an editor then published with new text."""
    brief = draft_brief(
        title="Writer's draft", created_by=writer.user, sections=(("", "Draft.", ()),)
    )
    assert_saved(save(writer, brief, **{"sections-0-body": "The writer's text."}))
    assert_saved(
        save(
            chief,
            brief,
            title="Editor's title",
            status="published",
            **{"sections-0-body": "The editor's text."},
        )
    )
    brief.refresh_from_db()
    assert brief.is_public
    return brief


def assert_untouched(brief: Brief, client: Client) -> None:
    brief.refresh_from_db()
    assert brief.status == "published" and brief.title == "Editor's title"
    assert Section.objects.get(brief=brief).body == "The editor's text."
    assert Client().get(brief.get_absolute_url()).status_code == 200


# Finding 1: a Writer unpublished and rewrote a live brief through its history.


def test_a_writer_cannot_restore_an_old_revision_of_a_live_brief(
    writer, published_after_drafts
):
    brief = published_after_drafts
    draft_revision = revisions(brief)[-1]
    url = reverse("admin:briefs_brief_revision", args=[brief.pk, draft_revision.pk])

    shown = writer.get(url, follow=True)
    posted = writer.post(
        url,
        {"title": "Writer's take-over", "status": "draft", "loaded_version": "99"},
        follow=True,
    )

    for response in (shown, posted):
        assert response.redirect_chain[-1][0] == reverse(
            "admin:briefs_brief_history", args=[brief.pk]
        )
        page = response.content.decode()
        assert "This revision was not restored." in page
        assert "only an editor can change it" in page
    assert_untouched(brief, writer)
    assert not StatusChange.objects.filter(brief=brief, to_status="draft").exists()


def test_a_writer_cannot_recover_a_live_brief_over_itself(
    writer, published_after_drafts
):
    brief = published_after_drafts
    old = revisions(brief)[-1]
    url = reverse("admin:briefs_brief_recover", args=[old.pk])

    response = writer.post(url, {"title": "Writer's take-over"}, follow=False)

    assert response.status_code == 404  # only deleted briefs can be recovered
    assert_untouched(brief, writer)


# Finding 2: restoring a revision silently unpublished the brief.


def test_restoring_an_old_revision_of_a_live_brief_keeps_it_live(
    chief, published_after_drafts
):
    brief = published_after_drafts
    published_at = brief.published_at
    draft_revision = revisions(brief)[-1]
    url = reverse("admin:briefs_brief_revision", args=[brief.pk, draft_revision.pk])

    page = chief.get(url)
    html = page.content.decode()
    assert "This brief is live." in html
    assert "What will change" in html
    assert (
        "<del>Editor</del><ins>Writer</ins>&#x27;s <del>title</del><ins>draft</ins>"
        in html
    )
    form = page.context["adminform"].form
    assert form["status"].value() == "published"

    data = form_data(chief, url)
    data["change_kind"] = "correction"
    data["change_note"] = "An earlier version misquoted the minister."
    assert_saved(chief.post(url, data))

    brief.refresh_from_db()
    assert (brief.status, brief.published_at) == ("published", published_at)
    assert brief.title == "Writer's draft"
    assert Section.objects.get(brief=brief).body == "The writer's text."
    assert Client().get(brief.get_absolute_url()).status_code == 200
    assert brief.corrections.get().note == "An earlier version misquoted the minister."


def test_restoring_never_takes_a_brief_offline_even_from_a_doctored_form(
    chief, published_after_drafts
):
    """The status field starts at today's status; changing it is an explicit act, recorded."""
    brief = published_after_drafts
    url = reverse(
        "admin:briefs_brief_revision", args=[brief.pk, revisions(brief)[-1].pk]
    )
    data = form_data(chief, url)
    data["status"] = "draft"
    assert_saved(chief.post(url, data))

    change = StatusChange.objects.filter(brief=brief).first()
    assert (change.from_status, change.to_status, change.via, change.user) == (
        "published",
        "draft",
        "restore",
        chief.user,
    )


def test_a_restore_page_shown_leaves_the_next_ordinary_save_ordinary(chief):
    """What a restore keeps and records belongs to its own form only."""
    brief = draft_brief(title="First title", created_by=chief.user)
    assert_saved(save(chief, brief, title="Second title"))
    url = reverse(
        "admin:briefs_brief_revision", args=[brief.pk, revisions(brief)[-1].pk]
    )
    assert chief.get(url).status_code == 200

    assert_saved(save(chief, brief, status="review"))

    change = StatusChange.objects.filter(brief=brief).order_by("-pk").first()
    assert (change.from_status, change.to_status, change.via) == (
        "draft",
        "review",
        "form",
    )


def test_the_restore_page_of_a_draft_says_it_stays_a_draft(chief):
    brief = draft_brief(title="First title", created_by=chief.user)
    assert_saved(save(chief, brief, title="Second title"))
    assert_saved(save(chief, brief, title="Third title"))
    url = reverse(
        "admin:briefs_brief_revision", args=[brief.pk, revisions(brief)[-1].pk]
    )

    html = chief.get(url).content.decode()

    assert "This brief is <strong>draft</strong>, and stays draft." in html
    assert "<del>Third</del><ins>Second</ins>" in html
    assert "This brief is live" not in html


# Finding 3: status changes by restores and recoveries were not recorded, and
# a recovered brief lost its status history.


def test_a_recovered_brief_keeps_its_history_and_comes_back_as_a_draft(chief):
    brief = draft_brief(title="Deleted while live", created_by=chief.user)
    assert_saved(save(chief, brief, status="published"))
    pk = brief.pk
    chief.post(reverse("admin:briefs_brief_delete", args=[pk]), {"post": "yes"})
    assert not Brief.objects.filter(pk=pk).exists()
    assert StatusChange.objects.filter(brief_id=pk).count() == 1  # kept

    version = Version.objects.get_deleted(Brief).get(object_id=str(pk))
    url = reverse("admin:briefs_brief_recover", args=[version.pk])
    page = chief.get(url)
    assert "back <strong>as a draft</strong>" in page.content.decode()
    assert page.context["adminform"].form["status"].value() == "draft"
    assert_saved(chief.post(url, form_data(chief, url)))

    recovered = Brief.objects.get(pk=pk)
    assert recovered.status == "draft" and recovered.public_version == 1
    history = [
        (c.from_status, c.to_status, c.via, c.note)
        for c in recovered.status_changes.order_by("pk")
    ]
    assert history == [
        ("draft", "published", "form", ""),
        ("", "draft", "recover", "Recovered after deletion; it was published"),
    ]
    assert Client().get(recovered.get_absolute_url()).status_code == 404


def test_a_writer_cannot_recover_a_deleted_published_brief(writer, chief):
    brief = draft_brief(title="Gone", created_by=writer.user)
    assert_saved(save(chief, brief, status="published"))
    chief.post(reverse("admin:briefs_brief_delete", args=[brief.pk]), {"post": "yes"})
    version = Version.objects.get_deleted(Brief).get(object_id=str(brief.pk))

    response = writer.post(
        reverse("admin:briefs_brief_recover", args=[version.pk]), {}, follow=True
    )

    assert "This brief was not recovered." in response.content.decode()
    assert not Brief.objects.filter(pk=brief.pk).exists()


def test_recovering_onto_a_taken_address_is_a_clear_message(chief):
    brief = draft_brief(title="Twice", created_by=chief.user)
    assert_saved(save(chief, brief, summary="Saved once."))
    chief.post(reverse("admin:briefs_brief_delete", args=[brief.pk]), {"post": "yes"})
    draft_brief(title="Twice")  # takes the address "twice"
    version = Version.objects.get_deleted(Brief).get(object_id=str(brief.pk))

    response = chief.get(
        reverse("admin:briefs_brief_recover", args=[version.pk]), follow=True
    )

    assert "now belongs to “Twice”" in response.content.decode()
    assert Brief.objects.count() == 1


# Finding 4: a Writer re-tagged published briefs and created tags.


def test_a_writer_cannot_re_tag_a_published_brief(writer, published_after_drafts):
    """Re-tagging applies the editors' vocabulary (and may create tags): editors only."""
    brief = published_after_drafts
    brief.tags.set(["Kept as it is"])
    version = Brief.objects.values_list("version", flat=True).get(pk=brief.pk)
    changelist = reverse("admin:briefs_brief_changelist")
    offered = writer.get(changelist).context["action_form"].fields["action"].choices
    assert "retag" not in [name for name, _ in offered]

    writer.post(changelist, {"action": "retag", "_selected_action": [brief.pk]})

    assert list(brief.tags.names()) == ["Kept as it is"]
    assert Brief.objects.values_list("version", flat=True).get(pk=brief.pk) == version


def test_an_editors_re_tag_of_several_briefs_records_one_revision_each(chief):
    first = draft_brief(sections=(("", "China and Pakistan held talks.", ()),))
    second = draft_brief(sections=(("", "Talks in Pakistan and China.", ()),))

    chief.post(
        reverse("admin:briefs_brief_changelist"),
        {"action": "retag", "_selected_action": [first.pk, second.pk]},
    )

    for brief in (first, second):
        revision = revisions(brief)[0].revision
        briefs = revision.version_set.filter(content_type__model="brief")
        assert [v.object_id for v in briefs] == [str(brief.pk)]


def test_restoring_a_revision_that_holds_two_briefs_restores_only_this_one(
    writer, chief
):
    """Revisions recorded before actions kept to one brief may hold several."""
    mine = draft_brief(title="Mine, then", created_by=writer.user)
    live = draft_brief(title="Live, then")
    with reversion.create_revision():
        for brief in (mine, live):
            reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))
    Brief.objects.filter(pk=mine.pk).update(title="Mine, now")
    Brief.objects.filter(pk=live.pk).update(
        title="Live, now", status="published", published_at=timezone.now()
    )
    url = reverse("admin:briefs_brief_revision", args=[mine.pk, revisions(mine)[0].pk])

    assert_saved(writer.post(url, form_data(writer, url)))

    assert Brief.objects.get(pk=mine.pk).title == "Mine, then"
    live.refresh_from_db()
    assert (live.title, live.status) == ("Live, now", "published")


def test_restoring_a_revision_whose_tag_was_merged_away_leaves_that_tag_out(chief):
    brief = draft_brief(sections=(("", "Text.", ("Old name", "Trade")),))
    with reversion.create_revision():
        reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))
    merged = Tag.objects.get(name="Old name")
    chief.post(
        reverse("admin:briefs_tag_changelist"),
        {
            "action": "merge",
            "_selected_action": [merged.pk, Tag.objects.get(name="Trade").pk],
            "confirm": "yes",
            "target": Tag.objects.get(name="Trade").pk,
        },
    )
    url = reverse(
        "admin:briefs_brief_revision", args=[brief.pk, revisions(brief)[-1].pk]
    )

    page = chief.get(url).content.decode()
    assert "1 tag in this revision has since been deleted or merged" in page
    assert_saved(chief.post(url, form_data(chief, url)))

    assert list(Section.objects.get(brief=brief).tags.names()) == ["Trade"]


def test_a_writer_cannot_date_or_schedule_a_brief(writer):
    brief = draft_brief(created_by=writer.user)
    data = form_data(writer, change_url(brief))
    assert "published_at_0" not in data
    data.update({"published_at_0": "2030-01-01", "published_at_1": "09:00:00"})
    assert_saved(writer.post(change_url(brief), data))
    brief.refresh_from_db()
    assert brief.published_at is None


@pytest.mark.parametrize(
    "url",
    [
        "/admin/briefs/brief/%C2%B2/history/1/",
        "/admin/briefs/brief/%C2%B2/history/compare/",
        "/admin/briefs/brief/%C2%B2/history/",
    ],
)
def test_odd_digits_in_history_addresses_are_not_found(chief, url):
    assert chief.get(url).status_code in (302, 404)


def test_a_writer_picks_existing_tags_and_an_unknown_one_is_named(writer):
    Tag.objects.create(name="Trade")
    brief = draft_brief(created_by=writer.user, sections=(("", "Text.", ()),))

    response = save(
        writer,
        brief,
        tags="trade, Invented topic",
        **{"sections-0-tags": "Another new one, trade"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "“Invented topic” is not a tag yet." in page
    assert "“Another new one” is not a tag yet." in page
    assert not Tag.objects.filter(name__in=["Invented topic", "Another new one"])

    assert_saved(save(writer, brief, tags="trade"))  # any case picks the tag
    assert list(brief.tags.names()) == ["Trade"]


def test_editors_create_tags_by_typing_them(chief):
    brief = draft_brief(created_by=chief.user)
    assert_saved(save(chief, brief, tags="Brand new topic, Trade"))
    assert Tag.objects.filter(name="Brand new topic").exists()


# Finding 5: the conflict message blamed "someone else" for the same user.


def test_a_conflict_with_your_own_other_tab_says_so(chief):
    brief = draft_brief(created_by=chief.user)
    first_tab = form_data(chief, change_url(brief))
    second_tab = form_data(chief, change_url(brief))
    first_tab["title"] = "From the first tab"
    assert_saved(chief.post(change_url(brief), first_tab))

    second_tab["title"] = "From the second tab"
    response = chief.post(change_url(brief), second_tab)

    page = response.content.decode()
    assert "You saved this brief in another tab or window" in page
    assert "Someone else" not in page and "edith saved" not in page
    brief.refresh_from_db()
    assert brief.title == "From the first tab"


# Ownership


def test_writers_edit_only_their_own_or_assigned_drafts(writer, chief):
    other = member("Writers", "walter")
    mine = draft_brief(title="Mine", created_by=writer.user)
    theirs = draft_brief(title="Theirs", created_by=other.user)
    assigned = draft_brief(title="Assigned", created_by=other.user)
    assigned.assigned_to = writer.user
    assigned.save()

    for brief, editable in ((mine, True), (theirs, False), (assigned, True)):
        response = writer.get(change_url(brief))
        assert response.status_code == 200  # everyone may read
        assert response.context["has_change_permission"] is editable, brief.title
    response = save(writer, theirs, title="Taken over")
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"


def test_writers_cannot_reassign_briefs_but_editors_can(writer, chief):
    brief = draft_brief(created_by=writer.user)
    data = form_data(writer, change_url(brief))
    assert "assigned_to" not in data
    data["assigned_to"] = str(chief.user.pk)
    assert_saved(writer.post(change_url(brief), data))
    brief.refresh_from_db()
    assert brief.assigned_to is None

    assert_saved(save(chief, brief, assigned_to=str(writer.user.pk)))
    brief.refresh_from_db()
    assert brief.assigned_to == writer.user


def test_a_new_brief_records_who_created_it(writer):
    add = reverse("admin:briefs_brief_add")
    data = form_data(writer, add)
    data.update(
        {
            "title": "Written here",
            "status": "draft",
            "sections-TOTAL_FORMS": "1",
            "sections-0-body": "Text.",
        }
    )
    assert_saved(writer.post(add, data))
    assert Brief.objects.get(title="Written here").created_by == writer.user


def test_the_mine_filter_lists_what_i_created_or_am_assigned(writer):
    other = member("Writers", "walter")
    draft_brief(title="Created by me", created_by=writer.user)
    assigned = draft_brief(title="Assigned to me", created_by=other.user)
    assigned.assigned_to = writer.user
    assigned.save()
    draft_brief(title="Not mine", created_by=other.user)

    response = writer.get(reverse("admin:briefs_brief_changelist"), {"mine": "yes"})

    titles = {brief.title for brief in response.context["cl"].result_list}
    assert titles == {"Created by me", "Assigned to me"}


def test_a_tampered_section_form_gets_an_error_not_a_database_failure(writer):
    """Existing sections posted as new rows would clash with themselves."""
    brief = draft_brief(created_by=writer.user)
    data = form_data(writer, change_url(brief))
    data["sections-INITIAL_FORMS"] = "0"

    response = writer.post(change_url(brief), data)

    assert response.status_code == 200
    assert "Another section of this brief already uses #overview" in (
        response.content.decode()
    )
    assert brief.sections.count() == 2
