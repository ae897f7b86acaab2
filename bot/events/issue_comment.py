"""issue_comment `created`: `/readiness <command>` on a pull request."""

from __future__ import annotations

from typing import Any

from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot.events.payloads import IssueCommentEvent
from bot.jobs.model import CommandJob, Job

router = Router()
PREFIX = "/readiness"


def parse_command(body: str) -> str | None:
    """Return the command of a comment whose first line is `/readiness <command>`, else None."""
    words = (body.strip().splitlines() or [""])[0].split()
    if not words or words[0].lower() != PREFIX:
        return None
    return words[1].lower() if len(words) > 1 else "help"


@router.register("issue_comment", action="created")
async def on_issue_comment_created(event: Event, jobs: list[Job], **_: Any) -> None:
    data = IssueCommentEvent.model_validate(event.data)
    issue, comment = data.issue, data.comment
    if issue.pull_request is None or comment.performed_via_github_app or comment.user is None:
        return
    if comment.user.type == "Bot":  # never answer bots, ourselves included
        return
    command = parse_command(comment.body or "")
    if command is None:
        return
    jobs.append(
        CommandJob(
            installation_id=data.installation.id,
            repo=data.repository.full_name,
            number=issue.number,
            comment_id=comment.id,
            user=comment.user.login,
            command=command,
            delivery_id=event.delivery_id,
        )
    )
