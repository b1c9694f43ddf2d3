"""Template helpers for the public pages. None of them touch the database."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from briefs.markdown import first_paragraph_text
from briefs.reading.metadata import absolute_url

register = template.Library()


@register.simple_tag
def site_name() -> str:
    """The site's name from settings.

    A tag rather than a context processor, so that 500.html, which Django
    renders without a request or context processors, can show it too.
    """
    return settings.NEWSROOM_SITE_NAME


@register.simple_tag
def site_language() -> str:
    """The content's language tag (NEWSROOM_LANGUAGE); a tag for the same reason."""
    return settings.NEWSROOM_LANGUAGE


@register.filter
def snippet(body: str, words: int = 40) -> str:
    """Plain text of a Markdown body's first paragraph, cut to ``words`` words.

    The result is plain text, not HTML: autoescaping still applies to it.
    """
    return Truncator(first_paragraph_text(body)).words(words, truncate="…")


@register.simple_tag(takes_context=True)
def canonical_url(context, path: str, **query) -> str:
    """The absolute address of ``path`` with only the query that picks distinct content.

    Empty values are left out, and so is ``page=1``: the first page of a
    listing has one address, without ``?page``.
    """
    kept = {
        name: value
        for name, value in query.items()
        if value not in (None, "") and not (name == "page" and str(value) == "1")
    }
    url = absolute_url(context["request"], path)
    return f"{url}?{urlencode(kept)}" if kept else url


# What must not appear raw inside <script>: < and > (no "</script>" or "<!--")
# and & (no character references), as in Django's own json_script.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(value) -> str:
    """``value`` as a ``<script type="application/ld+json">`` element.

    Django's ``json_script`` would do, but it always says application/json.
    The same escaping applies, so a title containing ``</script>`` stays
    inside the element; the JSON parses back to exactly ``value``.
    """
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_SCRIPT_ESCAPES)),
    )
