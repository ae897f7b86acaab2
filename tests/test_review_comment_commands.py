"""`/readiness` commands written as review comments (on a line of the diff), end to end: GitHub's
`pull_request_review_comment` webhook in; reactions (GraphQL `addReaction`) and replies in the
comment's review thread out, through the GitHub double."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import INSTALLATION, REPO, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.payloads import payload
from tests.test_review_loop import BASE, HEAD

EVENT = "pull_request_review_comment"
PATH, LINE = "shop/config.py", 6  # a changed line of HEAD


def review_comment(
    github: FakeGitHub, user: str, body: str, in_reply_to: int | None = None
) -> dict[str, Any]:
    """Have `user` write a review comment on PR 7 (a reply in a thread when `in_reply_to` is
    given); return its `created` delivery, GitHub's published example carrying that comment."""
    made = github.add_review_comment(REPO, 7, PATH, LINE, body, user, in_reply_to=in_reply_to)
    data = payload(f"{EVENT}/created")
    data["comment"].update(
        {key: made[key] for key in ("id", "node_id", "path", "commit_id", "line", "body")}
    )
    if in_reply_to is not None:
        data["comment"]["in_reply_to_id"] = in_reply_to
    data["comment"]["user"].update(login=user, type="User")
    data["pull_request"]["number"] = 7
    data["repository"]["full_name"] = REPO
    data["installation"] = {"id": INSTALLATION}
    return data


async def ask(bot: TestClient[Any, Any], data: dict[str, Any], delivery: str | None = None) -> int:
    """Deliver a review comment and wait for its jobs; return how many were queued."""
    response = await deliver(bot, EVENT, data, delivery)
    assert response.status == 202
    await settle(bot)
    jobs: int = (await response.json())["jobs"]
    return jobs


def thread_replies(github: FakeGitHub, top: int) -> list[str]:
    """The bodies of the app's replies in the thread that starts with comment `top`."""
    return [
        c["body"]
        for c in github.review_comments(REPO, 7)
        if c.get("in_reply_to_id") == top and c["user"]["login"] == github.bot_login
    ]


async def test_recheck_in_a_review_comment_reviews_again(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """A writer's recheck on a line re-reviews the head: a check run, 👀 then 👍 on that very
    comment (GraphQL), nothing said in the conversation or the thread."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    data = review_comment(github, "mona", "/readiness recheck")
    await ask(bot, data)

    (run,) = github.check_runs
    assert run["conclusion"] == "failure"  # HEAD adds a live Stripe key
    node = data["comment"]["node_id"]
    assert github.node_reactions == [(node, "EYES"), (node, "THUMBS_UP")]
    assert github.issue_comments(REPO, 7) == [] and github.reactions == []
    assert thread_replies(github, data["comment"]["id"]) == []


async def test_help_is_answered_in_the_review_thread(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Asked in a reply, the help goes in the same thread, under its first comment (GitHub has
    no replies to replies); the asker's comment gets the reactions."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    top = github.add_review_comment(REPO, 7, PATH, LINE, "Is this key real?", "ada")
    data = review_comment(github, "visitor", "/readiness help", in_reply_to=top["id"])
    await ask(bot, data)

    (reply,) = thread_replies(github, top["id"])
    assert "`/readiness recheck" in reply and "`secrets/stripe-key`" in reply
    node = data["comment"]["node_id"]
    assert github.node_reactions == [(node, "EYES"), (node, "THUMBS_UP")]
    assert github.issue_comments(REPO, 7) == [] and github.check_runs == []
    (answer,) = [c for c in github.review_comments(REPO, 7) if c["body"] == reply]
    assert (answer["path"], answer["line"]) == (PATH, LINE)


async def test_an_edited_review_comment_is_not_a_command(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Editing a review comment into `/readiness recheck` runs nothing (GitHub's `edited`)."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    made = github.add_review_comment(REPO, 7, PATH, LINE, "/readiness recheck", "mona")
    data = payload(f"{EVENT}/edited")
    data["comment"].update(id=made["id"], node_id=made["node_id"], body=made["body"])
    data["comment"]["user"].update(login="mona", type="User")
    data["pull_request"]["number"] = 7
    data["repository"]["full_name"] = REPO
    data["installation"] = {"id": INSTALLATION}

    assert await ask(bot, data) == 0
    assert github.check_runs == [] and github.node_reactions == []
    assert github.calls("POST", "/graphql") == []


async def test_the_app_s_own_review_comment_is_not_a_command(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The app's replies arrive as review comments too: none is taken as a command, so the app
    never answers itself (its help quotes every command)."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    data = review_comment(github, github.bot_login, "/readiness recheck")
    data["comment"]["user"].update(type="Bot")

    assert await ask(bot, data) == 0
    assert github.check_runs == [] and github.node_reactions == []
    assert thread_replies(github, data["comment"]["id"]) == []


async def test_ignore_by_a_reader_is_refused_politely_in_the_thread(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Someone without write access asks to ignore: thanked and told who can, in the thread;
    nothing is recorded or reviewed, and the 👀 stays the only reaction."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "visitor", "read")
    data = review_comment(github, "visitor", "/readiness ignore secrets/stripe-key -- a test key")
    await ask(bot, data)

    (reply,) = thread_replies(github, data["comment"]["id"])
    assert reply.startswith("Thanks @visitor!") and "write access" in reply
    assert "readiness:ignore" not in reply
    assert github.issue_comments(REPO, 7) == [] and github.check_runs == []
    assert github.node_reactions == [(data["comment"]["node_id"], "EYES")]


async def test_ignore_by_a_writer_is_recorded_in_the_conversation(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The ignore's record goes where every later review reads ignores back from: the
    conversation. The review that follows leaves the key out; the comment gets 👀 and 👍."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    data = review_comment(github, "mona", "/readiness ignore secrets/stripe-key shop/config.py")
    await ask(bot, data)

    (record,) = [c["body"] for c in github.issue_comments(REPO, 7)]
    assert "@mona set `secrets/stripe-key` on `shop/config.py` aside" in record
    assert "<!-- readiness:ignore " in record
    (run,) = github.check_runs
    assert run["conclusion"] == "neutral"  # the skipped test's warning stays
    assert "(1 finding not reported)" in run["output"]["summary"]
    node = data["comment"]["node_id"]
    assert github.node_reactions == [(node, "EYES"), (node, "THUMBS_UP")]
