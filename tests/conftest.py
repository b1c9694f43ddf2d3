import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_a6517fdfc5b60d0c.txt"


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """A copy of the first seed outside the project, free to edit."""
    path = tmp_path / "wire.txt"
    shutil.copy(SEED, path)
    return path


@pytest.fixture
def editor(db):
    """A staff user allowed to edit everything in the admin."""
    return get_user_model().objects.create_superuser(
        "editor", "editor@example.com", "pw-editor-1"
    )


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def pytest_collection_modifyitems(config, items):
    """Skip browser tests, saying why, when Chromium is missing and not required."""
    from tests.browser import SKIP_REASON, browser_required, chromium_available

    if chromium_available() or browser_required():
        return
    skip = pytest.mark.skipif(True, reason=SKIP_REASON)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, LAUNCH_ARGS

    # Playwright's sync API keeps an event loop running on this thread for as
    # long as the browser is open. The tests' own ORM calls are still plain
    # synchronous calls, so Django's guard against async misuse stands aside.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=LAUNCH_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(chromium, live_server):
    """A fresh browser context and page on the live test server."""
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
