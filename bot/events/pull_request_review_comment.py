"""pull_request_review_comment `created`: a `/readiness` command written on a line of the diff.

The same commands, people and rules as in the conversation (`issue_comment.py`); the answer goes
in the comment's review thread. Edited and deleted comments have no handler.
"""

from __future__ import annotations

from typing import Any

from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot.events.issue_comment import author, parse_command
from bot.events.payloads import PullRequestReviewCommentEvent
from bot.jobs.model import CommandJob, Job, ReviewThread

router = Router()


@router.register("pull_request_review_comment", action="created")
async def on_pull_request_review_comment_created(event: Event, jobs: list[Job], **_: Any) -> None:
    data = PullRequestReviewCommentEvent.model_validate(event.data)
    comment = data.comment
    user = author(comment)
    if user is None:
        return
    parsed = parse_command(comment.body or "")
    if parsed is None:
        return
    command, args = parsed
    jobs.append(
        CommandJob(
            installation_id=data.installation.id,
            repo=data.repository.full_name,
            number=data.pull_request.number,
            comment_id=comment.id,
            user=user,
            command=command,
            delivery_id=event.delivery_id,
            args=args,
            thread=ReviewThread(
                node_id=comment.node_id,
                top=comment.in_reply_to_id or comment.id,
                path=comment.path,
                commit_id=comment.commit_id,
            ),
        )
    )
