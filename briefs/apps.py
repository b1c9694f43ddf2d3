from django.apps import AppConfig
from django.db.backends.signals import connection_created


class BriefsConfig(AppConfig):
    name = "briefs"
    verbose_name = "Briefs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from briefs import signals  # noqa: F401  (connects the search index's receivers)
        from briefs.sqlite import register_functions

        connection_created.connect(register_functions, dispatch_uid="briefs.sqlite")
