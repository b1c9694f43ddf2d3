from django.urls import path

from briefs import api, feeds, sitemaps, views
from briefs.caching import cache_public_page, page_number

app_name = "briefs"

urlpatterns = [
    path("", views.index, name="index"),
    path("briefs/<str:slug>/", views.detail, name="detail"),
    path("briefs/<str:slug>/versions/", views.versions, name="versions"),
    path("briefs/<str:slug>/versions/<int:number>/", views.version, name="version"),
    path("briefs/<str:slug>/cite.ris", views.cite_ris, name="cite-ris"),
    path("briefs/<str:slug>/cite.json", views.cite_json, name="cite-json"),
    path(
        "briefs/<str:slug>/versions/<int:number>/cite.ris",
        views.cite_ris,
        name="version-cite-ris",
    ),
    path(
        "briefs/<str:slug>/versions/<int:number>/cite.json",
        views.cite_json,
        name="version-cite-json",
    ),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("authors/", views.author_list, name="authors"),
    path("authors/<str:slug>/", views.author_detail, name="author"),
    path("search/", views.search_results, name="search"),
    path("feeds/briefs.atom", feeds.LatestBriefsAtom(), name="feed-atom"),
    path("feeds/briefs.rss", feeds.LatestBriefsRss(), name="feed-rss"),
    path("feeds/tags/<str:slug>.atom", feeds.TagBriefsAtom(), name="tag-feed-atom"),
    path("feeds/tags/<str:slug>.rss", feeds.TagBriefsRss(), name="tag-feed-rss"),
    path(
        "feeds/authors/<str:slug>.atom",
        feeds.AuthorBriefsAtom(),
        name="author-feed-atom",
    ),
    path(
        "feeds/authors/<str:slug>.rss", feeds.AuthorBriefsRss(), name="author-feed-rss"
    ),
    # The index, then each section's sitemap, paged by ?p= (see briefs.sitemaps).
    path("sitemap.xml", cache_public_page(sitemaps.index), name="sitemap"),
    path(
        "sitemap-<str:section>.xml",
        cache_public_page(sitemaps.section, query={"p": page_number}),
        name="sitemap-section",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
    # api-briefs, api-brief and api-openapi, routed by django-ninja.
    *api.urlpatterns,
]
