"""issue_comment `created`: `/readiness <command>` on a pull request."""

from __future__ import annotations

from typing import Any

from gidgethub.routing import Router
from gidgethub.sansio import Event

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
    issue, comment = event.data["issue"], event.data["comment"]
    if not issue.get("pull_request") or comment.get("performed_via_github_app"):
        return
    if comment.get("user", {}).get("type") == "Bot":  # never answer bots, ourselves included
        return
    command = parse_command(str(comment.get("body") or ""))
    if command is None:
        return
    jobs.append(
        CommandJob(
            installation_id=int(event.data["installation"]["id"]),
            repo=str(event.data["repository"]["full_name"]),
            number=int(issue["number"]),
            comment_id=int(comment["id"]),
            user=str(comment["user"]["login"]),
            command=command,
            delivery_id=event.delivery_id,
        )
    )
