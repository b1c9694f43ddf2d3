"""ensure_dev_accounts: the accounts `make run` signs people in as, never in production."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args) -> dict[str, str]:
    """Run the command; each account's printed password, by username."""
    out = io.StringIO()
    call_command("ensure_dev_accounts", *args, stdout=out)
    return dict(re.findall(r"username (\w+) .*password (\S+)", out.getvalue()))


def account(username: str):
    return get_user_model().objects.get(username=username)


def groups(user) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True


def test_an_editor_and_a_writer_who_are_not_superusers(settings):
    passwords = run()

    assert set(passwords) == {"editor", "writer"}
    for username, group in (("editor", "Editors"), ("writer", "Writers")):
        user = account(username)
        assert (user.is_staff, user.is_active, user.is_superuser) == (
            True,
            True,
            False,
        )
        assert groups(user) == [group]
        assert user.check_password(passwords[username])
    assert not get_user_model().objects.filter(username="admin").exists()


def test_a_superuser_only_when_asked_for():
    passwords = run("--admin")

    assert set(passwords) == {"editor", "writer", "admin"}
    admin = account("admin")
    assert (admin.is_staff, admin.is_superuser, groups(admin)) == (True, True, [])
    assert admin.check_password(passwords["admin"])


def test_each_run_gives_fresh_passwords_and_puts_old_accounts_back_in_their_role():
    # The account the old ensure_dev_editor made: a superuser named editor.
    get_user_model().objects.create_superuser("editor", "editor@localhost", "old-pw")
    first = run()

    second = run()

    assert first["editor"] != second["editor"]
    editor = account("editor")
    assert not editor.check_password("old-pw")
    assert editor.check_password(second["editor"])
    assert (editor.is_superuser, groups(editor)) == (False, ["Editors"])
    assert get_user_model().objects.filter(username="editor").count() == 1


def test_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG is off"):
        run("--admin")

    assert not get_user_model().objects.exists()
