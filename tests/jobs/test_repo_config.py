"""The effective config of a repository, read through GitHub as `/readiness config` reads it."""

from __future__ import annotations

import aiohttp

from bot.github.api import RepoAPI
from bot.github.auth import AppAuth
from bot.github.client import GitHubClient, graphql_url
from bot.jobs.repo_config import effective
from tests.conftest import APP_ID, INSTALLATION, REPO
from tests.fake_github import FakeGitHub, make_app_key


async def test_effective_config_and_where_each_value_came_from(github: FakeGitHub) -> None:
    github.commit(REPO, "a" * 40, {".github/readiness.yml": b"max_comments: 5\nignore: [a/]\n"})
    github.commit("acme/.github", "b" * 40, {"readiness.yml": b"ignore: [b/]\nfail_on: never\n"})
    github.add_installation(INSTALLATION, ["acme/.github"])
    private, _ = make_app_key()
    async with aiohttp.ClientSession() as session:
        client = GitHubClient(session, base_url=github.url)
        token = await AppAuth(APP_ID, private, client).installation_token(INSTALLATION)
        resolved = await effective(RepoAPI(client.for_token(token, INSTALLATION), REPO), "main")
    assert resolved.problems == ()
    assert resolved.files == (".github/readiness.yml", "acme/.github/readiness.yml")
    assert resolved.config.ignore == ("b/", "a/")
    assert (resolved.config.max_comments, resolved.config.fail_on) == (5, "never")
    assert resolved.origin("max_comments") == "`.github/readiness.yml`"
    assert resolved.origin("fail_on") == "`acme/.github/readiness.yml`"
    assert resolved.origin("comments") == "built-in default"
    assert len(github.calls("POST", "/graphql")) == 1


def test_the_graphql_endpoint_of_github_com_and_of_an_enterprise_server() -> None:
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql"
