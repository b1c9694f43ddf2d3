"""Local services some tests need (Redis), required in CI and skipped elsewhere."""

from __future__ import annotations

import pytest
import redis

from tests.browser import browser_required


def redis_or_skip(url: str) -> redis.Redis:
    """A client for the Redis at ``url``, which must answer.

    CI (``NEWSROOM_REQUIRE_BROWSER=1``, where Redis runs) fails the test when
    it does not; elsewhere the test is skipped, saying why.
    """
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        reason = f"Redis is not reachable at {url} ({error})"
        if browser_required():
            pytest.fail(f"{reason}; NEWSROOM_REQUIRE_BROWSER=1 requires it")
        pytest.skip(reason)
    return client
