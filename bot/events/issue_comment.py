"""issue_comment `created`: `/readiness <command> [arguments]` on a pull request.

Only new comments by people count: an edited comment is not a new command (its `edited` event
has no handler), and bots (`type` Bot, logins ending `[bot]`, ourselves included) are never
answered, so two bots cannot talk to each other forever.
"""

from __future__ import annotations

from typing import Any

from gidgethub.routing import Router
from gidgethub.sansio import Event

from bot.events.payloads import Comment, IssueCommentEvent
from bot.jobs.model import CommandJob, Job

router = Router()
PREFIX = "/readiness"


def parse_command(body: str) -> tuple[str, str] | None:
    """Return (command, arguments) of a comment whose first line is `/readiness <command> …`.

    None when the comment is not a command; a bare `/readiness` asks for `help`.
    """
    words = (body.strip().splitlines() or [""])[0].split(maxsplit=2)
    if not words or words[0].lower() != PREFIX:
        return None
    if len(words) == 1:
        return "help", ""
    return words[1].lower(), words[2] if len(words) > 2 else ""


def author(comment: Comment) -> str | None:
    """Return the login of the person who wrote the comment; None for an app (ourselves
    included), a bot, or a deleted account."""
    user = comment.user
    if comment.performed_via_github_app or user is None:
        return None
    return None if user.type == "Bot" or user.login.endswith("[bot]") else user.login


@router.register("issue_comment", action="created")
async def on_issue_comment_created(event: Event, jobs: list[Job], **_: Any) -> None:
    data = IssueCommentEvent.model_validate(event.data)
    issue, comment = data.issue, data.comment
    user = author(comment)
    if issue.pull_request is None or user is None:
        return
    parsed = parse_command(comment.body or "")
    if parsed is None:
        return
    command, args = parsed
    jobs.append(
        CommandJob(
            installation_id=data.installation.id,
            repo=data.repository.full_name,
            number=issue.number,
            comment_id=comment.id,
            user=user,
            command=command,
            delivery_id=event.delivery_id,
            args=args,
        )
    )
