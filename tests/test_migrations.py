"""Data migrations, run on a database holding the previous schema's data."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from reversion.models import Version

from briefs import tag_counts
from briefs.editorial.history import snapshot
from briefs.editorial.restoring import restore_brief
from briefs.models import Brief, Section, Tag

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("briefs", "0005_search_index")]
AFTER = [("briefs", "0006_ownership_corrections_and_public_versions")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_briefs_published_before_versions_existed_start_at_version_one():
    old = migrate(BEFORE)
    Brief = old.get_model("briefs", "Brief")
    when = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
    live = Brief.objects.create(
        title="Live", slug="live", status="published", published_at=when
    )
    old.get_model("briefs", "Section").objects.create(
        brief=live, heading="", anchor="overview", body="Text as published."
    )
    Brief.objects.create(title="Draft", slug="draft", status="draft")
    try:
        new = migrate(AFTER)
        PublicVersion = new.get_model("briefs", "PublicVersion")
        version = PublicVersion.objects.get()
        assert (version.brief_id, version.number, version.kind) == (
            live.pk,
            1,
            "published",
        )
        assert version.published_at == when
        assert version.snapshot["sections"][0]["body"] == "Text as published."
        numbers = dict(
            new.get_model("briefs", "Brief").objects.values_list(
                "slug", "public_version"
            )
        )
        assert numbers == {"live": 1, "draft": 0}
    finally:
        migrate(executor_leaf())


def executor_leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


MEMORY_AS_NAMES = [("briefs", "0007_section_body_html")]
MEMORY_AS_ROWS = [("briefs", "0008_auto_tags_as_relations")]


def test_the_taggers_memory_becomes_rows_of_the_tags_it_named_and_back():
    old = migrate(MEMORY_AS_NAMES)
    Tag = old.get_model("briefs", "Tag")
    china = Tag.objects.create(name="China", slug="china")
    Tag.objects.create(name="Iran", slug="iran")
    brief = old.get_model("briefs", "Brief").objects.create(
        title="Talks", slug="talks", auto_tags=["china", "Iran", "Deleted since"]
    )
    Section = old.get_model("briefs", "Section")
    sections = [
        Section.objects.create(
            brief=brief, anchor=anchor, body="Text.", auto_tags=auto_tags
        )
        for anchor, auto_tags in (
            ("a", ["IRAN", "iran", 7]),
            ("b", []),
            ("c", ["China"]),
        )
    ]
    try:
        new = migrate(MEMORY_AS_ROWS)

        def remembered(model: str, pk: int) -> list[str]:
            owner = new.get_model("briefs", model).objects.get(pk=pk)
            return sorted(owner.proposed_tags.values_list("name", flat=True))

        # Names match tags in any case; a name no tag has any more is dropped.
        assert remembered("Brief", brief.pk) == ["China", "Iran"]
        assert [remembered("Section", s.pk) for s in sections] == [
            ["Iran"],
            [],
            ["China"],
        ]
        Tag = new.get_model("briefs", "Tag")
        Tag.objects.filter(pk=china.pk).update(name="People's Republic of China")

        old = migrate(MEMORY_AS_NAMES)
        Section = old.get_model("briefs", "Section")
        assert old.get_model("briefs", "Brief").objects.get().auto_tags == [
            "Iran",
            "People's Republic of China",
        ]
        assert [Section.objects.get(pk=s.pk).auto_tags for s in sections] == [
            ["Iran"],
            [],
            ["People's Republic of China"],
        ]
    finally:
        migrate(executor_leaf())


def test_revisions_recorded_with_the_memory_as_names_still_read_and_restore():
    """Versions recorded before 0008 hold ``auto_tags`` as a list of names."""
    call_command("import_seeds", stdout=io.StringIO())
    brief = Brief.objects.get()

    def memory() -> list[list[int]]:
        owners = [Brief.objects.get(), *Section.objects.order_by("pk")]
        return [sorted(o.proposed_tags.values_list("pk", flat=True)) for o in owners]

    remembered = memory()
    assert remembered[0]
    version = Version.objects.get_for_object(brief).get()
    for item in version.revision.version_set.filter(
        content_type__model__in=["brief", "section"]
    ):
        data = json.loads(item.serialized_data)
        data[0]["fields"]["auto_tags"] = ["China", "Pakistan"]
        item.serialized_data = json.dumps(data)
        item.save()
    Brief.objects.update(title="An editor's headline")

    assert snapshot(version)["title"] == brief.title
    with transaction.atomic():
        restore_brief(version)

    assert Brief.objects.get().title == brief.title
    # The memory is not content: a restore leaves it as it was.
    assert memory() == remembered


def test_a_migration_that_rebuilds_the_briefs_table_keeps_the_tag_counts():
    # On SQLite every AddField to Brief rebuilds its table, dropping its
    # triggers; the tag counts must come through with them put back.
    target = ("briefs", "0014_author_permissions")
    call_command("migrate", *target, verbosity=0)
    try:
        old = MigrationExecutor(connection).loader.project_state(target).apps
        brief = old.get_model("briefs", "Brief").objects.create(
            title="Live",
            slug="live",
            status="published",
            published_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
        )
        tag = old.get_model("briefs", "Tag").objects.create(name="Water", slug="water")
        old.get_model("briefs", "TaggedBrief").objects.create(
            content_object_id=brief.pk, tag=tag
        )
    finally:
        call_command("migrate", verbosity=0)

    assert Tag.objects.get(slug="water").published_brief_count == 1
    assert tag_counts.installed() == tag_counts.trigger_names()
    Brief.objects.filter(slug="live").update(status="draft")
    assert Tag.objects.get(slug="water").published_brief_count == 0
