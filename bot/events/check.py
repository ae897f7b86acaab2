"""check_run / check_suite `rerequested`: the "Re-run" buttons in GitHub's UI."""

from __future__ import annotations

from typing import Any

from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot.events.payloads import CheckRunEvent, CheckSuite, CheckSuiteEvent, Installation, Repository
from bot.jobs.model import Job, ReviewJob
from bot.report.checks import CHECK_NAME

router = Router()


def _rerun(
    event: Event,
    jobs: list[Job],
    installation: Installation,
    repository: Repository,
    target: CheckSuite,
) -> None:
    numbers: list[int | None] = [pull.number for pull in target.pull_requests]
    for number in numbers or [None]:  # empty for forks: the worker looks the PR up by head
        jobs.append(
            ReviewJob(
                installation_id=installation.id,
                repo=repository.full_name,
                number=number,
                head_sha=target.head_sha,
                trigger=f"{event.event}.rerequested",
                delivery_id=event.delivery_id,
            )
        )


@router.register("check_run", action="rerequested")
async def on_check_run_rerequested(event: Event, jobs: list[Job], app_id: int, **_: Any) -> None:
    data = CheckRunEvent.model_validate(event.data)
    run = data.check_run
    if run.app is not None and run.app.id == app_id and run.name == CHECK_NAME:
        _rerun(event, jobs, data.installation, data.repository, run)


@router.register("check_suite", action="rerequested")
async def on_check_suite_rerequested(event: Event, jobs: list[Job], app_id: int, **_: Any) -> None:
    data = CheckSuiteEvent.model_validate(event.data)
    suite = data.check_suite
    if suite.app is not None and suite.app.id == app_id:
        _rerun(event, jobs, data.installation, data.repository, suite)
