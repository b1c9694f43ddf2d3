from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from newsroom.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(settings.NEWSROOM_ADMIN_URL, admin.site.urls),
    path("", include("briefs.urls")),
    # Lead image renditions, in development only (static() adds nothing with
    # DEBUG off): in production the proxy in front serves MEDIA_ROOT.
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
