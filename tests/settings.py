"""Test settings: the real project settings with test-speed tweaks only."""

from newsroom.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests render pages without running collectstatic first.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come straight from the finders; no collectstatic before tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Always this process's memory, even when REDIS_URL is set: the suite clears
# the cache before every test (tests/conftest.py) and must never flush a real
# Redis. tests/test_caching.py tries Redis itself, on a database of its own.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "newsroom-tests",
    }
}
NEWSROOM_PAGE_CACHE_SECONDS = 3600
