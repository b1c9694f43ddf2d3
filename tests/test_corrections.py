"""Editors say what kind of change they make to a live brief; the record follows.

Minor edits leave no public trace; updates and corrections get a dated note
and the next public version. Publishing, by any path, gives a version too.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from briefs.models import Brief, Correction, PublicVersion, Section
from tests.admin_forms import assert_saved, change_url, form_data
from tests.factories import draft_brief, published_brief, scheduled_brief

pytestmark = pytest.mark.django_db


def edit(client, brief: Brief, **changes: str):
    data = form_data(client, change_url(brief))
    data.update(changes)
    return client.post(change_url(brief), data)


def record(brief: Brief) -> tuple:
    brief.refresh_from_db()
    return (
        brief.public_version,
        brief.revised_at,
        list(brief.corrections.values_list("kind", "note")),
        brief.public_versions.count(),
    )


def test_a_live_brief_asks_what_kind_of_change_a_save_is(editor_client):
    brief = published_brief()
    response = edit(editor_client, brief, title="Retitled")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "say whether this is a minor edit, an update or a correction" in str(
        errors["change_kind"]
    )
    brief.refresh_from_db()
    assert brief.title != "Retitled"


@pytest.mark.parametrize("make", [draft_brief, scheduled_brief])
def test_briefs_readers_cannot_see_yet_are_not_asked(editor_client, make):
    brief = make()
    page = editor_client.get(change_url(brief)).content.decode()
    assert "This brief is live" not in page
    assert_saved(edit(editor_client, brief, title="Retitled"))


def test_a_minor_edit_changes_nothing_public_but_the_text(editor_client):
    brief = published_brief(sections=(("", "Teh talks ended.", ()),))
    before = record(brief)

    assert_saved(
        edit(
            editor_client,
            brief,
            change_kind="minor",
            **{"sections-0-body": "The talks ended."},
        )
    )

    assert record(brief) == before
    current = brief.public_versions.get()
    assert current.snapshot["sections"][0]["body"] == "The talks ended."


@pytest.mark.parametrize("kind", ["update", "correction"])
def test_an_update_or_correction_needs_a_note(editor_client, kind):
    brief = published_brief()
    response = edit(editor_client, brief, change_kind=kind, change_note="  ")
    assert response.status_code == 200
    assert "Write the public note readers will see for this" in str(
        response.context["adminform"].form.errors["change_note"]
    )
    assert not Correction.objects.exists()


@pytest.mark.parametrize("kind", ["update", "correction"])
def test_an_update_or_correction_is_noted_and_versioned(editor_client, editor, kind):
    brief = published_brief(sections=(("", "The minister said 20.", ()),))
    assert brief.public_version == 1

    assert_saved(
        edit(
            editor_client,
            brief,
            change_kind=kind,
            change_note="The figure was 12, not 20.",
            **{"sections-0-body": "The minister said 12."},
        )
    )

    note = Correction.objects.get()
    assert (note.kind, note.note, note.created_by) == (
        kind,
        "The figure was 12, not 20.",
        editor,
    )
    brief.refresh_from_db()
    assert (brief.public_version, brief.revised_at) == (2, note.created_at)
    first, second = brief.public_versions.order_by("number")
    assert (second.kind, second.correction) == (kind, note)
    assert first.snapshot["sections"][0]["body"] == "The minister said 20."
    assert second.snapshot["sections"][0]["body"] == "The minister said 12."
    # The editor sees the note among the brief's records.
    page = editor_client.get(change_url(brief)).content.decode()
    assert "Corrections and updates" in page and "The figure was 12, not 20." in page


def test_drafts_saved_between_versions_never_enter_a_version(editor_client):
    brief = published_brief(sections=(("", "Published text.", ()),))
    run_action(editor_client, "unpublish", brief)
    assert_saved(edit(editor_client, brief, **{"sections-0-body": "Half-written."}))
    assert_saved(edit(editor_client, brief, **{"sections-0-body": "Finished text."}))
    run_action(editor_client, "publish", brief)

    bodies = [
        v.snapshot["sections"][0]["body"]
        for v in PublicVersion.objects.filter(brief=brief).order_by("number")
    ]
    assert bodies == ["Published text.", "Finished text."]
    kinds = list(
        brief.public_versions.order_by("number").values_list("kind", flat=True)
    )
    assert kinds == ["published", "published"]


def run_action(client, action: str, brief: Brief):
    return client.post(
        reverse("admin:briefs_brief_changelist"),
        {"action": action, "_selected_action": [brief.pk]},
    )


def test_publishing_by_form_or_action_gives_the_first_version(editor_client):
    by_form = draft_brief(sections=(("", "Form.", ()),))
    by_action = draft_brief(sections=(("", "Action.", ()),))

    assert_saved(edit(editor_client, by_form, status="published"))
    run_action(editor_client, "publish", by_action)

    for brief, body in ((by_form, "Form."), (by_action, "Action.")):
        brief.refresh_from_db()
        version = brief.public_versions.get()
        assert (brief.public_version, version.number, version.kind) == (
            1,
            1,
            "published",
        )
        assert version.published_at == brief.published_at
        assert version.snapshot["sections"][0]["body"] == body


def test_a_scheduled_brief_edited_before_its_time_keeps_one_version(editor_client):
    brief = scheduled_brief(sections=(("", "Embargoed.", ()),))
    assert_saved(edit(editor_client, brief, **{"sections-0-body": "Embargoed, fixed."}))
    version = brief.public_versions.get()
    assert version.snapshot["sections"][0]["body"] == "Embargoed, fixed."
    assert version.published_at == brief.published_at > timezone.now()


def test_importing_publishes_version_one_and_a_changed_source_is_an_update(tmp_path):
    source = tmp_path / "wire.txt"
    source.write_text("LONDON: Ministers met on Monday.\n")
    call_command("import_seeds", str(tmp_path), stdout=io.StringIO())
    brief = Brief.objects.get()
    assert (brief.public_version, brief.public_versions.get().kind) == (1, "published")

    source.write_text("LONDON: Ministers met on Monday and Tuesday.\n")
    call_command("import_seeds", str(tmp_path), stdout=io.StringIO())

    brief.refresh_from_db()
    assert brief.public_version == 2
    note = brief.corrections.get()
    assert note.kind == "update" and "source document" in note.note
    assert "Tuesday" in str(brief.public_versions.get(number=2).snapshot)


def test_a_draft_import_has_no_version_until_published(tmp_path, editor_client):
    (tmp_path / "wire.txt").write_text("LONDON: Ministers met on Monday.\n")
    call_command("import_seeds", str(tmp_path), "--draft", stdout=io.StringIO())
    brief = Brief.objects.get()
    assert brief.public_version == 0 and not brief.public_versions.exists()
    run_action(editor_client, "publish", brief)
    brief.refresh_from_db()
    assert brief.public_version == 1


def test_a_correction_restored_from_history_is_still_on_the_record(editor_client):
    """Restoring content never rewinds the public record."""
    brief = published_brief(sections=(("", "Original.", ()),))
    assert_saved(edit(editor_client, brief, change_kind="minor"))  # a first revision
    assert_saved(
        edit(
            editor_client,
            brief,
            change_kind="correction",
            change_note="Fixed a name.",
            **{"sections-0-body": "Corrected.", "sections-0-tags": ""},
        )
    )
    oldest = Version.objects.get_for_object(brief).last()
    url = reverse("admin:briefs_brief_revision", args=[brief.pk, oldest.pk])
    data = form_data(editor_client, url)
    data["change_kind"] = "minor"
    assert_saved(editor_client.post(url, data))

    brief.refresh_from_db()
    assert Section.objects.get(brief=brief).body == "Original."
    assert brief.public_version == 2
    assert list(brief.corrections.values_list("note", flat=True)) == ["Fixed a name."]
    assert brief.revised_at is not None and brief.revised_at <= timezone.now()
    assert brief.revised_at > brief.published_at - dt.timedelta(days=1)
