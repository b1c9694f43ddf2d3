"""The editorial workflow: roles, status history, scheduling, preview, history, conflicts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from briefs.models import Brief, Section, StatusChange
from tests.admin_forms import assert_saved, change_url, form_data
from tests.factories import draft_brief, published_brief, scheduled_brief
from tests.people import member

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


def run_action(client: Client, action: str, briefs: list[Brief]):
    return client.post(
        reverse("admin:briefs_brief_changelist"),
        {"action": action, "_selected_action": [b.pk for b in briefs]},
        follow=True,
    )


# Roles and statuses


def test_the_groups_come_from_a_migration_with_their_permissions():
    writers = set(
        Group.objects.get(name="Writers").permissions.values_list("codename", flat=True)
    )
    editors = set(
        Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)
    )
    assert {"add_brief", "change_brief", "change_section"} <= writers
    assert "publish_brief" not in writers and "delete_brief" not in writers
    assert {"publish_brief", "delete_brief", "change_tag"} <= editors
    assert writers < editors


def test_a_writer_may_only_choose_draft_or_in_review(writer):
    brief = draft_brief(created_by=writer.user)
    response = writer.get(change_url(brief))
    choices = [
        value
        for value, _ in response.context["adminform"].form.fields["status"].choices
    ]
    assert choices == ["draft", "review"]

    data = form_data(writer, change_url(brief))
    data["status"] = "published"
    response = writer.post(change_url(brief), data)
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    brief.refresh_from_db()
    assert brief.status == "draft"


def test_a_writer_submits_for_review_and_it_is_recorded(writer):
    brief = draft_brief(created_by=writer.user)
    data = form_data(writer, change_url(brief))
    data["status"] = "review"
    assert_saved(writer.post(change_url(brief), data))
    change = StatusChange.objects.get(brief=brief)
    assert (change.from_status, change.to_status, change.user.username, change.via) == (
        "draft",
        "review",
        "wanda",
        "form",
    )


def test_a_writer_cannot_edit_a_published_brief_or_publish(writer):
    brief = published_brief()
    response = writer.get(change_url(brief))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    data = {"title": "Hijacked"}
    writer.post(change_url(brief), data)
    brief.refresh_from_db()
    assert brief.title != "Hijacked"
    actions = writer.get(reverse("admin:briefs_brief_changelist")).context[
        "action_form"
    ]
    names = [value for value, _ in actions.fields["action"].choices]
    assert (
        "submit_for_review" in names
        and "publish" not in names
        and "archive" not in names
    )


def test_editors_publish_unpublish_and_archive_with_a_record(chief):
    first, second = draft_brief(), draft_brief()
    run_action(chief, "publish", [first, second])
    run_action(chief, "unpublish", [first])
    run_action(chief, "archive", [second])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("draft", "archived")
    assert first.published_at is not None  # kept for the next publication
    history = [
        (c.brief_id, c.from_status, c.to_status, c.user.username)
        for c in StatusChange.objects.order_by("pk")
    ]
    assert history == [
        (first.pk, "draft", "published", "edith"),
        (second.pk, "draft", "published", "edith"),
        (first.pk, "published", "draft", "edith"),
        (second.pk, "published", "archived", "edith"),
    ]


def test_the_status_history_shows_on_the_change_form(chief):
    brief = draft_brief()
    run_action(chief, "publish", [brief])
    page = chief.get(change_url(brief)).content.decode()
    assert "Status history" in page and "edith" in page


# Scheduling


def test_a_scheduled_brief_appears_everywhere_once_its_time_comes(client, time_machine):
    brief = scheduled_brief(title="Embargoed until tomorrow", tags=("Embargo",))
    # Each page, and what readers would see of the brief there.
    pages = {
        "/": brief.title,
        brief.get_absolute_url(): brief.title,
        "/tags/": 'href="/tags/embargo/"',
        "/tags/embargo/": brief.title,
    }
    for url, text in pages.items():
        assert text not in client.get(url).content.decode(), url
    # Time passes: no job runs and nothing is saved, the moment simply arrives.
    time_machine.move_to(brief.published_at + dt.timedelta(seconds=1), tick=False)
    for url, text in pages.items():
        assert text in client.get(url).content.decode(), url


# Preview


@pytest.mark.parametrize("make", [draft_brief, scheduled_brief])
def test_staff_preview_unpublished_briefs_with_a_banner_and_noindex(chief, make):
    brief = make(title="Not yet out")
    response = chief.get(brief.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview, not published." in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_everyone_else_gets_the_ordinary_404(client, django_user_model):
    brief = draft_brief(title="Secret draft")
    missing = client.get("/briefs/no-such-brief/")
    anonymous = client.get(brief.get_absolute_url())
    reader = django_user_model.objects.create_user("reader", password="pw-1234-long")
    client.force_login(reader)
    logged_in = client.get(brief.get_absolute_url())
    for response in (anonymous, logged_in):
        assert response.status_code == 404
        assert response.content == missing.content


def test_a_published_brief_is_not_a_preview_for_staff(chief):
    brief = published_brief()
    response = chief.get(brief.get_absolute_url())
    assert "Preview, not published" not in response.content.decode()
    assert "X-Robots-Tag" not in response


# History


def test_every_admin_save_records_a_revision_with_the_editor(chief):
    brief = draft_brief()
    data = form_data(chief, change_url(brief))
    data["title"] = "A better title"
    assert_saved(chief.post(change_url(brief), data))
    version = Version.objects.get_for_object(brief).first()
    assert version.revision.user.username == "edith"
    assert version.field_dict["title"] == "A better title"


def save_section(client: Client, brief: Brief, *, body: str, tags: str) -> None:
    data = form_data(client, change_url(brief))
    data["sections-0-body"] = body
    data["sections-0-tags"] = tags
    assert_saved(client.post(change_url(brief), data))


def test_compare_shows_a_word_level_diff_with_hostile_text_escaped(chief):
    brief = draft_brief(
        title=HOSTILE, sections=(("", "The talks ended on Monday.", ("Trade",)),)
    )
    save_section(chief, brief, body="The talks ended on Monday.", tags="Trade")
    save_section(
        chief,
        brief,
        body=f"The talks resumed on Tuesday. {HOSTILE}",
        tags=f"Trade, {HOSTILE}",
    )
    history = chief.get(reverse("admin:briefs_brief_history", args=[brief.pk]))
    assert history.status_code == 200
    versions = list(Version.objects.get_for_object(brief))
    response = chief.get(
        reverse("admin:briefs_brief_compare", args=[brief.pk]),
        {"from": versions[1].pk, "to": versions[0].pk},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<del>ended</del><ins>resumed</ins>" in page
    assert "<del>Monday</del><ins>Tuesday</ins>" in page
    for html in (page, history.content.decode()):
        assert HOSTILE not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_compare_with_a_foreign_revision_id_is_a_clear_message(chief):
    brief = draft_brief()
    save_section(chief, brief, body="One.", tags="")
    response = chief.get(
        reverse("admin:briefs_brief_compare", args=[brief.pk]), {"from": "99999"}
    )
    assert response.status_code == 200
    assert "is not a revision of this brief" in response.content.decode()


def test_restoring_a_revision_brings_back_text_and_tags(chief):
    brief = draft_brief(sections=(("", "Original text.", ("Trade",)),))
    save_section(chief, brief, body="Original text.", tags="Trade, Energy")
    save_section(chief, brief, body="Rewritten text.", tags="Climate")
    old = Version.objects.get_for_object(brief)[1]
    url = reverse("admin:briefs_brief_revision", args=[brief.pk, old.pk])
    assert_saved(chief.post(url, form_data(chief, url)))
    section = Section.objects.get(brief=brief)
    assert section.body == "Original text."
    assert {t.name for t in section.tags.all()} == {"Trade", "Energy"}
    # The restore is itself a save on top of today's version, not a rewind.
    brief.refresh_from_db()
    assert brief.version == 4


def test_a_deleted_brief_can_be_recovered(chief):
    brief = draft_brief(
        title="Deleted by mistake", sections=(("", "Keep me.", ("Trade",)),)
    )
    save_section(chief, brief, body="Keep me.", tags="Trade")
    pk = brief.pk
    chief.post(reverse("admin:briefs_brief_delete", args=[pk]), {"post": "yes"})
    assert not Brief.objects.filter(pk=pk).exists()
    recover_list = chief.get(reverse("admin:briefs_brief_recoverlist"))
    assert "Deleted by mistake" in recover_list.content.decode()
    version = Version.objects.get_deleted(Brief).get(object_id=str(pk))
    url = reverse("admin:briefs_brief_recover", args=[version.pk])
    assert_saved(chief.post(url, form_data(chief, url)))
    recovered = Brief.objects.get(pk=pk)
    assert [s.body for s in recovered.sections.all()] == ["Keep me."]
    assert [t.name for t in recovered.sections.get().tags.all()] == ["Trade"]


# Two editors at once


def test_the_second_of_two_saves_is_refused_and_nothing_is_overwritten(chief):
    brief = draft_brief(sections=(("", "Shared text.", ()),))
    other = member("Editors", "otto")
    first = form_data(chief, change_url(brief))
    second = form_data(other, change_url(brief))

    first["title"] = "Edith's title"
    assert_saved(chief.post(change_url(brief), first))

    second["sections-0-body"] = "Otto's text."  # an inline-only change
    response = other.post(change_url(brief), second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "edith saved this brief while you were editing it" in page
    assert reverse("admin:briefs_brief_compare", args=[brief.pk]) in page
    assert "Otto&#x27;s text." in page or "Otto's text." in page  # still in the form
    brief.refresh_from_db()
    assert brief.title == "Edith's title"
    assert Section.objects.get(brief=brief).body == "Shared text."


def test_a_bulk_status_change_also_outdates_open_forms(chief):
    brief = draft_brief()
    open_form = form_data(chief, change_url(brief))
    run_action(member("Editors", "otto"), "publish", [brief])
    response = chief.post(change_url(brief), open_form)
    assert response.status_code == 200
    brief.refresh_from_db()
    assert brief.status == "published"


def test_an_import_records_the_briefs_first_status(tmp_path):
    from django.core.management import call_command

    (tmp_path / "wire.txt").write_text("LONDON: Ministers met on Monday.\n")
    call_command("import_seeds", str(tmp_path), "--draft", stdout=io.StringIO())
    change = StatusChange.objects.get()
    assert (change.from_status, change.to_status, change.user) == ("", "draft", None)
    assert change.note.startswith("Imported from ")


def test_hostile_titles_are_escaped_in_messages_and_confirmation_pages(chief):
    brief = draft_brief(title=HOSTILE)
    data = form_data(chief, change_url(brief))
    saved = chief.post(change_url(brief), data, follow=True)
    confirm = chief.get(reverse("admin:briefs_brief_delete", args=[brief.pk]))
    bulk_confirm = chief.post(
        reverse("admin:briefs_brief_changelist"),
        {"action": "delete_selected", "_selected_action": [brief.pk]},
    )
    for response in (saved, confirm, bulk_confirm):
        page = response.content.decode()
        assert HOSTILE not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
