"""Atom and RSS feeds of the latest published briefs, one of each per tag and
one of each per author.

Items come from ``Brief.objects.published()`` only. A tag's feed exists only
while the tag is public (used by a published brief or one of its sections),
exactly like its page; an old slug of a public tag redirects to the new feed.
An author's feed exists only while the author is credited on a published
brief (``Author.objects.public()``).

An entry's updated time is ``Brief.modified_at`` (publication, or the latest
update or correction), and its description carries the dated notes, so a
feed reader shows a correction as news; a minor edit changes neither.

Each entry carries the whole brief as HTML (Atom ``<content type="html">``,
RSS ``<content:encoded>``) beside its summary, and its credited authors in
order (Atom, one ``<author>`` each; RSS, one ``<dc:creator>`` each, since
RSS's own ``<author>`` must be an email address), or the byline when no
author is credited.

Opened in a browser, a feed reads as a page: an ``xml-stylesheet``
instruction points to ``static/briefs/feed.xsl``, which the browser applies
(feed readers ignore it); a browser without XSLT, as Chromium will be,
styles the feed itself with ``static/briefs/feed-fallback.css``.

Feeds are served as ``application/xml``: Chromium applies a stylesheet to
``application/xml`` but shows ``application/atom+xml`` and
``application/rss+xml`` as plain source. Every feed reader and the W3C
feed validator take ``application/xml`` for a feed, and the page cache keeps
one copy per address: answering browsers and readers with different types
would need ``Vary: Accept``, which the cache and most CDNs do not key on.
"""

from __future__ import annotations

import copy
import re
from urllib.parse import urlsplit

import lxml.html
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, Stylesheet
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator

from briefs.caching import cache_public_page, depends_on
from briefs.models import (
    CREDITS,
    Author,
    Brief,
    Correction,
    Section,
    Tag,
)
from briefs.reading.citation import human_date
from briefs.reading.metadata import absolute_url

FEED_LENGTH = 30

# See the module docstring: the one type browsers style and readers read.
CONTENT_TYPE = "application/xml; charset=utf-8"
STYLESHEET = "briefs/feed.xsl"
FALLBACK_STYLESHEET = "briefs/feed-fallback.css"

# Characters XML 1.0 forbids (C0 controls but tab, newline and return; the
# non-characters U+FFFE and U+FFFF; lone surrogates). Django refuses to write
# them, so one stray byte in a title would take the whole feed down.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML cannot carry."""
    return _NOT_XML.sub("", text)


def html_text(text: str) -> str:
    """Plain ``text`` as HTML text, safe in a feed."""
    return escape(xml_text(text))


def absolute_links(html: str, base: str) -> str:
    """``html`` (a fragment) with every link made absolute against ``base``.

    A feed reader shows an entry away from the site, where ``/briefs/x/``
    or ``#trade`` would lead nowhere. A link that cannot be read is left as
    it is.
    """
    if "href=" not in html:
        return html
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    fragment.make_links_absolute(
        base, resolve_base_href=False, handle_failures="ignore"
    )
    # The wrapper's own tags, <div> and </div>, are not the fragment's.
    return lxml.html.tostring(fragment, encoding="unicode")[5:-6]


class _Moved(Exception):
    def __init__(self, location: str):
        self.location = location


class AtomFeed(Atom1Feed):
    """Atom 1.0 with a stylesheet for browsers, each entry's whole content and
    one ``<author>`` per credited author."""

    content_type = CONTENT_TYPE

    def write(self, outfile, encoding) -> None:
        # Django's Atom writer has no stylesheets; the instruction must come
        # before the root element.
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        for stylesheet in self.feed["stylesheets"] or []:
            handler.processingInstruction("xml-stylesheet", stylesheet)
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        for name, uri in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            if uri:
                handler.addQuickElement("uri", uri)
            handler.endElement("author")
        handler.addQuickElement("content", item["content"], {"type": "html"})


class RssFeed(Rss201rev2Feed):
    """RSS 2.0 with a stylesheet for browsers, each item's whole content
    (``content:encoded``) and one ``dc:creator`` per credited author."""

    content_type = CONTENT_TYPE

    def rss_attributes(self) -> dict[str, str]:
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
            "xmlns:dc": "http://purl.org/dc/elements/1.1/",
        }

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        for name, _ in item["authors"]:
            handler.addQuickElement("dc:creator", name)
        handler.addQuickElement("content:encoded", item["content"])


class LatestBriefsAtom(Feed):
    """The latest published briefs, newest first.

    Django keeps one instance per route for every request, so each request
    works on its own shallow copy that knows the request (for absolute URLs
    and ids); the shared instance is never written to.
    """

    feed_type = AtomFeed
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

    @property
    def language(self) -> str:
        return settings.NEWSROOM_LANGUAGE

    def stylesheets(self, obj) -> list[Stylesheet]:
        # Through the static storage: the hashed names in production. Same
        # origin as the feed, as browsers require of an XSLT stylesheet. A
        # browser that applies XSLT uses the first and ignores the second; one
        # that no longer does (Chromium is removing it) styles the feed's own
        # elements with the second.
        return [
            Stylesheet(static(STYLESHEET), mimetype="text/xsl"),
            Stylesheet(static(FALLBACK_STYLESHEET), mimetype="text/css"),
        ]

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
        # entries with no author and no byline.
        return xml_text(settings.NEWSROOM_PUBLISHER)

    def items(self, obj: Tag | None) -> QuerySet[Brief]:
        return self.briefs(obj).prefetch_related(
            "tags",
            "key_points",
            Prefetch("sections", queryset=Section.objects.prefetch_related("tags")),
            Prefetch(
                "corrections", queryset=Correction.objects.order_by("created_at", "pk")
            ),
            CREDITS,
        )[:FEED_LENGTH]

    def briefs(self, obj: Tag | None) -> QuerySet[Brief]:
        return Brief.objects.published().newest_first()

    # Each brief

    def item_title(self, item: Brief) -> str:
        return xml_text(item.title)

    def item_description(self, item: Brief) -> str:
        # Both formats carry the description as HTML, so the plain text is
        # escaped once: a summary that mentions "<b>" shows "<b>".
        description = html_text(item.description)
        notes = self.notes(item)
        if not notes:
            return description
        # With notes, one paragraph each after the description, oldest first
        # as on the brief page: "Correction, 3 June 2025: …".
        paragraphs = [f"<p>{description}</p>"] if description else []
        return "".join(paragraphs + notes)

    def notes(self, item: Brief) -> list[str]:
        """The brief's updates and corrections, oldest first, a paragraph each."""
        return [
            f"<p><strong>{note.get_kind_display()}, "
            f"{human_date(timezone.localdate(note.created_at))}:</strong> "
            f"{html_text(note.note)}</p>"
            for note in item.corrections.all()
        ]

    def item_content(self, item: Brief) -> str:
        """The whole brief as HTML: its summary, notes, key points and sections."""
        link = self.item_link(item)
        parts = []
        if item.summary.strip():
            parts.append(f"<p>{html_text(item.summary.strip())}</p>")
        parts += self.notes(item)
        key_points = [point.text for point in item.key_points.all()]
        if key_points:
            parts.append("<h2>Key points</h2>")
            items = "".join(f"<li>{html_text(text)}</li>" for text in key_points)
            parts.append(f"<ul>{items}</ul>")
        for section in item.sections.all():
            if section.heading:
                parts.append(f"<h2>{html_text(section.heading)}</h2>")
            # Rendered from Markdown and escaped on save (Section.render).
            parts.append(absolute_links(xml_text(section.body_html), link))
        return "".join(parts)

    def item_authors(self, item: Brief) -> list[tuple[str, str | None]]:
        """(name, author page) for each credited author in order; else the
        byline, with no page; else none."""
        authors = [
            (xml_text(author.name), self.author_url(author))
            for author in item.author_list
        ]
        if authors:
            return authors
        byline = xml_text(item.byline).strip()
        return [(byline, None)] if byline else []

    def author_url(self, author: Author) -> str:
        return absolute_url(self.request, author.get_absolute_url())

    def item_extra_kwargs(self, item: Brief) -> dict:
        return {"authors": self.item_authors(item), "content": self.item_content(item)}

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

    def item_categories(self, item: Brief) -> list[str]:
        names = {tag.name for tag in item.tags.all()}
        for section in item.sections.all():
            names.update(tag.name for tag in section.tags.all())
        return sorted((xml_text(name).strip() for name in names), key=str.casefold)


class LatestBriefsRss(LatestBriefsAtom):
    feed_type = RssFeed


class ListedBriefsAtom(LatestBriefsAtom):
    """The published briefs of one tag or author (``obj``), newest first."""

    def phrase(self, obj) -> str:
        """What the briefs have in common: "tagged Energy", "by Amina Qureshi"."""
        raise NotImplementedError

    def title(self, obj) -> str:
        return xml_text(f"{settings.NEWSROOM_SITE_NAME}: briefs {self.phrase(obj)}")

    def subtitle(self, obj) -> str:
        return xml_text(
            f"Policy briefs {self.phrase(obj)}, from {settings.NEWSROOM_PUBLISHER}."
        )

    description = subtitle

    def link(self, obj) -> str:
        return absolute_url(self.request, obj.get_absolute_url())


class TagBriefsAtom(ListedBriefsAtom):
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

    def phrase(self, obj: Tag) -> str:
        return f"tagged {obj.name}"

    def briefs(self, obj: Tag) -> QuerySet[Brief]:
        return super().briefs(obj).carrying(obj)


class TagBriefsRss(TagBriefsAtom):
    feed_type = RssFeed


class AuthorBriefsAtom(ListedBriefsAtom):
    """Published briefs that credit one author, newest first."""

    def get_object(self, request: HttpRequest, slug: str) -> Author:
        author = Author.objects.public().filter(slug=slug).first()
        if author is None:
            raise Http404("No such author.")
        # Which briefs credit the author (the author's own row is recorded
        # as it loads), and the newest briefs, as the other listings.
        depends_on(request, "briefs", f"author-briefs:{author.pk}")
        return author

    def phrase(self, obj: Author) -> str:
        return f"by {obj.name}"

    def briefs(self, obj: Author) -> QuerySet[Brief]:
        return super().briefs(obj).filter(credits__author=obj)


class AuthorBriefsRss(AuthorBriefsAtom):
    feed_type = RssFeed
