from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks
from django.db.backends.signals import connection_created


class BriefsConfig(AppConfig):
    name = "briefs"
    verbose_name = "Briefs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import briefs.tag_counts  # noqa: F401  (puts its triggers back after migrate)
        from briefs import signals  # noqa: F401  (connects the search index's receivers)
        from briefs.postgresql import configure_session
        from briefs.sqlite import register_functions
        from newsroom.checks import page_cache_shared_by_workers

        connection_created.connect(register_functions, dispatch_uid="briefs.sqlite")
        connection_created.connect(configure_session, dispatch_uid="briefs.postgresql")
        # The page cache is this app's; newsroom.checks looks at the deployment.
        checks.register(page_cache_shared_by_workers, checks.Tags.caches)


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the newsroom's site (the desk home) as its default
    site; in INSTALLED_APPS in place of ``django.contrib.admin``."""

    # Never the briefs app's own configuration, which "briefs" alone names.
    default = False
    default_site = "briefs.admin_site.NewsroomAdminSite"
