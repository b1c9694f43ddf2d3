"""System checks for how the site is deployed, run at start-up.

``make serve`` migrates before it starts gunicorn, and ``migrate`` (like
``runserver`` and ``check``) runs these checks: an error stops the site.
"""

from __future__ import annotations

import os
import runpy

from django.conf import settings
from django.core import checks
from django.core.cache.backends.locmem import LocMemCache
from django.utils.module_loading import import_string

GUNICORN_CONF = "newsroom/gunicorn.conf.py"


def page_cache_shared_by_workers(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """An error when gunicorn's workers would each keep pages in their own memory.

    An edit moves the content generation on in one worker's cache only, so
    the others go on serving the old page (an unpublished brief, for an hour)
    until it expires. With DEBUG on there is one development server process,
    so only production is checked. The worker count is what
    ``newsroom/gunicorn.conf.py`` would start (``WEB_CONCURRENCY``, else
    gunicorn's default for this machine).
    """
    if settings.DEBUG or settings.NEWSROOM_PAGE_CACHE_SECONDS <= 0:
        return []
    backend = import_string(settings.CACHES["default"]["BACKEND"])
    if not issubclass(backend, LocMemCache):
        return []
    try:
        workers = gunicorn_workers()
    except ValueError:
        return [
            checks.Error(
                "WEB_CONCURRENCY must be a whole number of gunicorn workers, "
                f"not {os.environ.get('WEB_CONCURRENCY')!r}.",
                id="newsroom.E002",
            )
        ]
    if workers <= 1:
        return []
    return [
        checks.Error(
            f"The page cache is kept in each process's memory, but gunicorn "
            f"would start {workers} workers: an edit would reach only one of "
            "them, and the others would serve stale pages for up to "
            f"NEWSROOM_PAGE_CACHE_SECONDS ({settings.NEWSROOM_PAGE_CACHE_SECONDS}).",
            hint=(
                "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) so that every "
                "worker shares one cache; or set NEWSROOM_PAGE_CACHE_SECONDS=0 "
                "to store no pages; or run one worker with WEB_CONCURRENCY=1."
            ),
            id="newsroom.E001",
        )
    ]


def gunicorn_workers() -> int:
    """How many workers ``newsroom/gunicorn.conf.py`` starts in this environment.

    Read from the file itself, so the two can never disagree. Raises
    ValueError when ``WEB_CONCURRENCY`` is not a whole number.
    """
    return runpy.run_path(str(settings.BASE_DIR / GUNICORN_CONF))["workers"]
