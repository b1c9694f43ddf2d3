"""Gunicorn settings for production: `make serve`, or `gunicorn -c newsroom/gunicorn.conf.py`.

Every value can be set from the environment, so one file serves every host.
"""

import multiprocessing
import os

wsgi_app = "newsroom.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Load the app once, before forking, so workers share its memory.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# No recycling by default: memory stays flat (the page copies a worker keeps
# are bounded), and a new worker drops every cached page before it serves one
# (briefs.caching.stores.CacheState.owed). Set it to contain a leak if one appears.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = 200
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Django logs each request as JSON (newsroom.logging); gunicorn's own access
# log would only repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server) -> None:
    """Run Django's system checks before any worker starts.

    ``make serve`` runs them through ``migrate``; gunicorn started by hand
    would not, and a setup that fails them (say, a page cache each worker
    keeps for itself, newsroom.E001) must not serve.
    """
    import django
    from django.core.management import call_command

    django.setup()
    call_command("check", deploy=False)
