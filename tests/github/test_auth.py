"""Installation tokens are fetched with a valid app JWT and reused until shortly before expiry."""

from __future__ import annotations

import asyncio

import aiohttp
import jwt

from bot.github.auth import AppAuth
from bot.github.client import GitHubClient
from tests.conftest import APP_ID, INSTALLATION
from tests.fake_github import FakeGitHub, make_app_key


async def test_token_is_fetched_once_and_shared_by_concurrent_jobs(github: FakeGitHub) -> None:
    private, public = make_app_key()
    async with aiohttp.ClientSession() as session:
        auth = AppAuth(APP_ID, private, GitHubClient(session, base_url=github.url))
        tokens = await asyncio.gather(*(auth.installation_token(INSTALLATION) for _ in range(5)))
    assert len(set(tokens)) == 1 and tokens[0].startswith("ghs_")
    (call,) = github.calls("POST", f"/app/installations/{INSTALLATION}/access_tokens")
    claims = jwt.decode(
        call.headers["authorization"].split(" ", 1)[1], public, algorithms=["RS256"]
    )
    assert claims["iss"] == str(APP_ID)
    assert claims["exp"] - claims["iat"] <= 600


async def test_an_expiring_token_is_replaced(github: FakeGitHub) -> None:
    private, _ = make_app_key()
    async with aiohttp.ClientSession() as session:
        auth = AppAuth(APP_ID, private, GitHubClient(session, base_url=github.url))
        github.token_lifetime = 4 * 60  # under the 5-minute refresh margin
        first = await auth.installation_token(INSTALLATION)
        second = await auth.installation_token(INSTALLATION)
    assert first != second
    assert len(github.calls("POST", "/app/installations/*/access_tokens")) == 2
