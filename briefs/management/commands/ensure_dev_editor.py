"""python manage.py ensure_dev_editor: a development editor account, never in production."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "editor"


class Command(BaseCommand):
    help = "Create or reset the development editor account and print its password (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to create a development account: DJANGO_DEBUG is off."
            )
        password = secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"email": "editor@localhost"}
        )
        user.is_staff = True
        user.is_superuser = True
        user.is_active = True
        user.set_password(password)
        user.save()
        action = "created" if created else "reset"
        self.stdout.write(
            f"Development editor {action}: username {USERNAME}, password {password}"
        )
