"""Mask secret values before they reach a finding, a log line or a comment."""

from __future__ import annotations

MASK = "****"
SHORT = 12
WITH_TAIL = 16


def redact(value: str) -> str:
    """Show a few leading and the last 4 characters only, so reviewers can tell keys apart.

    Values under 12 characters are masked whole; the head is a quarter of the value (8 at most)
    and the tail is kept from 16 characters on, so at least half of any value stays hidden.
    """
    if len(value) < SHORT:
        return MASK
    head = value[: min(8, len(value) // 4)]
    tail = value[-4:] if len(value) >= WITH_TAIL else ""
    return f"{head}…{tail}"
