"""The review loop end to end: signed webhook → durable job → diff → rules → check run + review.

The bot runs for real (aiohttp server, SQLite store, workers, semgrep) and talks HTTP to the
GitHub double, which checks every request against GitHub's OpenAPI description.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import INSTALLATION, REPO, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.gitrepo import make_repo
from tests.payloads import payload

LIVE_KEY = "sk_live_51MzQ8vKpT3xR7wYbN2cD4fG6hJ9kL0mA"

CONFIG_BASE = '''\
"""Settings read from the environment at start-up."""

import os

DATABASE_URL = os.environ["DATABASE_URL"]
STRIPE_API_KEY = os.environ["STRIPE_API_KEY"]
'''
CONFIG_HEAD = f'''\
"""Settings read from the environment at start-up."""

import os

DATABASE_URL = os.environ["DATABASE_URL"]
STRIPE_API_KEY = "{LIVE_KEY}"
'''
TESTS_BASE = """\
import pytest

from shop.checkout import charge


def test_charge_declined_card(stripe_stub):
    stripe_stub.decline_next()
    assert charge("ada", 1999).status == "declined"


def test_charge_succeeds(stripe_stub):
    assert charge("ada", 1999).status == "paid"
"""
TESTS_HEAD = TESTS_BASE.replace(
    "\ndef test_charge_declined_card",
    '\n@pytest.mark.skip(reason="flaky")\ndef test_charge_declined_card',
)
BASE: dict[str, str | bytes | None] = {
    "shop/config.py": CONFIG_BASE,
    "tests/test_checkout.py": TESTS_BASE,
    "static/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\x01",
}
HEAD: dict[str, str | bytes | None] = {
    "shop/config.py": CONFIG_HEAD,
    "tests/test_checkout.py": TESTS_HEAD,
    "static/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\x02",
    "docs/notes.txt": "Caf\xe9 menu, written in latin-1\n".encode("latin-1"),
}


def bodies(github: FakeGitHub) -> list[bytes]:
    return [call.body for call in github.calls()]


def annotated(run: dict[str, Any]) -> set[tuple[str, int]]:
    return {(a["path"], a["start_line"]) for a in run["output"]["annotations"]}


def runs_for(github: FakeGitHub, head: str) -> list[dict[str, Any]]:
    return [run for run in github.check_runs if run["head_sha"] == head]


async def test_opened_pull_request_gets_a_check_run_and_one_review(
    bot: TestClient[Any, Any],
    github: FakeGitHub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    head = data["pull_request"]["head"]["sha"]

    started = time.monotonic()
    response = await deliver(bot, "pull_request", data)
    assert response.status == 202, await response.text()
    assert time.monotonic() - started < 5  # acknowledged long before any review could finish
    assert await response.json() == {"status": "queued", "event": "pull_request", "jobs": 1}
    assert await settle(bot) == {"done": 1}

    (create,) = github.calls("POST", f"/repos/{REPO}/check-runs")
    assert create.json["name"] == "Readiness"
    assert create.json["head_sha"] == head
    assert create.json["status"] == "in_progress"

    (run,) = runs_for(github, head)
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    annotations = {(a["path"], a["start_line"]): a for a in run["output"]["annotations"]}
    key = annotations[("shop/config.py", 6)]
    assert key["annotation_level"] == "failure" and key["title"].startswith("secrets/")
    skip = annotations[("tests/test_checkout.py", 6)]
    assert skip["annotation_level"] == "warning" and skip["title"].startswith("tests/")
    summary = run["output"]["summary"]
    assert "`static/logo.png`" in summary and "binary" in summary

    (review,) = github.reviews
    assert review["commit_id"] == head and review["state"] == "COMMENTED"
    (posted,) = github.calls("POST", f"/repos/{REPO}/pulls/7/reviews")
    assert posted.json["event"] == "COMMENT"
    comments = github.review_comments(REPO, 7)
    placed = {(c["path"], c["line"], c["side"]) for c in comments}
    assert ("shop/config.py", 6, "RIGHT") in placed
    assert ("tests/test_checkout.py", 6, "RIGHT") in placed
    assert all("<!-- readiness:fingerprint=" in c["body"] for c in comments)

    assert not any(LIVE_KEY.encode() in body for body in bodies(github))
    assert caplog.records and LIVE_KEY not in caplog.text


async def test_a_new_push_gets_a_new_run_and_no_repeated_comments(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The secret moves two lines down on the next push: it is the same finding, not a new one."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    first_comments = len(github.review_comments(REPO, 7))

    pushed_config = CONFIG_HEAD.replace("import os\n", "import os\nimport logging\n\n")
    pushed_tests = TESTS_HEAD.replace(
        "\ndef test_charge_succeeds",
        "\n@pytest.mark.skip(reason='later')\ndef test_charge_succeeds",
    )
    again = make_repo(
        tmp_path / "repo2",
        BASE,
        {**HEAD, "shop/config.py": pushed_config, "tests/test_checkout.py": pushed_tests},
    )
    github.update_pull(
        REPO, 7, head_sha=again.head, diff=again.diff, files_at_head=again.files(again.head)
    )
    data["action"] = "synchronize"
    data["pull_request"]["head"]["sha"] = again.head
    assert (await deliver(bot, "pull_request", data)).status == 202
    await settle(bot)

    (run,) = runs_for(github, again.head)
    assert run["conclusion"] == "failure"
    assert ("shop/config.py", 8) in annotated(run)
    assert len(github.reviews) == 2
    new = github.review_comments(REPO, 7)[first_comments:]
    assert [(c["path"], c["line"]) for c in new] == [("tests/test_checkout.py", 12)]


async def test_duplicate_delivery_is_processed_once(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    first = await deliver(bot, "pull_request", data, delivery="same-delivery-id")
    second = await deliver(bot, "pull_request", data, delivery="same-delivery-id")
    assert (first.status, second.status) == (202, 200)
    assert (await second.json())["status"] == "duplicate"
    assert await settle(bot) == {"done": 1}
    assert len(github.check_runs) == 1


async def test_recheck_by_a_writer_reruns_the_review_with_reactions(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "mona", "write")
    comment = _comment("mona", "/readiness recheck")
    assert (await deliver(bot, "issue_comment", comment)).status == 202
    await settle(bot)
    assert [c for c in github.reactions if c[0] == 555] == [(555, "eyes"), (555, "+1")]
    assert len(github.check_runs) == 1 and github.check_runs[0]["status"] == "completed"


async def test_recheck_by_a_reader_gets_a_polite_reply_and_no_review(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.set_permission(REPO, "visitor", "read")
    assert (
        await deliver(bot, "issue_comment", _comment("visitor", "/readiness recheck"))
    ).status == 202
    await settle(bot)
    assert github.check_runs == []
    (reply,) = github.issue_comments(REPO, 7)
    assert "@visitor" in reply["body"] and "write access" in reply["body"]
    assert (555, "eyes") in github.reactions


def custom_writer(github: FakeGitHub) -> None:
    github.add_custom_role("acme", "security-engineer", base="write")
    github.set_permission(REPO, "mona", "security-engineer")


def org_owner(github: FakeGitHub) -> None:
    github.add_org_owner("acme", "mona")


def team_writer(github: FakeGitHub) -> None:
    github.add_team(REPO, "backend", "write", members=["mona"])


def custom_triager(github: FakeGitHub) -> None:
    github.add_custom_role("acme", "release-triager", base="triage")
    github.set_permission(REPO, "mona", "release-triager")


def team_reader(github: FakeGitHub) -> None:
    github.add_team(REPO, "everyone", "read", members=["mona"])


@pytest.mark.parametrize(
    ("grant", "allowed"),
    [
        (custom_writer, True),
        (org_owner, True),
        (team_writer, True),
        (custom_triager, False),
        (team_reader, False),
    ],
)
async def test_recheck_is_decided_by_the_base_permission_github_reports(
    bot: TestClient[Any, Any],
    github: FakeGitHub,
    tmp_path: Path,
    grant: Callable[[FakeGitHub], None],
    allowed: bool,
) -> None:
    """Write access however granted (a custom role based on write, owning the organization, a
    team) may recheck; a custom role's name is not a permission, and read or triage may not."""
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    grant(github)
    recheck = _comment("mona", "/readiness recheck")
    assert (await deliver(bot, "issue_comment", recheck)).status == 202
    await settle(bot)
    assert len(github.check_runs) == (1 if allowed else 0)
    replies = [c["body"] for c in github.issue_comments(REPO, 7)]
    assert (replies == []) == allowed
    assert [r for r in github.reactions if r[0] == 555][-1] == (555, "+1" if allowed else "eyes")


async def test_help_lists_the_commands(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    open_pull(github, tmp_path / "repo", BASE, HEAD)
    await deliver(bot, "issue_comment", _comment("visitor", "/readiness help"))
    await settle(bot)
    (reply,) = github.issue_comments(REPO, 7)
    assert "/readiness recheck" in reply["body"] and "`secrets/" in reply["body"]
    assert github.check_runs == []


async def test_rerun_button_reviews_again(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """check_run.rerequested from a fork lists no PR: the bot finds it by its head commit."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    event = payload("check_run/rerequested")
    event["check_run"].update(name="Readiness", head_sha=data["pull_request"]["head"]["sha"])
    event["check_run"]["app"]["id"] = 4242
    event["check_run"]["pull_requests"] = []
    event["repository"]["full_name"] = REPO
    event["installation"] = {"id": INSTALLATION}
    assert (await deliver(bot, "check_run", event)).status == 202
    await settle(bot)
    (run,) = github.check_runs
    assert run["conclusion"] == "failure"


async def test_too_large_diff_falls_back_to_the_files_list(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    data = open_pull(github, tmp_path / "repo", BASE, HEAD, too_large=True)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    assert github.calls("GET", f"/repos/{REPO}/pulls/7/files")
    (run,) = github.check_runs
    assert ("shop/config.py", 6) in annotated(run)


async def test_a_pull_request_of_more_than_300_files_reads_its_files_list_at_once(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """GitHub refuses the diff of more than 300 files, and a compare listing its cap of 300
    says there are that many: the files list is read without the request sure to fail, and
    the 320 files' sides ride in the review's GraphQL request (small files, one batch)."""
    head = {**BASE, **{f"shop/m{n}.py": f"N = {n}\n" for n in range(320)}}
    data = open_pull(github, tmp_path / "repo", BASE, head)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    diffs = [
        call
        for call in github.calls("GET", f"/repos/{REPO}/pulls/7")
        if "diff" in call.headers.get("Accept", "")
    ]
    assert diffs == []
    assert len(github.calls("GET", f"/repos/{REPO}/pulls/7/files")) == 4  # 100 a page
    assert len(github.calls("POST", "/graphql")) == 1
    (run,) = github.check_runs
    assert run["status"] == "completed"


def _comment(user: str, body: str) -> dict[str, Any]:
    data = payload("issue_comment/created")
    data["issue"]["number"] = 7
    data["comment"].update(id=555, body=body)
    data["comment"]["user"].update(login=user, type="User")
    data["repository"]["full_name"] = REPO
    data["installation"] = {"id": INSTALLATION}
    return data


def cursors_of(call: Any) -> set[str]:
    """The page cursors a conversation read asks from (none for a first page)."""
    return {name for name in call.json["variables"] if name.startswith("after_")}


async def test_existing_comments_are_read_across_all_pages(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """With 120 human comments first, the bot's own markers sit on page 2 of 100: still found,
    by a follow-up query for the threads and reviews only (the conversation fits one page)."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    for n in range(120):
        github.add_review_comment(
            REPO, 7, "shop/config.py", 6, f"Please fix this ({n})", user="ada"
        )
    await deliver(bot, "pull_request", data)
    await settle(bot)
    ours = [c for c in github.review_comments(REPO, 7) if c["user"]["login"] == "readiness[bot]"]
    assert ours

    github.set_permission(REPO, "mona", "admin")
    await deliver(bot, "issue_comment", _comment("mona", "/readiness recheck"))
    await settle(bot)
    assert len(github.check_runs) == 2
    first, more = github.calls("POST", "/graphql#pullRequest")[-2:]
    assert not cursors_of(first)  # the first page rides along the review's files
    assert cursors_of(more) == {"after_reviewThreads", "after_reviews"}
    again = [c for c in github.review_comments(REPO, 7) if c["user"]["login"] == "readiness[bot]"]
    assert again == ours


async def test_rate_limits_and_server_errors_are_retried(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """A secondary rate limit with Retry-After, then a 502 on the diff: the review still lands."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.fail(
        "POST",
        f"/repos/{REPO}/check-runs",
        403,
        headers={"Retry-After": "1"},
        json={"message": "You have exceeded a secondary rate limit."},
    )
    github.fail("GET", f"/repos/{REPO}/pulls/7", 502, json={"message": "Server Error"})
    started = time.monotonic()
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    assert len(github.calls("POST", f"/repos/{REPO}/check-runs")) == 2
    (run,) = github.check_runs
    assert run["conclusion"] == "failure"


async def test_a_review_that_could_not_read_everything_completes_neutral(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """An invalid config on the base branch: no finding, yet the check is not green, and the
    summary says what was not reviewed."""
    base = {".github/readiness.yml": "allow: [", "README.md": "# Shop\n"}
    data = open_pull(github, tmp_path / "repo", base, {**base, "README.md": "# Shop\n\nHi.\n"})
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    (run,) = github.check_runs
    assert run["conclusion"] == "neutral"
    assert run["output"]["title"] == "No problems found in 1 file; not fully reviewed"
    assert "`.github/readiness.yml` is not valid YAML" in run["output"]["summary"]


async def test_a_review_reads_every_file_it_needs_in_one_graphql_request(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Both sides of each changed file, the config, .gitattributes, the organisation's config,
    the conversation and the app's run on the head: one GraphQL query (up to 100 files), no
    request per file.
    The whole review's requests are counted, in order."""
    typical = {path: text for path, text in HEAD.items() if path != "docs/notes.txt"}
    data = open_pull(github, tmp_path / "repo", BASE, typical)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    (query,) = github.calls("POST", "/graphql#object")
    expressions = set(query.json["variables"].values())
    head, base = data["pull_request"]["head"]["sha"], data["pull_request"]["base"]["sha"]
    assert f"{head}:shop/config.py" in expressions and f"{base}:shop/config.py" in expressions
    assert "HEAD:readiness.yml" in expressions  # the organisation's, in the same request
    assert not github.calls("GET", f"/repos/{REPO}/contents/*")
    # The review's own requests (the token and the app's startup reads are not per review).
    # The webhook named head and base, so the PR is read once, right before publishing; the
    # compare gives the merge base and the patches, so the diff is not read; the head's file
    # listing is the base's with the change applied; the conversation's threads, reviews and
    # comments ride along the files' GraphQL request, not three listings. Before, this took 15.
    made = [f"{c.method} {c.path}" for c in github.calls() if not c.path.startswith("/app")]
    (run,) = runs_for(github, head)
    assert made == [
        f"GET /repos/{REPO}/compare/{base}...{head}",
        f"GET /repos/{REPO}/git/trees/{base}",
        "POST /graphql",
        f"POST /repos/{REPO}/check-runs",
        f"GET /repos/{REPO}/pulls/7",  # still the head? still open? a draft?
        f"POST /repos/{REPO}/pulls/7/reviews",
        f"PATCH /repos/{REPO}/check-runs/{run['id']}",
    ], made


QUIET = {**BASE, "shop/config.py": CONFIG_BASE + "\nCURRENCY = os.environ.get('CURRENCY', 'EUR')\n"}


async def test_a_quiet_review_makes_five_requests(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Nothing to say on the conversation: the pull request's state, draft flag and head come
    with the files' GraphQL request, and the run is completed without reading the PR again."""
    data = open_pull(github, tmp_path / "repo", BASE, QUIET)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    head, base = data["pull_request"]["head"]["sha"], data["pull_request"]["base"]["sha"]
    (run,) = runs_for(github, head)
    assert run["conclusion"] == "success", run["output"]
    made = [f"{c.method} {c.path}" for c in github.calls() if not c.path.startswith("/app")]
    assert made == [
        f"GET /repos/{REPO}/compare/{base}...{head}",
        f"GET /repos/{REPO}/git/trees/{base}",
        "POST /graphql",
        f"POST /repos/{REPO}/check-runs",
        f"PATCH /repos/{REPO}/check-runs/{run['id']}",
    ], made
    assert not github.reviews_of(REPO, 7)


ANNOTATIONS_ONLY = {".github/readiness.yml": "comments: annotations-only\n"}
DECLINED = "\n\ndef test_charge_declined_card(stripe_stub):"
WITHOUT_DECLINED = TESTS_BASE.replace(
    TESTS_BASE[TESTS_BASE.index(DECLINED) : TESTS_BASE.index("\n\ndef test_charge_succeeds")], ""
)


@pytest.mark.parametrize(
    ("body", "icon"),
    [
        ("The declined-card test is obsolete: the stub no longer declines cards.", "🔵"),
        ("Tidy the checkout tests; remove unused imports.", "🟠"),
    ],
)
async def test_a_removed_test_the_pull_request_body_explains_is_a_notice(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path, body: str, icon: str
) -> None:
    """The pull request's title, body and commits' messages ride along the files' GraphQL
    request: a body that says the removed test is obsolete makes it a notice, an unrelated one
    leaves the warning, and the quiet review still makes five requests."""
    base = {**BASE, **ANNOTATIONS_ONLY}
    head = {**base, "tests/test_checkout.py": WITHOUT_DECLINED}
    data = open_pull(github, tmp_path / "repo", base, head, body=body)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    head_sha, base_sha = data["pull_request"]["head"]["sha"], data["pull_request"]["base"]["sha"]
    (run,) = runs_for(github, head_sha)
    assert f"| {icon} | `tests/removed-test` |" in run["output"]["summary"]  # a removed line
    (query,) = github.calls("POST", "/graphql#object")
    assert "commits(last: 100)" in query.json["query"]
    made = [f"{c.method} {c.path}" for c in github.calls() if not c.path.startswith("/app")]
    assert made == [
        f"GET /repos/{REPO}/compare/{base_sha}...{head_sha}",
        f"GET /repos/{REPO}/git/trees/{base_sha}",
        "POST /graphql",
        f"POST /repos/{REPO}/check-runs",
        f"PATCH /repos/{REPO}/check-runs/{run['id']}",
    ], made


async def test_a_quiet_review_of_a_pull_request_closed_before_its_reads_publishes_nothing(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Closed between the webhook and the review's reads: the reads say so, and the run is
    closed as cancelled rather than judged."""
    data = open_pull(github, tmp_path / "repo", BASE, QUIET)
    github.repo(REPO).pulls[7].state = "closed"
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    (run,) = runs_for(github, data["pull_request"]["head"]["sha"])
    assert run["conclusion"] == "cancelled"
    assert run["output"]["title"] == "Pull request closed"
    assert not github.calls("GET", f"/repos/{REPO}/pulls/7")


async def test_a_quiet_review_of_a_head_pushed_over_before_its_reads_is_superseded(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """A newer push the reads already see: the old head's run is cancelled as superseded."""
    data = open_pull(github, tmp_path / "repo", BASE, QUIET)
    old_head = data["pull_request"]["head"]["sha"]
    newer = make_repo(tmp_path / "repo2", BASE, {**QUIET, "README.md": "# Shop\n"})
    github.update_pull(REPO, 7, head_sha=newer.head, diff=newer.diff)
    await deliver(bot, "pull_request", data)  # the delivery of the older push, late
    assert await settle(bot) == {"done": 1}
    (run,) = runs_for(github, old_head)
    assert run["conclusion"] == "cancelled"
    assert run["output"]["title"] == "Superseded by a newer push"


async def test_a_file_not_in_utf8_makes_the_review_read_the_raw_diff(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The compare's JSON patches cannot carry bytes that are not UTF-8; the raw diff can,
    so the review reads it and reports the file as it is."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    reads = github.calls("GET", f"/repos/{REPO}/pulls/7")
    diffs = [c for c in reads if "diff" in {k.lower(): v for k, v in c.headers.items()}["accept"]]
    assert len(diffs) == 1
