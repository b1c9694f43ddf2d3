"""The desk home: the admin's index opens on what needs doing, and the import
records it shows."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from html import unescape

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from briefs.admin_site import NewsroomAdminSite
from briefs.editorial.desk import BRIEFS_SHOWN, desk_for
from briefs.ingest.importing import ImportResult, Outcome
from briefs.ingest.records import record_import
from briefs.models import Brief, ImportProblem, ImportRecord
from tests.factories import draft_brief, make_brief, published_brief, scheduled_brief
from tests.people import log_in, staff_member
from tests.test_quality import (
    describe_violation,
    java_or_skip,
    nu_check,
    report,
    uses_nu_checker,
)

pytestmark = pytest.mark.django_db

BAD = "tests/fixtures/bad"
DESK = reverse("admin:index")


def in_review(**fields) -> Brief:
    return make_brief(status=Brief.Status.REVIEW, **fields)


def pile(desk, name: str):
    return next(pile for pile in desk.piles if pile.name == name)


def titles(desk, name: str) -> list[str]:
    return [brief.title for brief in pile(desk, name).briefs]


# --- Import records ------------------------------------------------------------


def results() -> list[ImportResult]:
    return [
        ImportResult("seeds/a.txt", Outcome.CREATED, slug="a"),
        ImportResult("seeds/b.txt", Outcome.UNCHANGED, slug="b"),
        ImportResult(
            "seeds/c.txt", Outcome.CONFLICT, slug="c", detail="an editor has changed it"
        ),
        ImportResult("seeds/d.txt", Outcome.FAILED, detail="empty document"),
        ImportResult("seeds/e.txt", Outcome.UNCHANGED, slug="e"),
    ]


def test_an_import_is_recorded_with_its_counts_and_its_problems_in_order():
    user = staff_member("Editors", "edith")

    record = record_import(results(), user=user, via="admin")

    record.refresh_from_db()
    assert (record.user, record.via) == (user, ImportRecord.Via.ADMIN)
    counts = (
        record.created,
        record.updated,
        record.unchanged,
        record.conflict,
        record.failed,
    )
    assert counts == (1, 0, 2, 1, 1)
    assert (record.files, record.problem_count) == (5, 2)
    assert record.summary == "5 files: 1 created, 2 unchanged, 1 conflict, 1 failed"
    assert [(p.path, p.outcome, p.detail, p.slug) for p in record.problems.all()] == [
        ("seeds/c.txt", "conflict", "an editor has changed it", "c"),
        ("seeds/d.txt", "failed", "empty document", ""),
    ]


def test_a_record_has_a_count_for_every_outcome():
    fields = {field.name for field in ImportRecord._meta.get_fields()}
    assert {outcome.value for outcome in Outcome} <= fields


def test_an_import_by_nobody_signed_in_and_an_unknown_route():
    record = record_import([], via="command")
    assert (record.user, record.files, record.problems.count()) == (None, 0, 0)
    with pytest.raises(ValueError):
        record_import(results(), via="email")
    assert ImportRecord.objects.count() == 1


def test_a_file_name_that_is_not_utf8_or_has_controls_is_recorded_as_printed():
    name = "caf\udce9\u202etxt.exe"
    record = record_import(
        [ImportResult(name, Outcome.FAILED, detail=f"cannot read {name}")],
        via="command",
    )

    problem = record.problems.get()
    assert problem.path == "caf\\udce9\\u202etxt.exe"
    assert problem.detail == "cannot read caf\\udce9\\u202etxt.exe"


def test_import_seeds_records_its_run_from_the_command_line():
    with pytest.raises(CommandError):
        call_command("import_seeds", BAD, stdout=io.StringIO())

    record = ImportRecord.objects.get()
    assert (record.via, record.user, record.failed, record.created) == (
        "command",
        None,
        5,
        0,
    )
    assert {p.outcome for p in record.problems.all()} == {"failed"}
    assert "empty document" in {p.detail.split(":")[0] for p in record.problems.all()}


def test_a_dry_run_leaves_no_record():
    call_command("import_seeds", "--dry-run", stdout=io.StringIO())
    assert not ImportRecord.objects.exists()


# --- The desk's piles ------------------------------------------------------------


def test_a_writers_drafts_are_those_they_created_or_are_assigned_to():
    writer = staff_member("Writers", "wanda")
    other = staff_member("Writers", "walt")
    draft_brief(title="Created", created_by=writer)
    draft_brief(title="Assigned", created_by=other, assigned_to=writer)
    draft_brief(title="Someone else's", created_by=other)
    in_review(title="Mine in review", created_by=writer)
    in_review(title="Theirs in review", created_by=other)

    desk = desk_for(writer)

    assert [p.name for p in desk.piles] == [
        "drafts",
        "review",
        "scheduled",
        "published",
    ]
    assert sorted(titles(desk, "drafts")) == ["Assigned", "Created"]
    # A writer reviews nothing: they see only the briefs they submitted.
    review = pile(desk, "review")
    assert (review.title, titles(desk, "review")) == (
        "Submitted for review",
        ["Mine in review"],
    )
    assert review.list_filters == {"status": "review", "mine": "yes"}


def test_an_editor_sees_every_brief_awaiting_review_longest_waiting_first():
    editor = staff_member("Editors", "edith")
    first = in_review(title="Waiting longest")
    in_review(title="Waiting since today")
    Brief.objects.filter(pk=first.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=2)
    )

    review = pile(desk_for(editor), "review")

    assert review.title == "Awaiting review"
    assert [b.title for b in review.briefs] == [
        "Waiting longest",
        "Waiting since today",
    ]
    assert (review.count, review.query) == (2, "status=review")


def test_scheduled_and_published_piles_come_in_time_order_and_are_counted_whole():
    editor = staff_member("Editors", "edith")
    now = timezone.now().replace(microsecond=0)
    scheduled_brief(title="Later", published_at=now + dt.timedelta(days=2))
    scheduled_brief(title="Sooner", published_at=now + dt.timedelta(hours=2))
    for n in range(BRIEFS_SHOWN + 2):
        published_brief(title=f"Live {n}", published_at=now - dt.timedelta(hours=n))
    make_brief(title="Archived", status=Brief.Status.ARCHIVED)

    desk = desk_for(editor, now=now)

    assert titles(desk, "scheduled") == ["Sooner", "Later"]
    published = pile(desk, "published")
    assert published.count == BRIEFS_SHOWN + 2
    assert [b.title for b in published.briefs] == [
        f"Live {n}" for n in range(BRIEFS_SHOWN)
    ]
    assert published.query == "status=live"


def test_staff_who_may_not_view_briefs_have_an_empty_desk(django_user_model):
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    assert desk_for(clerk).piles == []


# --- The desk home page ---------------------------------------------------------


def page(client) -> str:
    response = client.get(DESK)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_default_admin_site_is_the_newsrooms():
    assert isinstance(admin.site._wrapped, NewsroomAdminSite)
    assert admin.site.is_registered(Brief)


def test_an_editors_desk_links_each_brief_and_each_whole_pile(chief):
    draft = draft_brief(title="My budget draft", created_by=chief.user)
    review = in_review(title="Port fees under review")
    when = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=1)
    scheduled_brief(title="Ministers meet in Geneva", published_at=when)

    html = page(chief)

    changelist = reverse("admin:briefs_brief_changelist")
    for heading in ("My drafts", "Awaiting review", "Scheduled", "Recently published"):
        assert f">{heading} <span" in html
    assert reverse("admin:briefs_brief_change", args=[draft.pk]) in html
    assert reverse("admin:briefs_brief_change", args=[review.pk]) in html
    assert f'href="{changelist}?status=draft&mine=yes"' in html
    assert f'href="{changelist}?status=review"' in html
    assert f'href="{changelist}?status=scheduled"' in html
    assert f'datetime="{timezone.localtime(when):%Y-%m-%dT%H:%M:%S%z}"' in html
    assert reverse("admin:briefs_brief_add") in html


def test_a_writers_desk_has_no_review_queue(writer):
    in_review(title="Someone else's brief in review")

    html = page(writer)

    assert "Awaiting review" not in html
    assert "Submitted for review" in html
    assert "Someone else's brief in review" not in html


def test_the_desk_shows_the_last_imports_with_failures_and_conflicts(chief):
    brief = published_brief(title="Conflicted", slug="c")
    record = record_import(results(), via="command")

    html = page(chief)

    assert "Last imports" in html
    assert "5 files:" in html
    assert "seeds/c.txt" in html and "an editor has changed it" in html
    assert "seeds/d.txt" in html and "empty document" in html
    assert "seeds/b.txt" not in html  # unchanged files are only counted
    assert reverse("admin:briefs_brief_change", args=[brief.pk]) in html
    assert reverse("admin:briefs_importrecord_change", args=[record.pk]) in html


def test_briefs_come_above_the_accounts_which_only_superusers_see(editor_client, chief):
    html = page(editor_client)

    positions = [
        html.index(name)
        for name in ("Last imports", ">Briefs<", "Authentication and Authorization")
    ]
    assert positions == sorted(positions)
    assert reverse("admin:auth_user_changelist") in html
    assert reverse("admin:axes_accessattempt_changelist") in html
    assert reverse("admin:auth_user_changelist") not in page(chief)


# --- The import records' admin --------------------------------------------------


def test_import_records_are_read_only_for_editors_and_writers(chief, writer):
    record = record_import(results(), via="command")
    change = reverse("admin:briefs_importrecord_change", args=[record.pk])

    for client in (chief, writer):
        assert (
            client.get(reverse("admin:briefs_importrecord_changelist")).status_code
            == 200
        )
        response = client.get(change)
        assert response.status_code == 200
        assert "empty document" in response.content.decode()
        assert client.get(reverse("admin:briefs_importrecord_add")).status_code == 403
        delete = reverse("admin:briefs_importrecord_delete", args=[record.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ImportProblem.objects.filter(record=record).count() == 2


# --- Valid and accessible, filled ----------------------------------------------


@dataclass(frozen=True)
class DeskPage:
    name: str
    url: str = DESK


def full_desk(user) -> None:
    """Every pile and an import with failures and a conflict on ``user``'s desk."""
    draft_brief(title="Customs talks, first draft", created_by=user)
    in_review(title="Port fees under review", created_by=user)
    scheduled_brief(title="Ministers meet in Geneva")
    published_brief(title="Border trade reopens", slug="c")
    record_import(results(), via="command")


@uses_nu_checker
def test_a_full_desk_is_valid_html_for_each_role(
    tmp_path, chief, writer, editor_client
):
    java = java_or_skip()
    full_desk(chief.user)
    files = {}
    for name, client in (
        ("editor", chief),
        ("writer", writer),
        ("admin", editor_client),
    ):
        files[name] = tmp_path / f"desk-{name}.html"
        files[name].write_bytes(client.get(DESK).content)

    problems = [
        f"{message.get('url')} line {message.get('lastLine')}: {message['message']}"
        for message in nu_check(java, list(files.values()))
        if message["type"] == "error"
    ]
    assert not problems, report(problems)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_a_full_desk_has_no_axe_violations_and_fits_a_phone(
    width, browser_page, live_server
):
    from axe_playwright_python.sync_playwright import Axe

    user = staff_member("Editors", "edith")
    full_desk(user)
    browser_page.set_viewport_size({"width": width, "height": 900})
    log_in(browser_page, "edith")

    violations = Axe().run(browser_page).response["violations"]
    problems = [
        line
        for violation in violations
        for line in describe_violation(DeskPage(f"desk at {width}px"), violation)
    ]
    assert not problems, report(problems)
    overflow = browser_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the desk is {overflow}px wider than a {width}px window"
