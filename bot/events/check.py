"""check_run / check_suite `rerequested`: the "Re-run" buttons in GitHub's UI."""

from __future__ import annotations

from typing import Any

from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot.jobs.model import Job, ReviewJob
from bot.report.checks import CHECK_NAME

router = Router()


def _rerun(event: Event, jobs: list[Job], target: dict[str, Any]) -> None:
    numbers: list[int | None] = [int(pull["number"]) for pull in target.get("pull_requests") or []]
    for number in numbers or [None]:  # empty for forks: the worker looks the PR up by head
        jobs.append(
            ReviewJob(
                installation_id=int(event.data["installation"]["id"]),
                repo=str(event.data["repository"]["full_name"]),
                number=number,
                head_sha=str(target["head_sha"]),
                trigger=f"{event.event}.rerequested",
                delivery_id=event.delivery_id,
            )
        )


@router.register("check_run", action="rerequested")
async def on_check_run_rerequested(event: Event, jobs: list[Job], app_id: int, **_: Any) -> None:
    run = event.data["check_run"]
    if run.get("app", {}).get("id") == app_id and run.get("name") == CHECK_NAME:
        _rerun(event, jobs, run)


@router.register("check_suite", action="rerequested")
async def on_check_suite_rerequested(event: Event, jobs: list[Job], app_id: int, **_: Any) -> None:
    suite = event.data["check_suite"]
    if suite.get("app", {}).get("id") == app_id:
        _rerun(event, jobs, suite)
