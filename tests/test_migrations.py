"""Data migrations, run on a database holding the previous schema's data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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
