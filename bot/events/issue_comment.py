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
from bot.jobs.model import CommandJob, Job, ReviewThread

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


def command_job(
    comment: Comment,
    event: Event,
    *,
    installation_id: int,
    repo: str,
    number: int,
    thread: ReviewThread | None = None,
) -> CommandJob | None:
    """The job answering `comment` on pull request `number`, or None when it is no command or
    was not written by a person."""
    user = author(comment)
    parsed = parse_command(comment.body or "") if user is not None else None
    if user is None or parsed is None:
        return None
    command, args = parsed
    return CommandJob(
        installation_id=installation_id,
        repo=repo,
        number=number,
        comment_id=comment.id,
        user=user,
        command=command,
        delivery_id=event.delivery_id,
        args=args,
        thread=thread,
    )


@router.register("issue_comment", action="created")
async def on_issue_comment_created(event: Event, jobs: list[Job], **_: Any) -> None:
    data = IssueCommentEvent.model_validate(event.data)
    if data.issue.pull_request is None:
        return
    job = command_job(
        data.comment,
        event,
        installation_id=data.installation.id,
        repo=data.repository.full_name,
        number=data.issue.number,
    )
    jobs.extend([job] if job else [])
