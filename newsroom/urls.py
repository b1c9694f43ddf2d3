from django.contrib import admin
from django.urls import include, path

from newsroom.health import healthz

admin.site.site_header = "Newsroom editor"
admin.site.site_title = "Newsroom editor"
admin.site.index_title = "Briefs and tags"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("briefs.urls")),
]
