"""python manage.py ensure_dev_accounts [--admin]: the development accounts,
never in production."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError


@dataclass(frozen=True)
class Account:
    """A development account: staff in ``group``, or a superuser when there
    is no group."""

    username: str
    group: str | None

    @property
    def role(self) -> str:
        return self.group or "superuser"


# What `make run` signs people in as: an editor and a writer see the admin
# as the newsroom does; a superuser only when asked for.
STAFF = (Account("editor", "Editors"), Account("writer", "Writers"))
ADMIN = Account("admin", None)


class Command(BaseCommand):
    help = (
        "Create or reset the development accounts, an editor (in Editors) and "
        "a writer (in Writers), and print their new passwords (DEBUG only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Also create or reset a superuser named admin.",
        )

    def handle(self, *args, admin: bool, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to create development accounts: DJANGO_DEBUG is off."
            )
        for account in (*STAFF, ADMIN) if admin else STAFF:
            created, password = ensure(account)
            action = "created" if created else "reset"
            self.stdout.write(
                f"Development account {action}: username {account.username} "
                f"({account.role}), password {password}"
            )


def ensure(account: Account) -> tuple[bool, str]:
    """Make ``account`` exist as described, with a fresh random password;
    whether it was created, and the password.

    An existing account of that name is brought back to its role: active
    staff, a superuser only if it is the admin, in its group alone.
    """
    group = group_named(account.group) if account.group else None
    password = secrets.token_urlsafe(12)
    user, created = get_user_model().objects.get_or_create(
        username=account.username,
        defaults={"email": f"{account.username}@localhost"},
    )
    user.is_staff = True
    user.is_active = True
    user.is_superuser = group is None
    user.set_password(password)
    user.save()
    user.groups.set([group] if group else [])
    return created, password


def group_named(name: str) -> Group:
    try:
        return Group.objects.get(name=name)
    except Group.DoesNotExist:
        raise CommandError(
            f"The {name} group is missing: run `manage.py migrate` first."
        ) from None
