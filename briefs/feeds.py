"""Atom and RSS feeds of the latest published briefs, and one of each per tag.

Items come from ``Brief.objects.published()`` only. A tag's feed exists only
while the tag is public (used by a published brief or one of its sections),
exactly like its page; an old slug of a public tag redirects to the new feed.

An entry's updated time is ``Brief.modified_at`` (publication, or the latest
update or correction), and its description carries the dated notes, so a
feed reader shows a correction as news; a minor edit changes neither.
"""

from __future__ import annotations

import copy
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from briefs.caching import cache_public_page, depends_on
from briefs.models import (
    Brief,
    Correction,
    Section,
    Tag,
)
from briefs.reading.citation import human_date
from briefs.reading.metadata import absolute_url

FEED_LENGTH = 30

# Characters XML 1.0 forbids (C0 controls but tab, newline and return; the
# non-characters U+FFFE and U+FFFF; lone surrogates). Django refuses to write
# them, so one stray byte in a title would take the whole feed down.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML cannot carry."""
    return _NOT_XML.sub("", text)


class _Moved(Exception):
    def __init__(self, location: str):
        self.location = location


class LatestBriefsAtom(Feed):
    """The latest published briefs, newest first.

    Django keeps one instance per route for every request, so each request
    works on its own shallow copy that knows the request (for absolute URLs
    and ids); the shared instance is never written to.
    """

    feed_type = Atom1Feed
    request: HttpRequest

    @method_decorator(cache_public_page)
    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        feed = copy.copy(self)
        feed.request = request
        try:
            return Feed.__call__(feed, request, *args, **kwargs)
        except _Moved as moved:
            return HttpResponsePermanentRedirect(moved.location)

    # The feed

    def get_object(self, request: HttpRequest, *args, **kwargs) -> Tag | None:
        depends_on(request, "briefs")
        return None

    def title(self, obj: Tag | None) -> str:
        return xml_text(f"{settings.NEWSROOM_SITE_NAME}: latest briefs")

    def subtitle(self, obj: Tag | None) -> str:
        return f"The latest policy briefs from {xml_text(settings.NEWSROOM_PUBLISHER)}."

    # RSS calls the subtitle a description.
    description = subtitle

    def link(self, obj: Tag | None) -> str:
        return absolute_url(self.request, reverse("briefs:index"))

    def feed_url(self, obj: Tag | None) -> str:
        return absolute_url(self.request, self.request.path)

    def feed_guid(self, obj: Tag | None) -> str:
        return self.feed_url(obj)

    def author_name(self, obj: Tag | None) -> str:
        # Atom wants an author for every entry; the publisher stands for
        # entries with no byline.
        return xml_text(settings.NEWSROOM_PUBLISHER)

    def items(self, obj: Tag | None) -> QuerySet[Brief]:
        return self.briefs(obj).prefetch_related(
            "tags",
            Prefetch("sections", queryset=Section.objects.prefetch_related("tags")),
            Prefetch(
                "corrections", queryset=Correction.objects.order_by("created_at", "pk")
            ),
        )[:FEED_LENGTH]

    def briefs(self, obj: Tag | None) -> QuerySet[Brief]:
        return Brief.objects.published().newest_first()

    # Each brief

    def item_title(self, item: Brief) -> str:
        return xml_text(item.title)

    def item_description(self, item: Brief) -> str:
        # Both formats carry the description as HTML, so the plain text is
        # escaped once: a summary that mentions "<b>" shows "<b>".
        description = escape(xml_text(item.description))
        notes = item.corrections.all()
        if not notes:
            return description
        # With notes, one paragraph each after the description, oldest first
        # as on the brief page: "Correction, 3 June 2025: …".
        paragraphs = [f"<p>{description}</p>"] if description else []
        paragraphs += [
            f"<p><strong>{note.get_kind_display()}, "
            f"{human_date(timezone.localdate(note.created_at))}:</strong> "
            f"{escape(xml_text(note.note))}</p>"
            for note in notes
        ]
        return "".join(paragraphs)

    def item_link(self, item: Brief) -> str:
        return absolute_url(self.request, item.get_absolute_url())

    def item_guid(self, item: Brief) -> str:
        # A tag URI (RFC 4151) on the brief's id: readers keep one entry for
        # the brief even if its slug is changed.
        host = urlsplit(absolute_url(self.request, "/")).hostname
        return f"tag:{host},{item.created_at:%Y-%m-%d}:brief:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Brief):
        return item.published_at

    def item_updateddate(self, item: Brief):
        # Readers' news, not the editor's last save: a minor edit stays quiet.
        return item.modified_at

    def item_author_name(self, item: Brief) -> str | None:
        return xml_text(item.byline) or None

    def item_categories(self, item: Brief) -> list[str]:
        names = {tag.name for tag in item.tags.all()}
        for section in item.sections.all():
            names.update(tag.name for tag in section.tags.all())
        return sorted((xml_text(name).strip() for name in names), key=str.casefold)


class LatestBriefsRss(LatestBriefsAtom):
    feed_type = Rss201rev2Feed


class TagBriefsAtom(LatestBriefsAtom):
    """Published briefs that carry a tag, on the brief or on any of its sections."""

    def get_object(self, request: HttpRequest, slug: str) -> Tag:
        tag, moved = Tag.objects.public().at_slug(slug)
        if tag is None:
            raise Http404("No such tag.")
        if moved:
            name = request.resolver_match.url_name
            raise _Moved(reverse(f"briefs:{name}", kwargs={"slug": tag.slug}))
        depends_on(request, f"tag:{tag.pk}")
        return tag

    def title(self, obj: Tag) -> str:
        return xml_text(f"{settings.NEWSROOM_SITE_NAME}: briefs tagged {obj.name}")

    def subtitle(self, obj: Tag) -> str:
        return xml_text(
            f"Policy briefs from {settings.NEWSROOM_PUBLISHER} tagged {obj.name}."
        )

    description = subtitle

    def link(self, obj: Tag) -> str:
        return absolute_url(self.request, obj.get_absolute_url())

    def briefs(self, obj: Tag) -> QuerySet[Brief]:
        return super().briefs(obj).carrying(obj)


class TagBriefsRss(TagBriefsAtom):
    feed_type = Rss201rev2Feed
