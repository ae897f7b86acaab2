"""The `/readiness` commands end to end: a signed comment webhook in, replies, reactions, check
runs and reviews out through the GitHub double (which checks every request against GitHub's
OpenAPI description)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.rules.registry import RULES
from tests.conftest import INSTALLATION, REPO, BotFactory, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.fake_github.server import Call
from tests.gitrepo import make_repo
from tests.payloads import payload
from tests.test_commands_once import reactions_sent, store_settings  # noqa: F401 - a fixture
from tests.test_review_loop import BASE, CONFIG_HEAD, HEAD, _comment

IGNORE = "/readiness ignore secrets/stripe-key shop/config.py -- a revoked test key"
COMMANDS = ("recheck", "ignore", "explain", "config", "help")


def replies(github: FakeGitHub) -> list[str]:
    return [c["body"] for c in github.issue_comments(REPO, 7)]


def permission_lookups(github: FakeGitHub, user: str) -> int:
    return len(github.calls("GET", f"/repos/{REPO}/collaborators/{user}/permission"))


async def ask(bot: TestClient[Any, Any], user: str, body: str, delivery: str | None = None) -> None:
    assert (await deliver(bot, "issue_comment", _comment(user, body), delivery)).status == 202
    await settle(bot)


async def test_help_lists_every_command_to_anyone(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    await ask(bot, "visitor", "/readiness help")
    (reply,) = replies(github)
    assert all(f"`/readiness {name}" in reply for name in COMMANDS)
    assert "`secrets/stripe-key`" in reply  # the rule table
    assert reactions_sent(github) == ["eyes", "+1"]
    assert permission_lookups(github, "visitor") == 0 and github.check_runs == []


async def test_an_unknown_command_gets_the_help(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    await ask(bot, "visitor", "/readiness frobnicate now")
    (reply,) = replies(github)
    assert "I don't know `/readiness frobnicate`" in reply
    assert all(f"`/readiness {name}" in reply for name in COMMANDS)
    assert reactions_sent(github) == ["eyes", "confused"]


@pytest.mark.parametrize("rule_id", ["secrets/stripe-key", "tests/skipped-test"])
async def test_explain_answers_from_the_rule_registry(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path, rule_id: str
) -> None:
    """What it catches and how to fix it are the registry's own text; the severity says why it
    matters; the ways to silence it name the rule."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    rule = RULES[rule_id]
    await ask(bot, "visitor", f"/readiness explain {rule_id}")
    (reply,) = replies(github)
    assert f"`{rule_id}` ({rule.severity.value})" in reply
    assert rule.description.rstrip(".") in reply and rule.fix in reply
    assert ("fails the check" in reply) == (rule.severity.value == "error")
    assert f"/readiness ignore {rule_id}" in reply and f"disable: [{rule_id}]" in reply
    assert reactions_sent(github) == ["eyes", "+1"]
    assert permission_lookups(github, "visitor") == 0


async def test_explain_of_a_misspelt_rule_suggests_the_closest(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    await ask(bot, "visitor", "/readiness explain secrets/stripe-kye")
    (reply,) = replies(github)
    assert "no rule `secrets/stripe-kye`" in reply and "did you mean `secrets/stripe-key`" in reply
    assert reactions_sent(github) == ["eyes", "confused"]


@pytest.mark.parametrize(
    ("config", "source", "shown"),
    [
        (None, ":** the built-in defaults (the base branch at", "disable: []"),
        ("disable: [cliff]\n", "`.github/readiness.yml`, then the built-in defaults", "- cliff"),
        ("disable: [clif]\n", "`.github/readiness.yml`, then the built-in", "did you mean `cliff`"),
        ("allow: [", ":** the built-in defaults (the base branch at", "not valid YAML"),
    ],
)
async def test_config_shows_the_effective_config_and_the_file_it_came_from(
    bot: TestClient[Any, Any],
    github: FakeGitHub,
    tmp_path: Path,
    config: str | None,
    source: str,
    shown: str,
) -> None:
    base = {**BASE, ".github/readiness.yml": config} if config else BASE
    open_pull(github, tmp_path / "repo", base, {**HEAD, ".github/readiness.yml": config})
    await ask(bot, "visitor", "/readiness config")
    (reply,) = replies(github)
    assert source in reply and shown in reply
    assert "ignore: []  # built-in default" in reply  # every default is filled in, and said so
    if config == "disable: [cliff]\n":
        assert "disable:  # .github/readiness.yml\n- cliff" in reply
    assert reactions_sent(github) == ["eyes", "+1"]
    assert permission_lookups(github, "visitor") == 0


async def test_ignore_by_a_writer_sets_findings_aside_for_this_pull_request(
    start_bot: BotFactory,
    github: FakeGitHub,
    tmp_path: Path,
    store_settings: dict[str, Any],  # noqa: F811 - the fixture
) -> None:
    """The stripe key is ignored on shop/config.py: the re-review fails no more, says who ignored
    it and why, and posts no comment on it; a redelivered command is not answered twice; the
    next push's review still reads the ignore back from the conversation."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    bot = await start_bot(**store_settings)
    await ask(bot, "mona", IGNORE, "delivery-1")
    await ask(bot, "mona", IGNORE, "delivery-2")  # GitHub delivers it again

    (reply,) = replies(github)
    assert "@mona set `secrets/stripe-key` on `shop/config.py` aside" in reply
    assert "<!-- readiness:ignore " in reply
    (run,) = github.check_runs
    assert run["conclusion"] == "neutral"  # the skipped test's warning stays
    summary = run["output"]["summary"]
    assert "`secrets/stripe-key` on `shop/config.py`, by @mona: a revoked test key" in summary
    assert "(1 finding not reported)" in summary
    assert [a["title"] for a in run["output"]["annotations"]] == ["tests/skipped-test"]
    assert [c["path"] for c in github.review_comments(REPO, 7)] == ["tests/test_checkout.py"]
    assert reactions_sent(github) == ["eyes", "+1"]

    moved = CONFIG_HEAD.replace("import os\n", "import os\nimport logging\n")
    pushed = make_repo(tmp_path / "repo2", BASE, {**HEAD, "shop/config.py": moved})
    github.update_pull(
        REPO, 7, head_sha=pushed.head, diff=pushed.diff, files_at_head=pushed.files(pushed.head)
    )
    data["action"] = "synchronize"
    data["pull_request"]["head"]["sha"] = pushed.head
    assert (await deliver(bot, "pull_request", data)).status == 202
    await settle(bot)
    latest = github.check_runs[-1]
    assert latest["head_sha"] == pushed.head and latest["conclusion"] == "neutral"
    assert "by @mona: a revoked test key" in latest["output"]["summary"]


async def test_an_ignore_applies_only_where_it_says(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """An ignore on another path hides nothing: the key still fails the check."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    await ask(bot, "mona", "/readiness ignore secrets/stripe-key docs/")
    (run,) = github.check_runs
    assert run["conclusion"] == "failure"
    assert "`secrets/stripe-key` on `docs/`, by @mona (no reason given)" in run["output"]["summary"]
    assert "(0 findings not reported)" in run["output"]["summary"]


async def test_ignore_by_a_reader_is_refused(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "visitor", "read")
    await ask(bot, "visitor", IGNORE)
    (reply,) = replies(github)
    assert "@visitor" in reply and "write access" in reply and "readiness:ignore" not in reply
    assert github.check_runs == []
    assert reactions_sent(github) == ["eyes"]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("/readiness ignore", "say which rule"),
        ("/readiness ignore secrets/stripe-kye", "did you mean `secrets/stripe-key`"),
        ("/readiness ignore secrets/jwt a b -- why", "at most one path"),
    ],
)
async def test_an_ignore_the_bot_cannot_act_on_says_why_and_changes_nothing(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path, body: str, said: str
) -> None:
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    await ask(bot, "mona", body)
    (reply,) = replies(github)
    assert said in reply and "readiness:ignore" not in reply
    assert github.check_runs == []
    assert reactions_sent(github) == ["eyes", "confused"]


async def test_an_ignore_marker_written_by_anyone_but_the_app_is_not_trusted(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """A person (or another app) who copies the app's marker line ignores nothing."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    marker = (
        '<!-- readiness:ignore {"by": "mona", "comment": 1, "path": null, '
        '"reason": "trust me", "rule": "secrets/stripe-key"} -->'
    )
    github.add_issue_comment(REPO, 7, f"nothing to see\n{marker}", user="visitor")
    github.add_issue_comment(REPO, 7, marker, user="other-app[bot]")
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = github.check_runs
    assert run["conclusion"] == "failure"
    assert "Ignored on this pull request" not in run["output"]["summary"]


async def test_an_ignore_whose_review_failed_is_recorded_once(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """GitHub fails the re-review after the ignore was recorded, long enough for the job to be
    retried: the retry reviews without posting the ignore's reply again."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    github.fail("POST", f"/repos/{REPO}/check-runs", 502, times=4)  # every attempt of the client
    assert (await deliver(bot, "issue_comment", _comment("mona", IGNORE))).status == 202
    assert await settle(bot, timeout=90) == {"done": 1}
    (reply,) = replies(github)
    assert "readiness:ignore" in reply
    (run,) = github.check_runs
    assert "by @mona: a revoked test key" in run["output"]["summary"]
    assert github.reactions == [(555, "eyes"), (555, "+1")]  # 👀 sent again is the same one


async def test_an_ignore_counts_at_once_even_when_the_conversation_lags(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The review right after the reply may read a conversation that does not show it yet: the
    ignore it was asked for applies all the same."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")

    async def lag_after_the_reply(call: Call) -> None:
        github.lagging_comment_lists = 1

    github.before("POST", f"/repos/{REPO}/issues/7/comments", lag_after_the_reply)
    await ask(bot, "mona", IGNORE)
    assert github.lagging_comment_lists == 0  # the review's listing left the reply out
    (run,) = github.check_runs
    assert run["conclusion"] == "neutral"
    assert "by @mona: a revoked test key (1 finding not reported)" in run["output"]["summary"]


async def test_an_edited_comment_is_not_a_command(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Editing a comment into `/readiness recheck` runs nothing (GitHub's `edited` payload)."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    data = payload("issue_comment/edited.on-issue")
    data["issue"]["number"] = 7
    data["issue"]["pull_request"] = {"url": f"{github.url}/repos/{REPO}/pulls/7"}
    data["comment"].update(id=555, body="/readiness recheck")
    data["comment"]["user"].update(login="mona", type="User")
    data["repository"]["full_name"] = REPO
    data["installation"] = {"id": INSTALLATION}
    response = await deliver(bot, "issue_comment", data)
    assert response.status == 202 and (await response.json())["jobs"] == 0
    await settle(bot)
    assert github.check_runs == [] and reactions_sent(github) == []
