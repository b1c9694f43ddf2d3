"""The brief list as editors use it: badges that say where each brief
stands, filters by status, writer, tag kind and a typed tag, and no failure
on any query string."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from briefs.models import Tag, TagRedirect
from tests.factories import draft_brief, make_brief, published_brief, scheduled_brief
from tests.people import member

BRIEFS = reverse("admin:briefs_brief_changelist")
AUTOCOMPLETE = reverse("admin:briefs_tag_autocomplete")
NO_SECTIONS = (("", "Text.", ()),)


@pytest.fixture
def desk(db):
    """One brief in each state, with tags on a brief and on a section."""
    soon = timezone.now() + dt.timedelta(days=2)
    return {
        "draft": draft_brief(title="A draft", sections=NO_SECTIONS),
        "review": make_brief(title="Under review", status="review"),
        "scheduled": scheduled_brief(
            title="Comes out later", published_at=soon, sections=NO_SECTIONS
        ),
        "live": published_brief(
            title="Out now",
            tags=("Water",),
            sections=(("", "Text.", ()), ("Rivers", "More.", ("Indus basin",))),
        ),
        "archived": make_brief(
            title="Old news",
            status="archived",
            published_at=timezone.now() - dt.timedelta(days=400),
            sections=NO_SECTIONS,
        ),
    }


def listed(response) -> set[str]:
    assert response.status_code == 200
    return {brief.title for brief in response.context["cl"].result_list}


def row_of(page: str, title: str) -> str:
    """The HTML of the list's row for the brief called ``title``."""
    rows = re.findall(r"<tr>.*?</tr>", page, flags=re.S)
    return next(row for row in rows if title in row)


# --- Badges and columns -----------------------------------------------------


def test_each_brief_has_a_badge_naming_its_state(editor_client, desk):
    page = editor_client.get(BRIEFS).content.decode()

    badges = {
        "A draft": "Draft",
        "Under review": "In review",
        "Comes out later": "Scheduled",
        "Out now": "Live",
        "Old news": "Archived",
    }
    for title, badge in badges.items():
        row = row_of(page, title)
        assert re.search(rf'class="badge badge-\w+">{badge}<', row), title
    # A scheduled brief is never called published, and says when it goes live.
    scheduled = row_of(page, "Comes out later")
    assert ">Published<" not in scheduled
    when = timezone.localtime(desk["scheduled"].published_at)
    assert 'class="badge-when"><time datetime=' in scheduled
    assert f"{when:%H:%M}</time>" in scheduled


def test_titles_have_their_own_wide_column_and_datelines_under_them(
    editor_client, desk
):
    page = editor_client.get(BRIEFS).content.decode()

    row = row_of(page, "Out now")
    assert 'class="brief-dateline">GENEVA<' in row
    assert "briefs/admin/list.css" in page
    css = Path(finders.find("briefs/admin/list.css")).read_text(encoding="utf-8")
    assert re.search(r"\.column-headline \{[^}]*width: 45%", css)


def test_the_writer_is_the_person_assigned_else_the_one_who_created_it(chief, db):
    writer = member("Writers", "wanda").user
    assigned = draft_brief(title="Assigned", created_by=chief.user)
    assigned.assigned_to = writer
    assigned.save()
    draft_brief(title="Created", created_by=chief.user)

    page = chief.get(BRIEFS).content.decode()

    assert 'class="field-writer">wanda<' in row_of(page, "Assigned")
    assert 'class="field-writer">edith<' in row_of(page, "Created")


# --- Filters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "title"),
    [
        ("draft", "A draft"),
        ("review", "Under review"),
        ("scheduled", "Comes out later"),
        ("live", "Out now"),
        ("archived", "Old news"),
    ],
)
def test_the_status_filter_tells_scheduled_from_live(
    editor_client, desk, status, title
):
    assert listed(editor_client.get(BRIEFS, {"status": status})) == {title}


def test_mine_lists_what_i_created_or_am_assigned(chief, db):
    draft_brief(title="Mine", created_by=chief.user)
    draft_brief(title="Someone else's")

    assert listed(chief.get(BRIEFS, {"mine": "yes"})) == {"Mine"}


def test_filters_combine_as_the_desk_links_them(chief, db):
    draft_brief(title="My draft", created_by=chief.user)
    make_brief(title="My brief in review", status="review", created_by=chief.user)
    draft_brief(title="Another draft")

    response = chief.get(BRIEFS, {"status": "draft", "mine": "yes"})

    assert listed(response) == {"My draft"}


@pytest.mark.parametrize(
    "typed", ["water", "Water", "WATER", "  water ", "old-water", "indus-basin"]
)
def test_a_tag_is_chosen_by_its_name_slug_or_an_old_slug(editor_client, desk, typed):
    TagRedirect.objects.create(old_slug="old-water", tag=Tag.objects.get(name="Water"))
    if typed == "indus-basin":
        # A section's tag finds its brief, as the readers' tag page does.
        assert listed(editor_client.get(BRIEFS, {"tag": typed})) == {"Out now"}
        return

    response = editor_client.get(BRIEFS, {"tag": typed})

    assert listed(response) == {"Out now"}
    # The box shows the tag's name, whatever was typed.
    assert 'name="tag" value="Water"' in response.content.decode()


def test_a_tag_no_one_has_lists_nothing_and_says_so(editor_client, desk):
    response = editor_client.get(BRIEFS, {"tag": "no such tag"})

    assert listed(response) == set()
    assert "No tag is called “no such tag”." in response.content.decode()


def test_an_empty_tag_box_lists_every_brief(editor_client, desk):
    assert len(listed(editor_client.get(BRIEFS, {"tag": " "}))) == 5


def test_the_tag_box_keeps_the_other_filters_and_lists_no_tags(editor_client, desk):
    for n in range(30):
        Tag.objects.create(name=f"Vocabulary tag {n}")

    page = editor_client.get(BRIEFS, {"status": "live", "q": "out"}).content.decode()

    box = re.search(r'<form method="get" class="tag-filter">.*?</form>', page, re.S)
    assert box is not None
    assert '<input type="hidden" name="status" value="live">' in box.group()
    assert '<input type="hidden" name="q" value="out">' in box.group()
    assert '<label for="tag-filter-input">' in box.group()
    assert f'data-tag-suggestions="{AUTOCOMPLETE}"' in box.group()
    assert "Vocabulary tag" not in page
    assert "list.js" in page


def test_tag_kind_and_tag_filters_combine(editor_client, desk):
    Tag.objects.filter(name="Water").update(kind=Tag.Kind.TOPIC)

    assert listed(editor_client.get(BRIEFS, {"tag_kind": "topic", "tag": "water"})) == {
        "Out now"
    }
    assert listed(editor_client.get(BRIEFS, {"tag_kind": "place", "tag": "water"})) == (
        set()
    )


def test_the_tag_filter_costs_one_query_however_many_tags(editor_client, desk):
    editor_client.get(BRIEFS)
    with CaptureQueriesContext(connection) as plain:
        editor_client.get(BRIEFS)
    for n in range(50):
        Tag.objects.create(name=f"Extra {n}")
    with CaptureQueriesContext(connection) as filtered:
        editor_client.get(BRIEFS, {"tag": "water"})

    assert len(filtered) == len(plain) + 1


def test_old_filter_parameters_are_gone_from_the_sidebar(editor_client, desk):
    page = editor_client.get(BRIEFS).content.decode()

    assert "tags__id__exact" not in page
    assert "published_at__gte" not in page
    assert 'class="xfull"' not in page  # no date hierarchy above the list


# --- Hostile query strings ----------------------------------------------------

HOSTILE_VALUES = [
    "%00",
    "x%00y",
    "%ED%A0%80",
    "%C0%AF",
    "%FF%FE",
    "..%2F..%2Fetc%2Fpasswd",
    "%0D%0ALocation:%20x",
    "a" * 5000,
    "-1",
    "99999999999999999999",
    "",
    "%25",
]
PARAMETERS = ["status", "mine", "tag", "tag_kind", "imported", "q", "o", "p", "_facets"]


def test_no_filter_value_is_a_server_error(editor_client, desk):
    editor_client.raise_request_exception = False
    failures = []
    for name in PARAMETERS:
        for value in HOSTILE_VALUES:
            url = f"{BRIEFS}?{name}={value}"
            status = editor_client.get(url).status_code
            if status >= 500:
                failures.append(f"{status} {url[:100]}")
    for query in ["status=live&status=%00", "tag=water&tag=%00", "%00=1", "&&&=&="]:
        status = editor_client.get(f"{BRIEFS}?{query}").status_code
        if status >= 500:
            failures.append(f"{status} {query}")
    assert not failures, "\n".join(failures)


def test_an_unknown_status_leaves_the_list_as_it_is(editor_client, desk):
    assert len(listed(editor_client.get(BRIEFS, {"status": "published"}))) == 5
