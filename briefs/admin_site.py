"""The admin site: it opens on the desk (what needs doing), and lists the
briefs above the accounts and lock-outs only superusers look after.

Made Django's default site by ``briefs.apps.NewsroomAdminConfig``, so every
``admin.site.register`` in the project registers here. Not in the
``briefs.admin`` package: Django imports this module while it makes the
default site, and importing that package registers the briefs' admins on
the default site, which would then be made twice and lose them.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse

from briefs.editorial.desk import desk_for

# The app the newsroom works in; the others follow it, by name.
FIRST_APP = "briefs"
# The home page's title.
DESK_TITLE = "Desk"


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Newsroom desk"
    site_title = "Newsroom desk"
    index_title = DESK_TITLE

    def index(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> TemplateResponse:
        """The desk: the person's piles of briefs and the last imports, with
        the links to start a brief, then the apps they may open."""
        context = {
            "title": DESK_TITLE,
            "desk": desk_for(request.user),
            **desk_links(request),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict]:
        """The apps by name, as Django lists them, but briefs first."""
        apps = super().get_app_list(request, app_label)
        return sorted(apps, key=lambda app: app["app_label"] != FIRST_APP)


def desk_links(request: HttpRequest) -> dict[str, str | None]:
    """Where the desk's buttons lead: the brief list, and for those who may
    add briefs the new brief form and the import page (None where not)."""
    may_add = request.user.has_perm("briefs.add_brief")
    return {
        "brief_list_url": reverse("admin:briefs_brief_changelist"),
        "add_brief_url": reverse("admin:briefs_brief_add") if may_add else None,
        "import_url": reverse("admin:briefs_brief_import") if may_add else None,
    }
