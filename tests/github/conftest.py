"""The repository port as the pipeline makes it, for the port's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.github.api import RepoAPI
from bot.github.auth import AppAuth
from bot.github.client import GitHubClient
from tests.conftest import APP_ID, INSTALLATION, REPO
from tests.fake_github import FakeGitHub, make_app_key


@pytest.fixture
async def api(github: FakeGitHub) -> AsyncIterator[RepoAPI]:
    """The repository port with an installation token, as the pipeline makes it."""
    async for made in port(github):
        yield made


async def port(github: FakeGitHub) -> AsyncIterator[RepoAPI]:
    """The repository port with a token minted now (it covers the installation's repositories
    as they are now)."""
    private, _ = make_app_key()
    async with aiohttp.ClientSession() as session:
        client = GitHubClient(session, base_url=github.url)
        token = await AppAuth(APP_ID, private, client).installation_token(INSTALLATION)
        yield RepoAPI(client.for_token(token, INSTALLATION), REPO)
