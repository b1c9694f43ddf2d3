"""The sitemap at /sitemap.xml."""

SITEMAPS: dict = {}
