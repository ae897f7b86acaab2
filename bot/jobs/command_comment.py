"""The comment a `/readiness` command was written in, which its reactions and answers go to.

A conversation comment is reacted to and answered in the conversation (REST). A review comment,
on a line of the diff, is reacted to through GraphQL by its node id and answered in its review
thread, so the answer sits next to the question.
"""

from __future__ import annotations

from bot.github.api import RepoAPI
from bot.jobs.model import CommandJob


class CommandComment:
    """React to and reply to one command's comment, wherever it was written."""

    def __init__(self, api: RepoAPI, job: CommandJob) -> None:
        self._api = api
        self._job = job

    async def react(self, content: str) -> None:
        """Add a reaction (`eyes`, `+1`, `confused`) to the comment."""
        thread = self._job.thread
        if thread is None:
            await self._api.react(self._job.comment_id, content)
        else:
            await self._api.react_to_node(thread.node_id, content)

    async def reply(self, body: str) -> None:
        """Answer the comment: in its review thread, or in the conversation."""
        thread = self._job.thread
        if thread is None:
            await self._api.comment(self._job.number, body)
        else:
            await self._api.reply_to_review_comment(
                self._job.number, thread.top, thread.path, thread.commit_id, body
            )
