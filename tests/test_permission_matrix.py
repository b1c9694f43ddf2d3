"""Every admin write path, for every role and every status: who may change what.

One rule (``briefs.editorial.workflow.refusal``) decides. Editors may do anything.
Writers edit only drafts and briefs in review that they created or are
assigned to, and never publish, unpublish, schedule or archive. Each cell
performs the write through real HTTP requests and asserts whether it
happened; a refused write leaves the brief exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import reversion
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from briefs.ingest.exporting import brief_to_dict
from briefs.models import Brief, Tag, TagPhrase
from tests.admin_forms import form_data
from tests.factories import make_brief
from tests.people import client_for, staff_member, the_group

pytestmark = pytest.mark.django_db

ROLES = ("editor", "owner", "other writer")
STATUSES = ("draft", "review", "published", "scheduled", "archived")
WRITER_STATUSES = ("draft", "review")


def make_people() -> dict:
    return {
        "editor": staff_member("Editors", "edith"),
        "owner": staff_member("Writers", "wanda"),
        "other writer": staff_member("Writers", "walter"),
    }


@pytest.fixture
def people():
    return make_people()


def make(status: str, owner) -> Brief:
    """A brief at ``status`` created by ``owner``, with one earlier revision."""
    published_at = None
    now = timezone.now().replace(microsecond=0)  # as every write path dates briefs
    if status == "scheduled":
        published_at = now + dt.timedelta(days=2)
    elif status in ("published", "archived"):
        published_at = now - dt.timedelta(days=2)
    brief = make_brief(
        title="Old title",
        status="published" if status == "scheduled" else status,
        published_at=published_at,
        created_by=owner,
        sections=(("", "China and Pakistan held talks in Beijing.", ()),),
        tags=("Kept tag",),
    )
    with reversion.create_revision():
        reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))
    Brief.objects.filter(pk=brief.pk).update(title="Current title")
    brief.refresh_from_db()
    return brief


class Shown:
    """A page already fetched, served again to form_data() instead of a second GET."""

    def __init__(self, page) -> None:
        self.page = page

    def get(self, url: str):
        assert url == self.page.wsgi_request.get_full_path(), url
        return self.page


def submit(client: Client, url: str, **changes: str):
    """POST the form at ``url`` as its page offers it, with ``changes``.

    When the page is refused (a redirect, 403 or 404), the changes are posted
    on their own, as a hostile colleague would.
    """
    page = client.get(url)
    if page.status_code == 200 and "adminform" in (page.context or {}):
        data = form_data(Shown(page), url)
    else:
        data = {}
    data.update(changes)
    return client.post(url, data)


def action(client: Client, name: str, brief: Brief, **extra):
    return client.post(
        reverse("admin:briefs_brief_changelist"),
        {"action": name, "_selected_action": [brief.pk], **extra},
    )


def state(brief: Brief) -> dict:
    found = Brief.objects.with_outline().filter(pk=brief.pk).first()
    if found is None:
        return {}
    return {**brief_to_dict(found), "version": found.version}


# Each path: (do it, did it happen?). ``did`` compares the states before and after.


def edit_form(client, brief):
    return submit(
        client,
        reverse("admin:briefs_brief_change", args=[brief.pk]),
        title="Edited title",
        change_kind="minor",
    )


def status_form(client, brief):
    target = "published" if brief.status in WRITER_STATUSES else "draft"
    return submit(
        client,
        reverse("admin:briefs_brief_change", args=[brief.pk]),
        status=target,
        change_kind="minor",
    )


def restore(client, brief):
    old = Version.objects.get_for_object(brief).last()
    return submit(
        client,
        reverse("admin:briefs_brief_revision", args=[brief.pk, old.pk]),
        change_kind="minor",
    )


def recover(client, brief):
    Brief.objects.get(pk=brief.pk).delete()
    version = Version.objects.get_deleted(Brief).get(object_id=str(brief.pk))
    return submit(client, reverse("admin:briefs_brief_recover", args=[version.pk]))


def tag_rename(client, brief):
    tag = Tag.objects.get(name="Kept tag")
    return submit(
        client, reverse("admin:briefs_tag_change", args=[tag.pk]), name="Renamed tag"
    )


def tag_merge(client, brief):
    kept, other = Tag.objects.get(name="Kept tag"), Tag.objects.create(name="Other")
    return client.post(
        reverse("admin:briefs_tag_changelist"),
        {
            "action": "merge",
            "_selected_action": [kept.pk, other.pk],
            "confirm": "yes",
            "target": other.pk,
        },
    )


def vocabulary(client, brief):
    tag = Tag.objects.get(name="Kept tag")
    return submit(
        client,
        reverse("admin:briefs_tag_change", args=[tag.pk]),
        **{"phrases-0-phrase": "kept topic"},
    )


def brief_tags(brief) -> list[str]:
    return sorted(Brief.objects.get(pk=brief.pk).tags.names())


PATHS = {
    "change form": (
        edit_form,
        lambda b, before, after: after["title"] == "Edited title",
    ),
    "status in the form": (
        status_form,
        lambda b, before, after: after["status"] != before["status"],
    ),
    "restore from history": (
        restore,
        lambda b, before, after: after["title"] == "Old title",
    ),
    "recover after deletion": (recover, lambda b, before, after: bool(after)),
    "submit for review": (
        lambda c, b: action(c, "submit_for_review", b),
        lambda b, before, after: after["status"] != before["status"],
    ),
    "publish action": (
        lambda c, b: action(c, "publish", b),
        lambda b, before, after: after["status"] != before["status"],
    ),
    "unpublish action": (
        lambda c, b: action(c, "unpublish", b),
        lambda b, before, after: after["status"] != before["status"],
    ),
    "archive action": (
        lambda c, b: action(c, "archive", b),
        lambda b, before, after: after["status"] != before["status"],
    ),
    "re-tag action": (
        lambda c, b: action(c, "retag", b),
        lambda b, before, after: after["tags"] != before["tags"],
    ),
    "tag rename": (
        tag_rename,
        lambda b, before, after: Tag.objects.filter(name="Renamed tag").exists(),
    ),
    "tag merge": (
        tag_merge,
        lambda b, before, after: not Tag.objects.filter(name="Kept tag").exists(),
    ),
    "vocabulary edit": (
        vocabulary,
        lambda b, before, after: TagPhrase.objects.filter(phrase="kept topic").exists(),
    ),
}


def expected(role: str, status: str, path: str) -> bool:
    """Whether the write happens: the rule, spelled out cell by cell."""
    editor = role == "editor"
    owner_may_edit = role == "owner" and status in WRITER_STATUSES
    if path in ("change form", "restore from history"):
        return editor or owner_may_edit
    if path == "recover after deletion":
        # Judged on the brief as it was when deleted; it comes back a draft.
        return editor or owner_may_edit
    if path == "status in the form":
        return editor  # writers' own move (draft to review) is in test_workflow
    if path == "submit for review":
        return status == "draft" and (editor or owner_may_edit)
    if path == "publish action":
        return editor and status in ("draft", "review", "archived")
    if path == "unpublish action":
        return editor and status in ("published", "scheduled")
    if path == "archive action":
        return editor and status != "archived"
    if path in ("re-tag action", "tag rename", "tag merge", "vocabulary edit"):
        return editor  # the vocabulary is the editors'
    raise AssertionError(path)


@pytest.fixture(scope="class")
def cast(django_db_setup, django_db_blocker):
    """The people, and a brief at each status created by the owner, for a class.

    As Django's ``TestCase.setUpTestData``: made in a transaction opened for
    the class and rolled back after it. Each test runs in a savepoint inside
    it, rolled back after the test, so every test starts from the same rows.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        people = make_people()
        briefs = {status: make(status, people["owner"]) for status in STATUSES}
        yield people, briefs
        transaction.set_rollback(True)


class TestThePermissionMatrix:
    """One test a cell, all on the same people and briefs (``cast``)."""

    @pytest.mark.parametrize("path", PATHS)
    @pytest.mark.parametrize("status", STATUSES)
    @pytest.mark.parametrize("role", ROLES)
    def test_the_permission_matrix(self, cast, role, status, path):
        people, briefs = cast
        brief = Brief.objects.get(pk=briefs[status].pk)
        before = state(brief)
        do, did = PATHS[path]

        response = do(client_for(people[role]), brief)

        assert response.status_code in (200, 302, 403, 404)
        # Done or refused as this person, never as a visitor whose session was lost.
        assert response.wsgi_request.user == people[role]
        after = state(brief)
        assert did(brief, before, after) is expected(role, status, path), (
            f"{role} / {status} / {path}: {response.status_code}"
        )
        if not expected(role, status, path) and path not in ("recover after deletion",):
            assert after == before  # a refused write leaves the brief exactly as it was
        if path == "restore from history" and after:
            # Restoring brings back content, never publication.
            assert (after["status"], after["published_at"]) == (
                before["status"],
                before["published_at"],
            )


@pytest.mark.parametrize("status", STATUSES)
def test_the_importer_never_moves_a_briefs_status(tmp_path, status, people):
    source = tmp_path / "wire.txt"
    source.write_text("LONDON: Ministers met on Monday.\n")
    call_command("import_seeds", str(tmp_path), stdout=io.StringIO())
    brief = Brief.objects.get()
    published_at = {
        "scheduled": timezone.now() + dt.timedelta(days=2),
    }.get(status, brief.published_at)
    Brief.objects.filter(pk=brief.pk).update(
        status="published" if status == "scheduled" else status,
        published_at=published_at,
    )
    source.write_text("LONDON: Ministers met on Monday and Tuesday.\n")

    call_command("import_seeds", str(tmp_path), stdout=io.StringIO())

    brief.refresh_from_db()
    assert brief.status == ("published" if status == "scheduled" else status)
    assert brief.published_at == published_at
    assert "Tuesday" in brief.sections.get().body


@pytest.mark.parametrize("name", ["Writers", "Editors"])
def test_a_group_made_again_after_a_flush_has_what_the_migrations_granted(name):
    """A transactional test's flush takes the groups with it, and the suite
    makes them again (tests/conftest.py): with every permission the migrations
    gave, or a test that runs after a flush would meet a weaker group."""
    migrated = set(Group.objects.get(name=name).permissions.values_list("codename"))
    Group.objects.filter(name=name).delete()
    remade = set(the_group(name).permissions.values_list("codename"))
    assert remade == migrated
