"""Settings for Newsroom.

Everything that differs between a laptop and production comes from the
environment. With nothing set, development defaults apply: DEBUG on and a
SQLite file in the project. With DEBUG off there are no defaults for secrets.
"""

import datetime as dt
import ipaddress
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value in {"1", "true", "True", "yes", "on"}:
        return True
    if value in {"0", "false", "False", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {value!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


def env_count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not re.fullmatch(r"[0-9]+", value):
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.")
    return int(value)


def env_trusted_proxies(
    name: str,
) -> tuple[int, tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]]:
    """Read the proxies in front of the site: ``(count, ())`` or ``(0, networks)``.

    The value is either how many proxies stand in front (``1``), or their
    addresses and networks (``10.0.0.5, 192.168.0.0/16``). Unset: none.
    """
    value = os.environ.get(name, "").strip()
    if re.fullmatch(r"[0-9]+", value or "0"):
        return int(value or "0"), ()
    networks = []
    for item in (item.strip() for item in value.split(",")):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be the number of proxies in front of the site "
                "(e.g. 1), or their addresses and networks separated by commas "
                f"(e.g. 10.0.0.5, 192.168.0.0/16), not {value!r}: {item!r} is "
                "neither a number nor an address or network."
            ) from None
    return 0, tuple(networks)


DEBUG = env_bool("DJANGO_DEBUG", default=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is 0."
        )
    # Development only: DEBUG is on, so this key never signs anything that matters.
    SECRET_KEY = "django-insecure-development-key-never-used-in-production"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin, opening on the editors' desk (briefs/admin/site.py).
    "briefs.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "taggit",
    "adminsortable2",
    "reversion",
    "axes",
    "briefs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files first, as a bare whitenoise site serves them: no log line
    # or any other per-request work (gunicorn's access log has them).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # One line for every other request, answered from the page cache or not.
    "newsroom.logging.RequestLogMiddleware",
    # The page cache: stores the pages the views render for readers with the
    # headers the middleware below set, so a hit carries them too. Hits are
    # answered before Django (newsroom/wsgi.py, briefs/caching/serving.py),
    # which does the work of the three above for them, and refuses to start
    # if others stand there. Input refused below is left to it.
    "briefs.caching.PageCacheMiddleware",
    # Headers for every response the page cache does not answer itself.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.SecurityHeadersMiddleware",
    # Refuses NUL bytes and query strings that are not UTF-8 before any view.
    "newsroom.middleware.RefuseUnreadableInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes asks: it answers locked-out login attempts.
    "axes.middleware.AxesMiddleware",
    # Around the view alone: readers' one snapshot and one retry on a lost
    # connection, and a 503 instead of a 500 when the database is away.
    "newsroom.database.DatabaseResilienceMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before checking a password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Readers and an editor saving at once must never meet "database is locked":
    # WAL lets reads run beside a write, IMMEDIATE takes the write lock up front
    # (so a transaction never fails to upgrade it), and the busy timeout waits.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The language of the site's content, as a BCP 47 tag: the pages' lang, the
# feeds' language and the JSON-LD's inLanguage all say it.
NEWSROOM_LANGUAGE = os.environ.get("NEWSROOM_LANGUAGE", "en-GB").strip()
if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", NEWSROOM_LANGUAGE):
    raise ImproperlyConfigured(
        "NEWSROOM_LANGUAGE must be a language tag such as en-GB or fr, "
        f"not {NEWSROOM_LANGUAGE!r}."
    )
LANGUAGE_CODE = NEWSROOM_LANGUAGE.lower()
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The feeds' stylesheet (static/briefs/feed.xsl), which browsers apply only
# when it comes as XSL; mimetypes does not know the extension.
WHITENOISE_MIMETYPES = {".xsl": "application/xslt+xml"}
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files. Readers get only what STORAGES["default"] holds (lead
# image renditions, re-encoded by Pillow), served at MEDIA_URL: by Django
# with DEBUG on, by the proxy in front in production (whitenoise serves only
# files present at start). Uploaded originals are kept in
# STORAGES["lead_image_originals"], which nothing serves (briefs/images/).
# Any S3-compatible store works through django-storages (see README).
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
PRIVATE_MEDIA_ROOT = Path(
    os.environ.get("DJANGO_PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media")
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "lead_image_originals": {
        "BACKEND": "briefs.images.storage.UnservedFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if DEBUG:
    # runserver serves files from the app folders; hashed names need collectstatic.
    STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }

TAGGIT_CASE_INSENSITIVE = True

# Caching. With REDIS_URL (e.g. redis://127.0.0.1:6379/0) every process shares
# one Redis cache; without it each process has its own memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Every Redis call is short: a Redis that stops answering costs a request at
# most these (seconds), after which the worker leaves it alone for
# NEWSROOM_CACHE_RETRY_SECONDS and serves pages uncached (briefs/caching/).
NEWSROOM_CACHE_CONNECT_TIMEOUT = float(
    os.environ.get("NEWSROOM_CACHE_CONNECT_TIMEOUT", "0.25")
)
NEWSROOM_CACHE_TIMEOUT = float(os.environ.get("NEWSROOM_CACHE_TIMEOUT", "0.5"))
NEWSROOM_CACHE_RETRY_SECONDS = float(
    os.environ.get("NEWSROOM_CACHE_RETRY_SECONDS", "2")
)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
            # The same limits for everything else that uses the cache.
            "OPTIONS": {
                "socket_connect_timeout": NEWSROOM_CACHE_CONNECT_TIMEOUT,
                "socket_timeout": NEWSROOM_CACHE_TIMEOUT,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        }
    }
# How long a public page may stay in the cache (briefs/caching/); an edit
# drops it at once either way. Without Redis pages are stored only with DEBUG
# on (one process): several gunicorn workers with caches of their own would
# not see each other's edits. 0 stores nothing; ETags still answer with 304.
NEWSROOM_PAGE_CACHE_SECONDS = int(
    os.environ.get("NEWSROOM_PAGE_CACHE_SECONDS", "3600" if REDIS_URL or DEBUG else "0")
)
# How long browsers and proxies may reuse a page without asking again. 0: they
# revalidate every time (a cheap 304), so an edit reaches readers at once.
NEWSROOM_PAGE_MAX_AGE = int(os.environ.get("NEWSROOM_PAGE_MAX_AGE", "0"))
# What cached pages are keyed under: a deploy sets it to its git commit, so
# every host of one release shares pages and a new release starts with none.
# Empty: a stamp of the project files' names, sizes and modification times.
NEWSROOM_RELEASE = os.environ.get("NEWSROOM_RELEASE", "").strip()

# Briefs
NEWSROOM_SITE_NAME = os.environ.get("NEWSROOM_SITE_NAME", "Newsroom")
# Who publishes the briefs, as citations, feeds and structured data name it.
NEWSROOM_PUBLISHER = os.environ.get("NEWSROOM_PUBLISHER", "") or NEWSROOM_SITE_NAME
# The public origin, e.g. https://briefs.example.org, for canonical links,
# feeds, the sitemap and citations. Empty: each request's own host and scheme.
NEWSROOM_SITE_URL = os.environ.get("NEWSROOM_SITE_URL", "").rstrip("/")
if NEWSROOM_SITE_URL and not re.fullmatch(r"https?://[^/?#\s]+", NEWSROOM_SITE_URL):
    raise ImproperlyConfigured(
        "NEWSROOM_SITE_URL must be an origin such as https://briefs.example.org, "
        f"with no path, not {NEWSROOM_SITE_URL!r}."
    )
NEWSROOM_SEEDS_DIR = BASE_DIR / "seeds"
NEWSROOM_VOCABULARY_FILE = NEWSROOM_SEEDS_DIR / "vocabulary.toml"
NEWSROOM_IMPORT_MAX_BYTES = 2 * 1024 * 1024
# The largest lead image upload, in bytes and in pixels (read from the
# header before decoding: a small file can claim a huge picture).
NEWSROOM_IMAGE_MAX_BYTES = env_count("NEWSROOM_IMAGE_MAX_BYTES", 10_000_000)
NEWSROOM_IMAGE_MAX_PIXELS = env_count("NEWSROOM_IMAGE_MAX_PIXELS", 40_000_000)
NEWSROOM_BRIEFS_PER_PAGE = 20

# The admin's address: a less obvious one keeps some noise away from it.
NEWSROOM_ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"

# Security. With DEBUG off the site expects HTTPS, behind a proxy that sets
# X-Forwarded-Proto when DJANGO_SECURE_PROXY_SSL_HEADER=1.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The reverse proxies in front of the site (NEWSROOM_TRUSTED_PROXIES): how many
# there are, or their addresses and networks. With them, a request's client is
# read from the X-Forwarded-For header they append to (newsroom/proxies.py);
# without them that header is ignored, since any client can send one.
NEWSROOM_TRUSTED_PROXY_COUNT, NEWSROOM_TRUSTED_PROXY_NETWORKS = env_trusted_proxies(
    "NEWSROOM_TRUSTED_PROXIES"
)

# Admin login throttling (django-axes): five failures for one username from
# one client address lock that pair out for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("NEWSROOM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "newsroom.proxies.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Credential stuffing tries one username from many addresses: after this many
# failures for one username from anywhere within the window, that username is
# held back until the window passes without them, except from addresses it
# logged in from in the last NEWSROOM_LOGIN_KNOWN_ADDRESS_DAYS. 0 turns it off.
AXES_HANDLER = "newsroom.login_throttling.LoginThrottle"
NEWSROOM_LOGIN_USERNAME_LIMIT = env_count("NEWSROOM_LOGIN_USERNAME_LIMIT", 20)
NEWSROOM_LOGIN_USERNAME_WINDOW = dt.timedelta(minutes=15)
NEWSROOM_LOGIN_KNOWN_ADDRESS_DAYS = 30

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "newsroom.logging.JsonFormatter"},
        # Both write one line per record, with client-chosen text escaped.
        "plain": {
            "()": "newsroom.logging.PlainFormatter",
            "format": "%(levelname)s %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # One JSON object per line in production; readable lines in development.
            "formatter": os.environ.get(
                "DJANGO_LOG_FORMAT", "plain" if DEBUG else "json"
            ),
        }
    },
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
    "loggers": {
        # runserver logs each request itself; in development these would repeat it.
        "newsroom.requests": {"level": "INFO" if not DEBUG else "WARNING"},
        # RequestLogMiddleware already records every 4xx and 5xx response.
        "django.request": {"level": "ERROR"},
    },
}
