"""The real Redis server the tests use: READINESS_TEST_REDIS_URL, or db 15 on localhost."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import redis
import redis.asyncio as aioredis

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


@asynccontextmanager
async def redis_prefix() -> AsyncIterator[str]:
    """Yield a fresh key prefix in the test Redis; delete its keys afterwards."""
    url = redis_url()
    prefix = f"readiness-test:{uuid.uuid4().hex}:"
    try:
        yield prefix
    finally:
        cleaner = aioredis.Redis.from_url(url)
        keys = [key async for key in cleaner.scan_iter(match=prefix + "*")]
        if keys:
            await cleaner.delete(*keys)
        await cleaner.aclose()
