"""The GitHub port reads contents and file lists at a PR's base and head through the API."""

from __future__ import annotations

import aiohttp

from bot.github.api import GitHubContents, RepoAPI
from bot.github.auth import AppAuth
from bot.github.client import GitHubClient
from tests.conftest import APP_ID, INSTALLATION, REPO
from tests.fake_github import FakeGitHub, make_app_key


async def test_contents_and_trees_at_base_and_head(github: FakeGitHub) -> None:
    github.add_pull(
        repo=REPO,
        number=3,
        head_sha="b" * 40,
        base_sha="a" * 40,
        diff=b"",
        files_at_base={"shop/models.py": b"X = 1\n"},
        files_at_head={"shop/models.py": b"X = 2\n", "shop/café menu.txt": b"\xe9t\xe9\n"},
    )
    private, _ = make_app_key()
    async with aiohttp.ClientSession() as session:
        client = GitHubClient(session, base_url=github.url)
        token = await AppAuth(APP_ID, private, client).installation_token(INSTALLATION)
        api = RepoAPI(client.for_token(token, INSTALLATION), REPO)
        contents = GitHubContents(api, "a" * 40, "b" * 40)
        assert await contents.read("shop/models.py", "base") == "X = 1\n"
        assert await contents.read("shop/café menu.txt") == "\ufffdt\ufffd\n"
        assert await contents.read("shop/missing.py") is None
        assert await contents.files() == {"shop/models.py", "shop/café menu.txt"}
        assert await contents.files("base") == {"shop/models.py"}
        await contents.files()
    assert len(github.calls("GET", f"/repos/{REPO}/git/trees/*")) == 2  # cached per side


async def test_concurrent_reads_of_one_file_share_one_request(github: FakeGitHub) -> None:
    """The snapshot reads many files at once; the same file asked twice is fetched once."""
    github.add_pull(
        repo=REPO,
        number=4,
        head_sha="d" * 40,
        base_sha="c" * 40,
        diff=b"",
        files_at_base={"app.py": b"A = 1\n"},
        files_at_head={"app.py": b"A = 2\n"},
    )
    private, _ = make_app_key()
    async with aiohttp.ClientSession() as session:
        client = GitHubClient(session, base_url=github.url)
        token = await AppAuth(APP_ID, private, client).installation_token(INSTALLATION)
        api = RepoAPI(client.for_token(token, INSTALLATION), REPO)
        contents = GitHubContents(api, "c" * 40, "d" * 40)
        wanted = [("app.py", "head"), ("app.py", "base"), ("app.py", "head"), ("gone.py", "head")]
        texts = await contents.read_many(wanted)
        again = await contents.read("app.py", "head")
    assert texts == {
        ("app.py", "head"): "A = 2\n",
        ("app.py", "base"): "A = 1\n",
        ("gone.py", "head"): None,
    }
    assert again == "A = 2\n"
    reads = github.calls("GET", f"/repos/{REPO}/contents/app.py")
    assert sorted(call.query["ref"] for call in reads) == ["c" * 40, "d" * 40]
