"""Shared fixtures: the GitHub double, the bot's settings, and the bot itself over real HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from bot.app import STORE, create_app
from bot.settings import Settings
from tests.fake_github import FakeGitHub, make_app_key
from tests.gitrepo import Files, make_repo
from tests.payloads import payload, signed

APP_ID = 4242
INSTALLATION = 31337
REPO = "acme/shop"
SECRET = "webhook-secret-for-tests"


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    """Serve the GitHub double; fail the test if the bot sent a request GitHub would refuse."""
    _, public = make_app_key()
    async with FakeGitHub(APP_ID, public) as fake:
        fake.add_installation(INSTALLATION, [REPO])
        yield fake
    fake.assert_no_errors()


@pytest.fixture
def settings(tmp_path: Path, github: FakeGitHub) -> Settings:
    private, _ = make_app_key()
    return Settings(
        app_id=APP_ID,
        private_key=SecretStr(private),
        webhook_secret=SecretStr(SECRET),
        github_api_url=github.url,
        data_dir=tmp_path / "data",
        workers=2,
    )


BotFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def start_bot(aiohttp_client: Callable[[web.Application], Any], settings: Settings) -> BotFactory:
    """Start the bot over real HTTP, with some settings changed (`workers=1`, `redis_url=…`)."""

    async def start(**overrides: Any) -> TestClient[Any, Any]:
        app = await create_app(settings.model_copy(update=overrides))
        client: TestClient[Any, Any] = await aiohttp_client(app)
        return client

    return start


@pytest.fixture
async def bot(start_bot: BotFactory) -> TestClient[Any, Any]:
    return await start_bot()


async def settle(bot: TestClient[Any, Any], timeout: float = 60.0) -> dict[str, int]:
    """Wait until the bot's queue has nothing queued or running, then return the job counts."""
    store = bot.app[STORE]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = await store.counts()
        if not counts.get("queued") and not counts.get("running"):
            return counts
        await asyncio.sleep(0.05)
    raise AssertionError(f"jobs did not finish within {timeout} s: {await store.counts()}")


async def deliver(
    bot: TestClient[Any, Any], event: str, data: dict[str, Any], delivery: str | None = None
) -> Any:
    """POST a signed delivery to the bot's webhook and return the response."""
    body = json.dumps(data).encode()
    return await bot.post("/webhook", data=body, headers=signed(body, SECRET, event, delivery))


def open_pull(
    github: FakeGitHub,
    root: Path,
    base: Files,
    head: Files,
    number: int = 7,
    too_large: bool = False,
    head_repo: str = REPO,
    body: str = "",
    messages: list[str] | None = None,
) -> dict[str, Any]:
    """Create a real git change, publish it on the double as a PR, return its `opened` payload.

    `head_repo`: where the head branch lives, a fork (opened by its owner) when not REPO;
    `body` and `messages`: the pull request's description and its commits' messages."""
    repo = make_repo(root, base, head)
    owner, name = head_repo.split("/")
    github.add_pull(
        repo=REPO,
        number=number,
        head_sha=repo.head,
        base_sha=repo.base,
        diff=repo.diff,
        files_at_head=repo.files(repo.head),
        files_at_base=repo.files(repo.base),
        diff_too_large=too_large,
        body=body,
        messages=messages,
        **({"head_repo": head_repo, "user": owner} if head_repo != REPO else {}),
    )
    data = payload("pull_request/opened")
    pull = data["pull_request"]
    data["number"] = pull["number"] = number
    pull["head"]["sha"], pull["base"]["sha"] = repo.head, repo.base
    if head_repo != REPO:
        pull["head"]["label"] = f"{owner}:{pull['head']['ref']}"
        pull["head"]["repo"] = {
            **pull["head"]["repo"],
            "full_name": head_repo,
            "name": name,
            "fork": True,
            "owner": {**pull["head"]["repo"]["owner"], "login": owner},
            "html_url": f"https://github.com/{head_repo}",
        }
    data["repository"]["full_name"] = REPO
    data["installation"] = {"id": INSTALLATION}
    return data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def server_env(tmp_path: Path, github: FakeGitHub) -> AsyncIterator[dict[str, str]]:
    """The environment of a real `readiness serve` process talking to the GitHub double."""
    private, _ = make_app_key()
    yield {
        **{k: v for k, v in os.environ.items() if not k.startswith("READINESS_")},
        "READINESS_APP_ID": str(APP_ID),
        "READINESS_PRIVATE_KEY": private,
        "READINESS_WEBHOOK_SECRET": SECRET,
        "READINESS_GITHUB_API_URL": github.url,
        "READINESS_DATA_DIR": str(tmp_path / "data"),
        "READINESS_HOST": "127.0.0.1",
        "READINESS_PORT": str(free_port()),
    }
