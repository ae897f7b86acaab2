"""Real payloads become the right jobs; the app's own events and other apps' are ignored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from gidgethub.sansio import Event

from bot.events import router
from bot.jobs.model import CommandJob, Job, ReviewJob, ReviewThread
from tests.payloads import WEBHOOKS, payload

APP_ID = 4242


async def jobs_for(event: str, data: dict[str, Any]) -> list[Job]:
    jobs: list[Job] = []
    await router.dispatch(Event(data, event=event, delivery_id="d-1"), jobs=jobs, app_id=APP_ID)
    return jobs


@pytest.mark.parametrize(
    "name", ["opened", "synchronize", "reopened", "ready_for_review.with-installation"]
)
async def test_pull_request_pushes_queue_a_review(name: str) -> None:
    data = payload(f"pull_request/{name}")
    action = data["action"]
    assert await jobs_for("pull_request", data) == [
        ReviewJob(
            installation_id=data["installation"]["id"],
            repo=data["repository"]["full_name"],
            number=data["number"],
            head_sha=data["pull_request"]["head"]["sha"],
            base_sha=data["pull_request"]["base"]["sha"],
            trigger=f"pull_request.{action}",
            delivery_id="d-1",
        )
    ]


async def test_closed_pull_request_is_ignored() -> None:
    assert await jobs_for("pull_request", payload("pull_request/closed")) == []


async def test_recheck_comment_queues_a_command() -> None:
    data = payload("issue_comment/created")
    data["comment"]["body"] = "/readiness recheck\nplease"
    assert await jobs_for("issue_comment", data) == [
        CommandJob(
            installation_id=11111,
            repo="all-contributors/all-contributors-bot",
            number=data["issue"]["number"],
            comment_id=data["comment"]["id"],
            user=data["comment"]["user"]["login"],
            command="recheck",
            delivery_id="d-1",
        )
    ]


async def test_a_command_keeps_the_rest_of_its_line_as_arguments() -> None:
    data = payload("issue_comment/created")
    data["comment"]["body"] = "/readiness  IGNORE secrets/jwt docs/  -- an old  sample\nthanks"
    (job,) = await jobs_for("issue_comment", data)
    assert isinstance(job, CommandJob)
    assert (job.command, job.args) == ("ignore", "secrets/jwt docs/  -- an old  sample")


@pytest.mark.parametrize(
    ("body", "user_type", "name"),
    [
        ("@all-contributors please add jakebolam", "User", "created"),  # not a command
        ("/readiness recheck", "Bot", "created"),  # bots, ourselves included
        ("/readiness recheck", "bot-login", "created"),  # an app's login, whatever its type
        ("/readiness recheck", "User", "created.on-issue"),  # an issue, not a PR
    ],
)
async def test_other_comments_are_ignored(body: str, user_type: str, name: str) -> None:
    data = payload(f"issue_comment/{name}")
    data["comment"]["body"] = body
    if user_type == "bot-login":
        data["comment"]["user"]["login"] = "renovate[bot]"
    else:
        data["comment"]["user"]["type"] = user_type
    assert await jobs_for("issue_comment", data) == []


async def test_a_review_comment_command_is_answered_in_its_thread() -> None:
    data = payload("pull_request_review_comment/created")
    data["comment"]["body"] = "/readiness explain secrets/jwt"
    assert await jobs_for("pull_request_review_comment", data) == [
        CommandJob(
            installation_id=1,
            repo="Codertocat/Hello-World",
            number=2,
            comment_id=284312630,
            user="Codertocat",
            command="explain",
            delivery_id="d-1",
            args="secrets/jwt",
            thread=ReviewThread(
                node_id="MDI0OlB1bGxSZXF1ZXN0UmV2aWV3Q29tbWVudDI4NDMxMjYzMA==",
                top=284312630,
                path="README.md",
                commit_id="ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            ),
        )
    ]


async def test_a_command_in_a_reply_is_answered_under_the_thread_s_first_comment() -> None:
    """GitHub threads review comments one level deep: a reply names the thread's first one."""
    data = payload("pull_request_review_comment/created")
    data["comment"].update(body="/readiness recheck", in_reply_to_id=284312001)
    (job,) = await jobs_for("pull_request_review_comment", data)
    assert isinstance(job, CommandJob) and job.thread is not None
    assert (job.comment_id, job.thread.top) == (284312630, 284312001)


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("created", {"body": "Maybe you should use more emojji on this line."}),  # no command
        ("created", {"user": {"login": "readiness[bot]", "type": "Bot"}}),  # ourselves
        ("created", {"user": {"login": "renovate[bot]", "type": "User"}}),  # an app's login
        ("created", {"performed_via_github_app": {"id": 1}}),  # written through an app
        ("created", {"user": None}),  # a deleted account: nobody to check the rights of
        ("edited", {}),  # an edited comment is not a new command
    ],
)
async def test_other_review_comments_are_ignored(name: str, change: dict[str, Any]) -> None:
    data = payload(f"pull_request_review_comment/{name}")
    data["comment"]["body"] = "/readiness recheck"
    data["comment"].update(change)
    assert await jobs_for("pull_request_review_comment", data) == []


async def test_rerun_of_our_check_run_reviews_again() -> None:
    data = payload("check_run/rerequested")
    data["check_run"]["app"]["id"] = APP_ID
    data["check_run"]["name"] = "Readiness"
    (job,) = await jobs_for("check_run", data)
    assert job == ReviewJob(1, "github/hello-world", None, data["check_run"]["head_sha"],
                            "check_run.rerequested", "d-1")  # fmt: skip


async def test_rerun_of_another_apps_check_run_is_ignored() -> None:
    assert await jobs_for("check_run", payload("check_run/rerequested")) == []


async def test_rerun_of_our_check_suite_reviews_its_pull_requests() -> None:
    data = payload("check_suite/rerequested")
    data["check_suite"]["app"]["id"] = APP_ID
    (job,) = await jobs_for("check_suite", data)
    assert isinstance(job, ReviewJob) and job.number == 2
    assert job.head_sha == data["check_suite"]["head_sha"]


def test_app_manifest_subscribes_to_exactly_the_events_we_handle() -> None:
    """Every fixture is run through the router; events that produce routes must match app.yml."""
    handled = set()
    for path in WEBHOOKS.glob("*/*.json"):
        event = path.parent.name
        data = payload(f"{event}/{path.stem}")
        if router.fetch(Event(data, event=event, delivery_id="x")):
            handled.add(event)
    manifest = yaml.safe_load((Path(__file__).parents[2] / "app.yml").read_text())
    assert handled == set(manifest["default_events"])
    assert manifest["default_permissions"] == {
        "checks": "write",
        "pull_requests": "write",
        "contents": "read",
        "issues": "write",
        "metadata": "read",
    }
