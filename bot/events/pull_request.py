"""pull_request: review each new head of an open PR."""

from __future__ import annotations

from typing import Any

from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot.jobs.model import Job, ReviewJob

router = Router()


@router.register("pull_request", action="opened")
@router.register("pull_request", action="reopened")
@router.register("pull_request", action="synchronize")
@router.register("pull_request", action="ready_for_review")
async def on_pull_request_changed(event: Event, jobs: list[Job], **_: Any) -> None:
    pull = event.data["pull_request"]
    jobs.append(
        ReviewJob(
            installation_id=int(event.data["installation"]["id"]),
            repo=str(event.data["repository"]["full_name"]),
            number=int(pull["number"]),
            head_sha=str(pull["head"]["sha"]),
            trigger=f"pull_request.{event.data['action']}",
            delivery_id=event.delivery_id,
        )
    )
