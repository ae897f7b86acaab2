"""The port reads a PR's conversation in one GraphQL request (more only for a connection past
100 nodes) and resolves review threads, through the double, which serves both from the state
its REST endpoints serve and checks every query and mutation against GitHub's schema."""

from __future__ import annotations

import logging

import pytest

from bot.github.api import THREADS_PER_MUTATION, RepoAPI
from bot.github.conversation import SELECTION, Comment, parse
from tests.conftest import REPO
from tests.fake_github import FakeGitHub

DIFF = b"""\
diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1,1 +1,2 @@
 import os
+DEBUG = True
"""
CONVERSATION = "/graphql#pullRequest"


def open_pull(github: FakeGitHub) -> None:
    github.add_pull(
        repo=REPO,
        number=3,
        head_sha="b" * 40,
        base_sha="a" * 40,
        diff=DIFF,
        files_at_head={"app.py": b"import os\nDEBUG = True\n"},
    )


def thread_comment(github: FakeGitHub, body: str, user: str = "readiness[bot]") -> int:
    return int(github.add_review_comment(REPO, 3, "app.py", 2, body, user=user)["id"])


async def test_one_request_reads_threads_reviews_and_comments(
    github: FakeGitHub, api: RepoAPI
) -> None:
    """An app's login comes back as REST names it (`slug[bot]`); a thread is read by its first
    comment, with the number of replies after it."""
    open_pull(github)
    first = thread_comment(github, "<!-- readiness:fingerprint=ab12 -->")
    github.reply(REPO, 3, first, "Intended.", user="ada")
    github.add_issue_comment(REPO, 3, "Thanks!", user="ada")
    github.add_issue_comment(REPO, 3, "Recorded.", user="readiness[bot]")

    read = await api.read_conversation(3)
    assert len(github.calls("POST", CONVERSATION)) == 1
    (thread,) = read.threads
    assert thread.first == Comment("<!-- readiness:fingerprint=ab12 -->", "readiness[bot]")
    assert (thread.resolved, thread.replies) == (False, 1)
    assert read.comments == (Comment("Thanks!", "ada"), Comment("Recorded.", "readiness[bot]"))
    assert len(read.reviews) == 2  # each seeded comment came in a review of its own
    assert not read.more


async def test_more_than_100_threads_are_read_by_follow_ups_for_them_alone(
    github: FakeGitHub, api: RepoAPI
) -> None:
    open_pull(github)
    for n in range(230):
        thread_comment(github, f"note {n}", user="ada")
    github.add_issue_comment(REPO, 3, "One comment.", user="ada")

    read = await api.read_conversation(3)
    assert [t.first.body for t in read.threads if t.first] == [f"note {n}" for n in range(230)]
    assert len(read.reviews) == 230 and len(read.comments) == 1
    queries = [c.json for c in github.calls("POST", CONVERSATION)]
    assert [sorted(q["variables"]) for q in queries] == [
        ["name", "number", "owner"],
        ["after_reviewThreads", "after_reviews", "name", "number", "owner"],
        ["after_reviewThreads", "after_reviews", "name", "number", "owner"],
    ]
    assert all("comments(first: 100" not in q["query"] for q in queries[1:])


async def test_threads_are_resolved_in_batches_and_the_state_says_so(
    github: FakeGitHub, api: RepoAPI
) -> None:
    open_pull(github)
    for n in range(THREADS_PER_MUTATION + 5):
        thread_comment(github, f"finding {n}")
    ids = [t["id"] for t in github.threads(REPO, 3)]

    assert await api.resolve_threads(ids) == set(ids)
    assert len(github.calls("POST", "/graphql#resolveReviewThread")) == 2
    assert {t["resolved_by"] for t in github.threads(REPO, 3)} == {"readiness[bot]"}
    assert all(t.resolved for t in (await api.read_conversation(3)).threads)


async def test_a_thread_github_cannot_find_is_logged_and_the_rest_counted(
    github: FakeGitHub, api: RepoAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """Resolving tidies up after the review: a thread deleted meanwhile (NOT_FOUND) is logged
    and left, the others of its request still count, and the review goes on."""
    open_pull(github)
    thread_comment(github, "finding")
    (thread,) = github.threads(REPO, 3)
    with caplog.at_level(logging.WARNING):
        assert await api.resolve_threads(["PRRT_404", thread["id"]]) == {thread["id"]}
    assert "GitHub did not resolve every review thread" in caplog.text
    assert "Could not resolve to a node with the global id of 'PRRT_404'" in caplog.text


async def test_another_query_can_carry_the_first_page(github: FakeGitHub, api: RepoAPI) -> None:
    """SELECTION placed in a query of the caller's own (here beside the PR's number), parsed,
    then handed to the port: only the follow-up for the connection with more is requested."""
    open_pull(github)
    for n in range(101):
        github.add_issue_comment(REPO, 3, f"comment {n}", user="ada")
    query = (
        "query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { "
        f"pullRequest(number: 3) {{ number {SELECTION} }} }} }}"
    )
    data = await api.gh.query(query, {"owner": "acme", "name": "shop"})
    first = parse(data["repository"]["pullRequest"])
    assert len(first.comments) == 100 and set(first.more) == {"comments"}

    read = await api.read_conversation(3, first)
    assert [c.body for c in read.comments] == [f"comment {n}" for n in range(101)]
    (follow_up,) = github.calls("POST", CONVERSATION)[1:]
    assert set(follow_up.json["variables"]) == {"owner", "name", "number", "after_comments"}
