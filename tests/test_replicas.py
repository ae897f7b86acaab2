"""Scale-out: two bot replicas sharing one real Redis review every pull request exactly once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from bot.app import STORE
from tests.conftest import BotFactory, deliver, open_pull
from tests.fake_github import FakeGitHub
from tests.redis_server import redis_url

PULLS = 100  # each delivered to both replicas: 200 deliveries


@pytest.fixture
async def replicas(
    start_bot: BotFactory, tmp_path: Path
) -> AsyncIterator[list[TestClient[Any, Any]]]:
    url = redis_url()
    prefix = f"readiness-test:{uuid.uuid4().hex}:"
    bots = [
        await start_bot(
            redis_url=SecretStr(url), redis_prefix=prefix, data_dir=tmp_path / f"replica{n}"
        )
        for n in range(2)
    ]
    yield bots
    for bot in bots:
        await bot.close()
    cleaner = aioredis.Redis.from_url(url)
    keys = [key async for key in cleaner.scan_iter(match=prefix + "*")]
    if keys:
        await cleaner.delete(*keys)
    await cleaner.aclose()


async def test_each_delivery_to_either_replica_is_reviewed_once(
    replicas: list[TestClient[Any, Any]], github: FakeGitHub, tmp_path: Path
) -> None:
    """Every delivery goes to one replica and again to the other: one run per pull request."""
    heads = {}
    for number in range(1, PULLS + 1):
        data = open_pull(
            github, tmp_path / f"pr{number}", {"README.md": "# Shop\n"},
            {"README.md": f"# Shop\n\nRelease {number}\n"}, number=number,
        )  # fmt: skip
        heads[number] = data["pull_request"]["head"]["sha"]
        delivery = f"delivery-{number}"
        first, second = replicas[number % 2], replicas[(number + 1) % 2]
        assert (await deliver(first, "pull_request", data, delivery)).status == 202
        assert (await deliver(second, "pull_request", data, delivery)).status == 200

    deadline = time.monotonic() + 120
    store = replicas[0].app[STORE]
    while (await store.counts()).get("done", 0) < PULLS:
        assert time.monotonic() < deadline, await store.counts()
        await asyncio.sleep(0.1)

    assert await replicas[1].app[STORE].counts() == {"done": PULLS}
    assert sorted(run["head_sha"] for run in github.check_runs) == sorted(heads.values())
    assert all(run["conclusion"] == "success" for run in github.check_runs)
