"""Revisions read back as whole briefs: key points, sections and tags included."""

import pytest
import reversion

from briefs.editorial.history import brief_versions, snapshot
from briefs.editorial.versions import RECORD_KEYS
from briefs.ingest.exporting import brief_to_dict
from briefs.models import Brief
from tests.factories import published_brief

pytestmark = pytest.mark.django_db


def record(brief: Brief, comment: str) -> None:
    with reversion.create_revision():
        reversion.set_comment(comment)
        reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))


def test_a_snapshot_is_the_brief_as_it_was():
    brief = published_brief(
        sections=(
            ("", "Opening text.", ("Trade",)),
            ("Next", "More <b>text</b>.", ("Energy", "Climate")),
        ),
        tags=("Diplomacy",),
    )
    record(brief, "first")
    before = brief_to_dict(Brief.objects.with_outline().get(pk=brief.pk))
    # A revision is the brief's content; the public record is not part of it.
    for key in RECORD_KEYS:
        del before[key]

    section = brief.sections.get(heading="Next")
    section.body = "Rewritten."
    section.save()
    section.tags.set(["Energy"])
    brief.key_points.all().delete()
    record(brief, "second")

    newest, oldest = list(brief_versions(brief.pk))
    assert newest.revision.comment == "second" and oldest.revision.comment == "first"
    assert snapshot(oldest) == before
    after = snapshot(newest)
    assert after["key_points"] == []
    assert after["sections"][1]["body"] == "Rewritten."
    assert after["sections"][1]["tags"] == ["Energy"]
