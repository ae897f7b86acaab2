"""The real Redis server the tests use: READINESS_TEST_REDIS_URL, or db 15 on localhost."""

from __future__ import annotations

import functools
import os

import pytest
import redis

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


@functools.cache
def _redis_problem(url: str) -> str | None:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"no Redis answers at {url} ({exc}); set READINESS_TEST_REDIS_URL"
    finally:
        client.close()
    return None


def redis_url() -> str:
    """Return the test server's URL; fail the test under CI when none answers, else skip it."""
    url = os.environ.get("READINESS_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    problem = _redis_problem(url)
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    return url
