"""Bursts of deliveries: a 202 still means stored (even when the process is killed right after),
a burst larger than the Redis connection pool waits for connections instead of being refused,
and a delivery refused all the same is one log line. Figures: benchmarks/webhook_load.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app import STORE
from bot.jobs import redis_store
from bot.jobs.redis_store import RedisStore
from bot.jobs.sqlite_store import SqliteStore
from bot.jobs.store import JobStore
from tests.conftest import SECRET, BotFactory, deliver, free_port
from tests.payloads import payload, signed
from tests.redis_proxy import redis_proxy
from tests.redis_server import redis_prefix, redis_url
from tests.serving import serving

ROOT = Path(__file__).resolve().parents[1]


def opened(number: int) -> dict[str, Any]:
    """A `pull_request.opened` delivery of its own pull request, so each queues its own job."""
    data = payload("pull_request/opened")
    data["number"] = data["pull_request"]["number"] = number
    return data


@contextlib.asynccontextmanager
async def store_env(kind: str, data_dir: Path) -> AsyncIterator[dict[str, str]]:
    """The variables choosing `kind`'s store (a fresh Redis prefix, deleted afterwards)."""
    if kind == "sqlite":
        yield {"READINESS_DATA_DIR": str(data_dir)}
        return
    async with redis_prefix() as prefix:
        yield {"READINESS_REDIS_URL": redis_url(), "READINESS_REDIS_PREFIX": prefix}


async def reopen(kind: str, env: dict[str, str]) -> JobStore:
    if kind == "sqlite":
        return SqliteStore(Path(env["READINESS_DATA_DIR"]) / "readiness.sqlite3")
    return await RedisStore.connect(
        env["READINESS_REDIS_URL"], prefix=env["READINESS_REDIS_PREFIX"]
    )


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
async def test_every_delivery_answered_202_is_stored_after_sigkill(
    server_env: dict[str, str], tmp_path: Path, kind: str
) -> None:
    """Two hundred deliveries sent at once to a real `readiness serve` (so they are committed
    in groups), killed with SIGKILL once half were answered: every delivery answered 202 is in
    the store, with its job, when the store is opened again."""
    async with store_env(kind, tmp_path / "data") as chosen:
        env = {
            **server_env,
            **chosen,
            "READINESS_GITHUB_API_URL": f"http://127.0.0.1:{free_port()}",  # workers wait
        }
        accepted: list[str] = []
        half = asyncio.Event()
        with serving(env, ROOT) as served:
            assert served.process.stderr is not None
            drain = threading.Thread(target=served.process.stderr.read, daemon=True)
            drain.start()  # a full pipe would stall the server's logging
            url = f"http://127.0.0.1:{served.port}/webhook"
            async with aiohttp.ClientSession() as session:

                async def post(number: int) -> None:
                    body = json.dumps(opened(number)).encode()
                    headers = signed(body, SECRET, "pull_request")
                    try:
                        async with session.post(url, data=body, headers=headers) as response:
                            if response.status == 202:
                                accepted.append(headers["X-GitHub-Delivery"])
                    except aiohttp.ClientError:
                        return  # in flight when the server died: never acknowledged
                    if len(accepted) >= 100:
                        half.set()

                posts = [asyncio.create_task(post(number)) for number in range(1, 201)]
                await asyncio.wait_for(half.wait(), 120)
                served.process.kill()
                await asyncio.gather(*posts)
        store = await reopen(kind, env)
        try:
            missing = [delivery for delivery in accepted if not await store.seen(delivery)]
            assert missing == []
            jobs = sum((await store.counts()).values())
        finally:
            await store.close()
    assert jobs >= len(accepted) >= 100


async def test_more_concurrent_deliveries_than_redis_connections_are_all_stored(
    start_bot: BotFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Forty deliveries at once on a pool of two Redis connections: each waits for a free
    connection and is accepted; none is refused (redis-py's default pool answered the excess
    with MaxConnectionsError, so 503s) and every one is in the store."""
    monkeypatch.setattr(redis_store, "POOL_CONNECTIONS", 2)
    async with redis_prefix() as prefix:
        bot = await start_bot(
            redis_url=SecretStr(redis_url()),
            redis_prefix=prefix,
            github_api_url=f"http://127.0.0.1:{free_port()}",
        )
        try:
            deliveries = [f"burst-{number}" for number in range(1, 41)]
            answers = await asyncio.gather(
                *(
                    deliver(bot, "pull_request", opened(number), delivery)
                    for number, delivery in enumerate(deliveries, 1)
                )
            )
            assert [answer.status for answer in answers] == [202] * len(deliveries)
            store = bot.app[STORE]
            assert [await store.seen(delivery) for delivery in deliveries] == [True] * 40
        finally:
            await bot.close()
    view = [r for r in caplog.records if r.name == "bot.webhook.view"]
    assert not [r for r in view if r.levelno >= logging.WARNING]


async def test_each_delivery_refused_for_want_of_a_redis_connection_is_one_log_line(
    start_bot: BotFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis goes silent under a pool of one connection: the one delivery holding it waits for
    its answer, the others for the connection, and each is answered 503 with one ERROR line
    and no traceback."""
    monkeypatch.setattr(redis_store, "POOL_CONNECTIONS", 1)
    async with redis_proxy(redis_url()) as proxy, redis_prefix() as prefix:
        bot = await start_bot(
            redis_url=SecretStr(proxy.url),
            redis_prefix=prefix,
            github_api_url=f"http://127.0.0.1:{free_port()}",
        )
        try:
            proxy.silence()
            answers = await asyncio.gather(
                *(deliver(bot, "pull_request", opened(n), f"refused-{n}") for n in range(1, 4))
            )
            assert [answer.status for answer in answers] == [503] * 3
        finally:
            proxy.forward()
            await bot.close()
    lines = [r for r in caplog.records if r.name == "bot.webhook.view"]
    assert [(r.levelno, r.exc_info) for r in lines] == [(logging.ERROR, None)] * 3
    said = "delivery refused: the job store is unavailable"
    assert all(r.getMessage().startswith(said) for r in lines)
