"""Staff in the Writers and Editors groups, and their logged-in test clients."""

from __future__ import annotations

from importlib import import_module

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client

# The groups' permissions, from the migrations that grant them: 0004 makes the
# groups, 0014 adds the authors'. A transactional test database is flushed
# after each test, taking the groups with it; they are made again from this
# table after every flush (tests/conftest.py).
GRANTS = [
    import_module(f"briefs.migrations.{name}").GROUPS
    for name in ("0004_writers_and_editors_groups", "0014_author_permissions")
]
GROUPS = {
    name: [code for grant in GRANTS for code in grant[name]] for name in GRANTS[0]
}
PASSWORD = "pw-test-person-1234"


def staff_member(group_name: str, username: str):
    """A staff user in ``group_name`` ("Writers" or "Editors"), password PASSWORD."""
    user = get_user_model().objects.create_user(
        username, password=PASSWORD, is_staff=True
    )
    user.groups.add(the_group(group_name))
    return user


def the_group(name: str) -> Group:
    """The group ``name`` as its migration makes it, made again when missing."""
    group, created = Group.objects.get_or_create(name=name)
    if created:
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="briefs", codename__in=GROUPS[name]
            )
        )
    return group


def client_for(user) -> Client:
    """A test client logged in as ``user``; ``client.user`` is that user."""
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def member(group_name: str, username: str) -> Client:
    return client_for(staff_member(group_name, username))


def log_in(page, username: str) -> None:
    """Log in through the admin's login page, in a browser."""
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
