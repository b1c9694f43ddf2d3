"""Settings read the environment; production never falls back to a default secret."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, connections

ROOT = Path(__file__).resolve().parent.parent


def settings_in(env: dict[str, str], expression: str) -> subprocess.CompletedProcess:
    """Evaluate ``expression`` against newsroom.settings in a fresh interpreter."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL"))
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import newsroom.settings as s; print(repr(({expression})))",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_development_defaults_with_nothing_set():
    result = settings_in(
        {}, "s.DEBUG, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME']"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"(True, 'django.db.backends.sqlite3', '{ROOT / 'db.sqlite3'}')"
    )


def test_debug_off_without_a_secret_key_is_an_error():
    result = settings_in({"DJANGO_DEBUG": "0"}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is 0" in result.stderr


def test_debug_off_runs_as_in_production():
    result = settings_in(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "a-test-secret-that-is-long-enough-for-anything",
            "DJANGO_ALLOWED_HOSTS": "briefs.example.org, www.example.org",
        },
        "s.DEBUG, s.ALLOWED_HOSTS, s.STORAGES['staticfiles']['BACKEND'], s.SESSION_COOKIE_SECURE",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "(False, ['briefs.example.org', 'www.example.org'], "
        "'whitenoise.storage.CompressedManifestStaticFilesStorage', True)"
    )


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_an_unreadable_debug_value_is_an_error(value):
    result = settings_in({"DJANGO_DEBUG": value}, "s.DEBUG")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 1 or 0" in result.stderr


def test_database_url_selects_the_database():
    result = settings_in(
        {"DATABASE_URL": "postgres://newsroom:pw@db.internal:5433/briefs"},
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST'], s.DATABASES['default']['NAME']",
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == "('django.db.backends.postgresql', 'db.internal', 'briefs')"
    )


def test_sqlite_is_configured_for_readers_beside_a_writer():
    result = settings_in({}, "s.DATABASES['default']['OPTIONS']")
    assert "journal_mode=WAL" in result.stdout
    assert "'transaction_mode': 'IMMEDIATE'" in result.stdout


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only; make test-postgres"
)
def test_each_postgresql_connection_turns_jit_compilation_off():
    # A new connection, as each worker opens one.
    new = connections.create_connection("default")
    try:
        with new.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
    finally:
        new.close()


def test_no_trusted_proxies_unless_set():
    result = settings_in(
        {}, "s.NEWSROOM_TRUSTED_PROXY_COUNT, s.NEWSROOM_TRUSTED_PROXY_NETWORKS"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(0, ())"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", "(1, ())"),
        (" 2 ", "(2, ())"),
        ("0", "(0, ())"),
        (
            "10.0.0.5, 192.168.0.0/16,2001:db8::/32",
            "(0, (IPv4Network('10.0.0.5/32'), IPv4Network('192.168.0.0/16'), "
            "IPv6Network('2001:db8::/32')))",
        ),
    ],
)
def test_trusted_proxies_are_a_count_or_addresses(value, expected):
    result = settings_in(
        {"NEWSROOM_TRUSTED_PROXIES": value},
        "s.NEWSROOM_TRUSTED_PROXY_COUNT, s.NEWSROOM_TRUSTED_PROXY_NETWORKS",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    "value", ["-1", "one", "10.0.0.5, proxy.internal", "10.0.0.5,"]
)
def test_unreadable_trusted_proxies_stop_the_start(value):
    result = settings_in({"NEWSROOM_TRUSTED_PROXIES": value}, "s.DEBUG")
    assert result.returncode != 0
    assert "NEWSROOM_TRUSTED_PROXIES must be the number of proxies" in result.stderr


def test_the_username_limit_defaults_to_twenty_and_must_be_a_number():
    result = settings_in({}, "s.NEWSROOM_LOGIN_USERNAME_LIMIT")
    assert result.stdout.strip() == "20"
    result = settings_in({"NEWSROOM_LOGIN_USERNAME_LIMIT": "lots"}, "s.DEBUG")
    assert result.returncode != 0
    assert "NEWSROOM_LOGIN_USERNAME_LIMIT must be a whole number" in result.stderr


def test_one_language_setting_with_british_english_by_default():
    result = settings_in({}, "s.NEWSROOM_LANGUAGE, s.LANGUAGE_CODE")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('en-GB', 'en-gb')"
    result = settings_in({"NEWSROOM_LANGUAGE": "fr-CA"}, "s.NEWSROOM_LANGUAGE")
    assert result.stdout.strip() == "'fr-CA'"


@pytest.mark.parametrize("tag", ["english", "en_GB", "en-GB<script>", "e"])
def test_a_language_that_is_no_language_tag_is_an_error(tag):
    result = settings_in({"NEWSROOM_LANGUAGE": tag}, "s.LANGUAGE_CODE")
    assert result.returncode != 0
    assert "NEWSROOM_LANGUAGE must be a language tag" in result.stderr


def test_the_project_passes_djangos_system_checks():
    """``manage.py check`` as a developer runs it, with the project's own
    settings (not the tests'), in a fresh interpreter."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL"))
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    from django.core.management import call_command

    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:  # what --check raises when a migration is missing
        pytest.fail(f"a model change has no migration:\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
