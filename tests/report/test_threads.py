"""Which of the app's review threads a push settled: only its own, only when every finding it
names is gone, never one a person replied in, and nothing after a partial review."""

from __future__ import annotations

from bot.github.conversation import Comment, Conversation, Thread
from bot.report.threads import Settled, settled
from bot.rules.model import Finding, Severity

BOT = "readiness[bot]"


def marked(*fingerprints: str) -> str:
    return "A finding.\n" + "\n".join(f"<!-- readiness:fingerprint={fp} -->" for fp in fingerprints)


def thread(
    n: int, *fingerprints: str, by: str = BOT, resolved: bool = False, replies: int = 0
) -> Thread:
    return Thread(f"T{n}", resolved, Comment(marked(*fingerprints), by), replies)


def found(*fingerprints: str) -> list[Finding]:
    return [
        Finding("secrets/jwt", "secrets", "a.py", 1, Severity.WARNING, "m", fp)
        for fp in fingerprints
    ]


CONVERSATION = Conversation(
    threads=(
        thread(1, "a1", "b2"),  # both gone: resolved, 2 findings
        thread(2, "c3", "d4"),  # d4 still found: left open
        thread(3, "e5", by="ada"),  # a person's thread, even with our marker
        thread(4, "f6", replies=1),  # someone replied: theirs to close
        thread(5, "a7", resolved=True),  # gone and already resolved: counted, not asked again
        thread(6, "b8", resolved=True),  # resolved by a person while still found: untouched
        Thread("T7", False, Comment("No marker here.", BOT), 0),
        Thread("T8", False, None, 0),  # its first comment was deleted
    )
)


def test_only_the_app_s_threads_whose_findings_are_all_gone_are_resolved() -> None:
    result = settled(CONVERSATION, found("d4", "b8"), BOT, complete=True)
    assert result == Settled({"T1": 2}, closed=1)


def test_only_threads_github_resolved_count() -> None:
    result = settled(CONVERSATION, found("d4", "b8"), BOT, complete=True)
    assert result.fixed({"T1"}) == 3
    assert result.fixed(set()) == 1


def test_a_partial_review_settles_nothing() -> None:
    """A finding missing from a review that could not read everything may be unread."""
    assert settled(CONVERSATION, found(), BOT, complete=False) == Settled({})
