"""Stored tag use counts stay equal to a fresh count after every kind of write.

``Tag.published_brief_count`` and ``published_section_count`` are kept by
database triggers (``briefs.tag_counts``). After each write below, the stored
counts are compared with the tag rows counted from scratch, and what readers
see (``Tag.objects.public()``, the tag index page) with the uses on briefs
that are live now, counted from scratch too.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from reversion.models import Version

from briefs import models, tag_counts
from briefs.editorial.restoring import restore_brief
from briefs.editorial.workflow import change_status
from briefs.ingest.importing import import_document
from briefs.models import (
    Brief,
    Section,
    Tag,
    TaggedBrief,
    TaggedSection,
    of_published,
    uses_per_tag,
)
from briefs.tagging.merging import merge_tags
from briefs.tagging.retagging import retag_briefs
from tests.factories import draft_brief, published_brief, scheduled_brief

pytestmark = pytest.mark.django_db

PUBLISHED = Brief.Status.PUBLISHED


def fresh_stored_counts() -> dict[str, tuple[int, int]]:
    """Each tag's rows on briefs with status "published" (scheduled included),
    counted from the tag rows."""
    on_briefs = TaggedBrief.objects.filter(content_object__status=PUBLISHED)
    on_sections = TaggedSection.objects.filter(content_object__brief__status=PUBLISHED)
    tags = Tag.objects.annotate(
        b=uses_per_tag(on_briefs), s=uses_per_tag(on_sections)
    ).values_list("name", "b", "s")
    return {name: (b, s) for name, b, s in tags}


def stored_counts() -> dict[str, tuple[int, int]]:
    tags = Tag.objects.values_list(
        "name", "published_brief_count", "published_section_count"
    )
    return {name: (b, s) for name, b, s in tags}


def fresh_public_counts() -> dict[str, tuple[int, int]]:
    """What the tag index showed before counts were stored: uses on briefs
    readers can see now, counted over all of them."""
    on_briefs = TaggedBrief.objects.filter(of_published("content_object"))
    on_sections = TaggedSection.objects.filter(of_published("content_object__brief"))
    tags = Tag.objects.annotate(b=uses_per_tag(on_briefs), s=uses_per_tag(on_sections))
    return {t.name: (t.b, t.s) for t in tags if t.b or t.s}


def public_counts() -> dict[str, tuple[int, int]]:
    return {t.name: (t.brief_count, t.section_count) for t in Tag.objects.public()}


def assert_counts_right() -> None:
    assert stored_counts() == fresh_stored_counts()
    assert public_counts() == fresh_public_counts()


def tagged_brief(**kwargs) -> Brief:
    return published_brief(
        tags=("Trade", "Energy"),
        sections=(
            ("", "Opening.", ("Trade",)),
            ("Power", "Grids.", ("Energy", "Trade")),
        ),
        **kwargs,
    )


def test_creating_briefs_counts_their_tags_and_their_sections_tags():
    tagged_brief()
    tagged_brief()
    draft_brief(tags=("Trade", "Drafts only"), sections=(("", "x", ("Trade",)),))

    assert_counts_right()
    assert public_counts() == {"Trade": (2, 4), "Energy": (2, 2)}
    assert stored_counts()["Drafts only"] == (0, 0)


def test_publishing_and_unpublishing_a_brief_by_saving_it():
    brief = draft_brief(tags=("Trade",), sections=(("", "x", ("Trade", "Energy")),))
    assert_counts_right()
    assert public_counts() == {}

    brief.status = PUBLISHED
    brief.save()
    assert_counts_right()
    assert public_counts() == {"Trade": (1, 1), "Energy": (0, 1)}

    brief.status = Brief.Status.DRAFT
    brief.save()
    assert_counts_right()
    assert public_counts() == {}


def test_bulk_status_changes(editor):
    briefs = [tagged_brief(), tagged_brief(), draft_brief(tags=("Trade",))]
    ids = [brief.pk for brief in briefs]

    change_status(
        briefs=Brief.objects.filter(pk__in=ids),
        to_status=Brief.Status.ARCHIVED,
        user=editor,
    )
    assert_counts_right()
    assert public_counts() == {}

    change_status(
        briefs=Brief.objects.filter(pk__in=ids), to_status=PUBLISHED, user=editor
    )
    assert_counts_right()
    assert public_counts()["Trade"] == (3, 5)  # the draft's own section too


def test_a_scheduled_brief_counts_when_its_time_comes_with_no_write():
    moment = timezone.now().replace(microsecond=0) + dt.timedelta(hours=2)
    scheduled_brief(
        published_at=moment, tags=("Later",), sections=(("", "x", ("Later",)),)
    )
    tagged_brief()

    # Stored with the scheduled brief; readers see none of its uses yet.
    assert stored_counts()["Later"] == (1, 1)
    assert_counts_right()
    assert "Later" not in public_counts()

    with time_machine.travel(moment + dt.timedelta(seconds=1), tick=False):
        assert_counts_right()
        assert public_counts()["Later"] == (1, 1)
        response_text = _tag_index_text()
    assert "Later" in response_text


def _tag_index_text() -> str:
    from django.test import Client

    return Client().get("/tags/").content.decode()


def test_tag_edits_on_a_brief_and_on_a_section():
    brief = tagged_brief()
    section = brief.sections.get(heading="Power")

    brief.tags.add("Water")
    assert_counts_right()
    brief.tags.remove("Energy")
    assert_counts_right()
    brief.tags.set(["Fish", "Trade"])
    assert_counts_right()
    section.tags.set(["Water"])
    assert_counts_right()
    section.tags.clear()
    brief.tags.clear()
    assert_counts_right()
    assert public_counts() == {"Trade": (0, 1)}


def test_deleting_sections_briefs_and_tags():
    brief = tagged_brief()
    other = tagged_brief()

    brief.sections.get(heading="Power").delete()
    assert_counts_right()
    Brief.objects.filter(pk=brief.pk).delete()
    assert_counts_right()
    Tag.objects.get(name="Energy").delete()
    assert_counts_right()
    assert public_counts() == {"Trade": (1, 2)}
    other.delete()
    assert public_counts() == {}
    assert_counts_right()


def test_bulk_inserts_and_moves_of_tag_rows():
    brief = tagged_brief()
    section = brief.sections.first()
    tag = Tag.objects.create(name="Bulk")

    TaggedBrief.objects.bulk_create([TaggedBrief(tag=tag, content_object=brief)])
    TaggedSection.objects.bulk_create([TaggedSection(tag=tag, content_object=section)])
    assert_counts_right()
    TaggedSection.objects.filter(tag=tag).update(tag=Tag.objects.get(name="Energy"))
    assert_counts_right()
    # A section moved to a draft (no write path does this, but the rule holds).
    Section.objects.filter(pk=section.pk).update(brief=draft_brief(sections=()))
    assert_counts_right()


def test_merging_tags(editor):
    tagged_brief()
    draft_brief(tags=("Power",), sections=(("", "x", ("Power", "Energy")),))
    published_brief(tags=("Power", "Energy"))

    merge_tags(
        sources=Tag.objects.filter(name="Power"), target=Tag.objects.get(name="Energy")
    )

    assert_counts_right()
    assert public_counts()["Energy"] == (2, 1)


def test_retagging(vocabulary):
    brief = published_brief(
        title="Talks on tariffs",
        sections=(("", "The ministers discussed tariffs and fishing rights.", ()),),
    )

    report = retag_briefs(briefs=Brief.objects.filter(pk=brief.pk))

    assert report.changed
    assert_counts_right()


@pytest.fixture
def vocabulary():
    call_command("load_vocabulary", stdout=io.StringIO())


def test_importing_a_document_then_publishing_it(vocabulary, seed_copy, editor):
    result = import_document(
        source_path=str(seed_copy), data=seed_copy.read_bytes(), name="wire.txt"
    )
    assert_counts_right()
    brief = Brief.objects.get(slug=result.slug)
    assert brief.tags.exists()

    change_status(
        briefs=Brief.objects.filter(pk=brief.pk), to_status=PUBLISHED, user=editor
    )
    assert_counts_right()
    assert public_counts()


def test_restoring_a_revision():
    import reversion

    with reversion.create_revision():
        brief = tagged_brief()
    brief.tags.set(["Other"])
    brief.sections.all().delete()
    assert_counts_right()

    with reversion.create_revision():
        restore_brief(Version.objects.get_for_object(brief).first())

    assert_counts_right()
    assert public_counts() == {"Trade": (1, 2), "Energy": (1, 1)}


def test_saving_a_tag_never_writes_back_old_counts():
    tag = Tag.objects.create(name="Trade")
    tagged_brief()  # uses "Trade"; this copy of the tag still says 0

    tag.name = "Trade policy"
    tag.save()

    assert_counts_right()
    assert public_counts()["Trade policy"] == (1, 2)


def test_the_tag_index_shows_the_stored_figures(client):
    tagged_brief()
    tagged_brief()

    text = client.get("/tags/").content.decode()

    assert "2 briefs · mentioned in 4 sections" in text
    assert "2 briefs · mentioned in 2 sections" in text


def test_migrate_puts_back_triggers_a_table_rebuild_dropped():
    tagged_brief()
    name = sorted(tag_counts.installed())[0]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {name}")
        else:
            table = name.removeprefix(tag_counts.PREFIX).rsplit("_", 1)[0]
            cursor.execute(f"DROP TRIGGER {name} ON briefs_{table}")
        cursor.execute("UPDATE briefs_tag SET published_brief_count = 99")

    from django.apps import apps

    tag_counts.install_if_missing(sender=apps.get_app_config("briefs"))

    assert tag_counts.installed() == tag_counts.trigger_names()
    assert_counts_right()


# --- Listing a tag's briefs: the stored counts choose the query's shape ----------


@pytest.mark.parametrize("common_above", [0, 1_000_000], ids=["common", "rare"])
def test_a_tag_lists_the_same_briefs_whichever_shape_its_counts_choose(
    client, editor_client, monkeypatch, common_above
):
    monkeypatch.setattr(models, "COMMON_TAG_USES", common_above)
    on_brief = published_brief(title="On the brief", tags=("Trade",), sections=())
    on_section = published_brief(
        title="On a section", sections=(("", "x", ("Trade",)), ("Two", "y", ("Trade",)))
    )
    published_brief(title="Elsewhere", tags=("Energy",), sections=())
    draft_brief(title="A draft", tags=("Trade",), sections=())
    trade = Tag.objects.get(name="Trade")

    listed = list(Brief.objects.published().carrying(trade).newest_first())
    page = client.get("/tags/trade/").content.decode()
    feed = client.get("/feeds/tags/trade.atom").content.decode()
    admin = editor_client.get("/admin/briefs/brief/?tag=trade").content.decode()

    assert listed == [on_brief, on_section]
    assert list(Brief.objects.published().carrying(trade, own=False)) == [on_section]
    assert list(Brief.objects.published().carrying(trade, sections=False)) == [on_brief]
    assert page.count('class="section-item"') == 2
    for title in ("On the brief", "On a section"):
        assert title in page and title in feed and title in admin
    assert "Elsewhere" not in page + feed + admin
    assert "A draft" in admin and "A draft" not in page + feed


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only; run with make test-postgres",
)
def test_a_tag_row_written_while_a_status_change_is_uncommitted_is_counted():
    """Two transactions at once: one publishing a brief, one tagging it. Each
    trigger waits for the other's commit, so the count sees both."""
    import threading

    import psycopg

    brief = draft_brief(title="Racing", sections=())
    tag = Tag.objects.create(name="Racing tag")
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as publisher:
        publisher.execute(
            "UPDATE briefs_brief SET status = 'published', published_at = now() "
            "WHERE id = %s",
            [brief.pk],
        )

        def tag_it() -> None:
            with psycopg.connect(**params, autocommit=True) as tagger:
                tagger.execute(
                    "INSERT INTO briefs_taggedbrief (tag_id, content_object_id) "
                    "VALUES (%s, %s)",
                    [tag.pk, brief.pk],
                )

        tagging = threading.Thread(target=tag_it)
        tagging.start()
        tagging.join(timeout=1.0)  # blocked by the uncommitted publication
        publisher.commit()
        tagging.join(timeout=10)
        assert not tagging.is_alive()
    tag.refresh_from_db()
    assert tag.published_brief_count == 1
