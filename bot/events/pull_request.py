"""pull_request: review each new head of an open PR."""

from __future__ import annotations

from typing import Any

from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot.events.payloads import PullRequestEvent
from bot.jobs.model import Job, ReviewJob

router = Router()


@router.register("pull_request", action="opened")
@router.register("pull_request", action="reopened")
@router.register("pull_request", action="synchronize")
@router.register("pull_request", action="ready_for_review")
async def on_pull_request_changed(event: Event, jobs: list[Job], **_: Any) -> None:
    data = PullRequestEvent.model_validate(event.data)
    jobs.append(
        ReviewJob(
            installation_id=data.installation.id,
            repo=data.repository.full_name,
            number=data.pull_request.number,
            head_sha=data.pull_request.head.sha,
            base_sha=data.pull_request.base.sha,
            trigger=f"pull_request.{data.action}",
            delivery_id=event.delivery_id,
        )
    )
