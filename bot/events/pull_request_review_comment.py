"""pull_request_review_comment `created`: a `/readiness` command written on a line of the diff.

The same commands, people and rules as in the conversation (`issue_comment.py`); the answer goes
in the comment's review thread. Edited and deleted comments have no handler.
"""

from __future__ import annotations

from typing import Any

from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot.events.issue_comment import command_job
from bot.events.payloads import PullRequestReviewCommentEvent
from bot.jobs.model import Job, ReviewThread

router = Router()


@router.register("pull_request_review_comment", action="created")
async def on_pull_request_review_comment_created(event: Event, jobs: list[Job], **_: Any) -> None:
    data = PullRequestReviewCommentEvent.model_validate(event.data)
    comment = data.comment
    thread = ReviewThread(
        node_id=comment.node_id,
        top=comment.in_reply_to_id or comment.id,
        path=comment.path,
        commit_id=comment.commit_id,
    )
    job = command_job(
        comment,
        event,
        installation_id=data.installation.id,
        repo=data.repository.full_name,
        number=data.pull_request.number,
        thread=thread,
    )
    jobs.extend([job] if job else [])
