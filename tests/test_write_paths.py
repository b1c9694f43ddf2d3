"""Every way a brief changes keeps what is derived from it in step.

A section's HTML is rendered when it is saved (including the raw saves a
restore makes, and the importer's bulk inserts) and read from the database
after that; ``render_sections`` renders them all again. A bulk write that
ends with ``touch()`` moves the brief's version on, re-indexes it for search
and drops the cached pages, like an ordinary save.
"""

from __future__ import annotations

import io

import pytest
import reversion
from django.core.management import call_command
from reversion.models import Version

from briefs import search
from briefs.markdown import render_markdown
from briefs.models import Brief, Section
from tests.factories import draft_brief, published_brief

pytestmark = pytest.mark.django_db


def test_a_saved_section_stores_its_rendered_body(client):
    brief = published_brief(sections=(("", "Talks on *trade* went well.", ()),))
    section = brief.sections.get()
    assert section.body_html == "<p>Talks on <em>trade</em> went well.</p>\n"

    section.body = "Talks on **ports** stalled."
    section.save()

    section.refresh_from_db()
    assert section.body_html == "<p>Talks on <strong>ports</strong> stalled.</p>\n"
    assert "<strong>ports</strong>" in client.get(brief.get_absolute_url()).text


def test_a_restored_section_is_rendered_from_its_restored_body():
    brief = draft_brief(sections=(("", "The *first* wording.", ()),))
    section = brief.sections.get()
    with reversion.create_revision():
        section.save()
    section.body = "The second wording."
    section.save()

    # Reversion saves the old row raw, as a restore does.
    Version.objects.get_for_object(section).first().revert()

    section.refresh_from_db()
    assert section.body == "The *first* wording."
    assert section.body_html == "<p>The <em>first</em> wording.</p>\n"


def test_imported_sections_store_their_rendered_bodies(seed_copy):
    call_command("import_seeds", str(seed_copy), stdout=io.StringIO())

    sections = list(Section.objects.all())
    assert sections
    for section in sections:
        assert section.body_html
        assert section.body_html == render_markdown(section.body)


def test_render_sections_renders_stale_html_again_and_readers_see_it(client):
    brief = published_brief(sections=(("", "Ports *reopened* today.", ()),))
    Section.objects.update(body_html="<p>stale</p>")  # as an old renderer left it
    assert "stale" in client.get(brief.get_absolute_url()).text  # and now cached

    out = io.StringIO()
    call_command("render_sections", stdout=out)

    assert out.getvalue() == "Rendered 1 section; 1 changed.\n"
    page = client.get(brief.get_absolute_url()).text
    assert "stale" not in page
    assert "Ports <em>reopened</em> today." in page

    out = io.StringIO()
    call_command("render_sections", stdout=out)
    assert out.getvalue() == "Rendered 1 section; 0 changed.\n"


def test_touch_moves_the_version_on_reindexes_and_refreshes_pages(client):
    brief = published_brief(title="Harbour fees rise")
    before = Brief.objects.get(pk=brief.pk)
    assert "Harbour fees rise" in client.get("/").text  # cached now
    assert search.search("lighthouse").count() == 0

    touched = Brief.objects.filter(pk=brief.pk).touch(title="Lighthouse fees rise")

    after = Brief.objects.get(pk=brief.pk)
    assert touched == 1
    assert after.version == before.version + 1
    assert after.updated_at > before.updated_at
    assert search.search("lighthouse").count() == 1
    assert "Lighthouse fees rise" in client.get("/").text


def test_touching_nothing_changes_nothing():
    brief = published_brief()

    assert Brief.objects.filter(pk=brief.pk + 1000).touch() == 0
    assert Brief.objects.get(pk=brief.pk).version == brief.version
