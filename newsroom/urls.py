from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from newsroom.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(settings.NEWSROOM_ADMIN_URL, admin.site.urls),
    path("", include("briefs.urls")),
]
