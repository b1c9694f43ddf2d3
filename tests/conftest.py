import contextlib
import datetime as dt
import gc
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db.models.signals import post_migrate

from briefs.caching import stores
from tests import nu_checker
from tests.factories import published_brief
from tests.people import GROUPS, client_for, member, the_group

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_a6517fdfc5b60d0c.txt"


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Every test starts with an empty cache: no page rendered by another test."""
    cache.clear()


def _settings_changed(setting: str, **kwargs) -> None:
    # Settings change pages (site name, page size, site URL…) but send no
    # model signal; in production they change only with a restart and a new
    # release key. Django itself replaces the caches when CACHES changes.
    # (Stored articles know the settings they were rendered with:
    # briefs.reading.articles.article_format.)
    if setting != "CACHES":
        stores.invalidate(stores.store_for(), None)


setting_changed.connect(_settings_changed, dispatch_uid="tests.settings_changed")


def _groups_back(sender, using: str = "default", **kwargs) -> None:
    # A transactional test ends with a flush, which empties every table,
    # the Writers and Editors groups migration 0004 made included. Django
    # sends post_migrate after the flush and remakes content types and
    # permissions on it; the groups come back here, so that whichever test
    # runs next on this worker (pytest-xdist) finds the database as migrated.
    if sender.label == "briefs":
        for name in GROUPS:
            the_group(name)


post_migrate.connect(_groups_back, dispatch_uid="tests.groups_back")


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
def writer(db):
    """A client logged in as wanda, in the Writers group (``writer.user``)."""
    return member("Writers", "wanda")


@pytest.fixture
def chief(db):
    """A client logged in as edith, in the Editors group (``chief.user``)."""
    return member("Editors", "edith")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def pytest_collection_modifyitems(config, items):
    """Run the load and fault tests first; skip browser tests, saying why, when
    Chromium is missing and not required."""
    from tests.browser import SKIP_REASON, browser_required, chromium_available

    # They spend most of their time waiting on servers they started (and
    # sleeping through the faults they inject). First in the order, they go
    # to one pytest-xdist worker while the others keep both cores busy;
    # last, they would leave the run's end waiting on them.
    items.sort(key=lambda item: "load" not in item.keywords)
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


@pytest.fixture
def sign_in(live_server):
    """``sign_in(page, user)``: the browser of ``page`` holds ``user``'s session.

    The session a test client's force_login makes, given to the browser as
    its cookie: signed in as the login form would leave it, without loading
    the login page, posting it and rendering the desk it leads to. The login
    form itself is driven in tests/test_desk_in_browser.py.
    """

    def sign_in(page, user) -> None:
        session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server.url,
                }
            ]
        )

    return sign_in


@pytest.fixture
def brief(db):
    """A published brief with tags on it and on its sections (the caching tests' page)."""
    return published_brief(
        title="Border trade reopens",
        sections=(
            ("", "Opening paragraph.", ("Trade",)),
            ("Next steps", "A second round in July.", ("Trade", "Borders")),
        ),
        tags=("Customs",),
    )


@pytest.fixture
def full_brief(db):
    """A published brief with every part filled in: key points, sections, tags, attribution."""
    return published_brief(
        title="Border trade reopens",
        dateline="GENEVA",
        summary="Ministers agreed to reopen two crossings.",
        published_at=dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC),
        key_points=("Two crossings reopen", "Tariffs unchanged"),
        sections=(
            ("", "Opening paragraph of the brief.", ()),
            ("Trade and investment", "Talks covered *trade*.", ("Trade", "Investment")),
            ("Next steps", "A second round in July.", ()),
        ),
        tags=("Borders",),
        byline="A. Analyst",
        source_name="Ministry of Trade",
        source_url="https://example.org/statement",
    )


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """Static files collected once for the production-style sites of the
    load and fault tests: the files do not depend on the database."""
    from benchmarks.serving import collect_static, production_env

    workdir = tmp_path_factory.mktemp("live-site-static")
    collect_static(production_env(workdir))
    return workdir / "static"


def _run_folder(factory) -> Path:
    """A folder of this run's own, shared by its pytest-xdist workers (each
    worker's base folder is inside the run's)."""
    base = factory.getbasetemp()
    return base.parent if base.name.startswith("popen-gw") else base


@pytest.fixture(scope="session")
def seeded_databases(tmp_path_factory):
    """Seeded databases for the production-style sites (tests/live_site.py)."""
    from tests.live_site import SeededDatabases

    return SeededDatabases(_run_folder(tmp_path_factory))


def pytest_collection_finish(session):
    """Python's cycle collector, as the importer sets it for a run
    (``briefs.ingest.importing._fewer_collections``): what is loaded by now
    (Django, the project, the collected tests) frozen out of its scans, and
    a collection every 20,000 allocations rather than 700. The tests
    allocate model instances, querysets, templates and responses by the
    million, and with the usual thresholds the collector kept re-scanning
    everything alive."""
    from briefs.ingest.importing import COLLECTOR_THRESHOLDS

    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def pytest_sessionstart(session):
    """The Nu checker's service is the run's, shared by its workers."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        nu_checker.RUN_FOLDER = _run_folder(factory)


def pytest_sessionfinish(session):
    """At the run's end (in the controller under pytest-xdist, after every
    worker), drop the seeded PostgreSQL template the run made and stop the
    Nu checker's service, should a worker have left it running."""
    if hasattr(session.config, "workerinput"):
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    from tests.live_site import SeededDatabases

    with contextlib.suppress(Exception):
        SeededDatabases(_run_folder(factory)).drop()
    nu_checker.stop_for_run(_run_folder(factory))
