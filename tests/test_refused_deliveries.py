"""A delivery refused as unusable (400) is never asked of GitHub again, on either store.

GitHub logs our 400 as a failed delivery; redelivering it would only be refused again, every
sweep for a day, crowding real failures out of the sweep's budget.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from tests.conftest import INSTALLATION, SECRET, BotFactory, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.payloads import payload
from tests.redis_server import redis_url
from tests.test_review_loop import BASE, HEAD, runs_for


@pytest.fixture(params=["sqlite", "redis"])
async def store_settings(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """Settings for the bot's job store; a Redis store gets a key prefix of its own."""
    if request.param == "sqlite":
        yield {}
        return
    url = redis_url()
    prefix = f"readiness-test:{uuid.uuid4().hex}:"
    yield {"redis_url": SecretStr(url), "redis_prefix": prefix}
    cleaner = aioredis.Redis.from_url(url)
    keys = [key async for key in cleaner.scan_iter(match=prefix + "*")]
    if keys:
        await cleaner.delete(*keys)
    await cleaner.aclose()


async def test_a_refused_delivery_is_not_redelivered(
    start_bot: BotFactory, github: FakeGitHub, tmp_path: Path, store_settings: dict[str, Any]
) -> None:
    bot = await start_bot(redeliver_interval=0.2, **store_settings)
    github.hooks.target = (str(bot.make_url("/webhook")), SECRET)
    unusable = payload("issue_comment/created")
    unusable["installation"] = {"id": INSTALLATION}
    unusable["comment"]["user"] = "mona"  # a string where GitHub sends an object
    response = await deliver(bot, "issue_comment", unusable, "guid-unusable")
    assert response.status == 400
    github.hooks.record("guid-unusable", "issue_comment", unusable, 400)
    # A delivery that really failed: once it is redelivered, sweeps have run.
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    missed = github.hooks.record("guid-missed", "pull_request", data, 502)

    deadline = time.monotonic() + 30
    while not runs_for(github, data["pull_request"]["head"]["sha"]):
        assert time.monotonic() < deadline, "the missed delivery was not redelivered"
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.6)  # a few more sweeps
    await settle(bot)

    attempts = github.calls("POST", "/app/hook/deliveries/*/attempts")
    assert [call.path for call in attempts] == [f"/app/hook/deliveries/{missed['id']}/attempts"]
    await bot.close()
