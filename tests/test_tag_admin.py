"""Editors look after the tags: phrases, renames, merges, suggestions, races."""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
import threading
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from briefs.models import (
    Brief,
    Section,
    Tag,
    TaggedBrief,
    TaggedSection,
    TagPhrase,
    TagRedirect,
)
from briefs.tagging.merging import merge_tags
from briefs.tagging.vocabulary import build_tagger
from tests.admin_forms import add_form_row, assert_saved, form_data
from tests.factories import draft_brief, published_brief

TAGS = reverse("admin:briefs_tag_changelist")
TAG_ADD = reverse("admin:briefs_tag_add")
BRIEFS = reverse("admin:briefs_brief_changelist")
AUTOCOMPLETE = reverse("admin:briefs_tag_autocomplete")


def tag_change_url(tag: Tag) -> str:
    return reverse("admin:briefs_tag_change", args=[tag.pk])


def tag_named(name: str) -> Tag:
    return Tag.objects.get(name=name)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Match phrases -----------------------------------------------------------


def test_tag_form_edits_match_phrases(editor_client, db):
    published_brief(tags=("United States",))
    tag = tag_named("United States")
    TagPhrase.objects.create(tag=tag, phrase="USA")
    data = form_data(editor_client, tag_change_url(tag))
    assert data["phrases-0-phrase"] == "USA"
    data["phrases-1-phrase"] = "United States of America"
    data["phrases-0-DELETE"] = "on"

    assert_saved(editor_client.post(tag_change_url(tag), data))

    assert list(tag.phrases.values_list("phrase", flat=True)) == [
        "United States of America"
    ]


def test_tag_form_refuses_the_same_phrase_twice(editor_client, db):
    tag = Tag.objects.create(name="Energy")
    data = form_data(editor_client, tag_change_url(tag))
    data["phrases-TOTAL_FORMS"] = "2"
    data["phrases-0-phrase"] = "power"
    data["phrases-1-phrase"] = "power"

    response = editor_client.post(tag_change_url(tag), data)

    assert response.status_code == 200
    assert not TagPhrase.objects.exists()


def test_a_veto_an_editor_adds_in_the_admin_stops_the_match(editor_client, db):
    diplomacy = Tag.objects.create(name="Diplomacy")
    TagPhrase.objects.create(tag=diplomacy, phrase="embassy")
    hotel = "The delegates stayed at the Embassy Suites hotel."
    assert build_tagger().tags_for(hotel) == ("Diplomacy",)
    page = editor_client.get(tag_change_url(diplomacy)).content.decode()
    assert '<th scope="col" class="column-veto">Veto</th>' in page
    assert 'name="phrases-0-veto"' in page

    data = form_data(editor_client, tag_change_url(diplomacy))
    add_form_row(data, "phrases", phrase="Embassy Suites", veto="on")
    assert_saved(editor_client.post(tag_change_url(diplomacy), data))

    assert set(diplomacy.phrases.values_list("phrase", "veto")) == {
        ("embassy", False),
        ("Embassy Suites", True),
    }
    tagger = build_tagger()
    assert tagger.tags_for(hotel) == ()
    assert tagger.tags_for("They met at the embassy.") == ("Diplomacy",)
    # Unticked, it is a match phrase again, and the hotel counts once more.
    data = form_data(editor_client, tag_change_url(diplomacy))
    veto_row = next(
        key.removesuffix("-phrase")
        for key, value in data.items()
        if value == "Embassy Suites"
    )
    del data[f"{veto_row}-veto"]
    assert_saved(editor_client.post(tag_change_url(diplomacy), data))
    assert build_tagger().tags_for(hotel) == ("Diplomacy",)


# --- Names and renames -------------------------------------------------------


def test_a_name_in_another_case_is_refused_with_a_clear_message(editor_client, db):
    Tag.objects.create(name="China")
    data = form_data(editor_client, TAG_ADD)
    data.update(name="china", slug="china-2", kind="place")

    response = editor_client.post(TAG_ADD, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        "The tag “China” already exists (tag names ignore case). "
        "To combine the two, use “Merge selected tags…” in the tag list."
    ]
    assert Tag.objects.count() == 1


def test_changing_the_slug_redirects_the_old_address(editor_client, client, db):
    published_brief(tags=("Trade",))
    tag = tag_named("Trade")
    data = form_data(editor_client, tag_change_url(tag))
    data.update(name="Trade policy", slug="trade-policy")

    assert_saved(editor_client.post(tag_change_url(tag), data))

    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("Trade policy", "trade-policy")
    assert list(tag.redirects.values_list("old_slug", flat=True)) == ["trade"]
    response = client.get("/tags/trade/")
    assert response.status_code == 301
    assert response["Location"] == "/tags/trade-policy/"
    assert client.get("/tags/trade-policy/").status_code == 200


def test_renaming_back_leaves_one_redirect_each_way(editor_client, db):
    tag = Tag.objects.create(name="Trade")
    for name, slug in [("Commerce", "commerce"), ("Trade", "trade")]:
        data = form_data(editor_client, tag_change_url(tag))
        data.update(name=name, slug=slug)
        assert_saved(editor_client.post(tag_change_url(tag), data))

    # The tag owns "trade" again; only "commerce" redirects.
    assert list(TagRedirect.objects.values_list("old_slug", "tag")) == [
        ("commerce", tag.pk)
    ]


def test_changing_only_the_name_keeps_the_address(editor_client, db):
    tag = Tag.objects.create(name="Trade")
    data = form_data(editor_client, tag_change_url(tag))
    data["name"] = "Trade and tariffs"

    assert_saved(editor_client.post(tag_change_url(tag), data))

    tag.refresh_from_db()
    assert tag.slug == "trade"
    assert not TagRedirect.objects.exists()


def proposed(owner: Brief | Section) -> list[str]:
    """What the auto-tagger proposed for ``owner`` last time, by name."""
    return sorted(tag.name for tag in owner.proposed_tags.all())


def test_renaming_keeps_the_auto_taggers_memory_without_touching_it(editor_client, db):
    brief = published_brief(
        tags=("Trade", "Energy"), sections=(("A", "a", ("Trade",)),)
    )
    tag = tag_named("Trade")
    brief.proposed_tags.set([tag, tag_named("Energy")])
    Section.objects.get(brief=brief).proposed_tags.set([tag])
    data = form_data(editor_client, tag_change_url(tag))
    data["name"] = "Trade policy"

    with CaptureQueriesContext(connection) as queries:
        assert_saved(editor_client.post(tag_change_url(tag), data))

    assert proposed(brief) == ["Energy", "Trade policy"]
    assert proposed(Section.objects.get(brief=brief)) == ["Trade policy"]
    # The memory points at the tag: a rename writes none of it.
    assert not [q for q in queries.captured_queries if "proposed_tags" in q["sql"]]


def test_a_new_tag_takes_over_a_redirected_slug(editor_client, client, db):
    published_brief(tags=("Trade",))
    TagRedirect.objects.create(old_slug="commerce", tag=tag_named("Trade"))
    data = form_data(editor_client, TAG_ADD)
    data.update(name="Commerce", slug="commerce", kind="topic")

    assert_saved(editor_client.post(TAG_ADD, data))

    assert not TagRedirect.objects.exists()
    # Until a published brief uses the new tag, its address is a plain 404.
    assert client.get("/tags/commerce/").status_code == 404


def test_hostile_tag_names_are_escaped_in_the_tag_admin(editor_client, db):
    published_brief(tags=("<script>alert(1)</script>",))
    tag = tag_named("<script>alert(1)</script>")

    for url in (TAGS, tag_change_url(tag)):
        content = editor_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# --- Merging -----------------------------------------------------------------


def test_merge_moves_items_phrases_and_redirects_and_deletes_sources(db):
    both = published_brief(
        tags=("USA", "United States"),
        sections=(("A", "a", ("US", "USA")), ("B", "b", ("United States",))),
    )
    only_source = draft_brief(tags=("US",), sections=(("C", "c", ("USA",)),))
    target = tag_named("United States")
    usa, us = tag_named("USA"), tag_named("US")
    TagPhrase.objects.create(tag=target, phrase="United States")
    TagPhrase.objects.create(tag=usa, phrase="United States")  # a duplicate
    TagPhrase.objects.create(tag=usa, phrase="USA")
    TagPhrase.objects.create(tag=us, phrase="USA")  # same as another source's
    TagRedirect.objects.create(old_slug="america", tag=usa)
    water = Tag.objects.create(name="Water")
    both.proposed_tags.set([usa, water, target])
    Section.objects.get(brief=only_source).proposed_tags.set([us, usa])
    Section.objects.get(heading="A").proposed_tags.set([us])

    result = merge_tags(sources=[usa, us, target], target=target)

    assert result.merged == ("USA", "US")
    assert not Tag.objects.filter(pk__in=[usa.pk, us.pk]).exists()
    assert sorted(both.tags.names()) == ["United States"]
    assert sorted(only_source.tags.names()) == ["United States"]
    for section in Section.objects.all():
        assert list(section.tags.names()) == ["United States"], section.heading
    assert TaggedBrief.objects.filter(tag=target).count() == 2
    assert TaggedSection.objects.filter(tag=target).count() == 3
    assert sorted(target.phrases.values_list("phrase", flat=True)) == [
        "USA",
        "United States",
    ]
    assert dict(TagRedirect.objects.values_list("old_slug", "tag")) == {
        "america": target.pk,
        "usa": target.pk,
        "us": target.pk,
    }
    assert proposed(both) == ["United States", "Water"]
    assert proposed(Section.objects.get(brief=only_source)) == ["United States"]
    assert proposed(Section.objects.get(heading="A")) == ["United States"]
    # The brief's USA (it has the target) and one of section A's US and USA.
    assert result.duplicates == 2
    assert (result.brief_items, result.section_items) == (1, 2)
    # Section C's US or USA, and section A's US; the brief's USA repeated the target.
    assert result.proposals == 2


def test_merging_a_tag_into_itself_changes_nothing(db):
    published_brief(tags=("Trade",))
    trade = tag_named("Trade")

    result = merge_tags(sources=[trade], target=trade)

    assert result.merged == ()
    assert Tag.objects.get() == trade
    assert not TagRedirect.objects.exists()


def run_action(client, action: str, tags: list[Tag], **extra):
    return client.post(
        TAGS,
        {"action": action, "_selected_action": [t.pk for t in tags], **extra},
        follow=True,
    )


def test_merge_action_asks_which_tag_to_keep_then_merges(editor_client, client, db):
    published_brief(tags=("Trade",), sections=(("A", "a", ("Commerce",)),))
    published_brief(tags=("Trade",))
    hostile = Tag.objects.create(name="<script>alert('x')</script>")
    trade, commerce = tag_named("Trade"), tag_named("Commerce")

    page = run_action(editor_client, "merge", [trade, commerce, hostile])

    assert page.status_code == 200
    assert [t.name for t in page.context["tags"]] == [
        "Trade",
        "Commerce",
        "<script>alert('x')</script>",
    ]
    html = page.content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert html.count('type="radio" name="target"') == 3
    assert Tag.objects.count() == 3  # nothing merged yet

    done = run_action(
        editor_client,
        "merge",
        [trade, commerce, hostile],
        confirm="yes",
        target=trade.pk,
    )

    assert done.redirect_chain[-1][0] == TAGS
    assert messages_of(done) == [
        "Merged 2 tags into “Trade”: 0 brief and 1 section tags moved, "
        "0 duplicates dropped; old addresses redirect to it."
    ]
    assert list(Tag.objects.all()) == [trade]
    response = client.get("/tags/commerce/")
    assert response.status_code == 301
    assert response["Location"] == "/tags/trade/"


def test_merge_message_escapes_the_target_name(editor_client, db):
    hostile = Tag.objects.create(name="<b>bold</b>")
    other = Tag.objects.create(name="Other")

    done = run_action(
        editor_client, "merge", [hostile, other], confirm="yes", target=hostile.pk
    )

    html = done.content.decode()
    assert "into “&lt;b&gt;bold&lt;/b&gt;”" in html
    assert "<b>bold</b>" not in html


def test_merge_target_must_be_one_of_the_selected_tags(editor_client, db):
    a, b, outsider = (Tag.objects.create(name=n) for n in ("A", "B", "Outsider"))

    page = run_action(editor_client, "merge", [a, b], confirm="yes", target=outsider.pk)

    assert page.status_code == 200
    assert "target" in page.context["form"].errors
    assert Tag.objects.count() == 3


def test_merge_needs_two_tags(editor_client, db):
    tag = Tag.objects.create(name="Alone")

    response = run_action(editor_client, "merge", [tag])

    assert messages_of(response) == ["Select at least two tags to merge."]
    assert Tag.objects.get() == tag


def test_merge_needs_the_delete_permission(client, db):
    user = get_user_model().objects.create_user("writer", password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_tag", "change_tag"])
    )
    client.force_login(user)
    a, b = Tag.objects.create(name="A"), Tag.objects.create(name="B")

    response = run_action(client, "merge", [a, b], confirm="yes", target=a.pk)

    assert response.status_code == 200
    assert Tag.objects.count() == 2


# --- The tag list ------------------------------------------------------------


def test_the_tag_list_counts_briefs_and_sections(editor_client, db):
    for i in range(22):
        published_brief(
            tags=(f"Brief tag {i}", "Shared"),
            sections=(("A", "a", (f"Section tag {i}", "Shared")),),
        )

    response = editor_client.get(TAGS)

    assert len(response.context["cl"].result_list) == 45
    counts = {
        t.name: (t.brief_count, t.section_count)
        for t in response.context["cl"].result_list
    }
    assert counts["Shared"] == (22, 22)
    assert counts["Section tag 3"] == (0, 1)


# --- Briefs by tag kind ------------------------------------------------------


def test_brief_list_filters_by_tag_kind(editor_client, db):
    places = published_brief(title="Places", tags=("Pakistan", "Geneva"))
    published_brief(title="Topics", tags=("Trade",), sections=(("A", "a", ("Chad",)),))
    Tag.objects.filter(name__in=["Pakistan", "Geneva", "Chad"]).update(
        kind=Tag.Kind.PLACE
    )

    response = editor_client.get(BRIEFS, {"tag_kind": "place"})

    # Listed once although it has two place tags; section tags do not count.
    assert [b.title for b in response.context["cl"].result_list] == [places.title]
    response = editor_client.get(BRIEFS, {"tag_kind": "person"})
    assert list(response.context["cl"].result_list) == []
    assert "tag kind" in editor_client.get(BRIEFS).content.decode()


# --- Suggestions while typing ------------------------------------------------


@pytest.fixture
def suggestions(db):
    published_brief(tags=("Trade",), sections=(("A", "a", ("Trade",)),))
    published_brief(tags=("Free trade",))
    published_brief(tags=("Trade",))
    Tag.objects.create(name="Tradecraft")
    Tag.objects.create(name="<script>alert(1)</script> & “trade”")
    for n in range(12):
        Tag.objects.create(name=f"Water {n:02}")


def suggest(client, q: str):
    response = client.get(AUTOCOMPLETE, {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)["results"]


def test_suggestions_match_any_case_prefix_first_then_most_used(
    editor_client, suggestions
):
    assert suggest(editor_client, "TRADE") == [
        "Trade",  # prefix, used 3 times
        "Tradecraft",  # prefix, unused
        "Free trade",  # contains, used once
        "<script>alert(1)</script> & “trade”",  # contains, unused
    ]


def test_suggestions_are_limited_and_json_not_html(editor_client, suggestions):
    assert len(suggest(editor_client, "water")) == 10
    assert suggest(editor_client, "<script>") == ["<script>alert(1)</script> & “trade”"]
    assert suggest(editor_client, "   ") == []
    assert suggest(editor_client, "zzz") == []


def test_suggestions_need_a_staff_login(client, suggestions):
    response = client.get(AUTOCOMPLETE, {"q": "trade"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_suggestions_need_a_permission_on_tags_or_briefs(client, suggestions):
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)

    assert client.get(AUTOCOMPLETE, {"q": "trade"}).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename="change_brief"))
    assert suggest(client, "trade")[0] == "Trade"


def test_suggestions_are_read_only(editor_client, suggestions):
    assert editor_client.post(AUTOCOMPLETE, {"q": "trade"}).status_code == 405


def test_brief_and_section_tag_inputs_load_the_suggestion_script(editor_client, db):
    brief = published_brief(tags=("Trade",))

    html = editor_client.get(
        reverse("admin:briefs_brief_change", args=[brief.pk])
    ).content.decode()

    assert html.count('src="/static/briefs/admin/tag_autocomplete.js"') == 1
    # The brief's input, each section's, and the template for new sections.
    for name in (
        "tags",
        "sections-0-tags",
        "sections-1-tags",
        "sections-__prefix__-tags",
    ):
        tag_input = re.search(rf'<input [^>]*name="{name}"[^>]*>', html).group(0)
        assert f'data-tag-autocomplete="{AUTOCOMPLETE}"' in tag_input, name
        assert 'autocomplete="off"' in tag_input, name


def test_suggestion_script_never_parses_names_as_html():
    script = Path(finders.find("briefs/admin/tag_autocomplete.js")).read_text("utf-8")

    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert ".textContent = " in script


# --- Case-insensitive tags through the admin ---------------------------------


def test_typing_a_tag_in_another_case_reuses_it(editor_client, db):
    brief = published_brief(
        tags=("China",), sections=(("", "Opening.", ()), ("Talks", "Body.", ()))
    )
    url = reverse("admin:briefs_brief_change", args=[brief.pk])
    data = form_data(editor_client, url)
    data["change_kind"] = "minor"  # the brief is live: the form asks
    data["sections-1-tags"] = "china, TRADE"
    data["tags"] = "CHINA"

    assert_saved(editor_client.post(url, data))

    assert Tag.objects.filter(name__iexact="china").count() == 1
    assert sorted(Section.objects.get(brief=brief, heading="Talks").tags.names()) == [
        "China",
        "TRADE",
    ]
    assert list(brief.tags.names()) == ["China"]


# --- Two requests add the same new tag at once -------------------------------


@contextlib.contextmanager
def database_threads_can_share(tmp_path):
    """Yield a function that connects the calling thread to the test data.

    SQLite's in-memory test database is shared between threads through a
    shared cache, where a second writer fails at once with "database table is
    locked" instead of waiting: the busy timeout does not apply there. The site
    runs on a database file, where the project's WAL, IMMEDIATE and timeout
    options make writers queue. So on in-memory SQLite the threads use a file
    copy of the test database with those options, copied back afterwards.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield lambda: None
        return
    path = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    settings_dict = {**connection.settings_dict, "NAME": str(path)}
    wrapper_class = type(connections["default"])

    def connect() -> None:
        connections["default"] = wrapper_class(settings_dict, "default")

    yield connect
    with contextlib.closing(sqlite3.connect(path)) as copy:
        copy.backup(connection.connection)


@pytest.mark.django_db(transaction=True)
def test_two_requests_adding_the_same_new_tag_both_succeed(tmp_path, monkeypatch):
    brief = published_brief(sections=(("A", "a", ()), ("B", "b", ())))
    first, second = brief.sections.all()
    # Hold each request just after it looked for the tag inside get_or_create
    # and found none, so both go on to create it: the race, every time.
    both_missed = threading.Barrier(2, timeout=10)
    state = threading.local()
    original_get, original_get_or_create = QuerySet.get, QuerySet.get_or_create

    def get(self, *args, **kwargs):
        try:
            return original_get(self, *args, **kwargs)
        except Tag.DoesNotExist:
            if getattr(state, "creating", False):
                state.creating = False
                both_missed.wait()
            raise

    def get_or_create(self, *args, **kwargs):
        state.creating = self.model is Tag
        return original_get_or_create(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "get", get)
    monkeypatch.setattr(QuerySet, "get_or_create", get_or_create)
    errors: list[BaseException] = []

    with database_threads_can_share(tmp_path) as connect:

        def add(section: Section) -> None:
            connect()
            try:
                section.tags.add("Brand New Tag")
            except BaseException as error:
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=add, args=(s,)) for s in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    tag = Tag.objects.get(name__iexact="brand new tag")
    assert tag.slug == "brand-new-tag"
    assert TaggedSection.objects.filter(tag=tag).count() == 2
    assert both_missed.n_waiting == 0 and not both_missed.broken


# --- Re-tagging from the brief list ------------------------------------------


def test_retag_action_tags_the_selected_briefs_and_keeps_an_editors_removal(
    editor_client, db
):
    call_command("load_vocabulary", stdout=io.StringIO())
    chosen = published_brief(
        sections=(("", "Talks on trade and counter-terrorism in Kabul.", ()),),
    )
    untouched = published_brief(sections=(("", "Trade talks in Kabul.", ()),))
    response = editor_client.post(
        BRIEFS, {"action": "retag", "_selected_action": [chosen.pk]}, follow=True
    )
    assert messages_of(response) == ["Re-tagged 1 of 1 brief: 6 tags added, 0 removed."]
    section = chosen.sections.get()
    assert {"Afghanistan", "Counter-terrorism", "Trade"} <= {
        t.name for t in section.tags.all()
    }
    assert not untouched.sections.get().tags.exists()

    # An editor removes a tag; re-tagging again leaves it removed.
    section.tags.remove(Tag.objects.get(name="Trade"))
    editor_client.post(BRIEFS, {"action": "retag", "_selected_action": [chosen.pk]})
    assert "Trade" not in {t.name for t in section.tags.all()}
    assert "Afghanistan" in {t.name for t in section.tags.all()}


def test_merging_and_renaming_mark_the_tagged_briefs_as_changed(db):
    on_brief = published_brief(tags=("Wheat",))
    on_section = published_brief(sections=(("", "Text.", ("Wheat",)),))
    elsewhere = published_brief(tags=("Grain",))  # the target: its names do not change
    before = {b.pk: (b.updated_at, b.version) for b in Brief.objects.all()}

    merge_tags(
        sources=[Tag.objects.get(name="Wheat")], target=Tag.objects.get(name="Grain")
    )

    for brief in (on_brief, on_section):
        brief.refresh_from_db()
        assert brief.version == before[brief.pk][1] + 1
        assert brief.updated_at > before[brief.pk][0]
    elsewhere.refresh_from_db()
    assert (elsewhere.updated_at, elsewhere.version) == before[elsewhere.pk]


# --- Delete pages ------------------------------------------------------------


def test_delete_pages_leave_out_the_taggers_memory(editor_client, seed_copy):
    call_command("import_seeds", str(seed_copy), stdout=io.StringIO())
    brief = Brief.objects.get()
    tag = Tag.objects.get(name="China")
    assert brief.proposed_tags.filter(pk=tag.pk).exists()

    pages = [
        reverse("admin:briefs_brief_delete", args=[brief.pk]),
        reverse("admin:briefs_tag_delete", args=[tag.pk]),
    ]
    for url in pages:
        page = editor_client.get(url).content.decode()
        assert "Are you sure" in page, url
        assert "proposed" not in page.lower(), url
        assert "relationship" not in page.lower(), url


# --- Why a tag was proposed, in the brief form ------------------------------------

SUGGEST = reverse("admin:briefs_brief_suggest_tags")


@pytest.fixture
def diplomacy(db) -> Tag:
    tag = Tag.objects.create(name="Diplomacy", kind=Tag.Kind.TOPIC)
    TagPhrase.objects.create(tag=tag, phrase="embassy")
    TagPhrase.objects.create(tag=tag, phrase="Embassy Suites", veto=True)
    Tag.objects.create(name="Iran", kind=Tag.Kind.PLACE)
    return tag


def test_suggestions_say_why_each_tag_was_proposed(editor_client, diplomacy):
    response = editor_client.post(
        SUGGEST,
        {
            "title": "Iran reopens its embassy",
            # The summary is not tagged, as imports and re-tags do not tag it;
            # a blank key point is skipped, as saving skips it.
            "summary": "Iran, Iran, Iran.",
            "key_point": ["", "The embassy opens in May"],
            "heading": ["", "Staff"],
            "body": [
                "Iran said the embassy would open. Iranian staff arrive soon.",
                "They stay at the Embassy Suites hotel.",
            ],
        },
    )

    assert response.status_code == 200
    found = response.json()
    # The heavier first: Diplomacy is named in a key point too.
    assert found["brief"] == [
        {
            "name": "Diplomacy",
            "kind": "Topic",
            "reason": "title: “embassy”; key point 1: “embassy”; section 1: “embassy”",
        },
        {
            "name": "Iran",
            "kind": "Place",
            "reason": "title: “Iran”; section 1: “Iran”, “Iranian”",
        },
    ]
    # The vetoed hotel is no reason: section 2 earns no tag.
    assert [[tag["name"] for tag in tags] for tags in found["sections"]] == [
        ["Iran", "Diplomacy"],
        [],
    ]
    assert found["sections"][0][0]["reason"] == "section 1: “Iran”, “Iranian”"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_brief_form_shows_why_for_suggested_and_chosen_tags(browser_page):
    from tests.browser import axe_violations
    from tests.people import log_in, staff_member

    page = browser_page
    staff_member("Editors", "edith")
    diplomacy = Tag.objects.create(name="Diplomacy", kind=Tag.Kind.TOPIC)
    TagPhrase.objects.create(tag=diplomacy, phrase="embassy")
    Tag.objects.create(name="Iran", kind=Tag.Kind.PLACE)
    brief = draft_brief(
        title="Iran reopens its embassy",
        sections=(("", "The embassy opens in May.", ()),),
        tags=("Diplomacy",),
    )
    log_in(page, "edith")

    # A brief with tags: the form asks the tagger at once why they are there.
    page.goto(reverse("admin:briefs_brief_change", args=[brief.pk]))
    brief_tags = page.locator(".field-tags").first
    why = brief_tags.locator(".tag-reasons")
    why.locator("summary").click()
    assert why.locator(".tag-reasons__item").all_inner_texts() == [
        "Diplomacy — title: “embassy”; section 1: “embassy”"
    ]
    suggestion = brief_tags.get_by_role("button", name="Add suggested tag Iran")
    assert (
        suggestion.get_attribute("aria-describedby")
        and brief_tags.locator(".tag-suggestion .tag-reason").inner_text()
        == "Why: title: “Iran”"
    )
    # Its accessible description is the reason.
    description = page.evaluate(
        "id => document.getElementById(id).textContent",
        suggestion.get_attribute("aria-describedby"),
    )
    assert description == "Why: title: “Iran”"

    # Writing changes the reasons; words are text, never markup.
    page.fill("#id_sections-0-body", "Iran's embassy opens. <b>Iran</b> said so.")
    section = page.locator("#sections-0")
    section.get_by_role("button", name="Add suggested tag Iran").wait_for()
    assert section.locator(".tag-reason").all_inner_texts() == [
        "Why: section 1: “Iran” ×2",
        "Why: section 1: “embassy”",
    ]
    assert section.locator(".tag-suggestions b").count() == 0
    assert axe_violations(page) == []
