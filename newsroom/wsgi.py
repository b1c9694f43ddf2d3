"""WSGI entry point: ``newsroom.wsgi:application``.

Django's application, with readers' hits from the page cache answered
before it (``briefs.caching.serving``).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

django_application = get_wsgi_application()

# After Django is set up (get_wsgi_application does it).
from briefs.caching.serving import PageCacheApplication  # noqa: E402

application = PageCacheApplication(django_application)
