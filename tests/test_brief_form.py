"""The brief form: buttons by role, the writing aids behind it, its markup.

The buttons submit a named move (``move=publish``); the server maps it to a
status and judges it with workflow.refusal, whoever pressed what. The
writing aids (the Markdown preview, the tag suggestions) are admin
endpoints; the browser side is in tests/test_brief_form_in_browser.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from briefs.markdown import render_markdown
from briefs.models import Brief, StatusChange, Tag, TagPhrase
from tests.admin_forms import add_form_row, assert_saved, change_url, form_data
from tests.factories import draft_brief, published_brief, scheduled_brief
from tests.test_quality import java_or_skip, nu_errors, report, uses_nu_checker

pytestmark = pytest.mark.django_db

ADD = reverse("admin:briefs_brief_add")
PREVIEW = reverse("admin:briefs_brief_markdown_preview")
SUGGEST = reverse("admin:briefs_brief_suggest_tags")
AUTOCOMPLETE = reverse("admin:briefs_tag_autocomplete")


def buttons(client, url: str) -> list[str]:
    """The labels of the form's buttons, in order, and of its preview link."""
    html = client.get(url).content.decode()
    row = html[html.index('class="submit-row"') :]
    return [
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(
            r'<(?:button|a)[^>]*class="button[^"]*"[^>]*>(.*?)</(?:button|a)>',
            row,
            re.S,
        )
    ]


def press(client, url: str, move: str, **changes: str):
    """Submit the form at ``url`` unchanged but for ``changes``, with button ``move``."""
    data = form_data(client, url)
    data.update(changes, move=move)
    return client.post(url, data)


def a_moment(**delta) -> dt.datetime:
    return (timezone.now() + dt.timedelta(**delta)).replace(microsecond=0)


# --- Buttons by role -----------------------------------------------------------


def test_a_writer_saves_a_draft_or_submits_it(writer):
    assert buttons(writer, ADD) == ["Save draft", "Submit for review", "Preview"]
    own = draft_brief(created_by=writer.user)
    assert buttons(writer, change_url(own)) == [
        "Save draft",
        "Submit for review",
        "Preview",
    ]


def test_an_editor_publishes_schedules_and_unpublishes(chief):
    assert buttons(chief, ADD) == ["Save draft", "Publish now", "Schedule…", "Preview"]
    assert buttons(chief, change_url(draft_brief())) == [
        "Save draft",
        "Publish now",
        "Schedule…",
        "Preview",
    ]
    assert buttons(chief, change_url(published_brief())) == [
        "Save",
        "Unpublish",
        "View live",
    ]
    assert buttons(chief, change_url(scheduled_brief())) == [
        "Save",
        "Publish now",
        "Reschedule…",
        "Unschedule",
        "Preview",
    ]


def test_the_status_is_no_longer_a_drop_down(chief):
    html = chief.get(change_url(draft_brief())).content.decode()

    assert '<select name="status"' not in html
    assert re.search(r'<input type="hidden" name="status" value="draft"', html)
    assert "Draft" in html  # the state, in words


def test_the_main_button_is_the_furthest_step(writer, chief):
    def main(client, url):
        html = client.get(url).content.decode()
        return re.search(r'class="button move-(\w+) default"', html).group(1)

    assert main(writer, ADD) == "submit_for_review"
    assert main(chief, ADD) == "publish"
    assert main(chief, change_url(published_brief())) == "save"


def test_a_writer_submits_for_review_with_the_button(writer):
    brief = draft_brief(created_by=writer.user)

    response = press(writer, change_url(brief), "submit_for_review")

    assert response.status_code == 302
    assert response["Location"] == change_url(brief)
    brief.refresh_from_db()
    assert brief.status == Brief.Status.REVIEW
    change = StatusChange.objects.get(brief=brief)
    assert (change.from_status, change.to_status, change.via) == (
        "draft",
        "review",
        "form",
    )
    message = str(list(writer.get(change_url(brief)).context["messages"])[0])
    assert "for review" in message


def test_a_writer_pressing_publish_is_refused_whatever_the_form_says(writer):
    brief = draft_brief(created_by=writer.user)

    response = press(writer, change_url(brief), "publish")

    assert response.status_code == 200
    assert "Only editors can publish" in response.content.decode()
    brief.refresh_from_db()
    assert (brief.status, brief.published_at) == (Brief.Status.DRAFT, None)


def test_an_unknown_button_saves_nothing(chief):
    brief = draft_brief()

    response = press(chief, change_url(brief), "delete_everything", title="Changed")

    assert response.status_code == 200
    assert "This form has no such button." in response.content.decode()
    brief.refresh_from_db()
    assert brief.title != "Changed"


def test_publish_now_dates_a_new_brief_now_and_says_where_it_is(chief):
    data = form_data(chief, ADD)
    data.update(title="Water talks resume", move="publish")
    add_form_row(data, "sections", heading="", anchor="", body="Opening.", tags="")
    before = a_moment()

    response = chief.post(ADD, data)

    assert_saved(response)
    brief = Brief.objects.get(title="Water talks resume")
    assert response["Location"] == change_url(brief)
    assert brief.is_public and brief.published_at >= before
    message = str(list(chief.get(change_url(brief)).context["messages"])[0])
    assert f'<a href="http://testserver{brief.get_absolute_url()}">' in message


def test_publish_now_publishes_a_scheduled_brief_now(chief):
    brief = scheduled_brief()

    assert_saved(press(chief, change_url(brief), "publish"))

    brief.refresh_from_db()
    assert brief.is_public
    assert brief.published_at <= timezone.now()


def test_publishing_again_keeps_the_first_date(chief):
    first = a_moment(days=-30)
    brief = draft_brief(published_at=first)

    assert_saved(press(chief, change_url(brief), "publish"))

    brief.refresh_from_db()
    assert (brief.status, brief.published_at) == (Brief.Status.PUBLISHED, first)


def test_schedule_publishes_at_the_time_chosen(chief):
    brief = draft_brief()
    when = a_moment(days=2)

    response = press(
        chief,
        change_url(brief),
        "schedule",
        published_at_0=when.strftime("%Y-%m-%d"),
        published_at_1=when.strftime("%H:%M:%S"),
    )

    assert_saved(response)
    brief.refresh_from_db()
    assert brief.is_scheduled and brief.published_at == when
    message = str(list(chief.get(change_url(brief)).context["messages"])[0])
    assert message.startswith(f"Scheduled “{brief.title}” for ")


@pytest.mark.parametrize("days", [None, -1])
def test_schedule_needs_a_time_to_come(chief, days):
    brief = draft_brief()
    changes = {"published_at_0": "", "published_at_1": ""}
    if days is not None:
        when = a_moment(days=days)
        changes = {
            "published_at_0": when.strftime("%Y-%m-%d"),
            "published_at_1": when.strftime("%H:%M:%S"),
        }

    response = press(chief, change_url(brief), "schedule", **changes)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["published_at"]
    assert "choose a date and time to come" in errors[0]
    brief.refresh_from_db()
    assert brief.status == Brief.Status.DRAFT


def test_unpublish_makes_a_live_brief_a_draft_and_keeps_its_date(chief):
    brief = published_brief()
    date = brief.published_at

    assert_saved(press(chief, change_url(brief), "unpublish"))

    brief.refresh_from_db()
    assert (brief.status, brief.published_at) == (Brief.Status.DRAFT, date)


def test_django_s_own_save_still_keeps_the_status(chief):
    brief = draft_brief()
    data = form_data(chief, change_url(brief))
    data.update(title="Renamed", _save="Save")

    assert_saved(chief.post(change_url(brief), data))

    brief.refresh_from_db()
    assert (brief.title, brief.status) == ("Renamed", Brief.Status.DRAFT)


@pytest.mark.parametrize("who", ["writer", "chief"])
def test_preview_saves_a_new_brief_and_opens_its_staff_preview(who, request):
    client = request.getfixturevalue(who)
    data = form_data(client, ADD)
    data.update(title="A brief to preview", _preview="1")
    add_form_row(data, "sections", heading="", anchor="", body="Text.", tags="")

    response = client.post(ADD, data)

    brief = Brief.objects.get(title="A brief to preview")
    assert brief.status == Brief.Status.DRAFT
    assert response.status_code == 302
    assert response["Location"] == brief.get_absolute_url()
    page = client.get(brief.get_absolute_url())
    assert page.status_code == 200
    assert "Preview, not published." in page.content.decode()


# --- Line ends ---------------------------------------------------------------------


def test_every_text_field_is_stored_with_unix_line_ends(chief):
    brief = published_brief(
        key_points=("One",), sections=(("", "Opening.", ()), ("Two", "Second.", ()))
    )
    data = form_data(chief, change_url(brief))
    data.update(
        {
            "title": "A title\r",
            "summary": "First line.\r\nSecond line.\rThird line.",
            "key_points-0-text": "A point\r\n",
            "sections-1-heading": "Heading\r\n",
            "sections-0-body": "Paragraph one.\r\n\r\nParagraph two.",
            "change_kind": "update",
            "change_note": "Figures added.\r\nSee the table.",
        }
    )

    assert_saved(chief.post(change_url(brief), data))

    brief.refresh_from_db()
    texts = [
        brief.title,
        brief.summary,
        brief.key_points.get().text,
        *brief.sections.values_list("heading", flat=True),
        *brief.sections.values_list("body", flat=True),
        brief.corrections.get().note,
    ]
    assert not [text for text in texts if "\r" in text]
    assert brief.summary == "First line.\nSecond line.\nThird line."
    assert brief.sections.get(position=0).body == "Paragraph one.\n\nParagraph two."


# --- Markup ---------------------------------------------------------------------


def test_no_label_points_at_a_hidden_input(chief):
    html = chief.get(change_url(published_brief())).content.decode()

    hidden = set(re.findall(r'<input type="hidden"[^>]* id="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
    assert "id_loaded_version" in hidden and "id_sections-0-position" in hidden
    assert not hidden & labelled


@uses_nu_checker
def test_the_forms_are_valid_html_for_writers_and_editors(writer, chief, tmp_path):
    java = java_or_skip()
    own = draft_brief(
        created_by=writer.user,
        tags=("Trade",),
        sections=(("", "Opening.", ()), ("Next", "Text.", ("Trade",))),
    )
    pages = {}
    for who, client in (("writer", writer), ("editor", chief)):
        for name, url in (("add", ADD), ("change", change_url(own))):
            path = tmp_path / f"{who}-{name}.html"
            path.write_bytes(client.get(url).content)
            pages[path] = f"{who} {name}"

    problems = nu_errors(java, pages)
    assert not problems, report(problems)


def test_key_points_have_one_label_each_and_their_text_once(chief):
    brief = draft_brief(key_points=("Tariffs stay", "Crossings reopen"))
    html = chief.get(change_url(brief)).content.decode()

    assert html.count("Tariffs stay") == 1
    assert (
        '<label class="inline-row-label" for="id_key_points-0-text">Key point 1' in html
    )
    assert re.search(r'<label[^>]* for="id_key_points-1-DELETE">Delete</label>', html)


def test_the_publication_date_and_time_each_have_a_label(chief):
    html = chief.get(change_url(draft_brief())).content.decode()

    assert '<label for="id_published_at_0">Date</label>' in html
    assert '<label for="id_published_at_1">Time (UTC)</label>' in html
    assert re.search(r'<input type="date" name="published_at_0"', html)
    assert re.search(r'<input type="time" name="published_at_1"[^>]*step="1"', html)


def test_tag_inputs_carry_their_kinds_and_who_may_create(writer, chief):
    Tag.objects.create(name="Pakistan", kind=Tag.Kind.PLACE)
    brief = draft_brief(
        created_by=writer.user,
        tags=("Pakistan",),
        sections=(("", "Opening.", ("Pakistan",)),),
    )

    def tag_input(client, name):
        html = client.get(change_url(brief)).content.decode()
        return re.search(rf'<input [^>]*name="{name}"[^>]*>', html).group(0)

    for name in ("tags", "sections-0-tags"):
        field = tag_input(chief, name)
        assert 'data-tag-kinds="{&quot;Pakistan&quot;: &quot;Place&quot;}"' in field
        assert f'data-tag-suggestions="{SUGGEST}"' in field
        assert "data-tag-create" in field
        assert "data-tag-create" not in tag_input(writer, name)


def test_section_bodies_offer_the_preview_and_the_form_loads_its_scripts(chief):
    html = chief.get(ADD).content.decode()

    body = re.search(r'<textarea [^>]*name="sections-0-body"[^>]*>', html).group(0)
    assert f'data-markdown-preview="{PREVIEW}"' in body
    assert html.count('src="/static/briefs/admin/editor.js"') == 1
    assert "<script>" not in html.replace(" ", "")  # no inline script


def test_a_new_brief_opens_with_a_key_point_a_section_no_author_and_no_record(chief):
    response = chief.get(ADD)

    prefixes = {
        f.formset.prefix: len(f.formset.forms)
        for f in response.context["inline_admin_formsets"]
    }
    assert prefixes == {"credits": 0, "key_points": 1, "sections": 1}
    assert "Source" not in [f.name for f in response.context["adminform"]]


# --- The Markdown preview --------------------------------------------------------


def test_the_preview_is_the_readers_html(writer):
    body = "Talks on *trade*.\n\n# Next\n\n<script>alert(1)</script>"

    response = writer.post(PREVIEW, {"body": body})

    assert response.status_code == 200
    assert response.json() == {"html": render_markdown(body)}
    assert "<em>trade</em>" in response.json()["html"]
    assert "<script>" not in response.json()["html"]


def test_the_preview_is_post_only_csrf_protected_and_for_staff_who_write(db):
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)

    assert Client().post(PREVIEW, {"body": "x"}).status_code == 302  # to log in
    assert strict.post(PREVIEW, {"body": "x"}).status_code == 403  # no token
    client = Client()
    client.force_login(user)
    assert client.post(PREVIEW, {"body": "x"}).status_code == 403  # no permission


def test_the_preview_refuses_a_get_and_too_much_text(writer):
    assert writer.get(PREVIEW, {"body": "x"}).status_code == 405
    response = writer.post(PREVIEW, {"body": "x" * 200_001})
    assert response.status_code == 413
    assert "Too much text" in response.json()["error"]


# --- Tag suggestions -------------------------------------------------------------


@pytest.fixture
def vocabulary(db):
    trade = Tag.objects.create(name="Trade", kind=Tag.Kind.TOPIC)
    TagPhrase.objects.create(tag=trade, phrase="trade")
    Tag.objects.create(name="Pakistan", kind=Tag.Kind.PLACE)


def test_suggestions_are_the_taggers_existing_tags_with_kinds(writer, vocabulary):
    response = writer.post(
        SUGGEST,
        {
            "title": "Pakistan and China talk",
            "summary": "",
            "key_point": ["Trade rises"],
            "heading": ["", "Trade"],
            "body": ["Pakistan met China.", "Trade grew; trade talks go on."],
        },
    )

    assert response.status_code == 200
    found = response.json()
    # China is named too, but is no tag yet: a writer could not choose it.
    # Each with why it was proposed: the phrases and where they matched.
    assert found["brief"] == [
        {
            "name": "Pakistan",
            "kind": "Place",
            "reason": "title: “Pakistan”; section 1: “Pakistan”",
        },
        {
            "name": "Trade",
            "kind": "Topic",
            "reason": "key point 1: “Trade”; section 2: “Trade” ×2, “trade”",
        },
    ]
    assert found["sections"] == [
        [{"name": "Pakistan", "kind": "Place", "reason": "section 1: “Pakistan”"}],
        [
            {
                "name": "Trade",
                "kind": "Topic",
                "reason": "section 2: “Trade” ×2, “trade”",
            }
        ],
    ]


def test_suggestions_read_the_dateline_as_the_import_does(writer, vocabulary):
    Tag.objects.create(name="Lebanon", kind=Tag.Kind.PLACE)
    text = {
        "title": "Drought hits dairy farms",
        "key_point": [],
        "heading": [""],
        "body": ["Farmers near Lebanon sold cows; Lebanon auction barns are full."],
    }
    suggested = writer.post(SUGGEST, text).json()
    in_town = writer.post(SUGGEST, {**text, "dateline": "LEBANON, Pa. (AP)"}).json()

    def named(found):
        return {tag["name"] for tags in found["sections"] for tag in tags}

    # Without a dateline the place is the country; under "LEBANON, Pa." the town.
    assert "Lebanon" in named(suggested)
    assert "Lebanon" not in named(in_town)


def test_suggestions_are_post_only_and_limited(writer, vocabulary):
    assert writer.get(SUGGEST).status_code == 405
    assert writer.post(SUGGEST, {"body": ["x" * 150_000] * 2}).status_code == 413
    assert writer.post(SUGGEST, {}).json() == {"brief": [], "sections": []}


def test_autocomplete_gives_kinds_when_asked(writer, vocabulary):
    plain = writer.get(AUTOCOMPLETE, {"q": "pak"}).json()
    with_kinds = writer.get(AUTOCOMPLETE, {"q": "pak", "kinds": "1"}).json()

    assert plain == {"results": ["Pakistan"]}
    assert with_kinds == {"results": [{"name": "Pakistan", "kind": "Place"}]}
    assert json.dumps(with_kinds).count("Pakistan") == 1


@pytest.mark.parametrize("date", [("", ""), ("2020-01-01", "09:00:00")])
@pytest.mark.parametrize("button", [{"move": "save"}, {"_save": "Save"}])
def test_a_plain_save_never_publishes_a_scheduled_brief(chief, date, button):
    brief = scheduled_brief(title="Ministers meet in Geneva")
    url = change_url(brief)
    data = {**form_data(chief, url), **button}
    data["published_at_0"], data["published_at_1"] = date

    response = chief.post(url, data)

    assert response.status_code == 200
    assert "To publish it now, press “Publish now”" in response.content.decode()
    brief.refresh_from_db()
    assert brief.is_scheduled


def test_a_plain_save_never_takes_a_live_brief_off_the_site(chief):
    brief = published_brief(title="Port fees fall")
    url = change_url(brief)
    later = timezone.localtime() + dt.timedelta(days=2)
    data = {**form_data(chief, url), "move": "save", "change_kind": "minor"}
    data["published_at_0"] = later.strftime("%Y-%m-%d")
    data["published_at_1"] = "09:00:00"

    response = chief.post(url, data)

    assert response.status_code == 200
    assert "press “Unpublish”, then schedule it" in response.content.decode()
    brief.refresh_from_db()
    assert brief.is_public


def test_a_brief_taken_off_its_schedule_is_published_when_next_published(chief):
    by_form, by_action = scheduled_brief(), scheduled_brief()
    url = change_url(by_form)
    chief.post(url, {**form_data(chief, url), "move": "unpublish"})
    chief.post(
        reverse("admin:briefs_brief_changelist"),
        {"action": "unpublish", "_selected_action": [by_action.pk]},
    )
    for brief in (by_form, by_action):
        brief.refresh_from_db()
        assert (brief.status, brief.published_at) == (Brief.Status.DRAFT, None)

    chief.post(
        reverse("admin:briefs_brief_changelist"),
        {"action": "publish", "_selected_action": [by_form.pk, by_action.pk]},
    )

    for brief in (by_form, by_action):
        brief.refresh_from_db()
        assert brief.is_public
