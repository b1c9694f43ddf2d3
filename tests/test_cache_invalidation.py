"""Edits evict only what they change (briefs/caching/dependencies.py).

After every kind of write, the pages that show what it changed show it on
the very next request, and pages that show nothing of it are still answered
from the cache (``X-Cache: hit``). A page rendered from data read before a
write is never stored after that write's invalidation.
"""

from __future__ import annotations

import datetime as dt

import pytest
import reversion
from django.db import transaction
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from briefs import caching, views
from briefs.caching import stores
from briefs.editorial import workflow
from briefs.editorial.restoring import restore_brief
from briefs.ingest.importing import import_document
from briefs.models import Brief, Section, Tag
from briefs.tagging.merging import merge_tags
from briefs.tagging.retagging import retag_briefs
from tests.admin_forms import assert_saved, change_url, form_data
from tests.factories import draft_brief, published_brief

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    """Three published briefs: ``trade`` and ``ports`` share the tag Trade
    (each is in the other's related list); ``energy`` shares nothing."""
    now = timezone.now().replace(microsecond=0)
    return {
        "trade": published_brief(
            title="Border trade reopens",
            published_at=now - dt.timedelta(hours=1),
            sections=(("", "Opening on trade.", ("Trade",)),),
            tags=("Customs",),
        ),
        "ports": published_brief(
            title="Ports expand",
            published_at=now - dt.timedelta(hours=2),
            sections=(("", "Opening on ports.", ()),),
            tags=("Trade",),
        ),
        "energy": published_brief(
            title="Grid upgrade approved",
            published_at=now - dt.timedelta(hours=3),
            sections=(("", "Opening on the grid.", ()),),
            tags=("Energy",),
        ),
    }


def page(client: Client, url: str):
    response = client.get(url)
    assert response.status_code in (200, 404), url
    return response


def warm(client: Client, urls: list[str]) -> None:
    """Every url rendered and stored: the next request is a hit."""
    for url in urls:
        page(client, url)
        assert page(client, url)["X-Cache"] == "hit", url


def assert_hits(client: Client, urls: list[str]) -> None:
    for url in urls:
        assert page(client, url)["X-Cache"] == "hit", url


def shows(client: Client, url: str, text: str) -> bool:
    return text in page(client, url).content.decode()


def unaffected(desk) -> list[str]:
    return [
        desk["energy"].get_absolute_url(),
        "/tags/energy/",
        "/feeds/tags/energy.atom",
    ]


def test_a_title_saved_shows_everywhere_the_brief_is_and_nowhere_else(client, desk):
    trade, ports = desk["trade"], desk["ports"]
    affected = [
        trade.get_absolute_url(),
        ports.get_absolute_url(),  # its related list shows trade
        "/",
        "/tags/trade/",
        "/tags/customs/",
        "/feeds/briefs.atom",
        "/feeds/tags/trade.rss",
    ]
    steady = [*unaffected(desk), "/tags/"]
    warm(client, affected + steady)

    trade.title = "Crossings open at dawn"
    trade.save()

    for url in affected:
        assert shows(client, url, "Crossings open at dawn"), url
    assert_hits(client, steady)


def test_an_admin_save_of_a_section_shows_at_once(editor_client, desk):
    reader = Client()
    trade = desk["trade"]
    warm(reader, [trade.get_absolute_url(), "/tags/trade/", *unaffected(desk)])

    data = form_data(editor_client, change_url(trade))
    data["change_kind"] = "minor"
    body = next(key for key in data if key.startswith("sections-0-body"))
    data[body] = "Opening, rewritten."
    assert_saved(editor_client.post(change_url(trade), data))

    assert shows(reader, trade.get_absolute_url(), "Opening, rewritten.")
    assert shows(reader, "/tags/trade/", "Opening, rewritten.")
    assert_hits(reader, unaffected(desk))


def test_a_tag_renamed_shows_on_its_briefs_and_the_index_only(client, desk):
    energy = desk["energy"]
    warm(
        client, [energy.get_absolute_url(), "/tags/", desk["trade"].get_absolute_url()]
    )

    tag = Tag.objects.get(name="Energy")
    tag.name = "Power"
    tag.save()

    assert shows(client, energy.get_absolute_url(), ">Power</a>")
    assert shows(client, "/tags/", ">Power</a>")
    assert_hits(client, [desk["trade"].get_absolute_url()])


def test_unpublishing_drops_the_brief_from_its_listings_and_related_lists(
    client, editor, desk
):
    trade, ports = desk["trade"], desk["ports"]
    warm(client, [trade.get_absolute_url(), ports.get_absolute_url(), "/", "/tags/"])
    warm(client, ["/tags/customs/", *unaffected(desk)])

    workflow.change_status(
        briefs=Brief.objects.filter(pk=trade.pk), to_status="draft", user=editor
    )

    assert page(client, trade.get_absolute_url()).status_code == 404
    assert not shows(client, "/", "Border trade reopens")
    assert not shows(client, ports.get_absolute_url(), "Border trade reopens")
    assert not shows(client, "/tags/", 'href="/tags/customs/"')
    assert page(client, "/tags/customs/").status_code == 404
    assert_hits(client, unaffected(desk))


def test_publishing_a_draft_by_saving_it_shows_in_its_listings(client, desk):
    draft = draft_brief(title="Fresh tariffs", tags=("Trade",))
    ports = desk["ports"]
    warm(client, ["/", "/tags/trade/", ports.get_absolute_url(), *unaffected(desk)])

    draft.status = Brief.Status.PUBLISHED
    draft.save()

    assert shows(client, "/", "Fresh tariffs")
    assert shows(client, "/tags/trade/", "Fresh tariffs")
    assert shows(client, ports.get_absolute_url(), "Fresh tariffs")  # related
    assert page(client, draft.get_absolute_url()).status_code == 200
    assert_hits(client, unaffected(desk))


def test_scheduling_a_published_brief_takes_it_off_at_once(client, desk):
    trade = desk["trade"]
    warm(client, ["/", trade.get_absolute_url(), *unaffected(desk)])

    trade.published_at = timezone.now() + dt.timedelta(days=1)
    trade.save()

    assert not shows(client, "/", "Border trade reopens")
    assert page(client, trade.get_absolute_url()).status_code == 404
    assert_hits(client, unaffected(desk))


def test_a_renamed_slug_leaves_no_page_at_the_old_address(client, desk):
    trade = desk["trade"]
    old = trade.get_absolute_url()
    warm(client, [old, "/", *unaffected(desk)])

    trade.slug = "crossings-open"
    trade.save()

    assert page(client, old).status_code == 404
    assert shows(client, "/", 'href="/briefs/crossings-open/"')
    assert_hits(client, unaffected(desk))


def test_a_deleted_brief_goes_from_every_page_at_once(client, desk):
    trade = desk["trade"]
    warm(client, ["/", "/tags/trade/", "/tags/", desk["ports"].get_absolute_url()])
    warm(client, unaffected(desk))

    trade.delete()

    for url in ["/", "/tags/trade/", desk["ports"].get_absolute_url()]:
        assert not shows(client, url, "Border trade reopens"), url
    assert not shows(client, "/tags/", 'href="/tags/customs/"')
    assert_hits(client, unaffected(desk))


def test_a_section_deleted_takes_its_tags_with_it(client, desk):
    trade = desk["trade"]
    warm(client, ["/tags/", trade.get_absolute_url(), *unaffected(desk)])
    Section.objects.create(brief=trade, heading="Fuel", body="Diesel.", position=5)
    section = trade.sections.get(heading="Fuel")
    section.tags.set(["Diesel"])
    assert shows(client, "/tags/", 'href="/tags/diesel/"')

    section.delete()

    assert not shows(client, "/tags/", 'href="/tags/diesel/"')
    assert not shows(client, trade.get_absolute_url(), "Diesel.")
    assert_hits(client, unaffected(desk))


def test_retagging_shows_the_new_tags(client, desk):
    talks = published_brief(
        sections=(("", "Talks between Pakistan and India resumed in Geneva.", ()),)
    )
    warm(client, ["/tags/", talks.get_absolute_url()])

    report = retag_briefs(briefs=Brief.objects.filter(pk=talks.pk))

    assert report.changed == 1
    assert shows(client, "/tags/", ">Pakistan</a>")
    assert shows(client, talks.get_absolute_url(), ">Pakistan</a>")


def test_a_tag_merge_shows_at_once(client, desk):
    warm(client, ["/tags/", desk["trade"].get_absolute_url(), "/tags/trade/"])

    merge_tags(
        sources=[Tag.objects.get(name="Customs")], target=Tag.objects.get(name="Trade")
    )

    assert not shows(client, "/tags/", 'href="/tags/customs/"')
    assert not shows(client, desk["trade"].get_absolute_url(), ">Customs</a>")
    assert shows(client, "/tags/trade/", "Border trade reopens")


def test_an_import_shows_in_the_listings_and_leaves_other_briefs_cached(client, desk):
    warm(client, ["/", "/feeds/briefs.atom", desk["trade"].get_absolute_url()])

    result = import_document(
        source_path="wire.txt",
        data=b"Title: Imported today\n\nGENEVA: Ministers met on Monday.\n",
    )

    assert result.outcome == "created"
    assert shows(client, "/", "Imported today")
    assert shows(client, "/feeds/briefs.atom", "Imported today")
    assert_hits(client, [desk["trade"].get_absolute_url()])


def test_a_restored_revision_shows_at_once(client, desk):
    trade = desk["trade"]
    with reversion.create_revision():
        reversion.add_to_revision(Brief.objects.for_revision().get(pk=trade.pk))
    trade.title = "Retitled, then restored"
    trade.save()
    warm(client, [trade.get_absolute_url(), "/", *unaffected(desk)])

    with transaction.atomic(), reversion.create_revision():
        restore_brief(Version.objects.get_for_object(trade).first())

    assert shows(client, trade.get_absolute_url(), "Border trade reopens")
    assert shows(client, "/", "Border trade reopens")
    assert_hits(client, unaffected(desk))


def test_a_correction_shows_on_the_brief_and_the_feeds(client, desk):
    trade = desk["trade"]
    warm(client, [trade.get_absolute_url(), "/feeds/briefs.atom", *unaffected(desk)])

    trade.corrections.create(kind="correction", note="The date was wrong.")

    assert shows(client, trade.get_absolute_url(), "The date was wrong.")
    assert shows(client, "/feeds/briefs.atom", "The date was wrong.")
    assert_hits(client, unaffected(desk))


def test_a_write_with_no_names_drops_every_page(client, desk):
    warm(client, unaffected(desk))

    caching.content_changed()

    for url in unaffected(desk):
        assert page(client, url)["X-Cache"] == "miss", url


# --- Never stored after a write it missed ---------------------------------------


def render_with_a_save_midway(client: Client, brief: Brief, monkeypatch):
    """Render ``brief``'s page while its title is saved (and invalidated)
    halfway through: the render has read the old title. Returns the
    response of that render and of the next request."""
    real = views.related_briefs

    def related_then_a_save(*args, **kwargs):
        Brief.objects.filter(pk=brief.pk).update(title="Saved mid-render")
        caching.content_changed({f"brief:{brief.pk}"})
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "related_briefs", related_then_a_save)
    rendered = client.get(brief.get_absolute_url())
    monkeypatch.setattr(views, "related_briefs", real)
    return rendered, client.get(brief.get_absolute_url())


def test_a_write_during_the_render_leaves_that_page_unstored(client, desk, monkeypatch):
    """The store must refuse the page, or readers would keep the old title."""
    rendered, after = render_with_a_save_midway(client, desk["trade"], monkeypatch)

    assert "Saved mid-render" not in rendered.content.decode()
    assert "Saved mid-render" in after.content.decode()
    assert after["X-Cache"] == "miss"


@pytest.mark.parametrize("names", [{"brief:1"}, None], ids=["named", "everything"])
def test_the_memory_store_refuses_a_page_read_before_a_write(names):
    store = stores.MemoryStore()
    before = store.snapshot("freshness")
    store.invalidate(None if names is None else frozenset(names))

    refused = store.put({"page:a": b"old"}, {"brief:1", "*"}, before.token, 60)
    after = store.snapshot("freshness")
    kept = store.put({"page:a": b"new"}, {"brief:1", "*"}, after.token, 60)

    assert (refused, kept) == (False, True)
    assert store.get("page:a") == b"new"


def test_the_memory_store_keeps_a_page_no_write_touched(db):
    store = stores.MemoryStore()
    before = store.snapshot("freshness")
    store.invalidate(frozenset({"brief:2"}))

    assert store.put({"page:b": b"page"}, {"brief:1", "*"}, before.token, 60)
    store.invalidate(frozenset({"brief:1"}))
    assert store.get("page:b") is None
    assert store.get_stale("page:b") == b"page"


def test_unknown_writes_inside_a_transaction_are_dropped_again_at_commit(db):
    with transaction.atomic():
        caching.content_changed({"brief:1"})
        caching.content_changed({"tag:2"})
        [callback] = [
            callback
            for _, callback, _ in transaction.get_connection().run_on_commit
            if hasattr(callback, "names")
        ]

    assert callback.names == {"brief:1", "tag:2", "write"}
