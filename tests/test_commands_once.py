"""A `/readiness` comment is answered once: delivered again under new delivery ids, across a
restart, on either store, or retried after its last reaction failed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from tests.conftest import REPO, BotFactory, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.fake_github.server import Call
from tests.redis_server import redis_prefix, redis_url
from tests.test_review_comment_commands import review_comment, thread_replies
from tests.test_review_loop import BASE, HEAD, _comment

COMMENT = 555  # the id _comment gives the comment
REACTIONS = f"/repos/{REPO}/issues/comments/{COMMENT}/reactions"


@pytest.fixture(params=["sqlite", "redis"])
async def store_settings(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """Settings that put the bot's job store in SQLite or in the test Redis."""
    if request.param == "sqlite":
        yield {}
        return
    async with redis_prefix() as prefix:
        yield {"redis_url": SecretStr(redis_url()), "redis_prefix": prefix}


def reactions_sent(github: FakeGitHub) -> list[str]:
    return [call.json["content"] for call in github.calls("POST", REACTIONS) if call.json]


async def test_a_recheck_delivered_again_under_new_ids_runs_once(
    start_bot: BotFactory, github: FakeGitHub, tmp_path: Path, store_settings: dict[str, Any]
) -> None:
    """GitHub's redeliver or the sweep can bring the comment back with a new delivery id, even
    after a restart: the review runs once and the comment gets 👀 and 👍 once."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    recheck = _comment("mona", "/readiness recheck")
    bot = await start_bot(**store_settings)
    for delivery in ("delivery-1", "delivery-2"):
        assert (await deliver(bot, "issue_comment", recheck, delivery)).status == 202
        await settle(bot)
    await bot.close()

    restarted = await start_bot(**store_settings)
    assert (await deliver(restarted, "issue_comment", recheck, "delivery-3")).status == 202
    await settle(restarted)

    assert len(github.check_runs) == 1
    assert reactions_sent(github) == ["eyes", "+1"]


@pytest.mark.parametrize(
    ("body", "answered"),
    [("/readiness recheck", "one review"), ("/readiness help", "one reply")],
)
async def test_a_command_whose_last_reaction_fails_is_not_answered_again(
    start_bot: BotFactory, github: FakeGitHub, tmp_path: Path, body: str, answered: str
) -> None:
    """GitHub fails the 👍 after the answer was posted, long enough for the job to be retried:
    the retry only reacts. The review (or the help reply) is not posted a second time."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    failed = False

    async def fail_the_thumbs_up(call: Call) -> None:
        nonlocal failed
        if call.json == {"content": "+1"} and not failed:
            failed = True
            github.fail("POST", REACTIONS, 502, times=4)  # every attempt of the client

    github.before("POST", REACTIONS, fail_the_thumbs_up)
    bot = await start_bot()
    assert (await deliver(bot, "issue_comment", _comment("mona", body))).status == 202
    assert await settle(bot, timeout=90) == {"done": 1}

    assert failed
    if answered == "one review":
        (run,) = github.check_runs
        assert run["conclusion"] == "failure"
        assert len(github.reviews_of(REPO, 7)) == 1
        assert len(github.calls("POST", f"/repos/{REPO}/check-runs")) == 1
    else:
        (reply,) = github.issue_comments(REPO, 7)
        assert "/readiness recheck" in reply["body"]
    assert reactions_sent(github) == ["eyes", *["+1"] * 5]  # 4 refused, then the one retried


async def test_a_review_comment_delivered_again_under_new_ids_runs_once(
    start_bot: BotFactory, github: FakeGitHub, tmp_path: Path, store_settings: dict[str, Any]
) -> None:
    """A recheck written on a line of the diff, brought back under new delivery ids and after a
    restart, reviews once and gets 👀 and 👍 once. A conversation comment that happens to share
    its id (GitHub numbers the two kinds apart) is a command of its own, answered too."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    recheck = review_comment(github, "mona", "/readiness recheck")
    bot = await start_bot(**store_settings)
    for delivery in ("delivery-1", "delivery-2"):
        assert (await deliver(bot, "pull_request_review_comment", recheck, delivery)).status == 202
        await settle(bot)
    await bot.close()

    restarted = await start_bot(**store_settings)
    assert (await deliver(restarted, "pull_request_review_comment", recheck, "d-3")).status == 202
    await settle(restarted)
    assert len(github.check_runs) == 1
    node = recheck["comment"]["node_id"]
    assert github.node_reactions == [(node, "EYES"), (node, "THUMBS_UP")]

    same_id = _comment("mona", "/readiness recheck")
    same_id["comment"]["id"] = recheck["comment"]["id"]
    assert (await deliver(restarted, "issue_comment", same_id, "delivery-4")).status == 202
    await settle(restarted)
    assert len(github.check_runs) == 2
    assert github.reactions == [
        (recheck["comment"]["id"], "eyes"),
        (recheck["comment"]["id"], "+1"),
    ]


async def test_a_thread_answer_whose_last_reaction_fails_is_not_posted_again(
    start_bot: BotFactory, github: FakeGitHub, tmp_path: Path
) -> None:
    """GitHub fails the 👍 (GraphQL) after the help was posted in the thread, long enough for
    the job to be retried: the retry only reacts, the thread gets one answer."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    failed = False

    async def fail_the_thumbs_up(call: Call) -> None:
        nonlocal failed
        if "THUMBS_UP" in str(call.json) and not failed:
            failed = True
            github.fail("POST", "/graphql", 502, times=4)  # every attempt of the client

    github.before("POST", "/graphql", fail_the_thumbs_up)
    bot = await start_bot()
    help_ = review_comment(github, "visitor", "/readiness help")
    assert (await deliver(bot, "pull_request_review_comment", help_)).status == 202
    assert await settle(bot, timeout=90) == {"done": 1}

    assert failed
    (reply,) = thread_replies(github, help_["comment"]["id"])
    assert "/readiness recheck" in reply
    node = help_["comment"]["node_id"]
    assert github.node_reactions == [(node, "EYES"), (node, "THUMBS_UP")]
    assert len(github.calls("POST", f"/repos/{REPO}/pulls/7/comments")) == 1
