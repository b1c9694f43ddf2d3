"""Template helpers for the public pages. None of them touch the database."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.text import Truncator

from briefs.markdown import first_paragraph_text

register = template.Library()


@register.simple_tag
def site_name() -> str:
    """The site's name from settings.

    A tag rather than a context processor, so that 500.html, which Django
    renders without a request or context processors, can show it too.
    """
    return settings.NEWSROOM_SITE_NAME


@register.filter
def snippet(body: str, words: int = 40) -> str:
    """Plain text of a Markdown body's first paragraph, cut to ``words`` words.

    The result is plain text, not HTML: autoescaping still applies to it.
    """
    return Truncator(first_paragraph_text(body)).words(words, truncate="…")
