"""A job accepted by a process that dies (kill -9) mid-review completes once after a restart."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import APP_ID, REPO, SECRET, open_pull
from tests.fake_github import FakeGitHub, make_app_key
from tests.payloads import signed
from tests.test_review_loop import BASE, HEAD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def server_env(tmp_path: Path, github: FakeGitHub) -> AsyncIterator[dict[str, str]]:
    private, _ = make_app_key()
    yield {
        **os.environ,
        "READINESS_APP_ID": str(APP_ID),
        "READINESS_PRIVATE_KEY": private,
        "READINESS_WEBHOOK_SECRET": SECRET,
        "READINESS_GITHUB_API_URL": github.url,
        "READINESS_DATA_DIR": str(tmp_path / "data"),
        "READINESS_HOST": "127.0.0.1",
        "READINESS_PORT": str(free_port()),
    }


async def start(env: dict[str, str]) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", env=env, stderr=asyncio.subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{env['READINESS_PORT']}/healthz"
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


async def test_killed_mid_review_then_restarted_completes_exactly_once(
    server_env: dict[str, str], github: FakeGitHub, tmp_path: Path
) -> None:
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    # The first process hangs on its token request, i.e. inside the review, and is killed there.
    github.fail("POST", "/app/installations/*/access_tokens", 503, delay=60)
    first = await start(server_env)
    body = json.dumps(data).encode()
    async with aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{server_env['READINESS_PORT']}/webhook"
        async with session.post(url, data=body, headers=signed(body, SECRET, "pull_request")) as r:
            assert r.status == 202
    await wait_for(lambda: bool(github.calls("POST", "/app/installations/*")), 30, "the job")
    first.send_signal(signal.SIGKILL)
    await first.wait()
    assert github.check_runs == []

    second = await start(server_env)
    try:
        await wait_for(
            lambda: any(run["status"] == "completed" for run in github.check_runs), 60, "review"
        )
        await asyncio.sleep(1.0)  # room for a duplicate to show up, if there were one
        (run,) = github.check_runs
        assert run["conclusion"] == "failure"
        assert len(github.reviews_of(REPO, 7)) == 1
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 30) == 0
