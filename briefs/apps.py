from django.apps import AppConfig


class BriefsConfig(AppConfig):
    name = "briefs"
    verbose_name = "Briefs"
    default_auto_field = "django.db.models.BigAutoField"
