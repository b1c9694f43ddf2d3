"""Admin login throttling: django-axes per username and address, plus per username.

django-axes locks one username from one client address out after
``AXES_FAILURE_LIMIT`` failures, for ``AXES_COOLOFF_TIME``. Credential
stuffing and password spraying try one account from many addresses, one or
two guesses each, and never meet that limit. So each username also has a
limit across all addresses: after ``NEWSROOM_LOGIN_USERNAME_LIMIT`` failures
within ``NEWSROOM_LOGIN_USERNAME_WINDOW``, it is held back until the window
passes without that many. This slows the attacker to that many guesses per
window. Its owner is held back at most a window after the attack stops, and
not at all from an address they logged in from within
``NEWSROOM_LOGIN_KNOWN_ADDRESS_DAYS``: the attacker does not know it.

The limit is counted from django-axes' own records of failures, so it needs
no store of its own; a held-back attempt is answered like any lock-out
(429), and recorded like one.
"""

from __future__ import annotations

import datetime as dt

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


class LoginThrottle(AxesDatabaseHandler):
    """django-axes' database handler, with the limit per username added."""

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or username_held_back(
            request, credentials
        )

    def user_login_failed(
        self, sender, credentials: dict, request: HttpRequest | None = None, **kwargs
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if (
            request is not None
            and not getattr(request, "axes_locked_out", False)
            and username_held_back(request, credentials)
        ):
            # As django-axes does at its own limit: the middleware answers 429.
            request.axes_locked_out = True
            request.axes_credentials = credentials


def username_held_back(request: HttpRequest, credentials: dict | None) -> bool:
    """Whether this attempt's username is over its limit and the address is new to it.

    ``request`` has been through django-axes (``axes_attempt_time`` and
    ``axes_ip_address`` are set). Failures are those of every attempt record
    for the username touched within the window, so a record's earlier
    failures count while its address keeps trying: the count errs high.
    """
    limit = settings.NEWSROOM_LOGIN_USERNAME_LIMIT
    username = get_client_username(request, credentials)
    if not limit or not username:
        return False
    now = request.axes_attempt_time
    failures = AccessAttempt.objects.filter(
        username=username,
        attempt_time__gte=now - settings.NEWSROOM_LOGIN_USERNAME_WINDOW,
    ).aggregate(total=Sum("failures_since_start"))["total"]
    if (failures or 0) < limit:
        return False
    known_since = now - dt.timedelta(days=settings.NEWSROOM_LOGIN_KNOWN_ADDRESS_DAYS)
    return not AccessLog.objects.filter(
        username=username,
        ip_address=request.axes_ip_address,
        attempt_time__gte=known_since,
    ).exists()
