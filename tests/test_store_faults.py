"""The job store failing under a running server: a Redis that goes silent or down after
start-up (through a switchable proxy), a locked or unusable SQLite database.

Deliveries are refused quickly with a 503 GitHub can record, each in one log line; background
tasks ride the outage out; what was refused is redelivered and reviewed once the store is back;
and SIGTERM in the middle of it all still ends the process cleanly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from bot.app import BACKGROUND
from bot.settings import Settings
from bot.webhook.view import STORE_DEADLINE_S
from tests.conftest import (
    REPO,
    SECRET,
    BotFactory,
    deliver,
    open_pull,
    settle,
)
from tests.fake_github import FakeGitHub
from tests.payloads import signed
from tests.redis_proxy import RedisProxy, redis_proxy
from tests.redis_server import redis_prefix, redis_url
from tests.test_metrics import scrape, value
from tests.test_restart import wait_for
from tests.test_review_loop import BASE, HEAD

GITHUB_GIVES_UP_S = 10.0  # GitHub records a delivery as failed when no answer came within 10 s


class Outage:
    """Make a running bot's store fail and recover: `down()`, then `up()`."""

    def __init__(self, down: Callable[[], None], up: Callable[[], None]) -> None:
        self.down = down
        self.up = up


@pytest.fixture
async def proxy() -> AsyncIterator[RedisProxy]:
    """A switchable proxy in front of the test Redis."""
    async with redis_proxy(redis_url()) as running:
        yield running


@pytest.fixture
def bot_on(
    start_bot: BotFactory, settings: Settings
) -> Callable[..., AbstractAsyncContextManager[tuple[TestClient[Any, Any], Outage]]]:
    """Start a bot on the given store and say how to make that store fail under it.

    `redis`: through the proxy, cut (down: connections closed) or silenced (`silent=True`).
    `sqlite`: its deliveries table is renamed away (queries fail at once), or with `silent=True`
    another process holds the write lock (writes wait, then fail as "database is locked").
    """

    @asynccontextmanager
    async def start(
        kind: str, *, silent: bool = False, **overrides: Any
    ) -> AsyncIterator[tuple[TestClient[Any, Any], Outage]]:
        if kind == "redis":
            async with redis_proxy(redis_url()) as proxy, redis_prefix() as prefix:
                bot = await start_bot(
                    redis_url=SecretStr(proxy.url), redis_prefix=prefix, **overrides
                )
                try:
                    yield bot, Outage(proxy.silence if silent else proxy.cut, proxy.forward)
                finally:
                    proxy.forward()
                    await bot.close()
            return
        bot = await start_bot(**overrides)
        other = sqlite3.connect(settings.database, isolation_level=None)

        def down() -> None:
            if silent:
                other.execute("BEGIN IMMEDIATE")
            else:
                other.execute("ALTER TABLE deliveries RENAME TO deliveries_away")

        def up() -> None:
            if silent:
                other.execute("COMMIT")
            else:
                other.execute("ALTER TABLE deliveries_away RENAME TO deliveries")

        try:
            yield bot, Outage(down, up)
        finally:
            other.close()

    return start


@pytest.mark.parametrize("kind", ["redis", "sqlite"])
async def test_a_store_that_does_not_answer_gets_a_503_before_github_gives_up(
    bot_on: Callable[..., AbstractAsyncContextManager[tuple[TestClient[Any, Any], Outage]]],
    github: FakeGitHub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    """Redis accepts connections but never answers, or SQLite stays locked: the delivery is
    answered 503 with Retry-After within the store deadline (GitHub waits 10 s), logged in one
    line without a traceback, and the next delivery after recovery is accepted."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    async with bot_on(kind, silent=True) as (bot, outage):
        outage.down()
        started = time.monotonic()
        refused = await deliver(bot, "pull_request", data, "guid-1")
        waited = time.monotonic() - started
        assert refused.status == 503
        assert refused.headers["Retry-After"] == "60"
        assert waited < STORE_DEADLINE_S + 1.5 < GITHUB_GIVES_UP_S
        lines = [r for r in caplog.records if r.name == "bot.webhook.view"]
        assert [(r.levelno, r.exc_info) for r in lines] == [(logging.ERROR, None)]
        assert lines[0].getMessage().startswith("delivery refused: the job store is unavailable")
        # A silent Redis is a failed scrape (503), not a 500; a locked SQLite still reads.
        expected = {"redis": 503, "sqlite": 200}[kind]
        assert (await bot.get("/metrics")).status == expected

        outage.up()  # GitHub redelivers under the same id: the refused attempt stored nothing
        assert (await deliver(bot, "pull_request", data, "guid-1")).status == 202
        assert await settle(bot) == {"done": 1}
        samples = await scrape(bot)
        for outcome in ("unavailable", "accepted"):
            counted = value(
                samples, "readiness_deliveries_total", event="pull_request", outcome=outcome
            )
            assert counted == 1


@pytest.mark.parametrize("kind", ["redis", "sqlite"])
async def test_a_delivery_refused_while_the_store_was_down_is_redelivered_and_reviewed(
    bot_on: Callable[..., AbstractAsyncContextManager[tuple[TestClient[Any, Any], Outage]]],
    github: FakeGitHub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    """The delivery gets 503 and GitHub records the failure; sweeps during the outage fail in
    one line each and the sweep keeps running (never reported dead); once the store is back the
    sweep has GitHub redeliver it, and the PR is reviewed once."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    head = data["pull_request"]["head"]["sha"]
    async with bot_on(kind, redeliver_interval=0.2) as (bot, outage):
        github.hooks.target = (str(bot.make_url("/webhook")), SECRET)
        outage.down()
        refused = await deliver(bot, "pull_request", data, "guid-refused")
        assert refused.status == 503
        github.hooks.record("guid-refused", "pull_request", data, refused.status)

        def failed_sweeps() -> list[logging.LogRecord]:
            return [r for r in caplog.records if r.name == "bot.jobs.redeliver"]

        await wait_for(lambda: len(failed_sweeps()) >= 3, 30, "sweeps during the outage")
        assert all(r.levelno == logging.WARNING and not r.exc_info for r in failed_sweeps())
        assert "the job store is unavailable" in failed_sweeps()[0].getMessage()
        assert not [r for r in caplog.records if r.name == "bot.supervisor"]
        (sweeper,) = bot.app[BACKGROUND]
        assert sweeper.problem is None

        outage.up()
        await wait_for(
            lambda: [run["status"] for run in github.check_runs] == ["completed"],
            30,
            "the refused delivery to be redelivered and reviewed",
        )
        await settle(bot)
        (run,) = github.check_runs
        assert run["head_sha"] == head and run["conclusion"] == "failure"
        assert len(github.reviews_of(REPO, 7)) == 1
        assert github.calls("POST", "/app/hook/deliveries/*/attempts")
        assert (await bot.get("/readyz")).status == 200


@pytest.mark.parametrize("state", ["silent", "down"])
async def test_sigterm_while_redis_fails_exits_zero_with_one_line(
    github: FakeGitHub, proxy: RedisProxy, tmp_path: Path, state: str, server_env: dict[str, str]
) -> None:
    """A real `readiness serve` on Redis, a review running, then Redis stops answering (or goes
    down) and SIGTERM arrives: the process exits 0, with one warning that the job cut short
    could not be queued again, and no traceback."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.fail("GET", f"/repos/{REPO}/pulls/7", 503, delay=60)  # the review stays running
    port = int(server_env["READINESS_PORT"])
    async with redis_prefix() as prefix:
        env = {
            **server_env,
            "READINESS_REDIS_URL": proxy.url,
            "READINESS_REDIS_PREFIX": prefix,
            "READINESS_SHUTDOWN_TIMEOUT": "1",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", env=env, stderr=asyncio.subprocess.PIPE
        )
        assert process.stderr is not None
        lines: list[dict[str, Any]] = []

        async def read_log() -> None:
            assert process.stderr is not None
            async for line in process.stderr:
                lines.append(json.loads(line))

        reader = asyncio.create_task(read_log())
        try:
            await wait_for(lambda: any("listening on" in e["message"] for e in lines), 30, "start")
            body = json.dumps(data).encode()
            async with aiohttp.ClientSession() as session:
                url = f"http://127.0.0.1:{port}/webhook"
                headers = signed(body, SECRET, "pull_request")
                async with session.post(url, data=body, headers=headers) as response:
                    assert response.status == 202
            await wait_for(lambda: bool(github.calls("GET", f"/repos/{REPO}/pulls/7")), 30, "job")
            proxy.silence() if state == "silent" else proxy.cut()
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 30) == 0
            await reader
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    stopping = next(n for n, e in enumerate(lines) if e["message"].endswith("stopping"))
    after = lines[stopping + 1 :]
    assert not [e for e in lines if "exception" in e]
    problems = [e for e in after if e["level"] != "info"]
    said = "shutdown: 1 job(s) cut short, 1 not queued again as the job store is unavailable"
    assert [(e["level"], e["message"].split(" (")[0]) for e in problems] == [("warning", said)]
    assert after[-1]["message"].endswith("stopped")
