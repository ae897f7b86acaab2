"""Review comments end to end: one comment per line, never twice, threads of fixed findings
resolved, and a long conversation read page by page, through the GitHub double (which checks
every GraphQL query and mutation against GitHub's schema)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.github import client
from bot.jobs import worker
from bot.rules.registry import RULES
from tests.conftest import REPO, BotFactory, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.gitrepo import make_repo
from tests.test_commands import IGNORE, ask
from tests.test_review_loop import BASE, CONFIG_BASE, HEAD, LIVE_KEY, runs_for

CLIENT_BASE = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=5)\n"
CLIENT_HEAD = CLIENT_BASE.replace(
    "timeout=5)", f'timeout=5, verify=False, auth=("api", "{LIVE_KEY}"))'
)
ONE_LINE = ("secrets/stripe-key", "cliff/tls-verify-disabled")  # both flag line 5 of CLIENT_HEAD
MARKER = re.compile(r"<!-- readiness:fingerprint=([0-9a-f-]+) -->")
RESOLVE = "/graphql#resolveReviewThread"


def comments_on(github: FakeGitHub, path: str) -> list[dict[str, Any]]:
    return [c for c in github.review_comments(REPO, 7) if c["path"] == path]


async def test_several_rules_on_one_line_make_one_comment(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """A live key and `verify=False` on one line: one comment naming both rules, each with its
    severity, why it matters and its fix from the registry, and each finding's own marker; the
    check run still annotates each finding."""
    head = {**BASE, "shop/client.py": CLIENT_HEAD}
    data = open_pull(github, tmp_path / "repo", {**BASE, "shop/client.py": CLIENT_BASE}, head)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}

    (comment,) = comments_on(github, "shop/client.py")
    assert (comment["line"], comment["side"]) == (5, "RIGHT")
    body = comment["body"]
    assert body.startswith("**2 findings on this line**")
    error, warning = (body.index(f"`{rule}`") for rule in ONE_LINE)
    assert error < warning  # the error first
    assert "🔴 Error: `secrets/stripe-key`" in body and "🟠 Warning: `cliff/tls-verify" in body
    for rule in ONE_LINE:
        assert RULES[rule].why in body and RULES[rule].fix in body
    assert len(set(MARKER.findall(body))) == 2
    assert LIVE_KEY not in body
    (run,) = github.check_runs
    on_line = [a["title"] for a in run["output"]["annotations"] if a["path"] == "shop/client.py"]
    assert sorted(on_line) == sorted(ONE_LINE)


async def test_a_review_retried_after_posting_does_not_comment_again(
    start_bot: BotFactory,
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The review is posted, then completing the run fails until the job is retried: the retry
    finds every finding's marker in the conversation and posts no second review or comment."""
    monkeypatch.setattr(client, "BACKOFF_BASE_S", 0.01)
    monkeypatch.setattr(worker, "MIN_WAIT_S", 0.05)
    bot = await start_bot()
    head = {**HEAD, "shop/client.py": CLIENT_HEAD}
    data = open_pull(github, tmp_path / "repo", {**BASE, "shop/client.py": CLIENT_BASE}, head)
    run_updates = f"/repos/{REPO}/check-runs/*"

    async def fail_the_completion(_: Any) -> None:
        if github.reviews_of(REPO, 7):  # posted: now every attempt to complete the run fails
            github.before("PATCH", run_updates, None)
            github.fail("PATCH", run_updates, 502, times=client.MAX_ATTEMPTS)

    github.before("PATCH", run_updates, fail_the_completion)
    await deliver(bot, "pull_request", data)
    assert await settle(bot, timeout=90) == {"done": 1}

    assert len(github.calls("POST", "/graphql#pullRequest")) == 2  # the first try and the retry
    (run,) = github.check_runs
    assert run["conclusion"] == "failure"
    (review,) = github.reviews_of(REPO, 7)
    comments = github.review_comments(REPO, 7)
    assert len(comments) == len({(c["path"], c["line"], c["side"]) for c in comments}) == 3
    assert all(c["pull_request_review_id"] == review["id"] for c in comments)


async def test_a_push_that_fixes_findings_resolves_their_threads(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The next push removes the key and `verify=False` from shop/client.py and the key from
    shop/config.py; the skipped test stays. The client's thread is resolved by the app and
    counted (2 findings); the config's thread, where a person replied, is left to people; the
    test's thread stays open. A recheck resolves nothing more and keeps the count."""
    base = {**BASE, "shop/client.py": CLIENT_BASE}
    data = open_pull(github, tmp_path / "repo", base, {**HEAD, "shop/client.py": CLIENT_HEAD})
    await deliver(bot, "pull_request", data)
    await settle(bot)
    assert not github.calls("POST", RESOLVE)  # nothing to resolve on a first review
    (config,) = comments_on(github, "shop/config.py")
    github.reply(REPO, 7, config["id"], "Rotating it today.", user="ada")

    fixed = {**HEAD, "shop/client.py": CLIENT_BASE, "shop/config.py": CONFIG_BASE}
    pushed = make_repo(tmp_path / "pushed", base, fixed)
    github.update_pull(
        REPO, 7, head_sha=pushed.head, diff=pushed.diff, files_at_head=pushed.files(pushed.head)
    )
    data["action"] = "synchronize"
    data["pull_request"]["head"]["sha"] = pushed.head
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 2}

    threads = {t["comments"][0]["path"]: t for t in github.threads(REPO, 7)}
    assert threads["shop/client.py"]["resolved_by"] == "readiness[bot]"
    assert threads["shop/config.py"]["resolved_by"] is None  # a person replied: theirs to close
    assert threads["tests/test_checkout.py"]["resolved_by"] is None  # still found
    (mutation,) = github.calls("POST", RESOLVE)
    assert set(mutation.json["variables"].values()) == {threads["shop/client.py"]["id"]}
    (run,) = runs_for(github, pushed.head)
    fixed_line = "2 findings from earlier commits were fixed (threads resolved)."
    assert fixed_line in run["output"]["summary"]
    ours = [r for r in github.reviews_of(REPO, 7) if r["user"]["login"] == "readiness[bot]"]
    assert len(ours) == 1  # nothing new to comment on

    github.set_permission(REPO, "mona", "write")
    await ask(bot, "mona", "/readiness recheck")
    assert len(github.calls("POST", RESOLVE)) == 1  # already resolved: not asked again
    assert fixed_line in runs_for(github, pushed.head)[-1]["output"]["summary"]


async def test_a_conversation_of_more_than_100_comments_is_read_page_by_page(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """250 comments before an ignore: its reply is the 251st, on the third page. The review
    still applies it, and each follow-up query asks only for the comments, the one connection
    with more pages (no thread or review yet)."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    for n in range(250):
        github.add_issue_comment(REPO, 7, f"Looks good ({n})", user="ada")
    await ask(bot, "mona", IGNORE)

    (run,) = github.check_runs
    assert "by @mona: a revoked test key (1 finding not reported)" in run["output"]["summary"]
    assert not any(c["path"] == "shop/config.py" for c in github.review_comments(REPO, 7))
    reads = github.calls("POST", "/graphql#pullRequest")
    assert len(reads) == 6  # the command's read and the review's: three pages each
    for read in reads:
        cursors = {name for name in read.json["variables"] if name.startswith("after_")}
        assert cursors in (set(), {"after_comments"})
        assert ("reviewThreads(" in read.json["query"]) == (not cursors)
