"""Hardening: deploy checks, security headers, login throttling, CSRF, the admin address."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.admin_forms import change_url, form_data
from tests.factories import draft_brief, published_brief

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "briefs.example.org",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_admin_address_is_configurable():
    result = manage(
        "shell",
        "-c",
        "from django.urls import reverse; print(reverse('admin:index'))",
        env={"DJANGO_ADMIN_URL": "newsdesk"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "/newsdesk/"


@pytest.mark.django_db
def test_reader_pages_carry_the_security_headers(client):
    brief = published_brief()
    response = client.get(brief.get_absolute_url())
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_admin_allows_inline_styles_but_never_inline_script(editor_client):
    csp = editor_client.get(reverse("admin:index"))["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "script-src 'self';" in csp


@pytest.mark.django_db
def test_hsts_is_sent_over_https_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account_out(settings):
    get_user_model().objects.create_user(
        "editor", password="the-right-password", is_staff=True
    )
    client = Client()
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(login, {"username": "editor", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    last_try = client.post(login, {"username": "editor", "password": "wrong"})
    assert last_try.status_code == 429
    locked = client.post(
        login, {"username": "editor", "password": "the-right-password"}
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    get_user_model().objects.create_user(
        "other", password="another-password", is_staff=True
    )
    assert (
        client.post(
            login, {"username": "other", "password": "another-password"}
        ).status_code
        == 302
    )


@pytest.mark.django_db
def test_an_editor_post_without_a_csrf_token_is_refused(editor):
    brief = draft_brief(title="Untouched")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    data = form_data(browser, change_url(brief))
    data["title"] = "Forged"
    data.pop("csrfmiddlewaretoken", None)
    assert browser.post(change_url(brief), data).status_code == 403
    brief.refresh_from_db()
    assert brief.title == "Untouched"

    # The same form with its token saves.
    page = browser.get(change_url(brief))
    data["csrfmiddlewaretoken"] = page.context["csrf_token"]
    assert browser.post(change_url(brief), data).status_code == 302
    brief.refresh_from_db()
    assert brief.title == "Forged"
