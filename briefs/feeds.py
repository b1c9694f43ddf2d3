"""Atom and RSS feeds of the latest published briefs, and one of each per tag."""

from django.contrib.syndication.views import Feed


class LatestBriefsAtom(Feed):
    """Placeholder until the feeds land."""

    link = "/"

    def items(self):
        return []


LatestBriefsRss = TagBriefsAtom = TagBriefsRss = LatestBriefsAtom
