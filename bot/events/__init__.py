"""Translate webhook events into jobs; one module, one Router, per event."""

from __future__ import annotations

from gidgethub.routing import Router

from bot.events import check, issue_comment, pull_request, pull_request_review_comment

router = Router(
    pull_request.router, issue_comment.router, pull_request_review_comment.router, check.router
)
