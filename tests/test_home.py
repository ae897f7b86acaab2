"""`GET /`: the page someone sees opening the server's URL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bot.version import VERSION
from tests.conftest import deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.test_review_loop import BASE, HEAD


async def page_with_link(bot: TestClient[Any, Any]) -> tuple[int, str]:
    for _ in range(100):  # the app's identity is read in the background at start
        response = await bot.get("/")
        text = await response.text()
        if "installations/new" in text:
            return response.status, text
        await asyncio.sleep(0.05)
    raise AssertionError(f"no install link on the page: {text}")


async def test_the_home_page_names_the_app_its_version_health_and_install_link(
    bot: TestClient[Any, Any], github: FakeGitHub
) -> None:
    status, text = await page_with_link(bot)
    assert status == 200
    assert f"<h1>{github.app_json()['name']}</h1>" in text
    assert f"Version {VERSION} — ready." in text
    assert f'href="{github.app_json()["html_url"]}/installations/new"' in text
    (call,) = github.calls("GET", "/app")
    assert call.headers["authorization"].lower().startswith("bearer ")  # as the app: its JWT


async def test_the_home_page_works_without_github(start_bot: Any, github: FakeGitHub) -> None:
    github.fail("GET", "/app", 401)
    bot = await start_bot()
    for _ in range(100):
        if github.calls("GET", "/app"):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)
    response = await bot.get("/")
    text = await response.text()
    assert response.status == 200
    assert "The install link is not known" in text and "<h1>Readiness</h1>" in text


async def test_the_app_is_described_once_for_the_page_and_the_reviews(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The page's install link and the reviews' own login (whose comments may record an
    ignore) come from one `GET /app` per process, not one each."""
    await page_with_link(bot)
    await deliver(bot, "pull_request", open_pull(github, tmp_path / "repo", BASE, HEAD))
    assert await settle(bot) == {"done": 1}
    assert len(github.calls("GET", "/app")) == 1
