"""How a brief describes itself to search engines and other sites: the site's
absolute addresses, schema.org structured data and share links."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse

from briefs.images.lead import DEFAULT_IMAGE, PUBLISHER_LOGO, StaticImage
from briefs.models import Author, Brief, Tag
from briefs.reading.related import Topic


def absolute_url(request: HttpRequest, path: str) -> str:
    """``path`` (starting with /) as an absolute URL.

    The origin is ``NEWSROOM_SITE_URL`` when set, so that every address a
    reader or crawler keeps names one host whatever host served the page;
    otherwise it is the request's own scheme and host (already checked
    against ALLOWED_HOSTS).
    """
    if settings.NEWSROOM_SITE_URL:
        return settings.NEWSROOM_SITE_URL + path
    return request.build_absolute_uri(path)


def media_url(request: HttpRequest, url: str) -> str:
    """A file's URL from storage or ``static()`` as an absolute URL: a
    storage elsewhere (S3, a CDN) gives one already."""
    if url.startswith(("https://", "http://")):
        return url
    return absolute_url(request, url)


def share_image(request: HttpRequest, brief: Brief) -> dict | None:
    """The brief's lead image as other sites show it (og:image, twitter:image,
    JSON-LD): a JPEG rendition up to 1,200 px wide, absolute; None when the
    brief has no image (pages then share the publisher's, DEFAULT_IMAGE)."""
    picture = brief.lead_picture
    if picture is None:
        return None
    return {
        "url": media_url(request, picture.share_url),
        "type": "image/jpeg",
        "width": picture.share_width,
        "height": picture.share_height,
        "alt": picture.alt,
    }


def image_object(request: HttpRequest, image: StaticImage) -> dict:
    """schema.org ImageObject for one of the publisher's static pictures."""
    return {
        "@type": "ImageObject",
        "url": media_url(request, static(image.path)),
        "width": image.width,
        "height": image.height,
    }


def version_url(request: HttpRequest, brief: Brief, number: int) -> str:
    """The absolute address of the brief's public version ``number``."""
    path = reverse("briefs:version", kwargs={"slug": brief.slug, "number": number})
    return absolute_url(request, path)


def share_links(title: str, url: str) -> list[tuple[str, str]]:
    """(label, href) for sharing ``url`` by email and on social sites.

    Plain links: no third-party script, style or image is ever loaded.
    """
    text = f"{title} {url}"
    return [
        (
            "Email",
            f"mailto:?{urlencode({'subject': title, 'body': url}, quote_via=quote)}",
        ),
        ("Bluesky", f"https://bsky.app/intent/compose?{urlencode({'text': text})}"),
        (
            "LinkedIn",
            f"https://www.linkedin.com/sharing/share-offsite/?{urlencode({'url': url})}",
        ),
        (
            "X",
            f"https://twitter.com/intent/tweet?{urlencode({'text': title, 'url': url})}",
        ),
    ]


def brief_structured_data(
    request: HttpRequest,
    brief: Brief,
    *,
    description: str,
    headings: list[str],
    corrections: list[dict],
    authors: list[dict],
    topics: Sequence[Tag | Topic],
    url: str,
    version: int | None = None,
) -> dict:
    """schema.org NewsArticle for the brief, as JSON-LD data (not yet serialised).

    ``dateModified`` is the latest update or correction (else publication),
    never the last save: a minor edit is not news. ``headings`` are its
    sections' headings; ``corrections``, its corrections (``text`` and
    ``datePublished``), each of which becomes a ``correction``; ``authors``,
    its authors as ``person_with_path`` gives them. ``topics`` have a ``name``.
    ``version`` is the current public version (None for a preview).
    ``description`` is ``brief.description``, which the page has already
    worked out (from the opening paragraph when there is no summary).
    ``image`` is the lead image (``share_image``), else the publisher's.
    """
    shared = share_image(request, brief)
    if shared is not None:
        image = {
            "@type": "ImageObject",
            "url": shared["url"],
            "width": shared["width"],
            "height": shared["height"],
        }
        if brief.lead_image_caption:
            image["caption"] = brief.lead_image_caption
        if brief.lead_image_credit:
            image["creditText"] = brief.lead_image_credit
    else:
        image = image_object(request, DEFAULT_IMAGE)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": brief.title,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "description": description,
        "inLanguage": settings.NEWSROOM_LANGUAGE,
        "keywords": [tag.name for tag in topics],
        "articleSection": headings,
        "image": image,
        "publisher": {
            "@type": "Organization",
            "name": settings.NEWSROOM_PUBLISHER,
            "url": absolute_url(request, reverse("briefs:index")),
            "logo": image_object(request, PUBLISHER_LOGO),
        },
    }
    if brief.published_at:
        data["datePublished"] = brief.published_at.isoformat()
    if brief.modified_at:
        data["dateModified"] = brief.modified_at.isoformat()
    if version:
        data["version"] = version
    if corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", **correction} for correction in corrections
        ]
    if brief.dateline:
        data["dateline"] = brief.dateline
    if authors:
        data["author"] = [
            {**author, "url": absolute_url(request, author["url"])}
            for author in authors
        ]
    elif brief.byline:
        data["author"] = {"@type": "Person", "name": brief.byline}
    if brief.source_url:
        data["isBasedOn"] = brief.source_url
    return data


def person(request: HttpRequest, author: Author) -> dict:
    """schema.org Person for ``author``: their page here, and their own web
    page and ORCID iD as the same person elsewhere."""
    data = person_with_path(author)
    data["url"] = absolute_url(request, data["url"])
    return data


def person_with_path(author: Author) -> dict:
    """``person`` with the path of the author's page for its address (a
    brief's stored article keeps it so; ``brief_structured_data`` makes it
    absolute)."""
    data = {"@type": "Person", "name": author.name, "url": author.get_absolute_url()}
    if author.role:
        data["jobTitle"] = author.role
    same_as = [link for link in (author.url, author.orcid_url) if link]
    if same_as:
        data["sameAs"] = same_as
    return data


def author_structured_data(request: HttpRequest, author: Author, *, url: str) -> dict:
    """schema.org ProfilePage for an author's page, the author its subject."""
    data = person(request, author)
    if author.bio:
        data["description"] = author.bio
    return {
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "url": url,
        "inLanguage": settings.NEWSROOM_LANGUAGE,
        "mainEntity": data,
    }
