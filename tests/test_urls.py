"""Addresses built without resolving the route each time are the addresses
Django's reverse() builds."""

from __future__ import annotations

import pytest
from django.urls import reverse, set_script_prefix
from hypothesis import example, given
from hypothesis import strategies as st

from briefs.models import reverse_slug

ROUTES = ["briefs:tag", "briefs:detail", "briefs:author"]
# What the str converter takes: anything but a slash, at least one character.
SLUGS = st.text(min_size=1).filter(lambda text: "/" not in text)


@pytest.mark.parametrize("name", ROUTES)
@given(slug=SLUGS)
@example(slug="chinese-中国")
@example(slug="100% sure?#not-a-fragment")
@example(slug="slug mark")
def test_a_slug_route_is_reversed_as_django_reverses_it(name, slug):
    assert reverse_slug(name, slug) == reverse(name, kwargs={"slug": slug})


def test_the_url_prefix_of_the_request_is_kept():
    try:
        set_script_prefix("/newsroom/")
        assert reverse_slug("briefs:tag", "trade") == "/newsroom/tags/trade/"
    finally:
        set_script_prefix("/")
    assert reverse_slug("briefs:tag", "trade") == "/tags/trade/"
